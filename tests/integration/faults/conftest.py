"""Fault suites reuse the SIP peers' fixtures (a stack on loopback, SIPp) and the hotline's."""

from __future__ import annotations

from tests.integration.sip.conftest import make_stack, sipp  # noqa: F401 - fixtures shared
