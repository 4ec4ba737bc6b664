"""Calls: the callback (a simulated call, answered 201 with its ids) and current calls."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aiohttp import web

from pbxdesk.domain import (
    CallFlow,
    CallStatus,
    EventData,
    EventType,
    Extension,
    ExtensionStatus,
    ExtensionType,
    ValidationError,
)
from pbxdesk.domain.assumptions import DEFAULT_RING_SECONDS
from pbxdesk.domain.ids import hex_id, sub_call_id
from pbxdesk.engine.clock import now_us
from pbxdesk.engine.scenario import CallbackPlan
from pbxdesk.engine.simulator import US, CallSimulator
from pbxdesk.pbx import assumptions
from pbxdesk.pbx.emulator import models as m
from pbxdesk.pbx.emulator.calls_state import Leg, gmt
from pbxdesk.pbx.emulator.core import Refused, body_of
from pbxdesk.pbx.emulator.routing import ASSUMED, CLIENT, DOC, Route, json_response

if TYPE_CHECKING:
    from pbxdesk.pbx.emulator.core import PbxEmulator


# -- callback -------------------------------------------------------------------------------------
def _number(emu: PbxEmulator, value: Any, where: str) -> str:
    """An extension's short or full name (as its full name) or an outside number."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"must be a phone number or an extension, not {value!r}", where=where)
    value = value.strip()
    by_name = emu.by_name()
    full = value if "*" in value else f"{emu.pbx.client_prefix}*{value}"
    if full in by_name:
        return full
    if "*" in value:
        raise ValidationError(f"unknown extension {value!r}", where=where)
    digits = value[1:] if value.startswith("+") else value
    if not digits.isdigit():
        raise ValidationError(f"{value!r} is not a phone number", where=where)
    return value


def _check_routable(target: Extension | None, by_name: dict[str, Extension], depth: int = 0) -> None:
    """Where the simulator cannot take a call, say so: an ivr routing to an extension that is
    gone, a queue made through the API without agents. (An ivr without a route is fine: the
    caller hears the menu and hangs up.)"""
    if target is None or depth > 16:
        return
    if target.type is ExtensionType.IVR and target.route is not None:
        if target.route not in by_name:
            raise ValidationError(
                f"ivr {target.name} routes to {target.route}, which is not an extension here "
                f"(PUT /extension/{target.id}/ivr/ gives it another route)",
                where="dst_num",
            )
        _check_routable(by_name[target.route], by_name, depth + 1)
    if target.type is ExtensionType.QUEUE and not all(a in by_name for a in target.agents or ("",)):
        raise ValidationError(
            f"queue {target.name} has no agents in this emulator (PUT /extension/{target.id}/queue/ "
            "or a --scenario gives it some)",
            where="dst_num",
        )


async def callback(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    owner = emu.find_ext(request.match_info["extension"])
    body = await body_of(request, m.Callback)
    if owner.status is ExtensionStatus.BLOCKED:
        raise ValidationError(f"extension {owner.name} is blocked", where="extension")
    raw_src = body.src_num if isinstance(body.src_num, list) else [body.src_num]
    if not raw_src:
        raise ValidationError("needs at least one number to ring first", where="src_num")
    by_name = emu.by_name()
    src: list[str] = []
    for value in raw_src:
        number = _number(emu, value, "src_num")
        ext = by_name.get(number)
        if ext is not None and ext.type in (ExtensionType.IVR, ExtensionType.QUEUE):
            raise ValidationError(f"{number!r} is {ext.type.value!r}: it cannot place calls", where="src_num")
        src.append(number)
    dst = _number(emu, body.dst_num, "dst_num")
    sim = CallSimulator(emu.pbx, list(emu.extensions.values()), seed=emu._rng.getrandbits(64))
    target, _ = sim.resolve(dst)
    _check_routable(target, by_name)
    plan = CallbackPlan(
        at=0.0,
        extension=owner.name,
        src_num=tuple(src),
        dst_num=dst,
        answer_after=emu.callback_answer_after,
        talk=emu.callback_talk,
        src_answer_after=emu.callback_src_answer_after,
    )
    t0 = now_us()
    events = sim.simulate(plan, t0)
    if not events:
        raise Refused(400, "the callback has no one to ring", assumptions.VALIDATION_CODE)
    emu.stats["callbacks"] += 1
    first = events[0]
    assert isinstance(first, EventData) and first.call_id is not None  # a callback is a call
    emu.play(events, t0, call_id=first.call_id)
    # ASSUMPTION (assumptions.py "callback answer"): call_id is the calls' CallID (which the
    # simulator makes equal to CallBackID), call_api_id their CallAPIID.
    return json_response(
        m.CallbackStarted(call_id=first.call_id, call_api_id=first.call_api_id or first.call_id), 201
    )


# -- current calls --------------------------------------------------------------------------------
def _ref(emu: PbxEmulator, ext_id: int | None) -> m.ExtensionRef | None:
    ext = emu.extensions.get(ext_id) if ext_id is not None else None
    if ext is None:
        return None
    return m.ExtensionRef(
        id=ext.id,
        type=ext.type.value,  # type: ignore[arg-type]
        name=f"{ext.name}@{ext.domain or emu.pbx.domain}",
        client_id=emu.account_id,
        extension_group_id=ext.extension_group_id,
    )


def _item(emu: PbxEmulator, leg: Leg) -> m.CurrentCall:
    ev = leg.first
    return m.CurrentCall(
        call_api_id=ev.call_api_id or ev.call_id,
        call_flow="out" if ev.call_flow is CallFlow.OUT else "in",
        caller_id_number=ev.caller_id_num,
        caller_id_name=ev.caller_id_name,
        called_number=ev.called_number,
        called_did=ev.called_did,
        caller_extension=_ref(emu, ev.caller_extension_id),
        called_extension=_ref(emu, ev.called_extension_id),
        extension_id=ev.extension_id,
        callback_id=ev.callback_id,
        init_time_gmt=gmt(ev.event_time) or "",
        answer_time_gmt=gmt(leg.answer_us),
        record_uuid=None,
        real_call=True,
    )


def _phone_legs(emu: PbxEmulator, ext_id: int | None = None) -> list[Leg]:
    return [
        leg
        for leg in emu.calls.current_legs()
        if leg.extension is not None
        and leg.extension.type is ExtensionType.PHONE
        and (ext_id is None or leg.first.extension_id == ext_id)
    ]


async def client_current_calls(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    return json_response(m.CurrentCalls(call_list=[_item(emu, leg) for leg in _phone_legs(emu)]))


async def extension_current_calls(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = _ext_of(emu, request)
    return json_response(m.CurrentCalls(call_list=[_item(emu, leg) for leg in _phone_legs(emu, ext.id)]))


def _ext_of(emu: PbxEmulator, request: web.Request) -> Extension:
    if "client_id" in request.match_info:  # the /client/{cid}/extension/{id}/... alias
        emu.check_client(request)
    return emu.find_ext(request.match_info["extension"])


def _leg_of(emu: PbxEmulator, request: web.Request) -> Leg:
    ext = _ext_of(emu, request)
    api_id = request.match_info["call_api_id"]
    leg = next(
        (g for g in _phone_legs(emu, ext.id) if (g.first.call_api_id or g.first.call_id) == api_id), None
    )
    if leg is None:
        raise Refused(404, f"no current call {api_id} on extension {ext.id}")
    return leg


async def get_current_call(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    return json_response(m.CurrentCalls(call_list=[_item(emu, _leg_of(emu, request))]))


def _hangup(open_leg: Leg, t: int, status: CallStatus, bridged: str | None) -> EventData:
    """The hangup ending ``open_leg`` at ``t``: its dial-in/dial-out's call fields, the talk time
    of an answered leg, RecID where the extension records, Bridged on an ivr's or queue's."""
    ev = open_leg.first
    answered = open_leg.answer_us is not None
    ext = open_leg.extension
    recorded = answered and ext is not None and ext.record
    return EventData(
        ev.extension_id,
        EventType.HANGUP,
        ev.call_id,
        t,
        sub_call_id=ev.sub_call_id,
        caller_id_num=ev.caller_id_num,
        caller_id_name=ev.caller_id_name,
        called_did=ev.called_did,
        caller_extension=ev.caller_extension,
        caller_extension_id=ev.caller_extension_id,
        called_extension=ev.called_extension,
        called_extension_id=ev.called_extension_id,
        called_number=ev.called_number,
        call_status=status,
        call_flow=ev.call_flow,
        call_api_id=ev.call_api_id,
        duration=(t - open_leg.answer_us) if open_leg.answer_us is not None else None,
        rec_id=ev.sub_call_id if recorded else None,  # the record: RecID = SubCallID
        transfered=ev.transfered,
        bridged=bridged if ext is not None and ext.type in (ExtensionType.IVR, ExtensionType.QUEUE) else None,
        callback_id=ev.callback_id,
        diversion=ev.diversion,
    )


def _end_status(open_leg: Leg, call_answered: bool) -> CallStatus:
    """How a leg ended early ends: ANSWER if it talked, else CANCEL; an ivr's or a queue's own
    (in) leg, which never sends an answer, ended ANSWER when a phone answered the call (as the
    simulator has it)."""
    if open_leg.answer_us is not None:
        return CallStatus.ANSWER
    ext = open_leg.extension
    routes = ext is not None and ext.type in (ExtensionType.IVR, ExtensionType.QUEUE)
    if routes and call_answered and open_leg.first.call_flow is not CallFlow.OUT:
        return CallStatus.ANSWER
    return CallStatus.CANCEL


def _stop_planned(emu: PbxEmulator, call_id: str) -> None:
    """The call's planned events (a scenario's, a callback's, an earlier transfer's) are not sent."""
    emu.calls.cut.add(call_id)
    player = emu.call_players.pop(call_id, None)
    if player is not None:  # a callback or a transfer plays alone: stop waiting for its events
        player.stop()


def _transfer_target(emu: PbxEmulator, send_dst: str | None, leg: Leg) -> Extension:
    """The phone a blind transfer sends the call to (ASSUMPTION "blind transfer": phones only)."""
    if send_dst is None or not send_dst.strip():
        raise ValidationError("a blind transfer needs the number to send the call to", where="send_dst")
    number = _number(emu, send_dst, "send_dst")
    target = emu.by_name().get(number)
    if target is None:
        raise Refused(
            409,
            f"the emulator transfers calls to this PBX's phone extensions only, not to {number!r}",
            assumptions.NOT_SUPPORTED_CODE,
        )
    if target.type is not ExtensionType.PHONE or target.forward_to:
        what = f"forwards to {target.forward_to}" if target.forward_to else f"is {target.type.value!r}"
        raise Refused(
            409,
            f"the emulator transfers calls to phones that ring themselves only: {target.name} {what}",
            assumptions.NOT_SUPPORTED_CODE,
        )
    if target.status is ExtensionStatus.BLOCKED:
        raise ValidationError(f"extension {target.name} is blocked", where="send_dst")
    if target.id == leg.first.extension_id:
        raise ValidationError(f"the call is already on {target.name}", where="send_dst")
    if any(g.first.extension_id == target.id for g in emu.calls.calls[leg.first.call_id].current):
        raise ValidationError(f"{target.name} is already in this call", where="send_dst")
    return target


def blind_transfer(emu: PbxEmulator, leg: Leg, target: Extension) -> Leg:
    """``leg``'s phone hands its party on to ``target`` (#1 on the phone), as the simulator's
    ASSUMPTION(blind-transfer) has it: the phone's leg hangs up now (ANSWER, its talk time), the
    target gets a new leg whose dial-in carries RemoteNumber (the party handed on), rings, answers
    after the emulator's callback answer time and talks for its callback talk time; then the
    call's other legs still open hang up with it. Returns the target's new leg."""
    call = emu.calls.calls[leg.first.call_id]
    _stop_planned(emu, call.call_id)
    t = call.now(emu.speed)
    emu.engine.submit(_hangup(leg, t, CallStatus.ANSWER, None), source="pbx")
    ev = leg.first
    for thread in list(call.current):  # a queue's thread that rang this phone ends with it
        if (
            thread.extension is not None
            and thread.extension.type is ExtensionType.QUEUE
            and thread.first.call_flow is CallFlow.OUT
            and thread.first.called_extension_id == ev.extension_id
        ):
            emu.engine.submit(_hangup(thread, t, _end_status(thread, True), "yes"), source="pbx")
    if ev.call_flow is CallFlow.OUT:  # the phone dialled: the party it hands on is the one it called
        other = (ev.called_number, ev.called_number, ev.called_extension, ev.called_extension_id)
    else:  # the party that called it (for a call through an ivr/queue, that ivr/queue's fields)
        other = (ev.caller_id_num, ev.caller_id_name, ev.caller_extension, ev.caller_extension_id)
    dial_in = EventData(
        target.id,
        EventType.DIAL_IN,
        call.call_id,
        t,
        sub_call_id=sub_call_id(target.id, hex_id(emu._rng.getrandbits(128))),
        caller_id_num=other[0],
        caller_id_name=other[1],
        called_did=ev.called_did if ev.call_flow is CallFlow.IN else None,
        caller_extension=other[2],
        caller_extension_id=other[3],
        called_extension=f"{target.name}@{target.domain or emu.pbx.domain}",
        called_extension_id=target.id,
        called_number=target.name,
        call_status=CallStatus.CALLING,
        call_flow=CallFlow.IN,
        call_api_id=ev.call_api_id,
        remote_number=other[0],
        callback_id=ev.callback_id,
    )
    emu.engine.submit(dial_in, source="pbx")
    new_leg = Leg(dial_in, target)
    rest: list[EventData] = []
    if emu.callback_answer_after is not None:
        new_leg.answer_us = t + int(emu.callback_answer_after * US)
        t_end = new_leg.answer_us + int(emu.callback_talk * US)
        rest.append(
            replace(
                dial_in,
                event_type=EventType.ANSWER,
                event_time=new_leg.answer_us,
                call_status=CallStatus.ANSWER,
                remote_number=None,
            )
        )
        rest.append(_hangup(new_leg, t_end, CallStatus.ANSWER, None))
    else:  # nobody answers the target: it rings out, and the call ends with it
        t_end = t + int(DEFAULT_RING_SECONDS[CallStatus.NOANSWER] * US)
        rest.append(_hangup(new_leg, t_end, CallStatus.NOANSWER, None))
    for open_leg in call.current:  # the legs still open (the caller's, an ivr's...) end with it
        if open_leg is leg or open_leg.first.extension_id == target.id:
            continue
        rest.append(_hangup(open_leg, t_end, _end_status(open_leg, True), "yes"))
    emu.play(rest, t, call_id=call.call_id, after_cut=True)
    emu.stats["transfers"] += 1
    return next(
        (g for g in emu.calls.current_legs() if g.first is dial_in),
        new_leg,
    )


async def act_on_call(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    leg = _leg_of(emu, request)
    body = await body_of(request, m.CurrentCallAction)
    if body.action != "transfer":
        raise Refused(
            409,
            f"the emulator cannot {body.action} a simulated call; of the actions it carries out "
            "a blind transfer only (action=transfer with send_dst)",
            assumptions.NOT_SUPPORTED_CODE,
        )
    target = _transfer_target(emu, body.send_dst, leg)
    if leg.answer_us is None:
        raise Refused(
            409,
            f"call {request.match_info['call_api_id']} is still ringing on extension "
            f"{leg.first.extension_id}: only a call it has answered can be transferred",
            assumptions.NOT_SUPPORTED_CODE,
        )
    new_leg = blind_transfer(emu, leg, target)
    # ASSUMPTION (assumptions.py "blind transfer"): the answer lists the call where it is now.
    return json_response(m.CurrentCalls(call_list=[_item(emu, new_leg)]))


async def hang_up(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    leg = _leg_of(emu, request)
    call = emu.calls.calls[leg.first.call_id]
    _stop_planned(emu, call.call_id)
    t = call.now(emu.speed)
    bridged = "yes" if call.answered else "no"
    for open_leg in list(call.current):
        emu.engine.submit(_hangup(open_leg, t, _end_status(open_leg, call.answered), bridged), source="pbx")
    emu.stats["hang-ups"] += 1
    return web.Response(status=204)


_ONE = "/extension/{extension}/current_calls/{call_api_id}/"
# ASSUMPTION (assumptions.py "current calls"): the per-extension resources answer under
# /client/{cid}/extension/{id}/ too, as the extension itself does.
_UNDER_CLIENT = "/client/{client_id}"


def _current_call_routes(prefix: str, evidence: str | None = None) -> list[Route]:
    one = prefix + _ONE
    return [
        Route(
            "GET",
            prefix + "/extension/{extension}/current_calls/",
            extension_current_calls,
            "the calls under way on a phone",
            evidence or DOC,
            response=m.CurrentCalls,
        ),
        Route(
            "GET", one, get_current_call, "one call under way", evidence or CLIENT, response=m.CurrentCalls
        ),
        Route(
            "PUT",
            one,
            act_on_call,
            "a blind transfer (action=transfer, send_dst: a phone) answers 200 with the call where "
            "it is now; other actions answer 409 not_supported",
            evidence or DOC,
            body=m.CurrentCallAction,
            response=m.CurrentCalls,
            errors=(400, 401, 404, 409, 429),
        ),
        Route("DELETE", one, hang_up, "hang a call up (its hangup events follow)", evidence or DOC, ok=204),
    ]


ROUTES = [
    Route(
        "POST",
        "/extension/{extension}/callback/",
        callback,
        "ring src_num, then connect it to dst_num (events as the PBX sends them)",
        DOC,
        ok=201,
        body=m.Callback,
        response=m.CallbackStarted,
    ),
    Route(
        "GET",
        "/client/{client_id}/current_calls/",
        client_current_calls,
        "the calls under way on the account's phones",
        DOC,
        response=m.CurrentCalls,
    ),
    *_current_call_routes(""),
    *_current_call_routes(_UNDER_CLIENT, ASSUMED),
]
