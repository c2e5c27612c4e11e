"""Call control: the nouns the contact-center core drives (Channel, Bridge, Playback,
Recording, Snoop), with events, over SIP and RTP that it never sees."""

from c122.telephony.control.call_control import CallControl
from c122.telephony.control.events import (
    ChannelAnswered,
    ChannelCreated,
    ChannelDtmf,
    ChannelHeld,
    ChannelHungUp,
    ChannelUnheld,
    ControlEvent,
    PlaybackFinished,
    RecordingFinished,
)
from c122.telephony.control.hearing import BridgeKind, SnoopMode
from c122.telephony.control.model import (
    Bridge,
    Channel,
    ChannelGone,
    ChannelState,
    ControlError,
    Playback,
    Recording,
    Snoop,
)

__all__ = [
    "Bridge",
    "BridgeKind",
    "CallControl",
    "Channel",
    "ChannelAnswered",
    "ChannelCreated",
    "ChannelDtmf",
    "ChannelGone",
    "ChannelHeld",
    "ChannelHungUp",
    "ChannelState",
    "ChannelUnheld",
    "ControlError",
    "ControlEvent",
    "Playback",
    "PlaybackFinished",
    "Recording",
    "RecordingFinished",
    "Snoop",
    "SnoopMode",
]
