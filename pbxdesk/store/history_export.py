"""The history as files other tools read: CSV (a spreadsheet row per event), JSON (events with
their deliveries and every attempt) and HAR 1.2 (an entry per delivery attempt, the format of
browsers' network panels and HTTP tools).

Qt-free and streaming: events are read from the profile in chunks (SQL on a connection of
the caller's, e.g. a read-only one in a worker thread) and written as they come, so a history
of a million events does not sit in memory. A file is written beside its target and renamed
into place at the end, so a failed export leaves no half file.

The request of an attempt is not stored (v2+): it is rebuilt from the event's fields, the
delivery's method and URL with the PBX's encoding (``application/x-www-form-urlencoded``;
GET: the fields join the URL's own query; POST: the form body) — the same bytes as
the engine sends (``pbxdesk.domain.wire.build_request``, the one encoding). Deliveries of a v1
profile kept their full URL and body, and have no attempt rows: one attempt is made of the
delivery's own columns.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import http
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, urlsplit

from pbxdesk import __version__
from pbxdesk.domain import WIRE_FIELDS, DeliveryState, HttpMethod, PbxDeskError
from pbxdesk.domain.enums import OPEN_STATES
from pbxdesk.domain.wire import FORM_CONTENT_TYPE, USER_AGENT, build_request
from pbxdesk.store.check import check_file
from pbxdesk.store.profile import Profile, connect

FORMATS = ("csv", "json", "har", "scenario")
_SUFFIXES = {"csv": "csv", "json": "json", "har": "har", "toml": "scenario"}
CHUNK = 500

_EVENT_SELECT = (
    "SELECT id, call_id, sub_call_id, event_type, extension_id, extension_name, event_time, source, data "
    "FROM events"
)
_DELIVERY_SELECT = (
    "SELECT id, event_id, subscription_id, method, url, state, status_code, error, latency_ms, attempts, "
    "created_at, started_at, finished_at, redelivery_of, request_body, response_body FROM deliveries"
)
_ATTEMPT_SELECT = (
    "SELECT delivery_id, n, started_at, finished_at, latency_ms, status_code, error, error_detail, "
    "request_headers, response_headers, response_body, response_truncated FROM attempts"
)


# -- rows ------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Attempt:
    n: int
    started_at: int | None  # µs since the epoch
    finished_at: int | None
    latency_ms: float
    status_code: int | None
    error: str | None
    error_detail: str | None
    request_headers: dict[str, str]
    response_headers: dict[str, str]  # names in lower case, as the senders keep them
    response_body: bytes
    truncated: bool


@dataclass(slots=True)
class Delivery:
    id: int
    event_id: int
    subscription_id: int | None
    method: str
    url: str
    state: str
    status_code: int | None
    error: str | None
    latency_ms: float | None
    attempt_count: int
    created_at: int | None
    redelivery_of: int | None
    request_url: str = ""  # the full URL of the request (GET: with the event's fields)
    request_body: str = ""  # POST: the form body
    attempts: list[Attempt] = field(default_factory=list)


@dataclass(slots=True)
class Event:
    id: int
    call_id: str
    sub_call_id: str | None
    event_type: str
    extension_id: int
    extension_name: str
    event_time: int
    source: str
    fields: dict[str, str]
    deliveries: list[Delivery] = field(default_factory=list)


def _state_before_states(status_code: int | None) -> DeliveryState:
    """A row from before deliveries had states: settled by its one answer."""
    ok = status_code is not None and 200 <= status_code < 300
    return DeliveryState.DELIVERED if ok else DeliveryState.FAILED


def _json_obj(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _event(row: Sequence[Any]) -> Event:
    try:
        fields = json.loads(row[8]) if row[8] else {}
    except ValueError:
        fields = {"_raw": row[8]}
    return Event(
        id=row[0],
        call_id=row[1] or "",
        sub_call_id=row[2],
        event_type=row[3] or "",
        extension_id=row[4],
        extension_name=row[5] or "",
        event_time=row[6] or 0,
        source=row[7] or "",
        fields={str(k): str(v) for k, v in fields.items()},
    )


def _fill(conn: sqlite3.Connection, events: list[Event]) -> None:
    """Attach each event's deliveries and their attempts (two indexed queries per chunk)."""
    by_id = {e.id: e for e in events}
    if not by_id:
        return
    marks = ",".join("?" * len(by_id))
    deliveries: dict[int, Delivery] = {}
    legacy: dict[int, tuple[str | None, str | None, int | None, int | None]] = {}
    for r in conn.execute(f"{_DELIVERY_SELECT} WHERE event_id IN ({marks}) ORDER BY id", list(by_id)):
        d = Delivery(
            id=r[0], event_id=r[1], subscription_id=r[2], method=(r[3] or "GET").upper(), url=r[4] or "",
            state=r[5] or _state_before_states(r[6]),
            status_code=r[6], error=r[7], latency_ms=r[8], attempt_count=r[9] or 0, created_at=r[10],
            redelivery_of=r[13],
        )  # fmt: skip
        deliveries[d.id] = d
        legacy[d.id] = (r[14], r[15], r[11], r[12])
        by_id[d.event_id].deliveries.append(d)
    if not deliveries:
        return
    ids = list(deliveries)
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        for r in conn.execute(
            f"{_ATTEMPT_SELECT} WHERE delivery_id IN ({','.join('?' * len(part))}) ORDER BY delivery_id, n",
            part,
        ):
            body = r[10]
            deliveries[r[0]].attempts.append(
                Attempt(
                    n=r[1], started_at=r[2], finished_at=r[3], latency_ms=r[4] or 0.0, status_code=r[5],
                    error=r[6], error_detail=r[7], request_headers=_json_obj(r[8]),
                    response_headers=_json_obj(r[9]),
                    response_body=body.encode() if isinstance(body, str) else bytes(body or b""),
                    truncated=bool(r[11]),
                )
            )  # fmt: skip
    for d in deliveries.values():
        request_body, response_text, started, finished = legacy[d.id]
        if not d.attempts and request_body is not None:
            # A v1 delivery: its URL and body are the request as sent; one attempt, from its columns.
            d.request_url, d.request_body = d.url, request_body
            d.attempts.append(
                Attempt(
                    n=1, started_at=started, finished_at=finished, latency_ms=d.latency_ms or 0.0,
                    status_code=d.status_code, error=d.error, error_detail=None,
                    request_headers={"Content-Type": FORM_CONTENT_TYPE} if d.method == "POST" else {},
                    response_headers={}, response_body=(response_text or "").encode(), truncated=False,
                )
            )  # fmt: skip
        else:
            # Rebuilt with the engine's own encoding (domain.wire): the bytes that were sent.
            req = build_request(HttpMethod(d.method.upper()), d.url, by_id[d.event_id].fields)
            d.request_url, d.request_body = req.url, req.body.decode("ascii")


def iter_events(
    conn: sqlite3.Connection,
    *,
    event_ids: Iterable[int] | None = None,
    call_id: str | None = None,
    chunk: int = CHUNK,
) -> Iterator[Event]:
    """Events with their deliveries and attempts: ``event_ids`` (in id order), one call's (in
    time order), or all of them (in id order)."""
    if event_ids is not None:
        ids = sorted(set(event_ids))
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            rows = conn.execute(
                f"{_EVENT_SELECT} WHERE id IN ({','.join('?' * len(part))}) ORDER BY id", part
            ).fetchall()
            events = [_event(r) for r in rows]
            _fill(conn, events)
            yield from events
        return
    if call_id is not None:
        rows = conn.execute(
            f"{_EVENT_SELECT} WHERE call_id = ? ORDER BY event_time, id", (call_id,)
        ).fetchall()
        for start in range(0, len(rows), chunk):
            events = [_event(r) for r in rows[start : start + chunk]]
            _fill(conn, events)
            yield from events
        return
    after = 0
    while True:
        rows = conn.execute(f"{_EVENT_SELECT} WHERE id > ? ORDER BY id LIMIT ?", (after, chunk)).fetchall()
        if not rows:
            return
        events = [_event(r) for r in rows]
        _fill(conn, events)
        yield from events
        after = rows[-1][0]


# -- shared helpers ----------------------------------------------------------------------------------
def iso(us: int | None) -> str:
    """ISO 8601 in UTC with milliseconds, e.g. ``2024-05-01T12:00:00.123+00:00``."""
    t = dt.datetime.fromtimestamp((us or 0) / 1_000_000, tz=dt.UTC)
    return t.isoformat(timespec="milliseconds")


def _outcome(d: Delivery) -> str:
    """``200``, ``503``, ``timeout``...: the delivery's last answer (or error), else its state."""
    last = d.attempts[-1] if d.attempts else None
    code = d.status_code if d.status_code is not None else (last.status_code if last else None)
    if code is not None:
        return str(code)
    return d.error or (last.error if last else None) or d.state


def _text_or_base64(body: bytes) -> tuple[str, str | None]:
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), "base64"


@dataclass(slots=True)
class ExportResult:
    path: Path
    format: str
    events: int = 0
    deliveries: int = 0
    attempts: int = 0


# -- CSV ---------------------------------------------------------------------------------------------
CSV_COLUMNS = (
    "event_id", "time", "event_type", "extension", "extension_id", "caller", "called", "call_status",
    "call_id", "sub_call_id", "source", "deliveries", "delivered", "failed", "open", "delivery",
)  # fmt: skip


def _csv_row(e: Event) -> list[str]:
    f = e.fields
    called = f.get("CalledExtension", "").split("@")[0] or f.get("CalledNumber", "")
    states = [d.state for d in e.deliveries]
    summary = " | ".join(
        f"{d.method} {d.request_url} -> {_outcome(d)} ({d.state}, {len(d.attempts)} attempt(s))"
        for d in e.deliveries
    )
    extra = {k: v for k, v in f.items() if k not in WIRE_FIELDS}
    return [
        str(e.id), iso(e.event_time), e.event_type, e.extension_name, str(e.extension_id),
        f.get("CallerIDNum", ""), called, f.get("CallStatus", ""), e.call_id, e.sub_call_id or "", e.source,
        str(len(states)), str(states.count(DeliveryState.DELIVERED)), str(states.count(DeliveryState.FAILED)),
        str(sum(s in OPEN_STATES for s in states)), summary,
        *(f.get(name, "") for name in WIRE_FIELDS),
        json.dumps(extra, ensure_ascii=False) if extra else "",
    ]  # fmt: skip


def write_csv(events: Iterable[Event], fh: IO[str], result: ExportResult) -> None:
    """One row per event: the timeline's columns, its deliveries, then every wire field."""
    writer = csv.writer(fh)
    writer.writerow([*CSV_COLUMNS, *WIRE_FIELDS, "extra_fields"])
    for e in events:
        writer.writerow(_csv_row(e))
        count_event(result, e)


def count_event(result: ExportResult, e: Event) -> None:
    result.events += 1
    result.deliveries += len(e.deliveries)
    result.attempts += sum(len(d.attempts) for d in e.deliveries)


# -- JSON --------------------------------------------------------------------------------------------
def event_json(e: Event) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": e.id, "time": iso(e.event_time), "event_time_us": e.event_time, "event_type": e.event_type,
        "extension_id": e.extension_id, "extension": e.extension_name, "call_id": e.call_id,
        "sub_call_id": e.sub_call_id, "source": e.source, "fields": e.fields, "deliveries": [],
    }  # fmt: skip
    for d in e.deliveries:
        attempts = []
        for a in d.attempts:
            text, encoding = _text_or_base64(a.response_body)
            item: dict[str, Any] = {
                "n": a.n, "started": iso(a.started_at) if a.started_at else None,
                "finished": iso(a.finished_at) if a.finished_at else None, "latency_ms": a.latency_ms,
                "status_code": a.status_code, "error": a.error, "error_detail": a.error_detail,
                "request_headers": a.request_headers, "response_headers": a.response_headers,
                "response_body": text, "response_truncated": a.truncated,
            }  # fmt: skip
            if encoding:
                item["response_body_encoding"] = encoding
            attempts.append(item)
        out["deliveries"].append(
            {
                "id": d.id,
                "subscription_id": d.subscription_id,
                "method": d.method,
                "url": d.url,
                "request_url": d.request_url,
                "request_body": d.request_body,
                "state": d.state,
                "status_code": d.status_code,
                "error": d.error,
                "latency_ms": d.latency_ms,
                "redelivery_of": d.redelivery_of,
                "attempts": attempts,
            }  # fmt: skip
        )
    return out


def write_json(events: Iterable[Event], fh: IO[str], result: ExportResult, *, profile: str = "") -> None:
    head = {"format": "pbxdesk-history", "version": 1, "pbxdesk": __version__, "profile": profile,
            "exported_at": iso(dt_now_us())}  # fmt: skip
    fh.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "events": [\n')
    first = True
    for e in events:
        if not first:
            fh.write(",\n")
        first = False
        fh.write(json.dumps(event_json(e), ensure_ascii=False))
        count_event(result, e)
    fh.write("\n]}\n")


def dt_now_us() -> int:
    return int(dt.datetime.now(tz=dt.UTC).timestamp() * 1_000_000)


# -- HAR 1.2 -----------------------------------------------------------------------------------------
def _pairs(items: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in items]


def har_entry(e: Event, d: Delivery, a: Attempt) -> dict[str, Any]:
    """One HAR entry: one attempt of one delivery."""
    request_headers = {"User-Agent": USER_AGENT, **a.request_headers}
    query = parse_qsl(urlsplit(d.request_url).query, keep_blank_values=True)
    request: dict[str, Any] = {
        "method": d.method,
        "url": d.request_url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _pairs(request_headers.items()),
        "queryString": _pairs(query),
        "headersSize": -1,
        "bodySize": len(d.request_body.encode()) if d.method == "POST" else 0,
    }
    if d.method == "POST":
        request["postData"] = {
            "mimeType": FORM_CONTENT_TYPE,
            "params": _pairs(parse_qsl(d.request_body, keep_blank_values=True)),
            "text": d.request_body,
        }
    answered = a.status_code is not None
    try:
        reason = http.HTTPStatus(a.status_code).phrase if a.status_code is not None else ""
    except ValueError:
        reason = ""
    text, encoding = _text_or_base64(a.response_body)
    content: dict[str, Any] = {
        "size": len(a.response_body),
        "mimeType": a.response_headers.get("content-type", "") or "x-unknown",
        "text": text,
    }
    if encoding:
        content["encoding"] = encoding
    response = {
        "status": a.status_code if answered else 0,  # 0: no answer (the browsers' convention)
        "statusText": reason,
        "httpVersion": "HTTP/1.1" if answered else "",
        "cookies": [],
        "headers": _pairs(a.response_headers.items()),
        "content": content,
        "redirectURL": a.response_headers.get("location", ""),
        "headersSize": -1,
        "bodySize": -1 if a.truncated or not answered else len(a.response_body),
    }
    wait = max(0.0, float(a.latency_ms or 0.0))
    entry: dict[str, Any] = {
        "startedDateTime": iso(a.started_at or d.created_at or e.event_time),
        "time": wait,
        "request": request,
        "response": response,
        "cache": {},
        # Only the whole attempt is measured: it all counts as waiting for the answer.
        "timings": {
            "blocked": -1,
            "dns": -1,
            "connect": -1,
            "send": 0,
            "wait": wait,
            "receive": 0,
            "ssl": -1,
        },
        "comment": f"{e.event_type} on {e.extension_name or e.extension_id}: delivery #{d.id}, attempt {a.n}",
        "_eventId": e.id,
        "_eventType": e.event_type,
        "_callId": e.call_id,
        "_deliveryId": d.id,
        "_subscriptionId": d.subscription_id,
        "_attempt": a.n,
        "_deliveryState": d.state,
    }
    if a.error:
        entry["_error"] = a.error
    if a.error_detail:
        entry["_errorDetail"] = a.error_detail
    if a.truncated:
        entry["_responseTruncated"] = True
    return entry


def write_har(events: Iterable[Event], fh: IO[str], result: ExportResult, *, profile: str = "") -> None:
    head = {
        "version": "1.2",
        "creator": {"name": "pbxdesk", "version": __version__},
        "comment": f"pbxdesk webhook deliveries{f' of profile {profile}' if profile else ''}: "
        "one entry per delivery attempt",
    }
    fh.write('{"log": ' + json.dumps(head, ensure_ascii=False)[:-1] + ', "entries": [\n')
    first = True
    for e in events:
        for d in e.deliveries:
            for a in d.attempts:
                if not first:
                    fh.write(",\n")
                first = False
                fh.write(json.dumps(har_entry(e, d, a), ensure_ascii=False))
        count_event(result, e)
    fh.write("\n]}}\n")


# -- files -------------------------------------------------------------------------------------------
def format_for(path: str | Path) -> str | None:
    """The format a file name asks for (by its extension), or None."""
    return _SUFFIXES.get(Path(path).suffix.lower().lstrip("."))


def write(fmt: str, events: Iterable[Event], fh: IO[str], result: ExportResult, *, profile: str = "") -> None:
    if fmt == "csv":
        write_csv(events, fh, result)
    elif fmt == "json":
        write_json(events, fh, result, profile=profile)
    elif fmt == "har":
        write_har(events, fh, result, profile=profile)
    else:
        raise PbxDeskError(f"unknown export format {fmt!r} (expected csv, json or har)")


def export_file(
    profile_path: Path,
    out: str | Path,
    fmt: str | None = None,
    *,
    event_ids: Iterable[int] | None = None,
    call_id: str | None = None,
    profile_name: str = "",
) -> ExportResult:
    """Export a profile's events (these ids, one call's, or all) to ``out``. Blocking: run it
    in a thread from the GUI. Opens its own read-only connection."""
    out = Path(out)
    fmt = fmt or format_for(out)
    if fmt not in FORMATS:
        raise PbxDeskError(
            f"{out}: say which format: a name ending in .csv, .json, .har or .toml, or --format"
        )
    result = ExportResult(out, fmt)
    tmp = out.with_name(f".{out.name}.part")
    # The profile's check first: a file pbxdesk refuses (damaged, another program's, made by a
    # newer pbxdesk) is refused here too, before a connection that would put a -wal beside it.
    if check_file(Path(profile_path), count_events=False).new:
        Profile.open(profile_path).close()  # an empty file is a new profile, here as anywhere
    conn = connect(Path(profile_path), readonly=True)
    try:
        events = iter_events(conn, event_ids=event_ids, call_id=call_id)
        newline = "" if fmt == "csv" else None
        with open(tmp, "w", encoding="utf-8", newline=newline) as fh:
            if fmt == "scenario":
                from pbxdesk.store.scenario_export import profile_extensions, write_scenario

                write_scenario(events, fh, result, profile_extensions(conn))
            else:
                write(fmt, events, fh, result, profile=profile_name)
        os.replace(tmp, out)
    except OSError as exc:
        raise PbxDeskError(f"{out}: cannot write the export ({exc.strerror or exc})") from None
    except sqlite3.DatabaseError as exc:
        raise PbxDeskError(f"{profile_path}: reading the history failed ({exc})") from None
    finally:
        conn.close()
        if tmp.exists():
            tmp.unlink()
    return result
