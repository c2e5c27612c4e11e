"""The overall status the indicator shows: green, yellow or red (seed §4.3.1.4)."""

from __future__ import annotations

from c122.services.health.ports import ComponentHealth, Status
from c122.services.health.service import overall

OK = ComponentHealth(Status.OK, "")
DOWN = ComponentHealth(Status.DOWN, "")


def test_all_ok_is_ok_one_failing_is_degraded() -> None:
    assert overall({"db": OK, "socket": OK, "sip": OK, "media": OK}) is Status.OK
    assert overall({"db": OK, "socket": OK, "sip": DOWN, "media": OK}) is Status.DEGRADED


def test_no_database_or_nothing_working_is_down() -> None:
    assert overall({"db": DOWN, "socket": OK, "sip": OK, "media": OK}) is Status.DOWN
    assert overall({"db": DOWN, "socket": DOWN, "sip": DOWN, "media": DOWN}) is Status.DOWN


def test_only_down_answers_503() -> None:
    from datetime import UTC, datetime

    from c122.services.health.service import Health

    at = datetime(2026, 12, 6, tzinfo=UTC)
    assert Health(Status.DOWN, {"db": DOWN}, at).http_status == 503
    assert Health(Status.DEGRADED, {"db": OK, "sip": DOWN}, at).http_status == 200
    assert Health(Status.OK, {"db": OK}, at).http_status == 200
