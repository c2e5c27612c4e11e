"""Configuration: environment over TOML over defaults; one clear line for anything invalid."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from c122.config import DEFAULT_SECRET, ConfigError, load_settings, retention_by_group, worker_cpus


def test_defaults_give_a_sqlite_database_under_the_data_folder() -> None:
    settings = load_settings(environ={})
    assert settings.database_url == "sqlite+aiosqlite:///var/c122.db"
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8122)
    assert (settings.sip_host, settings.sip_port) == ("127.0.0.1", 5060)


def test_environment_overrides_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "c122.toml"
    config.write_text('http_port = 9000\nsip_port = 5070\ndata_dir = "/srv/c122"\n')
    settings = load_settings(environ={"C122_CONFIG": str(config), "C122_HTTP_PORT": "9100"})
    assert (settings.http_port, settings.sip_port) == (9100, 5070)
    assert settings.database_url == "sqlite+aiosqlite:////srv/c122/c122.db"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"C122_HTTP_PORT": "eighty"}, "http_port: Input should be a valid integer"),
        ({"C122_HTTP_PORT": "70000"}, "http_port: Input should be less than or equal to 65535"),
        ({"C122_HTTPPORT": "80"}, "C122_HTTPPORT: unknown setting"),
        (
            {"C122_RTP_PORT_MIN": "30000", "C122_RTP_PORT_MAX": "20000"},
            "rtp_port_min: must be below rtp_port_max",
        ),
        ({"C122_DATABASE_URL": "mysql://x"}, "database_url: must start with"),
        ({"C122_MODE": "production"}, "secret_key: the default secret is refused in production mode"),
        ({"C122_MODE": "production", "C122_SECRET_KEY": "short"}, "secret_key: must be at least 32"),
        (
            {"C122_MODE": "production", "C122_SECRET_KEY": "s" * 40},
            "cookie_secure: must be true in production mode",
        ),
        (
            {"C122_LOGIN_LOCK_SECONDS": "60", "C122_LOGIN_LOCK_MAX_SECONDS": "30"},
            "login_lock_max_seconds: must not be below login_lock_seconds",
        ),
        ({"C122_CONFIG": "/nonexistent.toml"}, "C122_CONFIG: file /nonexistent.toml does not exist"),
        ({"C122_DATABASE_STATEMENT_TIMEOUT_SECONDS": "0"}, "database_statement_timeout_seconds: Input"),
        ({"C122_SMTP_HOST": "mail.example.ru"}, "smtp_from: required with smtp_host"),
        (
            {"C122_SMTP_HOST": "mail.example.ru", "C122_SMTP_FROM": "reports"},
            "smtp_from: required with smtp_host",
        ),
        ({"C122_SMTP_HOST": "mail server", "C122_SMTP_FROM": "r@example.ru"}, "smtp_host: 'mail server'"),
        ({"C122_SMTP_PORT": "0"}, "smtp_port: Input should be greater than or equal to 1"),
        ({"C122_SMTP_STARTTLS": "perhaps"}, "smtp_starttls: Input should be a valid boolean"),
        (
            {
                "C122_SMTP_HOST": "mail.example.ru",
                "C122_SMTP_FROM": "r@example.ru",
                "C122_SMTP_USERNAME": "r",
            },
            "smtp_password: required with smtp_username",
        ),
        ({"C122_CITIZEN_READS_AT_ONCE": "0"}, "citizen_reads_at_once: Input should be greater than or equal"),
        ({"C122_SMS_CONCURRENCY": "0"}, "sms_concurrency: Input should be greater than or equal to 1"),
        ({"C122_PUSH_CONCURRENCY": "9000"}, "push_concurrency: Input should be less than or equal to 5000"),
        ({"C122_MEDIA_WORKERS": "-1"}, "media_workers: Input should be greater than or equal to 0"),
        ({"C122_MEDIA_WORKERS": "65"}, "media_workers: Input should be less than or equal to 64"),
        (
            {"C122_MEDIA_WORKERS": "3", "C122_RTP_PORT_MIN": "20000", "C122_RTP_PORT_MAX": "20009"},
            "media_workers: too many for the RTP range's 5 port pairs",
        ),
        (
            {"C122_MEDIA_WORKERS": "2", "C122_MEDIA_WORKER_CPUS": "first"},
            "media_worker_cpus: 'first' is not auto or a list of CPU numbers",
        ),
        (
            {"C122_MEDIA_WORKERS": "2", "C122_MEDIA_WORKER_CPUS": "0,4096"},
            "media_worker_cpus: CPU 4096 is not one this service may use",
        ),
        (
            {"C122_SIP_PROXY_HOSTS": "10.0.0.5, kamailio.local"},
            "sip_proxy_hosts: 'kamailio.local' is not an IP address",
        ),
        (
            {"C122_NODE_HOP_SECRET": "s", "C122_SIP_HOST": "0.0.0.0"},
            "node_hop_secret: the other nodes reach this one's SIP at public_address",
        ),
    ],
)
def test_invalid_settings_name_the_setting_and_the_problem(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(environ=environ)
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_unknown_or_broken_toml_is_refused(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("colour = 'blue'\n")
    broken = tmp_path / "broken.toml"
    broken.write_text("http_port = \n")
    with pytest.raises(ConfigError, match="colour: unknown setting"):
        load_settings(environ={"C122_CONFIG": str(unknown)})
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(environ={"C122_CONFIG": str(broken)})


def test_production_accepts_a_real_secret_with_secure_cookies() -> None:
    environ = {"C122_MODE": "production", "C122_SECRET_KEY": "s" * 40, "C122_COOKIE_SECURE": "true"}
    settings = load_settings(environ=environ)
    assert settings.secret_key != DEFAULT_SECRET
    assert settings.json_logs


def test_trunks_come_from_the_toml_file_with_their_prefixes_and_caller_id(tmp_path: Path) -> None:
    config = tmp_path / "c122.toml"
    config.write_text(
        '[[trunks]]\nname = "moscow"\nhost = "10.20.0.5"\nprefixes = ["+7495"]\ncaller_id = "+74951220122"\n'
    )
    (trunk,) = load_settings(environ={"C122_CONFIG": str(config)}).trunks
    assert (trunk.name, trunk.port, trunk.prefixes, trunk.caller_id) == (
        "moscow",
        5060,
        ["+7495"],
        "+74951220122",
    )


def test_an_outage_fallback_no_file_trunk_serves_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c122.toml"
    config.write_text('[[trunks]]\nname = "spb"\nhost = "10.20.0.6"\nprefixes = ["+7812"]\n')
    environ = {"C122_CONFIG": str(config), "C122_OUTAGE_FALLBACK_NUMBER": "+74951112233"}
    with pytest.raises(ConfigError, match=r"^outage_fallback_number: no trunk serves \+74951112233"):
        load_settings(environ=environ)
    assert load_settings(environ=environ | {"C122_OUTAGE_FALLBACK_NUMBER": "+78121112233"}).trunks


def test_an_outage_fallback_without_file_trunks_is_left_to_the_trunks_screen() -> None:
    # Trunks kept in the database are checked when they change (TrunkAdmin), not at start.
    settings = load_settings(environ={"C122_OUTAGE_FALLBACK_NUMBER": "+74951112233"})
    assert settings.outage_fallback_number == "+74951112233"


@pytest.mark.parametrize(
    ("trunk", "where"),
    [
        ('name = "m"\nhost = "h"\nprefixes = ["8495"]', "trunks.0.prefixes.0"),
        ('name = "m"\nhost = "h"\ncaller_id = "74951220122"', "trunks.0.caller_id"),
        ('name = "m"\nhost = "h"\nport = 0', "trunks.0.port"),
        ('name = "m"', "trunks.0.host"),
        ('name = "m"\nhost = "h"\npassword = "x"', "trunks.0.password"),
    ],
)
def test_a_bad_trunk_is_refused_naming_the_field(tmp_path: Path, trunk: str, where: str) -> None:
    config = tmp_path / "c122.toml"
    config.write_text(f"[[trunks]]\n{trunk}\n")
    with pytest.raises(ConfigError, match=f"^{where.replace('.', '[.]')}"):
        load_settings(environ={"C122_CONFIG": str(config)})


def test_recording_retention_per_group_is_read_and_a_bad_item_refused() -> None:
    settings = load_settings(environ={"C122_RECORDING_RETENTION_BY_GROUP": " 3=90, 5=365 "})
    assert retention_by_group(settings.recording_retention_by_group) == {3: 90, 5: 365}
    assert load_settings(environ={}).recording_retention_days == 1825
    for bad in ("3", "x=5", "3=0", "0=30"):
        with pytest.raises(ConfigError, match="recording_retention_by_group"):
            load_settings(environ={"C122_RECORDING_RETENTION_BY_GROUP": bad})


def test_media_worker_cpus_give_each_worker_its_cpu_in_turn() -> None:
    allowed = sorted(os.sched_getaffinity(0))
    assert worker_cpus("", 2) == ()  # not pinned
    assert worker_cpus("auto", 0) == ()  # no workers: the engine in process
    assert worker_cpus("auto", 3) == tuple(allowed[i % len(allowed)] for i in range(3))
    assert worker_cpus(f" {allowed[0]} ", 2) == (allowed[0], allowed[0])
    settings = load_settings(environ={"C122_MEDIA_WORKERS": "2", "C122_MEDIA_WORKER_CPUS": "auto"})
    assert settings.media_worker_cpus == "auto"
