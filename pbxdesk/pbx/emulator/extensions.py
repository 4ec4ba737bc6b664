"""Extensions: the list (filters and paging), CRUD by id, and the queue, ivr and ani settings."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aiohttp import web

from pbxdesk.domain import Extension, ExtensionStatus, ExtensionType, ValidationError
from pbxdesk.domain.validation import make_subscription, validate_extension_name
from pbxdesk.pbx import assumptions
from pbxdesk.pbx.emulator import models as m
from pbxdesk.pbx.emulator.core import Refused, body_of
from pbxdesk.pbx.emulator.routing import ASSUMED, CLIENT, DOC, Query, Route, json_response

if TYPE_CHECKING:
    from pbxdesk.pbx.emulator.core import PbxEmulator

# The simulator's queue strategies and the API's names for them.
_STRATEGY_API = {"ringall": "ring-all", "sequential": "sequentially-by-agent-order"}
_STRATEGY_SIM = {"ring-all": "ringall", "sequentially-by-agent-order": "sequential"}


def extension_model(emu: PbxEmulator, e: Extension) -> m.Extension:
    return m.Extension(
        id=e.id,
        name=e.name,
        domain=e.domain or emu.pbx.domain,
        type=e.type.value,  # type: ignore[arg-type]
        status=e.status.value,  # type: ignore[arg-type]
        label=e.label,
        caller_id_name=e.caller_id_name or None,
        client_id=emu.account_id,
        extension_group_id=e.extension_group_id,
        create_date=e.create_date or emu.created,
        extra_params=e.extra_params,
        dial_rule_id=None,
        dial_rule_limit=None,
        message_did=None,
        ani_rfc3325=False,
    )


def int_query(request: web.Request, name: str, default: int | None, minimum: int = 1) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise Refused(400, f"{name}: must be a whole number >= {minimum}, not {raw!r}",
                      assumptions.VALIDATION_CODE)  # fmt: skip
    return int(raw)


def paged(items: list[Any], request: web.Request, default_per_page: int | None) -> list[Any]:
    per_page = int_query(request, "per_page", default_per_page)
    page = int_query(request, "page", 1)
    if per_page is None:
        return items
    assert page is not None
    return items[(page - 1) * per_page : page * per_page]


async def list_extensions(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    exts = sorted(emu.extensions.values(), key=lambda e: e.id)
    q = request.query
    if q.get("type"):
        exts = [e for e in exts if e.type.value == q["type"]]
    if q.get("status"):
        exts = [e for e in exts if e.status.value == q["status"]]
    if "name" in q:  # the full name, prefix*short (a bare short name gets the client's prefix)
        name = q["name"] if "*" in q["name"] else f"{emu.pbx.client_prefix}*{q['name']}"
        exts = [e for e in exts if e.name == name]
    return json_response([extension_model(emu, e) for e in paged(exts, request, None)])


def _text(value: str | None) -> str:
    return value or ""


async def create_extension(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    body = await body_of(request, m.NewExtension)
    name = validate_extension_name(body.name, prefix=emu.pbx.client_prefix)
    clash = next((e for e in emu.extensions.values() if e.name == name), None)
    if clash is not None:
        raise ValidationError(f"extension {name!r} already exists (id {clash.id})", where="name")
    ext = Extension(
        id=emu.new_extension_id(),
        name=name,
        type=ExtensionType(body.type),
        status=ExtensionStatus(body.status),
        label=_text(body.label),
        caller_id_name=_text(body.caller_id_name),
        extension_group_id=body.extension_group_id,
        extra_params=body.extra_params,
        client_id=emu.account_id,
        domain=emu.pbx.domain,
        create_date=emu.now_gmt(),
    )
    emu.extensions[ext.id] = ext
    emu.subs_changed()
    return json_response(extension_model(emu, ext), 201)


def _ext_of(emu: PbxEmulator, request: web.Request) -> Extension:
    if "client_id" in request.match_info:
        emu.check_client(request)
    return emu.find_ext(request.match_info["extension"])


async def get_extension(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    return json_response(extension_model(emu, _ext_of(emu, request)))


async def update_extension(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = _ext_of(emu, request)
    body = await body_of(request, m.ExtensionChange)
    sent = body.model_fields_set
    changes: dict[str, Any] = {}
    if "name" in sent and body.name is not None:
        name = validate_extension_name(body.name, prefix=emu.pbx.client_prefix)
        if name != ext.name:  # documented: delete it and create it again
            raise ValidationError("an extension cannot be renamed: delete it and create it again",
                                  where="name")  # fmt: skip
    if body.type is not None:
        changes["type"] = ExtensionType(body.type)
    if body.status is not None:
        changes["status"] = ExtensionStatus(body.status)
    for key in ("label", "caller_id_name"):
        if key in sent:
            changes[key] = _text(getattr(body, key))
    for key in ("extension_group_id", "extra_params"):
        if key in sent:
            changes[key] = getattr(body, key)
    new = replace(ext, **changes)
    if new.type is not ext.type:
        for sub in emu.subscriptions.values():
            if sub.extension_id == ext.id:  # the model's rule (messages: phones only) holds
                make_subscription(new, event_type=sub.event_type, method=sub.method, url=sub.url)
    emu.extensions[ext.id] = new
    emu.subs_changed()
    return json_response(extension_model(emu, new))


async def delete_extension(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = _ext_of(emu, request)
    del emu.extensions[ext.id]
    for sid in [s.id for s in emu.subscriptions.values() if s.extension_id == ext.id]:
        del emu.subscriptions[sid]  # type: ignore[arg-type]
    for did in emu.dids.values():
        if did.get("extension_id") == ext.id:
            did["extension_id"] = None
    emu.subs_changed()
    return web.Response(status=204)


# -- queue, ivr, ani ---------------------------------------------------------------------------------
def _typed(emu: PbxEmulator, request: web.Request, kind: ExtensionType) -> Extension:
    ext = emu.find_ext(request.match_info["extension"])
    if ext.type is not kind:
        raise Refused(404, f"extension {ext.name} is a {ext.type.value}, not a {kind.value}")
    return ext


def _queue_model(e: Extension) -> m.Queue:
    return m.Queue(
        strategy=_STRATEGY_API.get(e.strategy, e.strategy),
        agents=list(e.agents),
        ring_time=e.ring_time,
        max_wait_time=3600,
        record_enabled=e.record,
    )


async def get_queue(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    return json_response(_queue_model(_typed(emu, request, ExtensionType.QUEUE)))


def _member(emu: PbxEmulator, value: str, where: str, kind: ExtensionType) -> str:
    name = validate_extension_name(value, prefix=emu.pbx.client_prefix)
    target = emu.by_name().get(name)
    if target is None:
        raise ValidationError(f"unknown extension {name!r}", where=where)
    if kind is ExtensionType.QUEUE and target.type is not ExtensionType.PHONE:
        raise ValidationError(f"{name} is a {target.type.value}; queue agents must be phones", where=where)
    return name


async def put_queue(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = _typed(emu, request, ExtensionType.QUEUE)
    body = await body_of(request, m.QueueChange)
    changes: dict[str, Any] = {}
    if body.strategy is not None:
        changes["strategy"] = _STRATEGY_SIM.get(body.strategy, body.strategy)
    if body.agents is not None:
        if not body.agents:
            raise ValidationError("a queue needs at least one agent", where="agents")
        changes["agents"] = tuple(_member(emu, a, "agents", ExtensionType.QUEUE) for a in body.agents)
    if body.ring_time is not None:
        changes["ring_time"] = float(body.ring_time)
    new = emu.extensions[ext.id] = replace(ext, **changes)
    return json_response(_queue_model(new))


def _ivr_model(e: Extension) -> m.Ivr:
    return m.Ivr(route=e.route, menu_time=e.menu_time, lifetime=3600, vm_enabled=False)


async def get_ivr(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    return json_response(_ivr_model(_typed(emu, request, ExtensionType.IVR)))


async def put_ivr(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = _typed(emu, request, ExtensionType.IVR)
    body = await body_of(request, m.IvrChange)
    changes: dict[str, Any] = {}
    if "route" in body.model_fields_set:
        changes["route"] = (
            None if body.route is None else _member(emu, body.route, "route", ExtensionType.IVR)
        )
    if body.menu_time is not None:
        changes["menu_time"] = float(body.menu_time)
    new = emu.extensions[ext.id] = replace(ext, **changes)
    return json_response(_ivr_model(new))


async def get_ani(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = emu.find_ext(request.match_info["extension"])
    default = ext.did.lstrip("+") if ext.did else None
    return json_response(m.Ani(default=default, ani_number=emu.ani.get(ext.id)))


async def put_ani(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = emu.find_ext(request.match_info["extension"])
    body = await body_of(request, m.AniChange)
    number = body.ani_number
    if number is not None:
        known = {d["name"] for d in emu.dids.values()}
        if number.lstrip("+") not in known:  # documented: only the client's own DIDs
            raise ValidationError(
                f"{number!r} is not one of this client's public numbers", where="ani_number"
            )
    emu.ani[ext.id] = number
    default = ext.did.lstrip("+") if ext.did else None
    return json_response(m.Ani(default=default, ani_number=number))


_LIST_QUERY = (
    Query("type", enum=("phone", "queue", "ivr", "fax")),
    Query("status", enum=("active", "blocked")),
    Query("name", description="the full name prefix*short (exact)"),
    Query("page", "integer"),
    Query("per_page", "integer", description="none: every extension"),
)
_EXT = ("list", m.Extension)
ROUTES = [
    Route(
        "GET",
        "/client/{client_id}/extension/",
        list_extensions,
        "the account's extensions (a bare array)",
        DOC,
        response=_EXT,
        query=_LIST_QUERY,
    ),
    Route(
        "POST",
        "/client/{client_id}/extension/",
        create_extension,
        "create an extension (a bare name gets the client prefix)",
        DOC,
        ok=201,
        body=m.NewExtension,
        response=m.Extension,
    ),
    Route(
        "GET",
        "/client/{client_id}/extension/{extension}/",
        get_extension,
        "one extension",
        CLIENT,
        response=m.Extension,
    ),
    Route(
        "PUT",
        "/client/{client_id}/extension/{extension}/",
        update_extension,
        "change an extension",
        CLIENT,
        body=m.ExtensionChange,
        response=m.Extension,
    ),
    Route(
        "DELETE",
        "/client/{client_id}/extension/{extension}/",
        delete_extension,
        "delete an extension and its subscriptions",
        CLIENT,
        ok=204,
    ),
    Route("GET", "/extension/{extension}/", get_extension, "one extension", ASSUMED, response=m.Extension),
    Route(
        "PUT",
        "/extension/{extension}/",
        update_extension,
        "change an extension",
        ASSUMED,
        body=m.ExtensionChange,
        response=m.Extension,
    ),
    Route(
        "DELETE",
        "/extension/{extension}/",
        delete_extension,
        "delete an extension and its subscriptions",
        ASSUMED,
        ok=204,
    ),
    Route(
        "GET",
        "/extension/{extension}/queue/",
        get_queue,
        "a queue's settings (strategy, agents)",
        DOC,
        response=m.Queue,
    ),
    Route(
        "PUT",
        "/extension/{extension}/queue/",
        put_queue,
        "change a queue's strategy, agents, ring time",
        DOC,
        body=m.QueueChange,
        response=m.Queue,
    ),
    Route(
        "GET",
        "/extension/{extension}/ivr/",
        get_ivr,
        "an ivr's settings (route, menu time)",
        CLIENT,
        response=m.Ivr,
    ),
    Route(
        "PUT",
        "/extension/{extension}/ivr/",
        put_ivr,
        "change an ivr's route or menu time",
        CLIENT,
        body=m.IvrChange,
        response=m.Ivr,
    ),
    Route(
        "GET",
        "/extension/{extension}/ani/",
        get_ani,
        "the extension's outgoing caller id",
        CLIENT,
        response=m.Ani,
    ),
    Route(
        "PUT",
        "/extension/{extension}/ani/",
        put_ani,
        "set the outgoing caller id (one of the DIDs)",
        CLIENT,
        body=m.AniChange,
        response=m.Ani,
    ),
]
