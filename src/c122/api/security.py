"""Who is calling: the session cookie (with CSRF protection on writes) or an API token."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import Depends, Request

from c122.api.context import ApiContext, context_of
from c122.domain.errors import Forbidden, NotAuthenticated
from c122.domain.users import Actor
from c122.services.accounts.service import Principal

SESSION_COOKIE = "c122_session"
CSRF_COOKIE = "c122_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token_for(secret: str, session_token: str) -> str:
    """The CSRF token is bound to the session: a MAC of the session token, so nothing more is stored."""
    return hmac.new(secret.encode(), session_token.encode(), hashlib.sha256).hexdigest()[:40]


async def principal_of(request: Request) -> Principal:
    context = context_of(request)
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return await context.auth.authenticate_api_token(authorization[7:].strip())
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotAuthenticated("not signed in")
    principal = await context.auth.authenticate_session(token)
    if request.method not in SAFE_METHODS:
        _check_csrf(context, request, token)
    return principal


def _check_csrf(context: ApiContext, request: Request, session_token: str) -> None:
    sent = request.headers.get(CSRF_HEADER, "")
    expected = csrf_token_for(context.settings.secret_key, session_token)
    if not sent or not hmac.compare_digest(sent, expected):
        raise Forbidden(f"missing or wrong {CSRF_HEADER} header", code="csrf_failed")


async def actor_of(principal: Annotated[Principal, Depends(principal_of)]) -> Actor:
    return principal.actor


CurrentPrincipal = Annotated[Principal, Depends(principal_of)]
CurrentActor = Annotated[Actor, Depends(actor_of)]
Context = Annotated[ApiContext, Depends(context_of)]
