"""OAuth2 token, the user the token belongs to, and the client (account) resource."""

from __future__ import annotations

import base64
import binascii
import contextlib
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from pbxdesk.pbx import api, assumptions
from pbxdesk.pbx.emulator import models as m
from pbxdesk.pbx.emulator.routing import CLIENT, DOC, Route, json_response

if TYPE_CHECKING:
    from pbxdesk.pbx.emulator.core import PbxEmulator


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


async def _credentials(request: web.Request) -> dict[str, str] | None:
    """The token request's parameters: query string, then a form or multipart body, then Basic.

    Real clients send them in each of these ways (record section 1). None: the body is malformed."""
    params: dict[str, str] = dict(request.query)
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.post()
        except (ValueError, HttpProcessingError):  # a malformed form or multipart body
            return None
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    else:  # a form without (or with a wrong) Content-Type
        raw = await request.read()
        with contextlib.suppress(UnicodeDecodeError):
            params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    auth = request.headers.get("Authorization", "")
    if auth[:6].lower() == "basic ":
        try:
            user, _, password = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        params.setdefault("client_id", user)
        params.setdefault("client_secret", password)
    return params


async def token(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.stats["token requests"] += 1
    params = await _credentials(request)
    if params is None:
        return _oauth_error(400, "invalid_request", "the form or multipart body is malformed")
    grant = params.get("grant_type", "")
    if grant == "refresh_token":  # trusted applications get no refresh token (record section 1)
        return _oauth_error(401, "invalid_grant", "this application has no refresh token")
    if grant != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
    if not emu.credentials_ok(params.get("client_id", ""), params.get("client_secret", "")):
        emu.stats["token refusals"] += 1
        return _oauth_error(401, "invalid_client", "invalid client credentials")
    body = m.Token(
        access_token=emu.issue_token(),
        token_type="Bearer",
        expires_in=max(1, round(emu.token_ttl)),
        scope="all",
    )
    return json_response(body)


async def user(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    return json_response(
        m.User(
            id=assumptions.EMULATOR_USER_ID,
            login=assumptions.EMULATOR_LOGIN,
            client_id=emu.account_id,
            extension_id=None,
            extension_group_id=None,
            dealer_id=None,
            admin=False,
            access="full",
            timezone="Europe/Moscow",
            extra_params=None,
        )
    )


def client_of(emu: PbxEmulator) -> m.Client:
    return m.Client(
        id=emu.account_id,
        name="pbxdesk emulator",
        dealer_id=None,
        domain_id=None,
        domain=emu.pbx.domain,
        email=None,
        prefix=emu.pbx.client_prefix,
        create_date=emu.created,
        extension_len=3,
        status="active",
        timezone="Europe/Moscow",
        presence="no",
        extra_params=None,
    )


async def client(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    return json_response(client_of(emu))


ROUTES = [
    Route(
        "POST",
        api.TOKEN_PATH,
        token,
        "OAuth2 client credentials: an access token (form body, query string or multipart)",
        DOC,
        auth=False,
        response=m.Token,
        form_body=True,
        errors=(400, 401, 429),
    ),
    Route("GET", "/user/", user, "the user the token belongs to (its client_id)", DOC, response=m.User),
    Route(
        "GET", "/client/client_info/{client_id}/", client, "the client (account)", CLIENT, response=m.Client
    ),
    Route(
        "GET",
        "/client/{client_id}/",
        client,
        "the client (account): @me or its numeric id",
        DOC,
        response=m.Client,
    ),
    Route(
        "GET",
        "/client/{client_id}/client/",
        client,
        "the client again (a plugin reads the prefix here)",
        CLIENT,
        response=m.Client,
    ),  # fmt: skip
]
