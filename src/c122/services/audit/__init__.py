"""The audit trail viewer: administrators search and export who did what (ADM-05)."""
