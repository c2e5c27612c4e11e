"""Shared test fixtures. Area-specific fixtures live in the conftest.py of each folder."""
