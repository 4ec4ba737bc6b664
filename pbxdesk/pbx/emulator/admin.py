"""The emulator's own endpoints: fault injection, tokens, counters and the OpenAPI document."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from aiohttp import web

from pbxdesk.pbx import api
from pbxdesk.pbx.emulator import models as m
from pbxdesk.pbx.emulator.core import Fault, Refused
from pbxdesk.pbx.emulator.routing import EMULATOR, Route, json_response

if TYPE_CHECKING:
    from pbxdesk.pbx.emulator.core import PbxEmulator


def _faults(emu: PbxEmulator) -> m.Faults:
    return m.Faults(faults=[m.FaultModel(**asdict(f)) for f in emu.faults])


async def get_faults(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    return json_response(_faults(emu))


async def add_faults(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    raw = await request.read()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "the body must be JSON: a fault object or a list of them") from None
    items = data if isinstance(data, list) else [data]
    emu.faults.extend(Fault.from_json(item) for item in items)
    return json_response(_faults(emu))


async def clear_faults(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    n = len(emu.faults)
    emu.faults.clear()
    return web.json_response({"cleared": n})


async def revoke_tokens(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    return web.json_response({"revoked": emu.revoke_tokens()})


async def state(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    return json_response(
        m.State(
            stats=dict(emu.stats),
            extensions=len(emu.extensions),
            subscriptions=emu.used_subscriptions(),
            calls_playing=len(emu._players),
            open_deliveries=emu.engine.open_count,
        )
    )


async def openapi(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    from pbxdesk.pbx.emulator.openapi import openapi_document

    examples: dict[str, object] = {"client_id": "@me"}
    if emu.extensions:
        examples["extension"] = str(min(emu.extensions))
    return web.json_response(openapi_document(emu.routes, f"{request.scheme}://{request.host}", examples))


ROUTES = [
    Route(
        "GET",
        "/admin/faults",
        get_faults,
        "emulator: the faults waiting to be injected",
        EMULATOR,
        auth=False,
        response=m.Faults,
        errors=(),
    ),
    Route(
        "POST",
        "/admin/faults",
        add_faults,
        "emulator: inject faults into the next API requests (an object or a list)",
        EMULATOR,
        auth=False,
        body=m.FaultModel,
        response=m.Faults,
        errors=(400,),
    ),
    Route(
        "DELETE",
        "/admin/faults",
        clear_faults,
        "emulator: clear the faults",
        EMULATOR,
        auth=False,
        response=m.Counted,
        errors=(),
    ),
    Route(
        "POST",
        "/admin/revoke-tokens",
        revoke_tokens,
        "emulator: invalidate every access token issued so far",
        EMULATOR,
        auth=False,
        response=m.Counted,
        errors=(),
    ),
    Route(
        "GET",
        "/admin/state",
        state,
        "emulator: counters (token requests, API requests, calls, deliveries)",
        EMULATOR,
        auth=False,
        response=m.State,
        errors=(),
    ),
    Route(
        "GET", api.OPENAPI_PATH, openapi, "this document", EMULATOR, auth=False, response="object", errors=()
    ),
]
