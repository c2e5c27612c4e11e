"""Fault tests run the hotline with telephony like the call-flow tests do."""

from tests.integration.call_flow.conftest import hotline, pytest_asyncio_loop_factories

__all__ = ["hotline", "pytest_asyncio_loop_factories"]
