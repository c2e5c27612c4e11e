"""The API probe: a demo server in a temporary folder (SQLite, free ports) fuzzed by schemathesis from its
OpenAPI document with an operator's and an administrator's token; any 5xx fails.

`make fuzz` runs `python -m tests.support.fuzz` (a long run); `tests/integration/api/test_fuzz.py` the
same with a small example budget. Requests go only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROLES = ("operator1", "admin")  # the operator first: the administrator's run may change their account
STARTUP_SECONDS = 60


@dataclass(frozen=True)
class DemoServer:
    base_url: str
    tokens: dict[str, str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def demo_server(folder: Path) -> Iterator[DemoServer]:
    """`c122 demo` as an operator would run it, on free loopback ports, with API tokens for ROLES."""
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("C122_")},
        "C122_DATA_DIR": str(folder),
        "C122_HTTP_PORT": str(port),
        "C122_SIP_PORT": "0",
        "C122_SIP_WS_PORT": "0",
        "C122_SIP_TLS_PORT": str(free_port()),
        "C122_ARGON2_TIME_COST": "1",
        "C122_ARGON2_MEMORY_KIB": "1024",
        "C122_LOG_LEVEL": "WARNING",
    }
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "c122.cli", "demo"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        passwords = _passwords(process)
        base_url = f"http://127.0.0.1:{port}"
        yield DemoServer(base_url, {login: _token(base_url, login, passwords[login]) for login in ROLES})
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _passwords(process: subprocess.Popen[str]) -> dict[str, str]:
    """Reads the demo's printed accounts until it says it is serving."""
    assert process.stdout is not None
    passwords: dict[str, str] = {}
    account = re.compile(r"^\s+(\S+)\s+(operator|senior|admin)\s+(\S+)$")
    for line in process.stdout:
        found = account.match(line.rstrip("\n"))
        if found:
            passwords[found[1]] = found[3]
        if line.startswith("С-122 serving on"):
            return passwords
    raise RuntimeError(f"the demo server stopped (exit code {process.wait()})")


def _token(base_url: str, login: str, password: str) -> str:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        signed_in = client.post("/api/v1/auth/login", json={"login": login, "password": password})
        signed_in.raise_for_status()
        csrf = signed_in.json()["csrf_token"]
        issued = client.post("/api/v1/me/tokens", json={"name": "fuzz"}, headers={"X-CSRF-Token": csrf})
        issued.raise_for_status()
        token: str = issued.json()["token"]
        return token


def schemathesis(
    server: DemoServer, login: str, *, max_examples: int, report: Path, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """One schemathesis run as `login`: every operation of the document, only the 5xx check."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{server.base_url}/api/v1/openapi.json",
        "--checks",
        "not_a_server_error",
        "--header",
        f"Authorization: Bearer {server.tokens[login]}",
        "--max-examples",
        str(max_examples),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        *extra,
    ]
    # Its cache of crashes goes beside the report, not into the working tree.
    return subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=3600, cwd=report.parent
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=100, help="test cases per operation")
    args, extra = parser.parse_known_args()
    failed = False
    with tempfile.TemporaryDirectory(prefix="c122-fuzz-") as folder, demo_server(Path(folder)) as server:
        for login in ROLES:
            print(f"== schemathesis as {login} against {server.base_url}", flush=True)
            result = schemathesis(
                server,
                login,
                max_examples=args.max_examples,
                report=Path(folder) / f"{login}.xml",
                extra=tuple(extra),
            )
            print(result.stdout, result.stderr, sep="\n", flush=True)
            failed = failed or result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
