"""telephony/media layer."""
