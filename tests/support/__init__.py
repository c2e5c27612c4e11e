"""Helpers shared by the test suites: databases, a running server, clients."""
