"""The outside registries behind lookup plug-ins: HTTP/JSON services, other databases, and Python
plug-ins installed as entry points (docs/admin/lookups.md)."""
