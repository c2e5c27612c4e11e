"""Alembic migrations of the С-122 schema."""
