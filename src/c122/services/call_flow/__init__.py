"""The call flow (architecture §3): lines, IVR, queue experience, connecting operators, call records."""

from c122.services.call_flow.context import CallFlowContext, CallFlowSettings
from c122.services.call_flow.service import CallFlowService, NoCall

__all__ = ["CallFlowContext", "CallFlowService", "CallFlowSettings", "NoCall"]
