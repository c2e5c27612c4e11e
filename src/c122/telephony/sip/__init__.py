"""telephony/sip layer."""
