"""Event subscriptions (per extension, client-wide ``phone_events``, queue agents), call
statuses, agents' login state, and the limits resource that counts every kind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from pbxdesk.domain import (
    EventType,
    Extension,
    ExtensionType,
    FeedEventType,
    Subscription,
    SubscriptionScope,
    ValidationError,
)
from pbxdesk.domain.validation import make_subscription, parse_method, validate_url
from pbxdesk.pbx import assumptions
from pbxdesk.pbx.emulator import models as m
from pbxdesk.pbx.emulator.core import Refused, body_of, by_numeric_id
from pbxdesk.pbx.emulator.routing import ASSUMED, CLIENT, DOC, Route, json_response

if TYPE_CHECKING:
    from pbxdesk.pbx.emulator.core import PbxEmulator

_PHONE_EVENT_TYPES = ("dial-in", "dial-out", "answer", "hangup", "extension-call-status")
_AGENT_EVENT_TYPES = ("agent-login", "agent-logout")
_FEED_TYPES = {t.value for t in FeedEventType}


def sub_model(sub: Subscription) -> m.Subscription:
    et = sub.event_type.value
    return m.Subscription(id=sub.id or 0, url=sub.url, method=sub.method.value, event_type=et)  # type: ignore[arg-type]


def _int_id(raw: str, what: str) -> int:
    if not raw.isdigit():
        raise Refused(404, f"{what} {raw} not found")
    return int(raw)


# -- per extension --------------------------------------------------------------------------------
def _sub_of(emu: PbxEmulator, ext: Extension, raw_id: str) -> Subscription:
    sub = emu.subscriptions.get(int(raw_id)) if raw_id.isdigit() else None
    if sub is None or sub.extension_id != ext.id:
        raise Refused(404, f"event subscription {raw_id} of extension {ext.id} not found")
    return sub


def _ext_sub(ext: Extension, body: m.NewSubscription, sub_id: int | None) -> Subscription:
    return make_subscription(ext, event_type=body.event_type, method=body.method, url=body.url, id=sub_id)


async def list_subs(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = emu.find_ext(request.match_info["extension"])
    return json_response([sub_model(s) for s in emu.subscriptions.values() if s.extension_id == ext.id])


async def create_sub(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = emu.find_ext(request.match_info["extension"])
    sub = _ext_sub(ext, await body_of(request, m.NewSubscription), None)
    emu.check_room()
    sub = emu._store_sub(sub)
    emu.subs_changed()
    return json_response(sub_model(sub), 201)


async def delete_all_subs(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = emu.find_ext(request.match_info["extension"])
    for sid in [s.id for s in emu.subscriptions.values() if s.extension_id == ext.id]:
        del emu.subscriptions[sid]  # type: ignore[arg-type]
    emu.subs_changed()
    return web.Response(status=204)


async def get_sub(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = emu.find_ext(request.match_info["extension"])
    return json_response(sub_model(_sub_of(emu, ext, request.match_info["event_id"])))


async def update_sub(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = emu.find_ext(request.match_info["extension"])
    old = _sub_of(emu, ext, request.match_info["event_id"])
    sub = _ext_sub(ext, await body_of(request, m.NewSubscription), old.id)
    emu.subscriptions[old.id] = sub  # type: ignore[index]
    emu.subs_changed()
    return json_response(sub_model(sub))


async def delete_sub(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = emu.find_ext(request.match_info["extension"])
    sub = _sub_of(emu, ext, request.match_info["event_id"])
    del emu.subscriptions[sub.id]  # type: ignore[arg-type]
    emu.subs_changed()
    return web.Response(status=204)


# -- client-wide and agent feeds ------------------------------------------------------------------
def _feed(body: m.NewSubscription, agent: Extension | None, sub_id: int | None) -> Subscription:
    """A ``phone_events`` subscription (every phone: call events or extension-call-status) or,
    with ``agent``, one of that queue agent's (agent-login/agent-logout)."""
    allowed = _PHONE_EVENT_TYPES if agent is None else _AGENT_EVENT_TYPES
    if body.event_type not in allowed:
        raise ValidationError(
            f"must be one of {', '.join(allowed)}, not {body.event_type!r}", where="event_type"
        )
    event_type = (
        FeedEventType(body.event_type) if body.event_type in _FEED_TYPES else EventType(body.event_type)
    )
    return Subscription(
        extension_id=agent.id if agent else 0,
        event_type=event_type,
        method=parse_method(body.method),
        url=validate_url(body.url),
        id=sub_id,
        scope=SubscriptionScope.AGENT if agent else SubscriptionScope.PHONES,
    )


def _mine(sub: Subscription, agent: Extension | None) -> bool:
    if agent is None:
        return sub.scope is SubscriptionScope.PHONES
    return sub.scope is SubscriptionScope.AGENT and sub.extension_id == agent.id


def _feed_of(emu: PbxEmulator, raw_id: str, agent: Extension | None) -> Subscription:
    feed = emu.feeds.get(int(raw_id)) if raw_id.isdigit() else None
    if feed is None or not _mine(feed, agent):
        raise Refused(404, f"event subscription {raw_id} not found")
    return feed


def _agent(emu: PbxEmulator, request: web.Request) -> Extension | None:
    """The agent of an agent path (None on phone_events paths); 404 if it is no queue's agent."""
    if "agent_id" not in request.match_info:
        return None
    raw = request.match_info["agent_id"]
    ext = emu.extensions.get(int(raw)) if raw.isdigit() else None
    if ext is None or not _queues_of(emu, ext):
        raise Refused(404, f"agent {raw} not found")
    return ext


async def list_feeds(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    agent = _agent(emu, request)
    return json_response([sub_model(f) for f in emu.feeds.values() if _mine(f, agent)])


async def create_feed(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    agent = _agent(emu, request)
    feed = _feed(await body_of(request, m.NewSubscription), agent, None)
    emu.check_room()
    feed = emu._store_sub(feed)
    emu.subs_changed()
    return json_response(sub_model(feed), 201)


async def get_feed(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    agent = _agent(emu, request)
    return json_response(sub_model(_feed_of(emu, request.match_info["event_id"], agent)))


async def update_feed(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    agent = _agent(emu, request)
    old = _feed_of(emu, request.match_info["event_id"], agent)
    feed = _feed(await body_of(request, m.NewSubscription), agent, old.id)
    emu.feeds[old.id] = feed  # type: ignore[index]
    emu.subs_changed()
    return json_response(sub_model(feed))


async def delete_feed(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    agent = _agent(emu, request)
    feed = _feed_of(emu, request.match_info["event_id"], agent)
    del emu.feeds[feed.id]  # type: ignore[arg-type]
    emu.subs_changed()
    return web.Response(status=204)


# -- call statuses --------------------------------------------------------------------------------
def _status_model(entry: dict[str, Any]) -> m.CallStatusEntry:
    return m.CallStatusEntry(**entry)


async def list_statuses(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    return json_response([_status_model(s) for s in emu.call_statuses.values()])


async def create_status(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    body = await body_of(request, m.NewCallStatus)
    sid = max([0, *emu.call_statuses]) + 1
    emu.call_statuses[sid] = {
        "id": sid,
        "name": body.name,
        "property_list": list(body.property_list),
        "create_dt": emu.now_gmt(),
        "extra_params": body.extra_params,
        "dealer_id": None,
    }
    return json_response(_status_model(emu.call_statuses[sid]), 201)


def _status_of(emu: PbxEmulator, request: web.Request) -> dict[str, Any]:
    emu.check_client(request)
    entry: dict[str, Any] = by_numeric_id(request, "status_id", emu.call_statuses, "call status")
    return entry


async def get_status(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    return json_response(_status_model(_status_of(emu, request)))


async def update_status(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    entry = _status_of(emu, request)
    body = await body_of(request, m.NewCallStatus)
    entry.update(name=body.name, property_list=list(body.property_list), extra_params=body.extra_params)
    return json_response(_status_model(entry))


async def delete_status(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    entry = _status_of(emu, request)
    del emu.call_statuses[entry["id"]]
    for ext_id, sid in list(emu.extension_status.items()):
        if sid == entry["id"]:  # the phones in it have no status any more: that is a change
            emu.extension_status[ext_id] = None
            emu._fire_status_change(emu.extensions[ext_id], sid, None)
    return web.Response(status=204)


def _phone(emu: PbxEmulator, request: web.Request) -> Extension:
    ext = emu.find_ext(request.match_info["extension"])
    if ext.type is not ExtensionType.PHONE:
        raise Refused(404, f"extension {ext.name} is a {ext.type.value}: only phones have a call status")
    return ext


async def get_extension_status(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = _phone(emu, request)
    return json_response(
        m.ExtensionCallStatus(extension_id=ext.id, status_id=emu.extension_status.get(ext.id))
    )


async def set_extension_status(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = _phone(emu, request)
    body = await body_of(request, m.ExtensionCallStatusSet)
    if body.status_id is not None and body.status_id not in emu.call_statuses:
        raise ValidationError(f"no call status {body.status_id}", where="status_id")
    old = emu.extension_status.get(ext.id)
    emu.extension_status[ext.id] = body.status_id
    if old != body.status_id:  # the event fires on a real change only
        emu._fire_status_change(ext, old, body.status_id)
    return json_response(m.ExtensionCallStatus(extension_id=ext.id, status_id=body.status_id))


# -- agents ---------------------------------------------------------------------------------------
def _queues_of(emu: PbxEmulator, ext: Extension) -> list[int]:
    return sorted(
        q.id for q in emu.extensions.values() if q.type is ExtensionType.QUEUE and ext.name in q.agents
    )


def _agent_model(emu: PbxEmulator, ext: Extension) -> m.Agent:
    status = emu.agent_status.get(ext.id, "available")
    return m.Agent(id=ext.id, extension_id=ext.id, extension_name=ext.name, status=status,  # type: ignore[arg-type]
                   queues=_queues_of(emu, ext))  # fmt: skip


async def list_agents(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    agents = [e for e in sorted(emu.extensions.values(), key=lambda e: e.id) if _queues_of(emu, e)]
    raw = request.query.get("extension_id")
    if raw:
        agents = [a for a in agents if str(a.id) == raw]
    return json_response([_agent_model(emu, a) for a in agents])


async def queue_agents(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    queue = emu.find_ext(request.match_info["extension"])
    if queue.type is not ExtensionType.QUEUE:
        raise Refused(404, f"extension {queue.name} is a {queue.type.value}, not a queue")
    by_name = emu.by_name()
    return json_response([_agent_model(emu, by_name[a]) for a in queue.agents if a in by_name])


async def get_agent(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    agent = _agent(emu, request)
    assert agent is not None
    return json_response(_agent_model(emu, agent))


async def set_agent(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    agent = _agent(emu, request)
    assert agent is not None
    body = await body_of(request, m.AgentChange)
    old = emu.agent_status.get(agent.id, "available")
    emu.agent_status[agent.id] = body.status
    if old != body.status:  # documented: events fire on a real status change only
        emu._fire_agent_event(agent, body.status)
    return json_response(_agent_model(emu, agent))


# -- limits ---------------------------------------------------------------------------------------
async def limits(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    phone = sum(1 for f in emu.feeds.values() if f.scope is SubscriptionScope.PHONES)
    return json_response(
        m.Limits(
            event_subscriptions=emu.subscription_limit,
            event_subscriptions_used=emu.used_subscriptions(),
            extension_events_used=len(emu.subscriptions),
            phone_events_used=phone,
            agent_events_used=len(emu.feeds) - phone,
        )
    )


_SUBS = ("list", m.Subscription)
_AGENT_EV = "/client/{client_id}/agent/local/{agent_id}/event/"
_STATUS = "/client/{client_id}/extension/call_status/"
ROUTES = [
    Route(
        "GET",
        "/extension/{extension}/event/",
        list_subs,
        "the extension's event subscriptions",
        DOC,
        response=_SUBS,
    ),
    Route(
        "POST",
        "/extension/{extension}/event/",
        create_sub,
        "subscribe: the PBX calls url on event_type",
        DOC,
        ok=201,
        body=m.NewSubscription,
        response=m.Subscription,
    ),
    Route(
        "DELETE",
        "/extension/{extension}/event/",
        delete_all_subs,
        "remove all the extension's subscriptions",
        CLIENT,
        ok=204,
    ),
    Route(
        "GET",
        "/extension/{extension}/event/{event_id}/",
        get_sub,
        "one subscription",
        CLIENT,
        response=m.Subscription,
    ),
    Route(
        "PUT",
        "/extension/{extension}/event/{event_id}/",
        update_sub,
        "replace a subscription",
        CLIENT,
        body=m.NewSubscription,
        response=m.Subscription,
    ),
    Route("DELETE", "/extension/{extension}/event/{event_id}/", delete_sub, "unsubscribe", DOC, ok=204),
    Route(
        "GET",
        "/client/{client_id}/phone_events/",
        list_feeds,
        "client-wide subscriptions (every phone)",
        DOC,
        response=_SUBS,
    ),
    Route(
        "POST",
        "/client/{client_id}/phone_events/",
        create_feed,
        "subscribe every phone (call events or extension-call-status)",
        DOC,
        ok=201,
        body=m.NewSubscription,
        response=m.Subscription,
    ),
    Route(
        "GET",
        "/client/{client_id}/phone_events/{event_id}/",
        get_feed,
        "one client-wide subscription",
        ASSUMED,
        response=m.Subscription,
    ),
    Route(
        "PUT",
        "/client/{client_id}/phone_events/{event_id}/",
        update_feed,
        "replace a client-wide subscription",
        ASSUMED,
        body=m.NewSubscription,
        response=m.Subscription,
    ),
    Route(
        "DELETE",
        "/client/{client_id}/phone_events/{event_id}/",
        delete_feed,
        "remove a client-wide subscription",
        ASSUMED,
        ok=204,
    ),
    Route(
        "GET", _STATUS, list_statuses, "the client's call statuses", DOC, response=("list", m.CallStatusEntry)
    ),
    Route(
        "POST",
        _STATUS,
        create_status,
        "a new call status",
        DOC,
        ok=201,
        body=m.NewCallStatus,
        response=m.CallStatusEntry,
    ),
    Route(
        "GET", _STATUS + "{status_id}/", get_status, "one call status", ASSUMED, response=m.CallStatusEntry
    ),
    Route(
        "PUT",
        _STATUS + "{status_id}/",
        update_status,
        "change a call status",
        DOC,
        body=m.NewCallStatus,
        response=m.CallStatusEntry,
    ),
    Route("DELETE", _STATUS + "{status_id}/", delete_status, "delete a call status", ASSUMED, ok=204),
    Route(
        "GET",
        assumptions.EXTENSION_CALL_STATUS_PATH,
        get_extension_status,
        "a phone's call status",
        ASSUMED,
        response=m.ExtensionCallStatus,
    ),
    Route(
        "PUT",
        assumptions.EXTENSION_CALL_STATUS_PATH,
        set_extension_status,
        "set a phone's call status (extension-call-status fires)",
        ASSUMED,
        body=m.ExtensionCallStatusSet,
        response=m.ExtensionCallStatus,
    ),
    Route(
        "GET",
        "/client/{client_id}/agent/local/",
        list_agents,
        "local queue agents",
        CLIENT,
        response=("list", m.Agent),
    ),
    Route(
        "GET",
        "/extension/{extension}/agent/",
        queue_agents,
        "a queue's agents",
        CLIENT,
        response=("list", m.Agent),
    ),  # fmt: skip
    Route(
        "GET",
        "/client/{client_id}/agent/local/{agent_id}/",
        get_agent,
        "one local agent",
        CLIENT,
        response=m.Agent,
    ),
    Route(
        "PUT",
        "/client/{client_id}/agent/local/{agent_id}/",
        set_agent,
        "log an agent in or out (agent-login/agent-logout fire)",
        ASSUMED,
        body=m.AgentChange,
        response=m.Agent,
    ),
    Route("GET", _AGENT_EV, list_feeds, "an agent's event subscriptions", DOC, response=_SUBS),
    Route(
        "POST",
        _AGENT_EV,
        create_feed,
        "subscribe to an agent's login/logout",
        DOC,
        ok=201,
        body=m.NewSubscription,
        response=m.Subscription,
    ),
    Route(
        "GET", _AGENT_EV + "{event_id}/", get_feed, "one agent subscription", ASSUMED, response=m.Subscription
    ),
    Route(
        "PUT",
        _AGENT_EV + "{event_id}/",
        update_feed,
        "replace an agent subscription",
        ASSUMED,
        body=m.NewSubscription,
        response=m.Subscription,
    ),
    Route("DELETE", _AGENT_EV + "{event_id}/", delete_feed, "remove an agent subscription", ASSUMED, ok=204),
    Route(
        "GET",
        "/client/{client_id}/limit/",
        limits,
        "the account's limits (every kind of subscription counted)",
        CLIENT,
        response=m.Limits,
    ),
]
