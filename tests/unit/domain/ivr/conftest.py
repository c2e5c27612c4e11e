"""Fixtures for IVR rule tests."""

from __future__ import annotations

import pytest
from tests.unit.domain.ivr.demo_flow import demo_document

from c122.domain.ivr import Flow, flow_from_dict


@pytest.fixture
def demo_flow() -> Flow:
    return flow_from_dict(demo_document())
