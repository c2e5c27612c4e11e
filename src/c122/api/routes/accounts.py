"""Signing in and out, the current user, API tokens."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Request, Response

from c122.api.client_address import request_source
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas.accounts import (
    ApiTokenRequest,
    ApiTokenResponse,
    GroupRef,
    LoginRequest,
    LoginResponse,
    Me,
    OwnSettingsIn,
    OwnSettingsOut,
)
from c122.api.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Context,
    CurrentPrincipal,
    csrf_token_for,
)
from c122.services.accounts.service import Principal
from c122.services.organisation.directory import Directory

router = APIRouter(prefix="/api/v1", tags=["auth"], responses=ERROR_RESPONSES)


@router.post("/auth/login", response_model=LoginResponse, operation_id="login")
async def login(body: LoginRequest, request: Request, response: Response, context: Context) -> LoginResponse:
    source = request_source(request, context.settings.trusted_proxies)
    result = await context.auth.login(body.login, body.password, source)
    csrf = csrf_token_for(context.settings.secret_key, result.token)
    secure = context.settings.cookie_secure
    max_age = context.settings.session_idle_minutes * 60
    response.set_cookie(
        SESSION_COOKIE, result.token, httponly=True, samesite="lax", secure=secure, max_age=max_age, path="/"
    )
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, samesite="strict", secure=secure, path="/")
    return LoginResponse(user=await _me(context.directory, result.principal), csrf_token=csrf)


@router.post("/auth/logout", status_code=204, operation_id="logout")
async def logout(principal: CurrentPrincipal, context: Context) -> Response:
    await context.auth.logout(principal)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me, operation_id="get_me")
async def me(principal: CurrentPrincipal, context: Context) -> Me:
    return await _me(context.directory, principal)


@router.post("/me/tokens", response_model=ApiTokenResponse, status_code=201, operation_id="create_my_token")
async def create_my_token(
    body: ApiTokenRequest, principal: CurrentPrincipal, context: Context
) -> ApiTokenResponse:
    token, stored = await context.auth.create_api_token(principal.actor, principal.user.id, body.name)
    return ApiTokenResponse(id=stored.id, name=stored.name, token=token)


async def _me(directory: Directory, principal: Principal) -> Me:
    user = principal.user
    groups = await directory.groups_with_services(user.group_ids)
    return Me(
        id=user.id,
        login=user.login,
        full_name=user.full_name,
        role=user.role,
        groups=[GroupRef(id=g.id, name=g.name, service_id=g.service_id, service_name=n) for g, n in groups],
    )


@router.get("/me/settings", response_model=OwnSettingsOut, operation_id="get_my_settings")
async def get_my_settings(principal: CurrentPrincipal, context: Context) -> OwnSettingsOut:
    return OwnSettingsOut.model_validate(asdict(await context.organisation.own_settings(principal.actor)))


@router.put("/me/settings", response_model=OwnSettingsOut, operation_id="put_my_settings")
async def put_my_settings(
    body: OwnSettingsIn, principal: CurrentPrincipal, context: Context
) -> OwnSettingsOut:
    settings = await context.organisation.update_own_settings(
        principal.actor, body.display_name, body.idle_to_away_s
    )
    return OwnSettingsOut.model_validate(asdict(settings))
