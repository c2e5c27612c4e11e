"""The server's VAPID key pair (RFC 8292): made on first start and kept in the data directory (or given
as a PEM file in the settings), so the browsers' subscriptions stay valid across restarts."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02

KEY_FILE = "vapid_private.pem"


def load_or_create(path: Path) -> Vapid02:
    """The key in `path`; a new one written there (owner-readable only) when there is none."""
    if path.is_file():
        return Vapid02.from_file(str(path))
    key = Vapid02()
    key.generate_keys()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(key.private_pem())
    os.replace(temporary, path)
    return key


def application_server_key(key: Vapid02) -> str:
    """The public key as a browser's `pushManager.subscribe` takes it: base64url, uncompressed point."""
    raw = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
