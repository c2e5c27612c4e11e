"""The one place that builds the adapters and wires them to the use cases."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from c122.api.app import create_app
from c122.api.context import ApiContext
from c122.channels.citizen import CitizenMediaCleaner, LoggedCodeSender
from c122.channels.lookups.sources import LookupSources
from c122.channels.messenger.telegram import TelegramBot
from c122.channels.push import vapid
from c122.channels.push.native import NativePushSender
from c122.channels.push.webpush import WebPushSender
from c122.channels.sms.kannel import KannelGateway
from c122.clock import SystemClock
from c122.config import Settings, retention_by_group, sip_proxy_addresses, split_list, worker_cpus
from c122.domain.acd import to_records
from c122.domain.acd.kpi import KpiDefinitions
from c122.domain.calls import NODE_LOST
from c122.domain.citizen import Channel, CodePolicy
from c122.domain.clock import Clock
from c122.domain.errors import DatabaseUnavailable, WritesBlocked
from c122.domain.push import SubscriptionKind
from c122.domain.trunks import TrunkDraft
from c122.domain.users import Actor
from c122.persistence.calls import FileRecordings
from c122.persistence.citizen import FileMediaStore
from c122.persistence.database import DatabaseTimeouts, create_engine, create_writer_engine
from c122.persistence.leadership import AdvisoryLockLeadership
from c122.persistence.outbox import FileOutbox
from c122.persistence.sealing import Sealer
from c122.persistence.shared_sign_in_limits import SharedSignInLimits
from c122.persistence.telephony_state import SqlTelephonyState
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.realtime import reactions as realtime_reactions
from c122.realtime.acd_relay import NodeDesks, RedisAcdRelay, RelayTarget
from c122.realtime.bus import EventBus, InProcessEventBus
from c122.realtime.handover import StreamHandover
from c122.realtime.hub import DEFAULT_RESUME_GRACE_SECONDS, EventHub
from c122.realtime.protocol import CloseReason, ReloadReason
from c122.realtime.redis_bus import RedisEventBus
from c122.reports.job_store import FileExportJobStore
from c122.reports.mail import SmtpMailer
from c122.reports.tables import FileTableWriters
from c122.security.passwords import Argon2PasswordHasher
from c122.services.abandoned.service import AbandonedCalls
from c122.services.accounts import reactions as accounts_reactions
from c122.services.accounts.ports import SignInPolicy
from c122.services.accounts.presence import PresenceService
from c122.services.accounts.service import AuthPolicy, AuthService
from c122.services.accounts.sign_in_limits import MemorySignInLimits
from c122.services.audit.service import AuditTrail
from c122.services.board.service import Board
from c122.services.bot.app import AppConversations
from c122.services.bot.intake import IntakeHandOver
from c122.services.bot.service import ChatBot
from c122.services.bot.sms import SmsConversations
from c122.services.call_flow import CallFlowContext, CallFlowService, CallFlowSettings
from c122.services.call_flow import reactions as call_flow_reactions
from c122.services.call_flow.context import DEFAULT_MUSIC, RecordSink
from c122.services.call_flow.video import CallVideo
from c122.services.calls import reactions as call_records_reactions
from c122.services.calls.outbox import OutboxedCallRecords
from c122.services.calls.recordings import RecordingRetention, RecordingUpkeep
from c122.services.calls.service import EXPORT_SOURCE, CallRecordService
from c122.services.calls.writer import BatchingRecordWriter
from c122.services.cases import reactions as cases_reactions
from c122.services.cases.chat_access import CardAccess
from c122.services.cases.service import CaseServices
from c122.services.citizen.chat import CaseChat
from c122.services.citizen.ports import OneTimeCodeSender
from c122.services.citizen.service import CitizenApp, CitizenLimits
from c122.services.citizen_call.ports import NoAppCallMedia
from c122.services.citizen_call.progress import FlowProgress
from c122.services.citizen_call.service import CitizenCalls
from c122.services.contact_center import ContactCenter
from c122.services.contact_center import reactions as contact_center_reactions
from c122.services.contact_center.membership import QueueMembership
from c122.services.contact_center.queue_figures import WaitingCallBoard
from c122.services.exports.service import ExportAccess, ExportJobs
from c122.services.health.ports import ComponentHealth, Probe, Status
from c122.services.health.service import HealthService
from c122.services.help_requests import reactions as help_requests_reactions
from c122.services.help_requests.service import HelpRequests
from c122.services.intake.service import Intake
from c122.services.internal_events import InternalEventBus
from c122.services.ivr.prompts import PromptLimits, PromptService
from c122.services.ivr.service import IvrFlowService
from c122.services.lookups.service import Lookups
from c122.services.messages.service import Messages
from c122.services.messenger.service import MessengerChannel, MessengerLimits
from c122.services.organisation import reactions as organisation_reactions
from c122.services.organisation.directory import Directory
from c122.services.organisation.operator_camera import OperatorCamera
from c122.services.organisation.service import OrganisationAdmin
from c122.services.organisation.video_recording import VideoRecordingPolicy
from c122.services.outbox import DeferredWrites
from c122.services.phone_book.service import PhoneBook
from c122.services.phones.service import OperatorPhoneService, SipEndpoint
from c122.services.phones.softphone import NoSoftphoneMedia
from c122.services.push import reactions as push_reactions
from c122.services.push.ports import PushSender
from c122.services.push.service import AppPush
from c122.services.push.status_notice import StatusNotices
from c122.services.reports.schedules import ReportSchedules
from c122.services.reports.service import Reports
from c122.services.restart import RestartRecovery
from c122.services.routing.service import RoutingRules
from c122.services.sms.code_sender import SmsCodeSender
from c122.services.sms.service import SmsChannel
from c122.services.statistics.ports import LiveQueue
from c122.services.statistics.service import (
    CallStatistics,
    RecentCaseTypes,
    ShiftClock,
    ShiftStatistics,
    StaffingPlanner,
)
from c122.services.supervision.monitoring import Monitoring
from c122.services.supervision.service import Supervision
from c122.services.trunks.service import TrunkAdmin
from c122.telephony import reactions as telephony_reactions
from c122.telephony.prompt_audio import PromptAudioFiles
from c122.telephony.runtime import CallLimits, Telephony, TelephonySettings
from c122.telephony.sip.auth import stored_ha1
from c122.telephony.webrtc import IceSettings, WebRtcSettings

_log = logging.getLogger(__name__)

HEALTH_INTERVAL_SECONDS = 5.0
HEALTH_WRITE_PROBE_SECONDS = 2.0  # inside the health probe's 3 s
ACD_TICK_SECONDS = 1.0
RECONCILE_SECONDS = 10.0  # the ACD's calls against the call flow's (see CallFlowService.reconcile)
SESSION_SWEEP_SECONDS = 60.0
STREAM_EXPIRY_SECONDS = 30.0
OUTBOX_DRAIN_SECONDS = 2.0
BOARD_EXPIRY_SECONDS = 5.0  # an expired notice leaves the board within this
ROUTES_REFRESH_SECONDS = 60.0
TRUNKS_REFRESH_SECONDS = 60.0  # stored trunks replace the file's within this once the database is back
SMS_DISPATCH_SECONDS = 1.0  # a queued SMS whose retry is due goes within this
REPORT_SCHEDULE_SECONDS = 30.0  # a scheduled report goes within this of its time (or its retry's)
RECORDING_UPKEEP_SECONDS = 60.0  # recordings compressed after the call, deleted after their retention
# Call recordings given by a relative path live here, under the data directory.
RECORDINGS_DIR = "recordings"
EXPORTS_DIR = "exports"
CITIZEN_MEDIA_DIR = "citizen-media"
# Call-path writes waiting for the database, under the data directory (docs/operations.md).
OUTBOX_DIR = "outbox"


@dataclass
class Application:
    """Everything `c122 serve` runs, built but not yet started."""

    settings: Settings
    context: ApiContext
    app: FastAPI
    uow_factory: SqlUnitOfWorkFactory
    bus: EventBus
    waiting_calls: WaitingCallBoard
    contact_center: ContactCenter
    telephony: Telephony | None = None
    recovery: RestartRecovery | None = None
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    writes: DeferredWrites | None = None
    relay: RedisAcdRelay | None = None  # several nodes: the ACD's commands to the leader
    video_policy: VideoRecordingPolicy | None = None  # what the call flow asks of a group's video
    recordings: FileRecordings | None = None  # its compressor process is stopped with the application

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Application]:
        """Runs the periodic jobs while the block runs; disposes of the database pool after."""
        if self.writes is not None:  # what the last run left in the outbox lands before anything reads
            await self.writes.drain()
        await self.contact_center.start()
        await self.context.phones.load()
        await self.context.trunks.start()  # the file's trunks imported once; the stored ones applied
        await self.context.routing.start()  # the shipped production calendars, for years not yet stored
        if self.telephony is not None:
            await self._start_telephony(self.telephony)
        if self.context.call_flow is not None:
            await self.context.call_flow.warm()
        tasks = [asyncio.create_task(job(), name=job.__name__) for job in self.background]
        await self.context.exports.resume()  # what the last run left half-written is written again
        try:
            yield self
        finally:
            await self.context.exports.stop()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self.context.call_flow is not None:
                await self.context.call_flow.close()
            if self.telephony is not None:
                await self.telephony.stop()
            self.context.hub.close_all(CloseReason.SERVER_SHUTDOWN)
            await self.context.sms.close()
            await self.context.lookups.close()
            await self.context.messenger.close()
            await self.context.push.close()
            if self.recordings is not None:
                self.recordings.close()
            await self.contact_center.stop()
            await self.uow_factory.dispose()

    async def _start_telephony(self, telephony: Telephony) -> None:
        """Before new calls are taken, the conversations a stopped process left are taken over and
        what cannot be is ended (services/restart); then every SIP dialog not taken over gets a BYE."""
        call_flow = self.context.call_flow
        if call_flow is not None:
            call_flow.hold_new_calls()
        try:
            await telephony.start()
            if call_flow is not None:
                await call_flow.resume(telephony.taken_over())
            if self.recovery is not None and call_flow is not None:
                await self.recovery.run(call_flow.live_call_ids)
        finally:
            if call_flow is not None:
                call_flow.take_new_calls()
        telephony.end_previous_calls()


def _citizen_app(
    settings: Settings,
    uow_factory: SqlUnitOfWorkFactory,
    clock: Clock,
    bus: EventBus,
    zone: ZoneInfo,
    sms: SmsChannel,
) -> CitizenApp:
    """The citizen API. One-time codes go by SMS when the gateway is configured, else to the log:
    that is for development only."""
    sender: OneTimeCodeSender = SmsCodeSender(sms) if sms.configured else LoggedCodeSender()
    if not sms.configured and settings.mode == "production":
        _log.warning("citizen API: one-time codes are only logged: set sms_gateway_url to send them")
    limits = CitizenLimits(
        requests_per_address_minute=settings.citizen_requests_per_address_minute,
        writes_per_device_minute=settings.citizen_writes_per_device_minute,
        registrations_per_address_hour=settings.citizen_registrations_per_address_hour,
        registrations_per_phone_hour=settings.citizen_registrations_per_phone_hour,
        photo_max_bytes=settings.citizen_photo_max_bytes,
        voice_max_bytes=settings.citizen_voice_max_bytes,
        video_max_bytes=settings.citizen_video_max_bytes,
        voice_max_seconds=settings.citizen_voice_max_seconds,
        video_max_seconds=settings.citizen_video_max_seconds,
        reads_at_once=settings.citizen_reads_at_once,
        code=CodePolicy(
            ttl=timedelta(seconds=settings.citizen_code_ttl_seconds),
            max_attempts=settings.citizen_code_attempts,
            cooldown=timedelta(seconds=settings.citizen_code_cooldown_seconds),
        ),
    )
    return CitizenApp(
        uow_factory,
        clock,
        bus,
        sender=sender,
        store=FileMediaStore(settings.data_dir / CITIZEN_MEDIA_DIR),
        cleaner=CitizenMediaCleaner(),
        secret=settings.secret_key,
        zone=zone,
        group_id=settings.citizen_group_id or None,
        limits=limits,
    )


def _app_push(settings: Settings, uow_factory: SqlUnitOfWorkFactory, clock: Clock) -> AppPush:
    """Web Push with the server's VAPID key (made on first start); a native push service when its URL
    is set."""
    key = vapid.load_or_create(settings.push_vapid_key_file or settings.data_dir / vapid.KEY_FILE)
    senders: dict[SubscriptionKind, PushSender] = {
        SubscriptionKind.WEB: WebPushSender(key, settings.push_contact, connections=settings.push_concurrency)
    }
    if settings.push_native_url:
        senders[SubscriptionKind.NATIVE] = NativePushSender(
            settings.push_native_url, settings.push_native_credentials, connections=settings.push_concurrency
        )
    return AppPush(
        uow_factory,
        clock,
        senders,
        public_key=vapid.application_server_key(key),
        concurrency=settings.push_concurrency,
    )


def build_application(
    settings: Settings, clock: Clock | None = None, *, with_telephony: bool = False
) -> Application:
    """`with_telephony` binds the SIP and RTP ports (`c122 serve`); tests of the rest leave them free."""
    clock = clock or SystemClock()
    timeouts = database_timeouts(settings)
    engine = create_engine(settings.database_url, timeouts)
    writer = create_writer_engine(settings.database_url, timeouts, shared=engine)
    uow_factory = SqlUnitOfWorkFactory(engine, Sealer(settings.secret_key), writer)
    hasher = Argon2PasswordHasher(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib)
    hub = EventHub(queue_limit=settings.event_queue_limit)
    bus, redis_bus, handover = _event_bus(settings, hub)
    internal = InternalEventBus()
    realtime_reactions.subscribe(internal, hub)
    session_idle = timedelta(minutes=settings.session_idle_minutes)
    waiting_calls = WaitingCallBoard()
    # its writes go first at the gate; its decisions are stored over a connection of their own
    contact_center = ContactCenter(
        uow_factory.first_in_line, clock, bus, waiting_calls, decisions=uow_factory.own_writer
    )
    contact_center_reactions.subscribe(internal, contact_center)
    auth = AuthService(
        uow_factory,
        hasher,
        clock,
        bus,
        AuthPolicy(
            settings.login_max_failures,
            settings.login_window_seconds,
            session_idle,
            lock_seconds=settings.login_lock_seconds,
            lock_max_seconds=settings.login_lock_max_seconds,
            address_max_failures=settings.login_address_max_failures,
        ),
        shifts=contact_center,
        internal=internal,
        limits=_shared_sign_in_limits(settings, redis_bus, clock),
    )
    accounts_reactions.subscribe(internal, auth.signed_in)
    directory = Directory(uow_factory)
    phones = OperatorPhoneService(uow_factory, clock, _sip_endpoint(settings), stored_ha1)
    telephony = (
        Telephony(telephony_settings(settings), phones.ha1, SqlTelephonyState(uow_factory.engine))
        if with_telephony
        else None
    )
    writes = DeferredWrites(FileOutbox(settings.data_dir / OUTBOX_DIR))
    leadership = _acd_leadership(settings, contact_center)
    health = HealthService(_probes(uow_factory, hub, redis_bus, leadership, telephony, writes), clock, bus)
    recordings = FileRecordings(settings.data_dir / RECORDINGS_DIR)
    ivr_flows = IvrFlowService(uow_factory, clock)
    prompts = _prompt_service(settings, uow_factory, clock)
    # The hotline's day decides case names and numbers and its shifts, never the server's zone.
    hotline_zone = ZoneInfo(settings.hotline_time_zone)
    shift_clock = ShiftClock(uow_factory, clock, hotline_zone)
    routing = RoutingRules(uow_factory, clock, hotline_zone, shipped_calendars())
    shift_statistics = ShiftStatistics(
        uow_factory, clock, shift_clock, _CenterQueues(contact_center), KpiDefinitions()
    )
    contact_center.add_listener(lambda outcome: shift_statistics.take(to_records(outcome.events)))
    recent_cases = RecentCaseTypes(uow_factory, clock)
    bus.subscribe(recent_cases.on_event)  # cases by type for the last 24 hours, kept as they come
    exports_dir = settings.data_dir / EXPORTS_DIR
    exports = ExportJobs(
        FileTableWriters(),
        exports_dir,
        bus,
        clock,
        sync_limit=settings.export_sync_rows,
        store=FileExportJobStore(exports_dir),
    )
    mailer = SmtpMailer(settings)
    reports = Reports(uow_factory, clock, hotline_zone, exports, mailer)
    report_schedules = ReportSchedules(uow_factory, clock, hotline_zone, reports, FileTableWriters(), mailer)
    call_records = CallRecordService(uow_factory, clock, recordings, hotline_zone, exports)
    exports.register_source(EXPORT_SOURCE, call_records.export_rows)
    call_records_reactions.subscribe(contact_center.add_listener, call_records)  # wrap-up lands on the call
    recording_upkeep = RecordingUpkeep(
        uow_factory,
        clock,
        recordings,
        RecordingRetention(
            settings.recording_retention_days, retention_by_group(settings.recording_retention_by_group)
        ),
    )
    # Registered whether or not telephony runs here: what the outbox holds is written either way.
    # through one writer in batches: a burst of calls cannot take every connection of the pool
    durable_records = OutboxedCallRecords(BatchingRecordWriter(call_records.save_many).save, writes)
    case_services = CaseServices.build(uow_factory, clock, bus, hotline_zone, internal)
    cases_reactions.subscribe(internal, case_services.cards.case_types)
    contact_center.use_chat_cases(case_services.chats)
    video_policy = VideoRecordingPolicy(uow_factory)
    organisation_reactions.subscribe(internal, video_policy)
    call_flow = (
        _call_flow(
            settings,
            telephony,
            contact_center,
            prompts,
            phones,
            bus,
            clock,
            durable_records,
            case_services,
            ivr_flows=ivr_flows,
            directory=directory,
            internal=internal,
            routing=routing,
            video_policy=video_policy,
        )
        if telephony is not None
        else None
    )
    help_requests = HelpRequests(uow_factory, clock, bus, contact_center)
    help_requests_reactions.subscribe(contact_center.add_listener, help_requests)
    board = Board(uow_factory, clock, bus)
    sms = SmsChannel(
        uow_factory,
        clock,
        bus,
        _sms_gateway(settings),
        settings.sms_callback_secret,
        concurrency=settings.sms_concurrency,
    )
    citizen = _citizen_app(settings, uow_factory, clock, bus, hotline_zone, sms)
    bus.subscribe(citizen.feed.on_event)  # every message stored reaches the app's waiting chats
    intake = Intake(
        uow_factory,
        clock,
        bus,
        citizen,
        zone=hotline_zone,
        case_type_id=settings.text_case_type_id or None,
        group_id=settings.citizen_group_id or None,
    )
    intake.use_distribution(contact_center)
    sms.use_intake(intake)
    citizen.use_distribution(contact_center)
    bot = ChatBot(uow_factory, clock, IntakeHandOver(intake, uow_factory))
    messenger = MessengerChannel(
        uow_factory,
        clock,
        bus,
        bot,
        TelegramBot(settings.telegram_bot_token, settings.telegram_api_base)
        if settings.telegram_bot_token
        else None,
        webhook_secret=settings.telegram_webhook_secret,
        intake=intake,
        limits=MessengerLimits(settings.citizen_photo_max_bytes, settings.citizen_voice_max_bytes),
    )
    if messenger.configured:
        intake.register_sender(Channel.MESSENGER, messenger)
    push = _app_push(settings, uow_factory, clock)
    context = ApiContext(
        settings=settings,
        auth=auth,
        presence=PresenceService(uow_factory, clock, session_idle, waiting_calls),
        organisation=OrganisationAdmin(uow_factory, clock, bus, hasher, internal=internal),
        directory=directory,
        health=health,
        supervision=Supervision(
            uow_factory,
            clock,
            bus,
            shifts=contact_center,
            internal=internal,
            live=contact_center,
            audio=phones,
        ),
        hub=hub,
        handover=handover,
        contact_center=contact_center,
        membership=QueueMembership(uow_factory, clock, contact_center.reload),
        cases=case_services,
        ivr_flows=ivr_flows,
        prompts=prompts,
        phones=phones,
        audit=AuditTrail(uow_factory, clock),
        messages=Messages(uow_factory, clock, bus),
        board=board,
        phone_book=PhoneBook(uow_factory, clock, live=contact_center, audio=phones),
        trunks=TrunkAdmin(
            uow_factory,
            clock,
            telephony,
            seed=configured_trunks(settings),
            outage_fallback=settings.outage_fallback_number,
        ),
        routing=routing,
        abandoned=AbandonedCalls(uow_factory, clock, contact_center, phones),
        call_flow=call_flow,
        calls=call_records,
        exports=exports,
        recording_upkeep=recording_upkeep,
        export_access=ExportAccess(exports, uow_factory, clock),
        reports=reports,
        report_schedules=report_schedules,
        softphone=telephony.operator_legs if telephony is not None else NoSoftphoneMedia(),
        monitoring=Monitoring(uow_factory, clock, bus, call_flow),
        shift_clock=shift_clock,
        shift_statistics=shift_statistics,
        staffing=StaffingPlanner(uow_factory, _CenterQueues(contact_center), hotline_zone),
        call_statistics=CallStatistics(uow_factory, clock, hotline_zone),
        recent_cases=recent_cases,
        help_requests=help_requests,
        sms=sms,
        citizen=citizen,
        intake=intake,
        case_chat=CaseChat(
            uow_factory,
            clock,
            CardAccess(uow_factory, clock),
            citizen,
            sms=sms,
            senders=intake,
            internal=internal,
        ),
        lookups=Lookups(uow_factory, clock, LookupSources()),
        citizen_calls=CitizenCalls(
            uow_factory,
            clock,
            telephony.app_calls if telephony is not None else NoAppCallMedia(),
            FlowProgress(call_flow.call_of_leg, contact_center.call_progress)
            if call_flow is not None
            else None,
        ),
        bot=bot,
        messenger=messenger,
        sms_conversations=SmsConversations(sms, bot),
        app_bot=AppConversations(bot),
        push=push,
    )
    push_reactions.subscribe(
        internal,
        push,
        StatusNotices(
            uow_factory,
            clock,
            push,
            sms,
            senders=intake,
            sms_fallback=settings.status_sms_fallback,
            publisher=bus,
        ),
    )
    if telephony is not None:
        telephony_reactions.subscribe(internal, telephony.operator_legs)
        telephony.operator_legs.check_camera_with(OperatorCamera(uow_factory).allowed)
    relay = _acd_relay(redis_bus, leadership, contact_center, call_flow, call_records)
    if relay is not None and telephony is not None:
        _join_media_hops(settings, relay, telephony)
    application = Application(
        settings,
        context,
        create_app(context, settings.web_dist),
        uow_factory,
        bus,
        waiting_calls,
        contact_center,
        telephony,
        # Several nodes: what a dead node carried is ended by the survivors (acd_relay), not at a start.
        RestartRecovery(uow_factory, clock, contact_center, call_records, session_idle)
        if call_flow is not None and relay is None
        else None,
    )
    application.writes = writes
    application.video_policy = video_policy
    application.recordings = recordings
    application.relay = relay
    application.background += [
        _every(HEALTH_INTERVAL_SECONDS, health.check_and_announce),
        _every(SESSION_SWEEP_SECONDS, auth.expire_idle_sessions),
        lambda: hub.run_expiry(STREAM_EXPIRY_SECONDS),
        *((redis_bus.run,) if redis_bus is not None else ()),
        *((handover.run,) if handover is not None else ()),
        _every(ACD_TICK_SECONDS, _led(leadership, contact_center.tick)),
        *((leadership.run,) if leadership is not None else ()),
        *((relay.run,) if relay is not None else ()),
        _every(OUTBOX_DRAIN_SECONDS, writes.drain),
        _every(BOARD_EXPIRY_SECONDS, board.expire_due),
        _every(SMS_DISPATCH_SECONDS, sms.dispatch_due),
        _every(RECORDING_UPKEEP_SECONDS, recording_upkeep.run, first_after=True),
        _every(REPORT_SCHEDULE_SECONDS, report_schedules.run_due),
    ]
    if call_flow is not None:
        application.background.append(_every(ROUTES_REFRESH_SECONDS, call_flow.warm, first_after=True))
        application.background.append(_every(RECONCILE_SECONDS, call_flow.reconcile))
    if telephony is not None:
        application.background.append(
            _every(TRUNKS_REFRESH_SECONDS, context.trunks.refresh, first_after=True)
        )
    return application


class _CenterQueues:
    """The ACD's live queue figures as the shift statistics read them."""

    def __init__(self, contact_center: ContactCenter) -> None:
        self._center = contact_center

    async def live_queues(self, actor: Actor) -> list[LiveQueue]:
        if not self._center.started:
            return []
        return [
            LiveQueue(
                queue_id=q.id,
                group_id=q.group_id,
                name=q.name,
                waiting=q.waiting,
                longest_wait_s=q.longest_wait_s,
                on_duty=q.logged_in_operators,
                busy=q.eligible_operators - q.available_operators,
                on_break=q.on_break_operators,
                definitions=self.definitions(str(q.id)),
                norm_wait_s=settings.sla_wait_s if (settings := self._center.queue_settings(q.id)) else 60.0,
            )
            for q in await self._center.queues(actor)
        ]

    def definitions(self, queue_id: str) -> KpiDefinitions | None:
        return self._center.queue_definitions(int(queue_id)) if queue_id.isdigit() else None


def database_timeouts(settings: Settings) -> DatabaseTimeouts:
    return DatabaseTimeouts(
        pool_s=settings.database_pool_timeout_seconds,
        connect_s=settings.database_connect_timeout_seconds,
        statement_s=settings.database_statement_timeout_seconds,
    )


def _prompt_service(settings: Settings, uow_factory: SqlUnitOfWorkFactory, clock: Clock) -> PromptService:
    prompts_dir = settings.prompts_path
    limits = PromptLimits(max_bytes=settings.prompt_max_bytes, max_seconds=settings.prompt_max_seconds)
    return PromptService(uow_factory, clock, prompts_dir, PromptAudioFiles(prompts_dir), limits)


def _call_flow(
    settings: Settings,
    telephony: Telephony,
    contact_center: ContactCenter,
    prompts: PromptService,
    phones: OperatorPhoneService,
    bus: EventBus,
    clock: Clock,
    records: RecordSink,
    cases: CaseServices,
    *,
    ivr_flows: IvrFlowService,
    directory: Directory,
    internal: InternalEventBus,
    routing: RoutingRules,
    video_policy: VideoRecordingPolicy,
) -> CallFlowService:
    music = f"file:{settings.music_on_hold.resolve()}" if settings.music_on_hold else DEFAULT_MUSIC
    flow_settings = CallFlowSettings(
        recordings_dir=(settings.data_dir / RECORDINGS_DIR).resolve(),
        music_on_hold=music,
        announce_every_s=settings.queue_announce_seconds,
        outage_fallback=settings.outage_fallback_number,
    )
    ctx = CallFlowContext(
        telephony.switch,
        contact_center,
        prompts,
        phones,
        bus,
        clock,
        flow_settings,
        records,
        cases.calls,
        conversations=telephony.conversations,
        routing=routing,
        video=CallVideo(telephony.video_recorders, video_policy.records),
    )
    call_flow = CallFlowService(
        ctx,
        line_for=directory.line_for,
        flow_for=ivr_flows.current,
        service_name=directory.service_name,
        lines=directory.lines,
    )
    telephony.switch.deliver_to(call_flow)
    call_flow_reactions.subscribe(internal, call_flow)
    phones.registered = telephony.registered
    return call_flow


def shipped_calendars() -> list[bytes]:
    """The production calendars shipped with the package (this year and the next; docs/admin/routing.md)."""
    folder = resources.files("c122.services.routing") / "calendars"
    return [
        entry.read_bytes()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".xml")
    ]


def configured_trunks(settings: Settings) -> list[TrunkDraft]:
    """The configuration file's trunks: imported into the database on the first start (services/trunks)."""
    return [
        TrunkDraft(
            name=t.name,
            host=t.host,
            port=t.port,
            prefixes=tuple(t.prefixes),
            caller_id=t.caller_id,
            keepalive_s=t.keepalive_s,
        )
        for t in settings.trunks
    ]


def _sip_endpoint(settings: Settings) -> SipEndpoint:
    return SipEndpoint(
        realm=settings.sip_realm, proxy=settings.public_address or settings.sip_host, port=settings.sip_port
    )


def telephony_settings(settings: Settings) -> TelephonySettings:
    return TelephonySettings(
        sip_host=settings.sip_host,
        sip_port=settings.sip_port,
        sip_tls_port=settings.sip_tls_port,
        sip_tls_cert=str(settings.sip_tls_cert) if settings.sip_tls_cert else None,
        sip_tls_key=str(settings.sip_tls_key) if settings.sip_tls_key else None,
        sip_ws_port=settings.sip_ws_port,
        rtp_port_min=settings.rtp_port_min,
        rtp_port_max=settings.rtp_port_max,
        public_address=settings.public_address,
        media_workers=settings.media_workers,
        media_worker_cpus=worker_cpus(settings.media_worker_cpus, settings.media_workers),
        limits=CallLimits(
            max_calls=settings.sip_max_calls,
            max_calls_per_line=settings.sip_max_calls_per_line,
            trunk_reserve_percent=settings.sip_trunk_reserve_percent,
            retry_after_seconds=settings.sip_retry_after_seconds,
            overload_queue_kib=settings.sip_overload_queue_kib,
            overload_lag_ms=settings.sip_overload_lag_ms,
            overload_standing_ms=settings.sip_overload_standing_ms,
        ),
        sip_realm=settings.sip_realm,
        sip_digest_algorithms=split_list(settings.sip_digest_algorithms),
        trunks=tuple(t.routing() for t in settings.trunks),
        proxy_hosts=sip_proxy_addresses(settings.sip_proxy_hosts),
        webrtc=WebRtcSettings(
            ice=IceSettings(
                host_addresses=split_list(settings.webrtc_host_addresses),
                public_address=settings.webrtc_public_address,
                stun_servers=split_list(settings.stun_servers),
                turn_servers=split_list(settings.turn_servers),
                turn_username=settings.turn_username,
                turn_password=settings.turn_password,
                turn_secret=settings.turn_secret,
            ),
            restart_grace_s=settings.webrtc_restart_grace_seconds,
        ),
        app_call_line=settings.citizen_call_line,
        node_hop_secret=settings.node_hop_secret,
    )


def _event_bus(
    settings: Settings, hub: EventHub
) -> tuple[EventBus, RedisEventBus | None, StreamHandover | None]:
    """In memory for one process; a Redis stream between nodes when `event_bus_url` is set."""
    if not settings.event_bus_url:
        local = InProcessEventBus()
        local.subscribe(hub.publish)
        return local, None, None
    shared = RedisEventBus(
        settings.event_bus_url,
        on_start=hub.follow_from,
        on_resync=lambda: _resync(hub),
    )
    shared.subscribe_positioned(hub.publish)
    return shared, shared, StreamHandover(shared.client, hub, DEFAULT_RESUME_GRACE_SECONDS)


def _shared_sign_in_limits(
    settings: Settings, redis_bus: RedisEventBus | None, clock: Clock
) -> SharedSignInLimits | None:
    """With several nodes, failed sign-ins are counted in the Redis that carries their events."""
    if redis_bus is None:
        return None
    policy = SignInPolicy(
        settings.login_max_failures,
        settings.login_window_seconds,
        settings.login_lock_seconds,
        settings.login_lock_max_seconds,
        settings.login_address_max_failures,
    )
    return SharedSignInLimits(redis_bus.client, policy, MemorySignInLimits(policy, clock))


def _acd_leadership(settings: Settings, center: ContactCenter) -> AdvisoryLockLeadership | None:
    """Several nodes (an event bus between them) on PostgreSQL elect the ACD's leader; SQLite serves
    one node only. A new leader starts from the state its predecessor stored."""
    if not settings.event_bus_url:
        return None
    if not settings.database_url.startswith("postgresql"):
        _log.warning(
            "event_bus_url is set but database_url is SQLite: SQLite serves one node only; "
            "run a single node, or several on PostgreSQL"
        )
        return None
    refreshing: set[asyncio.Task[None]] = set()

    def on_change(leading: bool) -> None:
        if leading:
            task = asyncio.get_running_loop().create_task(center.refresh())
            refreshing.add(task)
            task.add_done_callback(refreshing.discard)

    return AdvisoryLockLeadership(settings.database_url, on_change=on_change)


def _join_media_hops(settings: Settings, relay: RedisAcdRelay, telephony: Telephony) -> None:
    """Several nodes: a call held here reaches an operator whose browser leg is on another node
    through a signed SIP hop; the heartbeat says where this node's SIP listens and whose legs it holds."""
    telephony.hops.join(relay.node_id, relay.desk_at, relay.alive)
    if not settings.node_hop_secret:
        _log.info("node_hop_secret is empty: calls reach only operators whose desktop is on their node")
        return
    host = settings.public_address or settings.sip_host
    relay.advertise(
        NodeDesks(
            host=host,
            port=lambda: telephony.sip.bound_ports.get("udp", settings.sip_port),
            operators=telephony.operator_legs.connected_users,
        )
    )
    telephony.operator_legs.subscribe(lambda _change: relay.desks_changed())


def _acd_relay(
    redis_bus: RedisEventBus | None,
    leadership: AdvisoryLockLeadership | None,
    center: ContactCenter,
    call_flow: CallFlowService | None,
    call_records: CallRecordService,
) -> RedisAcdRelay | None:
    """Followers send the ACD's commands to the leader; the leader ends what a dead node carried."""
    if redis_bus is None or leadership is None:
        return None
    relay = RedisAcdRelay(redis_bus.url, redis_bus.node_id, lambda: leadership.leading)

    async def node_lost(node: str, calls: set[str]) -> None:
        dropped = await center.drop_gone_calls(calls, reason=NODE_LOST)
        closed = await call_records.close_lost(calls)
        _log.warning(
            "node %s lost: %d call(s) left the ACD, %d record(s) closed", node, len(dropped), len(closed)
        )

    relay.attach(
        RelayTarget(
            execute=center.execute,
            follow=center.follow,
            live_calls=call_flow.live_call_ids if call_flow is not None else frozenset,
            on_node_lost=node_lost,
            desk_action=call_flow.desk_action_here if call_flow is not None else lambda _c, _o, _a, _q: None,
        )
    )
    center.use_relay(relay)
    center.add_listener(relay.published)
    return relay


def _led(
    leadership: AdvisoryLockLeadership | None, job: Callable[[], Awaitable[object]]
) -> Callable[[], Awaitable[object]]:
    """`job` on the ACD's leader only (every node when there is no election)."""
    if leadership is None:
        return job

    async def when_leading() -> object:
        return await job() if leadership.leading else None

    when_leading.__name__ = getattr(job, "__name__", "job")
    return when_leading


def _resync(hub: EventHub) -> None:
    hub.reload_all(ReloadReason.RESYNC)


def _probes(
    uow_factory: SqlUnitOfWorkFactory,
    hub: EventHub,
    redis_bus: RedisEventBus | None,
    leadership: AdvisoryLockLeadership | None,
    telephony: Telephony | None,
    writes: DeferredWrites,
) -> dict[str, Probe]:
    async def database() -> ComponentHealth:
        waiting = f"; {writes.waiting} call-path write(s) wait in the outbox" if writes.waiting else ""
        try:
            async with uow_factory() as uow:
                await uow.ping()
                await uow.ping_write(HEALTH_WRITE_PROBE_SECONDS)
        except WritesBlocked as exc:  # the API refuses writes with 503 meanwhile: down, not degraded
            return ComponentHealth(Status.DOWN, f"{exc.message}{waiting}"[:300])
        except DatabaseUnavailable as exc:
            cause = exc.__cause__
            reason = f"{type(cause).__name__}: {cause}" if cause is not None else exc.message
            return ComponentHealth(Status.DOWN, f"unreachable ({reason}){waiting}"[:300])
        role = f"; {leadership.describe()}" if leadership is not None else ""
        return ComponentHealth(Status.OK, f"{uow_factory.engine.dialect.name} answers{role}{waiting}")

    async def socket() -> ComponentHealth:
        serving = f"event stream serving {len(hub)} stream(s)"
        if redis_bus is None:
            return ComponentHealth(Status.OK, serving)
        status = Status.OK if redis_bus.connected else Status.DEGRADED
        return ComponentHealth(status, f"{serving}; {redis_bus.describe()}"[:300])

    async def telephony_not_running() -> ComponentHealth:
        return ComponentHealth(Status.DOWN, "not started in this process")

    if telephony is None:
        return {
            "db": database,
            "socket": socket,
            "sip": telephony_not_running,
            "media": telephony_not_running,
        }
    return {"db": database, "socket": socket, "sip": telephony.sip_health, "media": telephony.media_health}


def _sms_gateway(settings: Settings) -> KannelGateway | None:
    if not settings.sms_gateway_url:
        return None
    report_url = f"{settings.sms_callback_url.rstrip('/')}/api/v1/sms/gateway/report?" + urlencode(
        {"secret": settings.sms_callback_secret}
    )
    return KannelGateway(
        settings.sms_gateway_url,
        settings.sms_gateway_username,
        settings.sms_gateway_password,
        settings.sms_sender,
        report_url,
    )


def _every(
    seconds: float, job: Callable[[], Awaitable[object]], *, first_after: bool = False
) -> Callable[[], Coroutine[Any, Any, None]]:
    async def periodically() -> None:
        if first_after:
            await asyncio.sleep(seconds)
        while True:
            try:
                await job()
            except DatabaseUnavailable as exc:  # the health check reports it; no trace every second
                _log.warning("periodic job %s: %s", getattr(job, "__name__", job), exc.message)
            except Exception:
                _log.exception("periodic job %s failed", getattr(job, "__name__", job))
            await asyncio.sleep(seconds)

    periodically.__name__ = f"every_{seconds:g}s_{getattr(job, '__name__', 'job')}"
    return periodically
