"""The API probe in a bounded form: schemathesis against a demo server (SQLite, free loopback ports)
with an operator's and an administrator's token, a few cases per operation; any 5xx fails.
`make fuzz` runs the same probe with a far larger budget (tests/support/fuzz.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.fuzz import ROLES, demo_server, schemathesis

EXAMPLES_PER_OPERATION = 5


@pytest.mark.timeout(600)
def test_no_generated_request_gets_a_server_error(tmp_path: Path) -> None:
    with demo_server(tmp_path) as server:
        for login in ROLES:
            result = schemathesis(
                server, login, max_examples=EXAMPLES_PER_OPERATION, report=tmp_path / f"{login}.xml"
            )
            assert result.returncode == 0, f"as {login}:\n{result.stdout[-20000:]}\n{result.stderr[-5000:]}"
