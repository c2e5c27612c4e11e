"""Security adapters: password hashing and token generation."""
