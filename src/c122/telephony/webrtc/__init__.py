"""Operators' browser audio: WebRTC legs (aiortc) as call-control Channels (docs/telephony/webrtc.md)."""

from c122.telephony.webrtc.ice import IceSettings
from c122.telephony.webrtc.legs import LegStateChanged, OperatorLegs, WebRtcSettings

__all__ = ["IceSettings", "LegStateChanged", "OperatorLegs", "WebRtcSettings"]
