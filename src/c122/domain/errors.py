"""Errors raised by domain rules and use cases; adapters translate them (HTTP 4xx, SIP 4xx, CLI lines)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: a dot path inside the submitted object, a stable code and a readable message."""

    path: str
    code: str
    message: str


class DomainError(Exception):
    """Base of every expected refusal. `code` is stable and machine-readable."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class BadRequest(DomainError):
    """The request cannot be read at all (bytes that are not text in their declared encoding): 400."""

    code = "bad_request"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request contradicts stored data: a duplicate, or a record still referenced by others."""

    code = "conflict"


class Gone(DomainError):
    """What was asked for existed and was deleted on purpose (a recording past its retention period)."""

    code = "gone"


class Forbidden(DomainError):
    code = "forbidden"


class NotAuthenticated(DomainError):
    code = "not_authenticated"


@dataclass
class InvalidFields(DomainError):
    problems: list[FieldProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        first = self.problems[0].message if self.problems else "invalid input"
        super().__init__(first, code="validation_error")


class TooManyAttempts(DomainError):
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DuplicateField(Conflict):
    """A uniqueness clash, reported with the field that clashes (409 with a field path)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message, code="duplicate")
        self.path = path


class Unavailable(DomainError):
    """Something the request needs does not answer now; the same request may succeed later (HTTP 503
    with Retry-After, SIP 503)."""

    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class DatabaseUnavailable(Unavailable):
    """The database cannot be reached, or did not answer within the configured timeouts."""

    code = "database_unavailable"
    RETRY_AFTER_S = 5

    def __init__(self, message: str = "the database does not answer; try again shortly") -> None:
        super().__init__(message, retry_after=self.RETRY_AFTER_S)


class WritesBlocked(DatabaseUnavailable):
    """The database answers reads, but a write could not take the lock in time."""

    def __init__(self, within_s: float) -> None:
        super().__init__(f"reads answer, but a write did not get the lock within {within_s:g} s")


class TooLarge(DomainError):
    """The sent body or file is over its limit (HTTP 413)."""

    code = "too_large"


class UnsupportedMedia(DomainError):
    """The sent file is not of an accepted type, judged by its bytes (HTTP 415)."""

    code = "unsupported_media"
