"""The timeline's rows: events by id with their deliveries' summary, and one event's
deliveries with every attempt (the detail pane).

The GUI's timeline holds only event ids and reads rows in pages (``events_by_ids``) on a
read-only connection of its own, never the writer's. Deliveries are found through
``idx_deliveries_event_id``, attempts through their delivery.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from pbxdesk.domain import DeliveryState
from pbxdesk.domain.enums import OPEN_STATES

EVENT_SELECT = (
    "SELECT id, call_id, sub_call_id, event_type, extension_id, extension_name, event_time, source, data"
)
DELIVERY_SELECT = (
    "SELECT id, event_id, subscription_id, method, url, state, status_code, error, latency_ms, attempts, "
    "started_at, finished_at, next_attempt_at, redelivery_of"
)

ATTEMPT_SELECT = (
    "SELECT id, delivery_id, n, started_at, finished_at, latency_ms, status_code, error, error_detail, "
    "request_headers, response_headers, response_body, response_truncated"
)


@dataclass(slots=True)
class DeliverySummary:
    """What the timeline shows of an event's deliveries: how many, and how they ended."""

    total: int = 0
    delivered: int = 0
    failed: int = 0
    open: int = 0  # pending, in flight or paused: still to be sent
    last_outcome: str = ""  # "200", "503", "timeout"... of the newest delivery with an answer
    deliveries: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class StoredEvent:
    """An event as the profile keeps it: the events table's columns, ``data`` decoded into the
    wire fields. The one event type of the store's readers; the timeline and the history export
    each add what they read beside it."""

    id: int
    call_id: str
    sub_call_id: str | None
    event_type: str
    extension_id: int
    extension_name: str
    event_time: int
    source: str
    fields: dict[str, str]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Self:
        """A row of ``EVENT_SELECT``."""
        return cls(
            id=row[0],
            call_id=row[1] or "",
            sub_call_id=row[2],
            event_type=row[3] or "",
            extension_id=row[4],
            extension_name=row[5] or "",
            event_time=row[6] or 0,
            source=row[7] or "",
            fields=decode_fields(row[8]),
        )


@dataclass(slots=True)
class TimelineEvent(StoredEvent):
    summary: DeliverySummary = field(default_factory=DeliverySummary)


def decode_fields(data: str | None) -> dict[str, str]:
    """The ``data`` column: a JSON object of wire fields (``{"_raw": data}`` if it is not one,
    never the case for rows written through the writer). Its values are text as written (the
    writer and the scenario loader see to it): not converted again, which cost the timeline's
    page of 200 rows a fifth more time."""
    try:
        value = json.loads(data) if data else {}
    except ValueError:
        return {"_raw": data or ""}
    return value if isinstance(value, dict) else {"_raw": data or ""}


def decode_event(row: Sequence[Any]) -> TimelineEvent:
    return TimelineEvent.from_row(row)


def _delivery(row: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": row[0],
        "event_id": row[1],
        "subscription_id": row[2],
        "method": row[3],
        "url": row[4],
        "state": row[5],
        "status_code": row[6],
        "error": row[7],
        "latency_ms": row[8],
        "attempts": row[9],
        "started_at": row[10],
        "finished_at": row[11],
        "next_attempt_at": row[12],
        "redelivery_of": row[13],
    }


def _state_of(d: dict[str, Any]) -> str:
    if d["state"]:
        return str(d["state"])
    code = d["status_code"]  # rows of a v1 profile, before the outbox
    return DeliveryState.DELIVERED if code is not None and 200 <= code < 300 else DeliveryState.FAILED


def attach_deliveries(conn: sqlite3.Connection, events: Iterable[TimelineEvent]) -> None:
    """Fill each event's delivery summary: one indexed query (deliveries.event_id) per 500."""
    by_id = {e.id: e for e in events}
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"{DELIVERY_SELECT} FROM deliveries WHERE event_id IN ({marks}) ORDER BY id", chunk
        ):
            d = _delivery(row)
            s = by_id[d["event_id"]].summary
            s.deliveries.append(d)
            s.total += 1
            state = _state_of(d)
            if state == DeliveryState.DELIVERED:
                s.delivered += 1
            elif state == DeliveryState.FAILED:
                s.failed += 1
            elif state in OPEN_STATES:
                s.open += 1
            if d["error"] or d["status_code"] is not None:
                s.last_outcome = d["error"] or str(d["status_code"])


def events_by_ids(conn: sqlite3.Connection, ids: Sequence[int]) -> list[TimelineEvent]:
    """The events with these ids (those still in the store), with their deliveries' summary."""
    events: list[TimelineEvent] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"{EVENT_SELECT} FROM events WHERE id IN ({marks})", chunk)
        events += [TimelineEvent.from_row(r) for r in rows]
    attach_deliveries(conn, events)
    return events


def _attempt(row: Sequence[Any]) -> dict[str, Any]:
    def headers(text: str | None) -> dict[str, str]:
        try:
            return json.loads(text) if text else {}
        except ValueError:
            return {"_raw": text or ""}

    return {
        "id": row[0],
        "delivery_id": row[1],
        "n": row[2],
        "started_at": row[3],
        "finished_at": row[4],
        "latency_ms": row[5],
        "status_code": row[6],
        "error": row[7],
        "error_detail": row[8],
        "request_headers": headers(row[9]),
        "response_headers": headers(row[10]),
        "response_body": bytes(row[11] or b""),
        "response_truncated": bool(row[12]),
    }


def event_deliveries(conn: sqlite3.Connection, event_id: int) -> list[dict[str, Any]]:
    """An event's deliveries, each with ``attempts``: every attempt from the attempts table,
    in order (request headers, response status, headers and body start, latency, error)."""
    deliveries = [
        _delivery(r)
        for r in conn.execute(
            f"{DELIVERY_SELECT} FROM deliveries WHERE event_id = ? ORDER BY id", (event_id,)
        )
    ]
    by_id = {d["id"]: d for d in deliveries}
    for d in deliveries:
        d["attempts_list"] = []
    if by_id:
        marks = ",".join("?" * len(by_id))
        for row in conn.execute(
            f"{ATTEMPT_SELECT} FROM attempts WHERE delivery_id IN ({marks}) ORDER BY delivery_id, n, id",
            list(by_id),
        ):
            by_id[row[1]]["attempts_list"].append(_attempt(row))
    return deliveries
