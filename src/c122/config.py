"""Configuration: `C122_*` environment variables over an optional TOML file over defaults.

Every setting has one name; in TOML it is written in lower case (`http_port = 8122`), in the
environment with the `C122_` prefix (`C122_HTTP_PORT=8122`). `C122_CONFIG` names the TOML file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_SECRET = "c122-development-secret-change-me"
ENV_PREFIX = "C122_"


class ConfigError(Exception):
    """A setting is invalid; the message is one line naming the setting and the problem."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["development", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: str = ""
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
    public_address: str = ""
    secret_key: str = DEFAULT_SECRET
    session_idle_minutes: int = Field(12 * 60, ge=1)
    cookie_secure: bool = False
    log_format: Literal["auto", "json", "text"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_body_bytes: int = Field(1_048_576, ge=1024)
    login_max_failures: int = Field(5, ge=1)
    login_window_seconds: int = Field(300, ge=1)
    argon2_time_cost: int = Field(2, ge=1)
    argon2_memory_kib: int = Field(19_456, ge=8)
    event_queue_limit: int = Field(1000, ge=10)
    event_heartbeat_seconds: float = Field(15.0, gt=0)
    web_dist: Path | None = None

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.rtp_port_min >= self.rtp_port_max:
            raise ValueError("rtp_port_min: must be below rtp_port_max")
        if self.mode == "production":
            if self.secret_key == DEFAULT_SECRET:
                raise ValueError("secret_key: the default secret is refused in production mode")
            if len(self.secret_key) < 32:
                raise ValueError("secret_key: must be at least 32 characters in production mode")
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{self.data_dir / 'c122.db'}")
        if not self.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("database_url: must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return self

    @property
    def json_logs(self) -> bool:
        return self.log_format == "json" or (self.log_format == "auto" and self.mode == "production")


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
