"""Configuration: `C122_*` environment variables over an optional TOML file over defaults.

Every setting has one name; in TOML it is written in lower case (`http_port = 8122`), in the
environment with the `C122_` prefix (`C122_HTTP_PORT=8122`). `C122_CONFIG` names the TOML file.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from c122.domain.trunks import Trunk, route_for

DEFAULT_SECRET = "c122-development-secret-change-me"
ENV_PREFIX = "C122_"


class ConfigError(Exception):
    """A setting is invalid; the message is one line naming the setting and the problem."""


E164_PREFIX = r"^\+\d{1,15}$"


class TrunkConfig(BaseModel):
    """A carrier trunk: the number prefixes it serves and the caller ID it presents there (TEL-24)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(5060, ge=1, le=65535)
    prefixes: list[Annotated[str, StringConstraints(pattern=E164_PREFIX)]] = []
    caller_id: Annotated[str, StringConstraints(pattern=E164_PREFIX)] | None = None
    keepalive_s: int = Field(30, ge=0, le=3600)  # seconds between OPTIONS probes; 0: none

    @field_validator("keepalive_s")
    @classmethod
    def _probe_interval(cls, value: int) -> int:
        if 0 < value < 5:
            raise ValueError("0 (no OPTIONS probes) or 5 to 3600 seconds")
        return value

    def routing(self) -> Trunk:
        return Trunk(self.name, self.host, self.port, tuple(self.prefixes), self.caller_id)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["development", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: str = ""
    # Bounds on every wait for the database (docs/operations.md, "Database outage").
    database_pool_timeout_seconds: float = Field(5.0, gt=0, le=300)
    database_connect_timeout_seconds: float = Field(5.0, gt=0, le=300)
    database_statement_timeout_seconds: float = Field(5.0, gt=0, le=3600)
    # Where callers go while the database is down, after the notice; empty: the notice, then hang-up.
    outage_fallback_number: Annotated[str, StringConstraints(pattern=r"^(\+\d{2,15})?$")] = ""
    # The hotline's time zone (IANA name): shifts and "per day" statistics are read in it.
    hotline_time_zone: str = Field("Europe/Moscow", min_length=1, max_length=64)
    http_host: str = "127.0.0.1"
    http_port: int = Field(8122, ge=0, le=65535)  # 0: any free port (tests)
    sip_host: str = "127.0.0.1"
    sip_port: int = Field(5060, ge=0, le=65535)  # 0: any free port (tests)
    sip_tls_port: int = Field(5061, ge=1, le=65535)
    sip_ws_port: int = Field(5066, ge=0, le=65535)
    sip_tls_cert: Path | None = None
    sip_tls_key: Path | None = None
    rtp_port_min: int = Field(20000, ge=1024, le=65534)
    rtp_port_max: int = Field(29999, ge=1025, le=65535)
    # Media worker processes (docs/telephony/media.md, "Media workers"): 0 runs the media engine in
    # this process; N > 0 runs N workers, each with a slice of the RTP range (production: one a core).
    media_workers: int = Field(0, ge=0, le=64)
    # CPUs the media workers are pinned to: "" leaves them to the scheduler; "auto" puts worker i on the
    # i-th CPU this service may use (round robin); "2,3" on those CPUs in turn (worker i: the i-th).
    media_worker_cpus: str = ""
    public_address: str = ""
    sip_realm: str = Field("c122", min_length=1, max_length=100)  # digest realm of operators' phones
    # Challenges offered to phones; many phones (baresip 1.0 among them) give up on a SHA-256 one.
    sip_digest_algorithms: str = "MD5"  # comma-separated: MD5, SHA-256
    # Admission control (docs/operations.md, "Overload and admission control"): concurrent inbound
    # calls; 0 derives the cap from the RTP range (three port pairs a call: caller, operator and a
    # consultation), so that calls are refused with 503 before the media ports run out.
    sip_max_calls: int = Field(0, ge=0)
    sip_max_calls_per_line: int = Field(0, ge=0)  # per called line; 0: only sip_max_calls applies
    sip_trunk_reserve_percent: int = Field(10, ge=0, le=90)  # of the cap, kept for calls from trunks
    sip_retry_after_seconds: int = Field(10, ge=1, le=3600)  # told with every 503
    # New INVITEs are refused early with 503 while this much waits in the UDP receive queue, or
    # while the event loop runs this late, once that has lasted sip_overload_standing_ms (a burst
    # the stack catches up on refuses nobody); 0 leaves a signal out, both 0 turn early refusal off.
    sip_overload_queue_kib: int = Field(256, ge=0, le=65536)
    sip_overload_lag_ms: int = Field(0, ge=0, le=10_000)
    sip_overload_standing_ms: int = Field(100, ge=0, le=10_000)
    # SIP proxies in front of this node (Kamailio's dispatcher, several nodes): every call arrives from
    # their addresses, so they are never rate-limited as one source and their calls may take the
    # trunks' reserve, as a carrier's do. Comma-separated IP addresses.
    sip_proxy_hosts: str = ""
    trunks: list[TrunkConfig] = []  # carriers for calls to public numbers ([[trunks]] in the TOML file)
    music_on_hold: Path | None = None  # a WAV file; empty: a gentle two-tone melody
    queue_announce_seconds: float = Field(45.0, ge=10, le=600)  # position/wait announcements (TEL-09)
    # Browser audio (docs/telephony/webrtc.md). Lists are comma-separated.
    webrtc_host_addresses: str = ""  # local addresses for ICE host candidates; empty: all but loopback
    webrtc_public_address: str = ""  # IPv4 announced as an extra candidate (a 1:1 NAT in front)
    stun_servers: str = ""  # stun:host[:port]
    turn_servers: str = ""  # turn:host[:port][?transport=udp|tcp] or turns:host[:port]
    turn_username: str = ""
    turn_password: str = ""
    turn_secret: str = ""  # coturn use-auth-secret: time-limited credentials instead of a static pair
    webrtc_restart_grace_seconds: float = Field(30.0, gt=0, le=3600)
    secret_key: str = DEFAULT_SECRET
    session_idle_minutes: int = Field(12 * 60, ge=1)
    cookie_secure: bool = False
    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_body_bytes: int = Field(1_048_576, ge=1024)
    # Sign-in throttling (docs/security.md): a short, doubling lock per account; a far higher limit per
    # address, which a whole office behind NAT or a reverse proxy may share.
    login_max_failures: int = Field(5, ge=1)
    login_window_seconds: int = Field(300, ge=1)
    login_lock_seconds: int = Field(30, ge=1)
    login_lock_max_seconds: int = Field(900, ge=1)
    login_address_max_failures: int = Field(100, ge=1)
    # Addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed; empty: nobody's.
    trusted_proxies: str = ""
    argon2_time_cost: int = Field(2, ge=1)
    argon2_memory_kib: int = Field(19_456, ge=8)
    event_queue_limit: int = Field(1000, ge=10)
    export_sync_rows: int = Field(5000, ge=0)  # a larger export runs as a background job
    # Recordings are deleted this many days after they were stored; per group: "<group id>=<days>, ...".
    recording_retention_days: int = Field(1825, ge=1)
    recording_retention_by_group: str = ""
    event_heartbeat_seconds: float = Field(15.0, gt=0)
    # Several nodes: the Redis that carries events between them and their shared counters
    # (redis://host:6379/0); empty: one process, events in memory (docs/operations.md, "Several nodes").
    event_bus_url: str = ""
    # Several nodes: the secret every node shares to sign the SIP media hop that brings a call held on
    # one node to an operator's browser leg on another; empty: no hop (docs/operations.md).
    node_hop_secret: str = ""
    web_dist: Path | None = None
    prompts_dir: Path | None = None  # voice prompts; default: <data_dir>/prompts
    prompt_max_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    prompt_max_seconds: float = Field(300.0, gt=0, le=3600)
    # SMS through Kannel (docs/channels/sms.md): smsbox's sendsms URL; empty turns SMS off.
    sms_gateway_url: str = ""
    sms_gateway_username: str = ""
    sms_gateway_password: str = ""
    sms_sender: str = Field("122", max_length=16)  # the `from` the phone shows
    # How the gateway reaches this server for delivery reports and incoming SMS, and the secret it
    # puts in those requests (the same in kannel.conf's get-url).
    sms_callback_url: str = ""
    sms_callback_secret: str = ""
    # Requests to smsbox in flight at once while the outbox is emptied (Kannel queues them itself).
    sms_concurrency: int = Field(8, ge=1, le=100)
    # Scheduled reports by e-mail (docs/contact-center/reports.md): the SMTP server; empty host: none
    # is sent (a schedule saves and says why). smtp_starttls upgrades the connection before the login.
    smtp_host: str = Field("", max_length=255)
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = Field("", max_length=255)
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = Field(30.0, gt=0, le=600)
    # The Telegram bot (docs/channels/messengers.md): the token from @BotFather (empty turns it off), the
    # Bot API's address, and the secret the webhook is set with (sent back in a header on every update).
    telegram_bot_token: str = ""
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_secret: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,256}$")
    # An outside chat bot hands conversations over with this key (X-Api-Key; empty: refused).
    bot_handover_api_key: str = ""
    # The citizen API (docs/channels/citizen-api.md): the group app requests go to (0: the first group),
    # its rate limits, the one-time code and the media limits.
    citizen_group_id: int = Field(0, ge=0)
    # The case type of a text request opened by SMS or a messenger without a bot's choice (0: the first).
    text_case_type_id: int = Field(0, ge=0)
    citizen_requests_per_address_minute: int = Field(120, ge=1)
    citizen_writes_per_device_minute: int = Field(20, ge=1)
    citizen_registrations_per_address_hour: int = Field(10, ge=1)
    citizen_registrations_per_phone_hour: int = Field(5, ge=1)
    citizen_code_attempts: int = Field(5, ge=1, le=20)
    citizen_code_ttl_seconds: int = Field(300, ge=30, le=3600)
    citizen_code_cooldown_seconds: int = Field(900, ge=1)
    citizen_photo_max_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    citizen_voice_max_bytes: int = Field(5 * 1024 * 1024, ge=1024)
    citizen_video_max_bytes: int = Field(30 * 1024 * 1024, ge=1024)
    # How long a voice note or a video from the citizen channels may play, read from its packets.
    citizen_voice_max_seconds: int = Field(300, ge=1)
    citizen_video_max_seconds: int = Field(60, ge=1)
    # The app's token checks and chat polls using the database at once; the rest wait their turn in
    # memory, so thousands of app connections leave the pool's connections to the desks.
    citizen_reads_at_once: int = Field(8, ge=1, le=200)
    # The line a voice call from the app reaches (its number, e.g. +78001220122); empty: no app calls.
    citizen_call_line: str = Field("", max_length=32)
    # Push to the citizen app (docs/channels/push.md): the VAPID key (a PEM file; default: made on first
    # start as <data_dir>/vapid_private.pem), the contact push services see, how many pushes are in
    # flight at once; a native push service (FCM HTTP v1, RuStore): its send URL and bearer credentials.
    push_vapid_key_file: Path | None = None
    push_contact: str = "mailto:admin@localhost"
    push_concurrency: int = Field(200, ge=1, le=5000)
    push_native_url: str = ""
    push_native_credentials: str = ""
    # A status change the app cannot be pushed goes by SMS (once per change) when a gateway is set.
    status_sms_fallback: bool = True

    @model_validator(mode="after")
    def _check(self) -> Settings:
        retention_by_group(self.recording_retention_by_group)
        if self.rtp_port_min >= self.rtp_port_max:
            raise ValueError("rtp_port_min: must be below rtp_port_max")
        pairs = (self.rtp_port_max - self.rtp_port_min + 1) // 2
        if self.media_workers > pairs // 2:  # each worker's slice holds at least two legs
            raise ValueError(f"media_workers: too many for the RTP range's {pairs} port pairs")
        worker_cpus(self.media_worker_cpus, self.media_workers)
        if self.mode == "production":
            if self.secret_key == DEFAULT_SECRET:
                raise ValueError("secret_key: the default secret is refused in production mode")
            if len(self.secret_key) < 32:
                raise ValueError("secret_key: must be at least 32 characters in production mode")
            if not self.cookie_secure:
                raise ValueError(
                    "cookie_secure: must be true in production mode (serve over HTTPS; the session "
                    "cookie must never travel in clear)"
                )
        if self.login_lock_max_seconds < self.login_lock_seconds:
            raise ValueError("login_lock_max_seconds: must not be below login_lock_seconds")
        proxy_networks(self.trusted_proxies)
        sip_proxy_addresses(self.sip_proxy_hosts)
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{self.data_dir / 'c122.db'}")
        if not self.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("database_url: must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        if self.event_bus_url and not self.event_bus_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("event_bus_url: must start with redis://, rediss:// or unix:// (or be empty)")
        if self.node_hop_secret and self.sip_host in ("", "0.0.0.0", "::") and not self.public_address:
            raise ValueError(
                "node_hop_secret: the other nodes reach this one's SIP at public_address (or sip_host), "
                "so set public_address when sip_host listens on every address"
            )
        _check_webrtc(self)
        _check_time_zone(self.hotline_time_zone)
        _check_sms(self)
        _check_smtp(self)
        _check_messenger(self)
        _check_push(self)
        fallback = self.outage_fallback_number
        # Only the file's own trunks can be checked here; trunks kept on the screen are checked there.
        if fallback and self.trunks and route_for(fallback, [t.routing() for t in self.trunks]) is None:
            raise ValueError(f"outage_fallback_number: no trunk serves {fallback} (see trunks)")
        algorithms = split_list(self.sip_digest_algorithms)
        if not algorithms or any(a not in ("MD5", "SHA-256") for a in algorithms):
            raise ValueError("sip_digest_algorithms: a comma-separated list of MD5 and SHA-256")
        return self

    @property
    def prompts_path(self) -> Path:
        """The voice prompts' directory, absolute: media specs name files by absolute path."""
        return (self.prompts_dir or self.data_dir / "prompts").resolve()

    @property
    def json_logs(self) -> bool:
        return self.log_format == "json" or (self.log_format == "auto" and self.mode == "production")


_STUN_URL = re.compile(r"stuns?:[A-Za-z0-9.\-]+(:\d{1,5})?")
_TURN_URL = re.compile(
    r"(turn:[A-Za-z0-9.\-]+(:\d{1,5})?(\?transport=(udp|tcp))?|turns:[A-Za-z0-9.\-]+(:\d{1,5})?)"
)


def proxy_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The `trusted_proxies` setting as networks (a bare address is a network of one)."""
    networks = []
    for item in split_list(value):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"trusted_proxies: {item!r} is not an IP address or CIDR") from None
    return tuple(networks)


def sip_proxy_addresses(value: str) -> frozenset[str]:
    """The `sip_proxy_hosts` setting as the addresses SIP datagrams arrive from (the rate limit and
    the admission compare the sender's address as text, so names are refused: they would never match)."""
    addresses = set()
    for item in split_list(value):
        try:
            addresses.add(ipaddress.ip_address(item).compressed)
        except ValueError:
            raise ValueError(f"sip_proxy_hosts: {item!r} is not an IP address") from None
    return frozenset(addresses)


def retention_by_group(value: str) -> dict[int, int]:
    """`recording_retention_by_group` as {group id: days}; ValueError naming a bad item."""
    found: dict[int, int] = {}
    for item in split_list(value):
        group, equals, days = item.partition("=")
        try:
            group_id, kept_days = int(group), int(days)
        except ValueError:
            raise ValueError(f"recording_retention_by_group: {item!r} is not <group id>=<days>") from None
        if not equals or group_id < 1 or kept_days < 1:
            raise ValueError(f"recording_retention_by_group: {item!r} is not <group id>=<days>")
        found[group_id] = kept_days
    return found


def worker_cpus(value: str, workers: int) -> tuple[int, ...]:
    """`media_worker_cpus` as the CPU of each of `workers` media workers (empty: not pinned);
    ValueError naming the setting for a bad item or a CPU this process may not use."""
    allowed = sorted(os.sched_getaffinity(0))
    if not value.strip() or workers == 0:
        return ()
    if value.strip() == "auto":
        chosen = allowed
    else:
        try:
            chosen = [int(item) for item in split_list(value)]
        except ValueError:
            raise ValueError(f"media_worker_cpus: {value!r} is not auto or a list of CPU numbers") from None
        missing = [cpu for cpu in chosen if cpu not in allowed]
        if missing:
            raise ValueError(
                f"media_worker_cpus: CPU {missing[0]} is not one this service may use "
                f"({', '.join(map(str, allowed))})"
            )
    return tuple(chosen[index % len(chosen)] for index in range(workers))


def split_list(value: str) -> tuple[str, ...]:
    """A comma-separated setting as its items, blanks dropped."""
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _check_webrtc(settings: Settings) -> None:
    for address in split_list(settings.webrtc_host_addresses):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ValueError(f"webrtc_host_addresses: {address!r} is not an IP address") from None
    if settings.webrtc_public_address:
        try:
            ipaddress.IPv4Address(settings.webrtc_public_address)
        except ValueError:
            raise ValueError(
                f"webrtc_public_address: {settings.webrtc_public_address!r} is not an IPv4 address"
            ) from None
    for url in split_list(settings.stun_servers):
        if not _STUN_URL.fullmatch(url):
            raise ValueError(f"stun_servers: {url!r} is not a stun:host[:port] URL")
    turn = split_list(settings.turn_servers)
    for url in turn:
        if not _TURN_URL.fullmatch(url):
            raise ValueError(f"turn_servers: {url!r} is not a turn:host[:port][?transport=udp|tcp] URL")
    has_pair = bool(settings.turn_username and settings.turn_password)
    if turn and not (settings.turn_secret or has_pair):
        raise ValueError("turn_servers: needs turn_secret, or turn_username and turn_password")


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, object] | None = None
) -> Settings:
    """Builds the settings, raising ConfigError with a one-line reason on any invalid value."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    config_file = env.get(ENV_PREFIX + "CONFIG")
    if config_file:
        values.update(_read_toml(Path(config_file)))
    known = set(Settings.model_fields)
    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "CONFIG":
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name in known:
            values[name] = raw
        elif name.startswith(("test_", "require_")):
            continue  # read by the test suite, not by the service
        else:
            raise ConfigError(f"{key}: unknown setting")
    values.update(overrides or {})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(_first_error(exc)) from None


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"C122_CONFIG: file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"C122_CONFIG: {path} is not valid TOML ({exc})") from None
    unknown = sorted(set(data) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"{unknown[0]}: unknown setting in {path}")
    return data


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    location = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if not location and ": " in message:
        return message
    value = error.get("input")
    shown = f" (got {value!r})" if isinstance(value, str | int | float) and location else ""
    return f"{location or 'settings'}: {message}{shown}"


def _check_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"hotline_time_zone: «{name}» is no IANA time zone (e.g. Europe/Moscow)") from exc


def _check_messenger(settings: Settings) -> None:
    if settings.telegram_bot_token and len(settings.telegram_webhook_secret) < 16:
        raise ValueError("telegram_webhook_secret: at least 16 characters, required with telegram_bot_token")
    if not settings.telegram_api_base.startswith(("http://", "https://")):
        raise ValueError("telegram_api_base: an http(s) address, https://api.telegram.org by default")
    if settings.bot_handover_api_key and len(settings.bot_handover_api_key) < 24:
        raise ValueError("bot_handover_api_key: at least 24 characters")


def _check_push(settings: Settings) -> None:
    if not settings.push_contact.startswith(("mailto:", "https://")):
        raise ValueError("push_contact: a mailto: or https: address push services can reach you by")
    if settings.push_native_url and not settings.push_native_url.startswith(("http://", "https://")):
        raise ValueError("push_native_url: the native push service's send URL, https://...")


def _check_sms(settings: Settings) -> None:
    if not settings.sms_gateway_url:
        return
    if not settings.sms_gateway_url.startswith(("http://", "https://")):
        raise ValueError("sms_gateway_url: must be smsbox's sendsms URL, http://host:port/cgi-bin/sendsms")
    if not settings.sms_callback_url.startswith(("http://", "https://")):
        raise ValueError(
            "sms_callback_url: required with sms_gateway_url — the http(s) address the gateway reaches"
            " this server at, for delivery reports and incoming SMS"
        )
    if len(settings.sms_callback_secret) < 16:
        raise ValueError("sms_callback_secret: at least 16 characters, required with sms_gateway_url")


_MAIL_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_HOST = re.compile(r"^[A-Za-z0-9.\-:\[\]]+$")


def _check_smtp(settings: Settings) -> None:
    if not settings.smtp_host:
        return
    if not _HOST.match(settings.smtp_host):
        raise ValueError(f"smtp_host: {settings.smtp_host!r} is not a host name or address")
    if not _MAIL_ADDRESS.match(settings.smtp_from):
        raise ValueError(
            "smtp_from: required with smtp_host — the sender's address, e.g. reports@122.example.ru"
        )
    if settings.smtp_username and not settings.smtp_password:
        raise ValueError("smtp_password: required with smtp_username")
