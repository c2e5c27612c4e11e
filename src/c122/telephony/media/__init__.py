"""Media engine: RTP/RTCP legs, pass-through bridges, mixing, playback, recording and DTMF.

Call control talks to it only through `c122.telephony.media.messages` (commands, replies,
events); `MediaEngine` in `c122.telephony.media.engine` is the in-process implementation.
"""
