"""Media worker processes: the media engine in N child processes behind the same `MediaControl`
port call control already drives (docs/telephony/media.md, "Media workers")."""
