"""Credentials sealed at rest: trunk passwords and lookup secrets (SQL URLs, header values) are stored
encrypted with a key derived from `secret_key`, so a copy of the database or of a backup does not hand
out the carriers' and registries' passwords.

Fernet (AES-128-CBC with HMAC-SHA256) from `cryptography`; the key is HKDF-SHA256 of `secret_key`. A
stored value carries the prefix `sealed:v1:`; a value without it was stored before sealing and is read
as it is (the next save seals it). A sealed value the current `secret_key` cannot open (the setting was
changed) reads as no credential, logged as an error naming the setting: the administrator enters it
again on the screen."""

from __future__ import annotations

import base64
import logging
from typing import Final

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)

PREFIX: Final = "sealed:v1:"
_INFO: Final = b"c122 stored credentials"


class Sealer:
    """Seals with `secret_key`; without one (tools and tests that build a unit of work without the
    application's settings) stores values as they are. The application always seals (bootstrap)."""

    def __init__(self, secret_key: str | None) -> None:
        self._fernet: Fernet | None = None
        if secret_key is not None:
            key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
                secret_key.encode()
            )
            self._fernet = Fernet(base64.urlsafe_b64encode(key))

    @property
    def seals(self) -> bool:
        return self._fernet is not None

    def seal(self, value: str) -> str:
        if self._fernet is None:
            return value
        return PREFIX + self._fernet.encrypt(value.encode()).decode("ascii")

    def open(self, stored: str, what: str) -> str | None:
        """The credential, or None when it was sealed with another `secret_key` (`what` names it in
        the log)."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            if self._fernet is None:
                raise InvalidToken
            return self._fernet.decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
        except (InvalidToken, ValueError):
            log.error("%s: stored credential cannot be opened with this secret_key; enter it again", what)
            return None


PLAIN: Final = Sealer(None)
