"""The `c122` command as an administrator uses it: real processes, a real SQLite file."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

C122 = [sys.executable, "-m", "c122.cli"]


def run(args: list[str], data_dir: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("C122_")},
        "C122_DATA_DIR": str(data_dir),
        "C122_ARGON2_TIME_COST": "1",
        "C122_ARGON2_MEMORY_KIB": "1024",
        **env,
    }
    return subprocess.run(
        [*C122, *args], input=stdin, capture_output=True, text=True, env=environment, timeout=60, check=False
    )


def test_invalid_configuration_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path, C122_HTTP_PORT="eighty")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "c122: configuration: http_port: Input should be a valid integer,"
        " unable to parse string as an integer (got 'eighty')"
    ]


def test_production_mode_refuses_the_default_secret(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path, C122_MODE="production")
    assert result.returncode == 2
    assert "secret_key: the default secret is refused in production mode" in result.stderr


def test_serve_refuses_a_database_whose_schema_is_not_current(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path)
    assert result.returncode == 1
    assert "run `c122 db upgrade`" in result.stderr


def test_an_administrator_creates_accounts_from_the_command_line(tmp_path: Path) -> None:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    demo = run(["demo", "--no-serve"], tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "operator1" in demo.stdout
    created = run(
        [
            "users",
            "create",
            "operator9",
            "--role",
            "operator",
            "--group",
            "Справочная группа",
            "--name",
            "Новиков Иван",
            "--password-stdin",
        ],
        tmp_path,
        stdin="a-good-password\n",
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created operator operator9")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["users", "create", "operator1", "--role", "operator", "--password-stdin"],
            "a-good-password\n",
            "login: a user with this login already exists",
        ),
        (
            ["users", "create", "new1", "--role", "operator", "--group", "Нет такой", "--password-stdin"],
            "a-good-password\n",
            "--group 'Нет такой': no group named so",
        ),
        (
            ["users", "create", "new2", "--role", "operator", "--password-stdin"],
            "short\n",
            "password: at least 8 characters",
        ),
        (
            ["users", "create", "new3", "--role", "operator", "--password-stdin"],
            "",
            "no password on standard input",
        ),
    ],
    ids=["duplicate", "unknown group", "short password", "no password"],
)
def test_refused_account_creation_says_why(tmp_path: Path, args: list[str], stdin: str, message: str) -> None:
    assert run(["demo", "--no-serve"], tmp_path).returncode == 0
    result = run(args, tmp_path, stdin=stdin)
    assert result.returncode == 1
    assert message in result.stderr


def test_an_unknown_role_is_a_usage_error(tmp_path: Path) -> None:
    result = run(
        ["users", "create", "x1", "--role", "boss", "--password-stdin"], tmp_path, stdin="12345678\n"
    )
    assert result.returncode == 2
    assert "invalid choice: 'boss'" in result.stderr


def test_demo_can_run_again_and_gives_new_passwords(tmp_path: Path) -> None:
    first = run(["demo", "--no-serve"], tmp_path)
    second = run(["demo", "--no-serve"], tmp_path)
    assert first.returncode == second.returncode == 0
    assert first.stdout != second.stdout
    assert second.stdout.count("operator") >= 5


def test_an_administrator_issues_an_api_token_from_the_command_line(tmp_path: Path) -> None:
    assert run(["demo", "--no-serve"], tmp_path).returncode == 0
    issued = run(["tokens", "create", "operator1", "--name", "crm"], tmp_path)
    assert issued.returncode == 0, issued.stderr
    (token,) = issued.stdout.split()
    assert token.startswith("c122_")
    with sqlite3.connect(tmp_path / "c122.db") as db:
        stored = db.execute("SELECT name FROM api_tokens").fetchall()
        audited = db.execute("SELECT actor_id FROM audit_log WHERE entity = 'api_token'").fetchall()
    assert stored == [("crm",)]
    assert audited == [(None,)]  # the command line has no account
    unknown = run(["tokens", "create", "nobody", "--name", "crm"], tmp_path)
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "c122: no account 'nobody'")


def test_production_mode_refuses_to_start_without_secure_cookies(tmp_path: Path) -> None:
    result = run(["serve"], tmp_path, C122_MODE="production", C122_SECRET_KEY="s" * 40)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("c122: configuration: cookie_secure: must be true in production mode")


@pytest.mark.parametrize(
    ("setting", "kind", "protocol"),
    [("C122_HTTP_PORT", socket.SOCK_STREAM, "TCP"), ("C122_SIP_PORT", socket.SOCK_DGRAM, "UDP")],
)
def test_a_port_already_taken_stops_the_demo_with_one_line_naming_the_setting(
    tmp_path: Path, setting: str, kind: socket.SocketKind, protocol: str
) -> None:
    with socket.socket(socket.AF_INET, kind) as holder:
        holder.bind(("127.0.0.1", 0))
        if kind == socket.SOCK_STREAM:
            holder.listen()
        port = holder.getsockname()[1]
        ports = {"C122_HTTP_PORT": "0", "C122_SIP_PORT": "0", "C122_SIP_WS_PORT": "0", setting: str(port)}
        result = run(["demo"], tmp_path, C122_LOG_LEVEL="WARNING", **ports)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "operator1" not in result.stdout  # refused before any password is printed
    assert result.stderr.strip().splitlines() == [
        f"c122: {setting}: {protocol} port {port} on 127.0.0.1 is already in use — stop what holds it"
        f" or set {setting} to a free port"
    ]
