"""Call history, per-extension CDR, conversation records and public numbers (DIDs).

History is what the emulator's calls did (``CallLog``): one item per finished call, its
``call_uuid`` the webhooks' CallID upper-cased, its times and results those of the events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import web

from pbxdesk.domain import CallFlow, CallStatus, ExtensionType, ValidationError
from pbxdesk.pbx import assumptions
from pbxdesk.pbx.emulator import models as m
from pbxdesk.pbx.emulator.calls_state import Call, Leg, gmt
from pbxdesk.pbx.emulator.core import Refused, body_of, by_numeric_id
from pbxdesk.pbx.emulator.extensions import int_query, paged
from pbxdesk.pbx.emulator.routing import CLIENT, DOC, Query, Route, json_response
from pbxdesk.resources_dir import resource

if TYPE_CHECKING:
    from pbxdesk.pbx.emulator.core import PbxEmulator

_US = 1_000_000
_RESULT = {
    CallStatus.ANSWER: "answered",
    CallStatus.BUSY: "busy",
    CallStatus.NOANSWER: "not answered",
    CallStatus.CANCEL: "not answered",
    CallStatus.CONGESTION: "failed",
    CallStatus.CHANUNAVAIL: "failed",
}
# ASSUMPTION (assumptions.py "call history"): FreeSWITCH-style causes by final status.
_CAUSE = {
    CallStatus.ANSWER: ("NORMAL_CLEARING", "caller_bye"),
    CallStatus.BUSY: ("USER_BUSY", "callee_refuse"),
    CallStatus.NOANSWER: ("NO_ANSWER", "internal_cancel"),
    CallStatus.CANCEL: ("ORIGINATOR_CANCEL", "caller_cancel"),
    CallStatus.CONGESTION: ("NORMAL_CIRCUIT_CONGESTION", "internal_cancel"),
    CallStatus.CHANUNAVAIL: ("CHANNEL_UNACCEPTABLE", "internal_cancel"),
}


def audio_bytes() -> bytes:
    return resource("audio", "record.mp3").read_bytes()


def _flow(leg: Leg) -> str:
    return "out" if leg.first.call_flow is CallFlow.OUT else "in"


def _end(leg: Leg) -> int:
    return leg.hangup.event_time if leg.hangup is not None else leg.first.event_time


def _record_uuid(leg: Leg) -> str | None:
    rec = leg.hangup.rec_id if leg.hangup is not None else None
    return rec.upper() if rec else None


def _record_size(leg: Leg) -> int | None:
    if _record_uuid(leg) is None:
        return None
    talk = (_end(leg) - leg.answer_us) / _US if leg.answer_us is not None else 0.0
    return max(1, round(talk * assumptions.RECORD_BYTES_PER_SECOND))


def _leg_model(emu: PbxEmulator, call: Call, leg: Leg) -> m.CdrLeg:
    ev = leg.first
    ext = leg.extension
    status = leg.status or CallStatus.CANCEL
    result = _RESULT.get(status, "failed")
    if status is not CallStatus.ANSWER and call.answered:
        result = "answered elsewhere"
    application = (
        "callback" if ev.callback_id else ("callcenter" if ext and ext.type is ExtensionType.QUEUE else None)
    )
    domain = emu.pbx.domain
    return m.CdrLeg(
        sub_call_id=ev.sub_call_id or ev.call_id,
        flow=_flow(leg),  # type: ignore[arg-type]
        extension_id=ev.extension_id,
        extension_name=f"{ext.name}@{domain}" if ext else str(ev.extension_id),
        init_time_gmt=gmt(ev.event_time) or "",
        answer_time_gmt=gmt(leg.answer_us),
        hangup_time_gmt=gmt(_end(leg)) or "",
        duration=round((_end(leg) - ev.event_time) / _US),
        result=result,
        record_uuid=_record_uuid(leg),
        record_file_size=_record_size(leg),
        application=application,
        ani_number=ev.caller_id_num,
        dest_number=ev.called_number,
        dest_domain=domain if ev.called_extension else None,
        source_number=ev.caller_id_num,
        source_domain=domain if ev.caller_extension else None,
    )


def history_item(emu: PbxEmulator, call: Call) -> m.CallHistoryItem:
    owner = call.legs[0]
    ev = owner.first
    ext = owner.extension
    start = ev.event_time
    end = max(_end(leg) for leg in call.legs)
    answers = [leg.answer_us for leg in call.legs if leg.answer_us is not None]
    bridged = min(answers) if answers else None
    answered_by = next((leg for leg in call.legs if leg.answer_us == bridged), None) if bridged else None
    status = owner.status or CallStatus.CANCEL
    if call.answered:
        status = CallStatus.ANSWER
    cause, disposition = _CAUSE.get(status, ("NORMAL_CLEARING", "internal_cancel"))
    domain = emu.pbx.domain
    bridged_ext = answered_by.extension if answered_by else None
    return m.CallHistoryItem(
        call_uuid=call.call_id.upper(),
        flow=_flow(owner),  # type: ignore[arg-type]
        from_username=ev.caller_id_num,
        from_domain=domain if ev.caller_extension else None,
        from_screen_name=ev.caller_id_name,
        to_username=ev.called_number,
        to_domain=domain if ev.called_extension else None,
        init_time_gmt=gmt(start) or "",
        start_time_gmt=gmt(start) or "",
        bridged_time_gmt=gmt(bridged),
        hangup_time_gmt=gmt(end) or "",
        duration=round((end - start) / _US),
        bridged_duration=round((end - bridged) / _US) if bridged is not None else None,
        bridged_username=bridged_ext.name if bridged_ext else None,
        bridged_domain=domain if bridged_ext else None,
        result=_RESULT.get(status, "failed"),
        hangup_cause=cause,
        hangup_disposition=disposition,
        extension_id=ev.extension_id,
        extension_name=f"{ext.name}@{domain}" if ext else str(ev.extension_id),
        extension_type=(ext.type.value if ext else "phone"),  # type: ignore[arg-type]
        extension_group_owner_id=ext.extension_group_id if ext else None,
        client_owner_id=emu.account_id,
        did_number=ev.called_did,
        did_domain=None,
        ext_number_reg=None,
        cdr=[_leg_model(emu, call, leg) for leg in call.legs],
    )


def _when(raw: str | None, name: str) -> int | None:
    if not raw:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        with contextlib.suppress(ValueError):
            return int(datetime.strptime(raw, fmt).replace(tzinfo=UTC).timestamp() * _US)
    raise ValidationError(f"must be 'YYYY-MM-DD HH:MM:SS' (UTC), not {raw!r}", where=name)


def _order(request: web.Request) -> Literal["asc", "desc"]:
    order = request.query.get("order") or "desc"
    if order == "asc":  # (spelled out: a comparison narrows the type to the literal)
        return "asc"
    if order == "desc":
        return "desc"
    raise ValidationError(f"must be 'asc' or 'desc', not {order!r}", where="order")


def _calls(emu: PbxEmulator, request: web.Request, ext_id: int | None) -> Iterator[Call]:
    start = _when(request.query.get("start_datetime"), "start_datetime")
    end = _when(request.query.get("end_datetime"), "end_datetime")
    flow = request.query.get("flow")
    to = request.query.get("to_username")
    raw_ext = request.query.get("extension_id")
    if raw_ext and ext_id is None:
        if not raw_ext.isdigit():
            raise ValidationError(f"must be an extension id, not {raw_ext!r}", where="extension_id")
        ext_id = int(raw_ext)
    for call in emu.calls.finished.values():
        if not call.legs:
            continue
        first = call.first
        if start is not None and first.event_time < start:
            continue
        if end is not None and first.event_time > end:
            continue
        if flow and _flow(call.legs[0]) != flow:
            continue
        if to and first.called_number != to:
            continue
        if ext_id is not None and all(leg.first.extension_id != ext_id for leg in call.legs):
            continue
        yield call


async def call_history(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    # History is a statistics request: the PBX refuses a second one while one runs (recorded).
    if emu._stats_busy:
        raise Refused(429, "Stats request already exists, concurrent request not allowed")
    emu._stats_busy = True
    try:
        if emu.history_delay:  # the time a statistics query takes (tests make it overlap)
            await asyncio.sleep(emu.history_delay)
        order = _order(request)
        per_page = int_query(request, "per_page", 50)
        page = int_query(request, "page", 1)
        calls = list(_calls(emu, request, None))
        calls.sort(key=lambda c: c.first.event_time, reverse=order == "desc")
        items = [history_item(emu, c) for c in paged(calls, request, 50)]
    finally:
        emu._stats_busy = False
    return json_response(
        m.CallHistory(call_history=items, page=page or 1, per_page=per_page or 50, order=order)
    )


async def one_call(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    call = emu.calls.find_finished(request.match_info["call_uuid"])
    if call is None or not call.legs:
        raise Refused(404, "Not found")
    return json_response(history_item(emu, call))


async def extension_cdr(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext = emu.find_ext(request.match_info["extension"])
    order = _order(request)
    calls = sorted(_calls(emu, request, ext.id), key=lambda c: c.first.event_time, reverse=order == "desc")
    return json_response([history_item(emu, c) for c in paged(calls, request, None)])


# -- records --------------------------------------------------------------------------------------
def _recorded(emu: PbxEmulator) -> Iterator[tuple[Call, Leg]]:
    for call in emu.calls.finished.values():
        for leg in call.legs:
            if _record_uuid(leg) is not None and leg.first.sub_call_id not in emu.deleted_records:
                yield call, leg


def _record_model(emu: PbxEmulator, call: Call, leg: Leg) -> m.Record:
    ext = leg.extension
    when = datetime.fromtimestamp(leg.first.event_time / _US, UTC).strftime("%Y-%m-%d-%H-%M-%S")
    uuid = _record_uuid(leg) or ""
    short = ext.short if ext else str(leg.first.extension_id)
    return m.Record(
        record_uuid=uuid,
        record_file_size=_record_size(leg) or 1,
        file_name=f"{when}-UTC_{_flow(leg)}_{short}_{uuid[-4:].lower()}.mp3",
        record_transfer=False,
        call_uuid=call.call_id.upper(),
        flow=_flow(leg),  # type: ignore[arg-type]
        extension_id=leg.first.extension_id,
        extension_name=f"{ext.name}@{emu.pbx.domain}" if ext else str(leg.first.extension_id),
        init_time_gmt=gmt(leg.first.event_time) or "",
        hangup_time_gmt=gmt(_end(leg)) or "",
        duration=round((_end(leg) - leg.first.event_time) / _US),
    )


async def records(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    ext_id = None
    if "client_id" in request.match_info:
        emu.check_client(request)
    else:
        ext_id = emu.find_ext(request.match_info["extension"]).id
    missing = [k for k in ("start_datetime", "end_datetime") if not request.query.get(k)]
    if missing:  # documented: the date range is required
        raise Refused(400, f"required: {', '.join(missing)}", assumptions.VALIDATION_CODE)
    start = _when(request.query["start_datetime"], "start_datetime") or 0
    end = _when(request.query["end_datetime"], "end_datetime") or 0
    order = _order(request)
    found = [
        (c, leg)
        for c, leg in _recorded(emu)
        if start <= leg.first.event_time <= end and (ext_id is None or leg.first.extension_id == ext_id)
    ]
    found.sort(key=lambda cl: cl[1].first.event_time, reverse=order == "desc")
    return json_response([_record_model(emu, c, leg) for c, leg in paged(found, request, None)])


def _record_of(emu: PbxEmulator, request: web.Request) -> tuple[Call, Leg]:
    if "client_id" in request.match_info:
        emu.check_client(request)
    ext = emu.find_ext(request.match_info["extension"]) if "extension" in request.match_info else None
    key = request.match_info["record_uuid"].upper()
    for call, leg in _recorded(emu):
        if _record_uuid(leg) == key and (ext is None or leg.first.extension_id == ext.id):
            return call, leg
    raise Refused(404, "Record not found")


async def storage_url(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    _, leg = _record_of(emu, request)
    base = f"{request.scheme}://{request.host}"
    url = f"{base}/api/ver1.0/client/{emu.account_id}/record/{_record_uuid(leg)}/"
    return json_response(m.RecordUrl(record_url=url))


async def audio(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    call, leg = _record_of(emu, request)
    name = _record_model(emu, call, leg).file_name
    return web.Response(
        body=audio_bytes(),
        content_type="audio/mpeg",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def delete_record(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    _, leg = _record_of(emu, request)
    emu.deleted_records.add(leg.first.sub_call_id)
    return web.Response(status=204)


# -- DIDs -----------------------------------------------------------------------------------------
def _did_model(emu: PbxEmulator, did: dict[str, Any]) -> m.Did:
    return m.Did(
        id=did["id"],
        name=did["name"],
        domain=None,
        client_id=emu.account_id,
        extension_id=_did_owner(emu, did),
        allow_message=False,
        message_extension_id=None,
        comment="",
        create_date=emu.created,
    )


def _did_owner(emu: PbxEmulator, did: dict[str, Any]) -> int | None:
    return next((e.id for e in emu.extensions.values() if e.did and e.did.lstrip("+") == did["name"]), None)


def _did_of(emu: PbxEmulator, request: web.Request) -> dict[str, Any]:
    emu.check_client(request)
    did: dict[str, Any] = by_numeric_id(request, "did_id", emu.dids, "public number")
    return did


async def list_dids(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    emu.check_client(request)
    return json_response([_did_model(emu, d) for d in paged(list(emu.dids.values()), request, None)])


async def get_did(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    return json_response(_did_model(emu, _did_of(emu, request)))


async def bind_did(emu: PbxEmulator, request: web.Request) -> web.StreamResponse:
    """Bind a number to an extension: the simulator routes it there from now on."""
    did = _did_of(emu, request)
    body = await body_of(request, m.DidChange)
    target = None
    if body.extension_id is not None:
        target = emu.extensions.get(body.extension_id)
        if target is None:
            raise ValidationError(f"no extension {body.extension_id}", where="extension_id")
    old = _did_owner(emu, did)
    if old is not None:
        emu.extensions[old] = replace(emu.extensions[old], did=None)
    if target is not None:
        emu.extensions[target.id] = replace(target, did=did["number"])
    return json_response(_did_model(emu, did))


_HISTORY_QUERY = (
    Query("start_datetime", description="UTC, YYYY-MM-DD HH:MM:SS"),
    Query("end_datetime", description="UTC, YYYY-MM-DD HH:MM:SS"),
    Query("flow", enum=("in", "out")),
    Query("extension_id", "integer"),
    Query("to_username"),
    Query("page", "integer"),
    Query("per_page", "integer"),
    Query("order", enum=("asc", "desc")),
)
_RECORD_QUERY = (
    Query("start_datetime", required=True, description="UTC, YYYY-MM-DD HH:MM:SS"),
    Query("end_datetime", required=True, description="UTC, YYYY-MM-DD HH:MM:SS"),
    Query("order", enum=("asc", "desc")),
    Query("page", "integer"),
    Query("per_page", "integer"),
)
_REC = "/client/{client_id}/record/{record_uuid}/"
_EXT_REC = "/extension/{extension}/record/{record_uuid}/"
ROUTES = [
    Route(
        "GET",
        "/client/{client_id}/call_history/",
        call_history,
        "the calls the emulator played (one statistics request at a time)",
        DOC,
        response=m.CallHistory,
        query=_HISTORY_QUERY,
    ),
    Route(
        "GET",
        "/client/{client_id}/call_history/{call_uuid}/",
        one_call,
        "one call (CallID in any case)",
        CLIENT,
        response=m.CallHistoryItem,
    ),
    Route(
        "GET",
        "/extension/{extension}/cdr/",
        extension_cdr,
        "the extension's calls",
        CLIENT,
        response=("list", m.CallHistoryItem),
        query=_HISTORY_QUERY,
    ),
    Route(
        "GET",
        "/client/{client_id}/record/",
        records,
        "conversation records in a date range",
        DOC,
        response=("list", m.Record),
        query=_RECORD_QUERY,
    ),
    Route(
        "GET",
        "/extension/{extension}/record/",
        records,
        "an extension's records in a date range",
        DOC,
        response=("list", m.Record),
        query=_RECORD_QUERY,
    ),
    Route("GET", _REC, audio, "a record's audio (audio/mpeg)", CLIENT, response="audio"),
    Route("DELETE", _REC, delete_record, "delete a record", DOC, ok=204),
    Route(
        "GET", _REC + "storage_url/", storage_url, "where to download a record", CLIENT, response=m.RecordUrl
    ),
    Route("GET", _EXT_REC, audio, "a record's audio (audio/mpeg)", CLIENT, response="audio"),
    Route(
        "GET",
        _EXT_REC + "storage_url/",
        storage_url,
        "where to download a record",
        CLIENT,
        response=m.RecordUrl,
    ),
    Route(
        "GET",
        "/client/{client_id}/did/",
        list_dids,
        "the account's public numbers",
        DOC,
        response=("list", m.Did),
        query=(Query("page", "integer"), Query("per_page", "integer")),
    ),
    Route("GET", "/client/{client_id}/did/{did_id}/", get_did, "one public number", CLIENT, response=m.Did),
    Route(
        "PUT",
        "/client/{client_id}/did/{did_id}/",
        bind_did,
        "bind a public number to an extension",
        CLIENT,
        body=m.DidChange,
        response=m.Did,
    ),
]
