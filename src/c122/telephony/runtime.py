"""The telephony that `c122 serve` runs: SIP stack with the operators' registrar, media engine, call
control, the call flow's switch over them, and their health.

Inbound legs go to the call flow (`ControlSwitch.deliver_to`), which decides: a number that is no line
gets 404, a line without a flow 480, a line with a flow its IVR and queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from c122.domain.trunks import Trunk, TrunkDraft
from c122.services.call_flow.ports import KeptCall
from c122.services.health.ports import ComponentHealth, Status
from c122.services.phones.softphone import RtcLegState
from c122.services.restart.ports import TelephonyStateStore
from c122.services.trunks.ports import TrunkLive
from c122.telephony.call_switch import ControlSwitch
from c122.telephony.control import CallControl
from c122.telephony.control.sip_gateway import SipGateway
from c122.telephony.kept_conversations import KeptConversations
from c122.telephony.media.engine import MediaEngine
from c122.telephony.media.metrics import RUNNING_MEDIA
from c122.telephony.media.workers.pool import MediaWorkers
from c122.telephony.node_hop import NodeHops
from c122.telephony.sip import SipStack
from c122.telephony.sip.admission import AdmissionSettings
from c122.telephony.sip.auth import DigestServer
from c122.telephony.sip.kept_dialogs import KeptDialogs
from c122.telephony.sip.kept_registrations import KeptRegistrations
from c122.telephony.sip.overload import OverloadSettings
from c122.telephony.sip.protection import ProtectionSettings
from c122.telephony.sip.registrar import Registrar
from c122.telephony.sip.trunk import TrunkSettings
from c122.telephony.webrtc import OperatorLegs, WebRtcSettings
from c122.telephony.webrtc.app_calls import AppCallLegs
from c122.telephony.webrtc.video_recording import CallVideoRecorders
from c122.telephony.webrtc.video_routes import VideoRoutes

_log = logging.getLogger(__name__)

Ha1Lookup = Callable[[str, str], str | None]  # (account, algorithm) -> stored H(A1)


PAIRS_PER_CALL = 3  # RTP port pairs a call may hold at once: caller, operator, consultation


@dataclass(frozen=True)
class CallLimits:
    """Admission control and early refusal; see docs/operations.md for sizing them."""

    max_calls: int = 0  # 0: derived from the RTP range
    max_calls_per_line: int = 0  # 0: only max_calls
    trunk_reserve_percent: int = 10
    retry_after_seconds: int = 10
    overload_queue_kib: int = 256  # 0: the receive queue is not looked at
    overload_lag_ms: int = 0  # 0: the event loop's lateness is not looked at
    overload_standing_ms: int = 100  # how long a signal stays above its threshold to mean overload

    def overload(self) -> OverloadSettings | None:
        if not self.overload_queue_kib and not self.overload_lag_ms:
            return None
        return OverloadSettings(
            self.overload_queue_kib * 1024,
            self.overload_lag_ms / 1000,
            standing=self.overload_standing_ms / 1000,
        )

    def admission(
        self, rtp_port_min: int, rtp_port_max: int, trunk_hosts: frozenset[str]
    ) -> AdmissionSettings:
        cap = self.max_calls or max(1, (rtp_port_max - rtp_port_min + 1) // 2 // PAIRS_PER_CALL)
        return AdmissionSettings(
            max_calls=cap,
            max_calls_per_line=self.max_calls_per_line,
            trunk_reserve=cap * self.trunk_reserve_percent // 100,
            trunk_hosts=trunk_hosts,
            retry_after=self.retry_after_seconds,
        )


@dataclass(frozen=True)
class TelephonySettings:
    sip_host: str
    sip_port: int
    sip_tls_port: int | None
    sip_tls_cert: str | None
    sip_tls_key: str | None
    sip_ws_port: int | None
    rtp_port_min: int
    rtp_port_max: int
    public_address: str  # empty: announce sip_host
    media_workers: int = 0  # 0: the media engine in this process; N: N media worker processes
    media_worker_cpus: tuple[int, ...] = ()  # the CPU of each worker (empty: not pinned)
    limits: CallLimits = field(default_factory=CallLimits)
    sip_realm: str = "c122"
    sip_digest_algorithms: tuple[str, ...] = ("MD5",)
    trunks: tuple[Trunk, ...] = ()  # carriers for calls to public numbers
    webrtc: WebRtcSettings = field(default_factory=WebRtcSettings)  # operators' browser legs
    app_call_line: str = ""  # the line calls from the citizen app reach (empty: they are refused)
    node_hop_secret: str = ""  # several nodes: signs media hops between them (empty: no hop)
    proxy_hosts: frozenset[str] = frozenset()  # SIP proxies in front (Kamailio): treated as carriers are


class Telephony:
    def __init__(
        self, settings: TelephonySettings, ha1_lookup: Ha1Lookup, kept: TelephonyStateStore | None = None
    ) -> None:
        self._settings = settings
        self.media: MediaEngine | MediaWorkers = (
            MediaWorkers(
                count=settings.media_workers,
                bind_host=settings.sip_host,
                public_address=settings.public_address,
                port_min=settings.rtp_port_min,
                port_max=settings.rtp_port_max,
                cpus=settings.media_worker_cpus,
            )
            if settings.media_workers
            else MediaEngine(
                bind_host=settings.sip_host,
                public_address=settings.public_address,
                port_min=settings.rtp_port_min,
                port_max=settings.rtp_port_max,
            )
        )
        self.control = CallControl(self.media)
        self.registrar = Registrar()
        self.digest = DigestServer(
            settings.sip_realm,
            lambda _account: None,
            algorithms=settings.sip_digest_algorithms,
            ha1_lookup=ha1_lookup,
        )
        tls = settings.sip_tls_cert is not None and settings.sip_tls_key is not None
        # Carriers and the proxies in front send every caller from one address: never rate-limited
        # as one source, and their calls may take the trunks' reserve.
        self._proxy_hosts = settings.proxy_hosts
        trunk_hosts = frozenset(trunk.host for trunk in settings.trunks) | settings.proxy_hosts
        self.sip = SipStack(
            settings.sip_host,
            udp_port=settings.sip_port,
            tcp_port=settings.sip_port,
            tls_port=settings.sip_tls_port if tls else None,
            tls_cert=settings.sip_tls_cert if tls else None,
            tls_key=settings.sip_tls_key if tls else None,
            ws_port=settings.sip_ws_port,
            public_host=settings.public_address or None,
            # Operators' SIP phones register with their login; only phones need a password, so
            # callers from the network (trunks) are let in without a challenge.
            registrar=self.registrar,
            registrar_digest=self.digest,
            protection=ProtectionSettings(exempt_hosts=trunk_hosts),
            admission=settings.limits.admission(settings.rtp_port_min, settings.rtp_port_max, trunk_hosts),
            overload=settings.limits.overload(),
        )
        self.gateway = SipGateway(
            self.sip, self.control, from_domain=settings.public_address or settings.sip_host
        )
        self.switch = ControlSwitch(self.control, registrar=self.registrar, trunks=settings.trunks)
        # Browser legs are placed through call control like outbound legs; other targets go to SIP.
        engine_host = "127.0.0.1" if settings.sip_host in ("", "0.0.0.0", "::") else settings.sip_host
        # Video from the app's calls follows hearing between browser legs (docs/telephony/video.md).
        self.video = VideoRoutes()
        self.control.on_bridge_applied(self.video.bridge_applied)
        # Where the call's group records video: each camera into a WebM file beside the audio.
        self.video_recorders = CallVideoRecorders(self.video)
        self.operator_legs = OperatorLegs(
            self.control,
            replace(settings.webrtc, engine_host=engine_host),
            gateway=self.gateway,
            video=self.video,
        )
        self.switch.find_browser_legs_with(self.operator_legs.channel_for)
        # Several nodes: a call held here reaches a browser leg on another node through a SIP hop.
        self.hops = NodeHops(self.control, settings.node_hop_secret, self.operator_legs.channel_for)
        self.gateway.screen_incoming_with(self.hops.take)
        self.switch.reach_other_nodes_with(self.hops)
        # Calls from the citizen app: browser legs too, entering the line's flow as inbound callers.
        self.app_calls = AppCallLegs(
            self.control,
            replace(settings.webrtc, engine_host=engine_host),
            settings.app_call_line,
            self.sip.admission,
            self.video,
        )
        self.switch.find_origins_with(AppCallLegs.origin_of)
        # What survives a restart of the process (docs/operations.md): registrations and dialogs.
        self.registrations = KeptRegistrations(self.registrar, kept) if kept is not None else None
        self.dialogs = KeptDialogs(self.sip, kept) if kept is not None else None
        self.conversations = (
            KeptConversations(self.control, self.sip, self.dialogs, kept)
            if kept is not None and self.dialogs is not None
            else None
        )
        self._taken_over: list[KeptCall] = []
        self._video_watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Binds the ports, with the registrations of the previous run back in the registrar, its
        conversations taken over (their RTP ports bound before any other is handed out; `taken_over`)
        and the other dialogs it left read (`end_previous_calls` ends them)."""
        await self.media.start()
        RUNNING_MEDIA.show(self.media)
        if self.registrations is not None:
            restored = await self.registrations.load()
            _log.info("SIP registrations kept from the previous run: %d", restored)
        if self.dialogs is not None:
            await self.dialogs.load()
        if self.conversations is not None:
            self._taken_over = await self.conversations.take_over()
            self.switch.track(call.caller_leg for call in self._taken_over)
            self.switch.track(call.operator_leg for call in self._taken_over)
        await self.sip.start()
        self.hops.start()
        _log.info("SIP listening on %s %s", self._settings.sip_host, self.sip.bound_ports)
        self._video_watch = asyncio.get_running_loop().create_task(self.video.watch())

    def taken_over(self) -> list[KeptCall]:
        """The conversations taken over on start, once (the call flow resumes them)."""
        taken, self._taken_over = self._taken_over, []
        return taken

    def end_previous_calls(self) -> int:
        """A BYE in every SIP dialog a stopped process left (callers and operators' phones)."""
        return self.dialogs.end_previous() if self.dialogs is not None else 0

    async def stop(self) -> None:
        if self._video_watch is not None:
            self._video_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._video_watch
        await self.app_calls.close()
        await self.hops.close()
        await self.video_recorders.finish_all()
        await self.operator_legs.close()
        await self.switch.close()
        await self.gateway.close()
        await self.sip.stop()
        if self.conversations is not None:
            await self.conversations.close()
        if self.dialogs is not None:
            await self.dialogs.close()
        if self.registrations is not None:
            await self.registrations.close()
        RUNNING_MEDIA.hide(self.media)
        await self.media.stop()

    def apply_trunks(self, trunks: Sequence[TrunkDraft]) -> None:
        """The trunks from now on (the trunks screen, without a restart): routes for new calls, the
        carriers' addresses (and the proxies' in front) let in without rate limits or the reserve cut,
        and OPTIONS probes and registrations. Calls up keep their trunk."""
        self.switch.set_trunks([t.routing for t in trunks])
        hosts = frozenset(t.host for t in trunks) | self._proxy_hosts
        if self.sip.protection is not None:
            self.sip.protection.settings = replace(self.sip.protection.settings, exempt_hosts=hosts)
        if self.sip.admission is not None:
            self.sip.admission.settings = replace(self.sip.admission.settings, trunk_hosts=hosts)
        self.sip.set_trunks(tuple(s for s in (_sip_trunk(t) for t in trunks) if s is not None))

    def trunk_live(self, name: str) -> TrunkLive | None:
        if not self.switch.has_trunk(name):
            return None
        calls = self.switch.calls_up(name)
        refused = self.switch.refused_at_limit(name)
        trunk = self.sip.trunks.get(name)
        if trunk is None:  # neither probed nor registered
            return TrunkLive("unknown", False, None, calls, refused)
        return TrunkLive(trunk.state, trunk.registered, trunk.latency_ms, calls, refused)

    def registered(self, account: str) -> bool:
        return bool(self.registrar.lookup(account))

    async def sip_health(self) -> ComponentHealth:
        health = self.sip.health()
        status = {"up": Status.OK, "degraded": Status.DEGRADED}.get(health.status, Status.DOWN)
        listening = ", ".join(f"{name} {port}" for name, port in sorted(self.sip.bound_ports.items()))
        detail = f"{health.status}: {listening}" if listening else health.status
        down = sorted(name for name, state in health.trunks.items() if state == "down")
        if down:
            detail += "; trunks down: " + ", ".join(down)
        if self.sip.draining:
            detail += "; draining: new calls get 503"
        full = self.switch.trunks_at_limit()
        if full:  # not a fault: the next call out through them is refused until one ends
            detail += "; trunks at their call limit: " + ", ".join(full)
        return ComponentHealth(status, detail[:300])

    async def media_health(self) -> ComponentHealth:
        health = self.media.health() if isinstance(self.media, MediaEngine) else await self.media.health()
        status = {"ok": Status.OK, "degraded": Status.DEGRADED}.get(health.status, Status.DOWN)
        legs = self.operator_legs.states()
        failed = legs[RtcLegState.FAILED]
        if failed and status is Status.OK:
            status = Status.DEGRADED  # an operator's browser lost its audio and has not come back yet
        browser = (
            f"browser legs: {legs[RtcLegState.CONNECTED]} connected, "
            f"{legs[RtcLegState.CONNECTING]} connecting, {failed} failed"
        )
        detail = health.detail or f"{health.endpoints} endpoint(s), {health.ports_free} free ports"
        return ComponentHealth(status, f"{detail}; {browser}")


def _sip_trunk(trunk: TrunkDraft) -> TrunkSettings | None:
    """What the SIP stack probes and registers for a trunk (it registers only when asked to); None for a
    trunk neither probed nor registered (its state stays unknown)."""
    registers = trunk.register and trunk.username is not None and trunk.password is not None
    if not registers and not trunk.keepalive_s:
        return None
    return TrunkSettings(
        trunk.name,
        trunk.host,
        trunk.port,
        trunk.transport,
        username=trunk.username if registers else None,
        password=trunk.password if registers else None,
        keepalive_interval=float(trunk.keepalive_s or 30),
        options=bool(trunk.keepalive_s),
    )
