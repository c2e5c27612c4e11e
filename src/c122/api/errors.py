"""One JSON shape for every refusal: `{"code", "message", "fields"?}`, with the right HTTP status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from c122.domain.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    InvalidFields,
    NotAuthenticated,
    NotFound,
    TooLarge,
    TooManyAttempts,
    Unavailable,
    UnsupportedMedia,
)


class FieldError(BaseModel):
    path: str
    code: str
    message: str
    node: str | None = None
    """The graph node the problem is in, where the body is a graph (an IVR flow's `nodes`)."""
    params: dict[str, str | int | float] | None = None
    """The limits a request check names (`min_length`, `ge`, `expected`…), for a client to word it."""


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: list[FieldError] | None = None
    retry_after: int | None = None


STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (Gone, 410),
    (Forbidden, 403),
    (NotAuthenticated, 401),
    (InvalidFields, 422),
    (TooManyAttempts, 429),
    (TooLarge, 413),
    (UnsupportedMedia, 415),
    (Unavailable, 503),
    (BadRequest, 400),
]

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}


def error_response(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next((code for kind, code in STATUS_BY_ERROR if isinstance(exc, kind)), 400)
    body = ErrorBody(code=exc.code, message=exc.message)
    headers = None
    if isinstance(exc, InvalidFields):
        body.fields = [FieldError(path=p.path, code=p.code, message=p.message) for p in exc.problems]
    path = getattr(exc, "path", None)
    if isinstance(path, str):
        body.fields = [FieldError(path=path, code=exc.code, message=exc.message)]
    if isinstance(exc, TooManyAttempts | Unavailable):
        body.retry_after = exc.retry_after
        headers = {"Retry-After": str(exc.retry_after)}
    return error_response(status, body, headers)


def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    """A fault of ours still answers in the one JSON shape (the server logs the trace after it)."""
    return error_response(500, ErrorBody(code="internal_error", message="the server failed; it is logged"))


def _location(loc: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:] if parts[0] == "body" else parts
    return ".".join(parts)


def _params(context: object) -> dict[str, str | int | float] | None:
    """The plain values of a check's context (a custom validator's may hold the exception itself)."""
    if not isinstance(context, dict):
        return None
    kept = {
        str(key): value
        for key, value in context.items()
        if isinstance(value, str | int | float) and not isinstance(value, bool)
    }
    return kept or None


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return error_response(400, ErrorBody(code="malformed_json", message="the body is not valid JSON"))
    fields = [
        FieldError(
            path=_location(tuple(error["loc"])),
            code=str(error["type"]),
            message=str(error["msg"]),
            params=_params(error.get("ctx")),
        )
        for error in errors
    ]
    body = ErrorBody(
        code="validation_error",
        message=fields[0].message if fields else "invalid request",
        fields=fields,
    )
    return error_response(422, body)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    body = ErrorBody(code=codes.get(exc.status_code, "http_error"), message=detail)
    return error_response(exc.status_code, body, dict(exc.headers) if exc.headers else None)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
