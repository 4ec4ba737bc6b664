"""The timeline's queries: newest rows, a call, an extension's events in a time range.

Every query here filters on event_log (the table behind the ``events`` view, see schema v3)
through an index chosen for it, and decodes the event fields of the rows it returns only:

- newest rows: the rowid (``ORDER BY id DESC LIMIT n``), then deliveries by ``event_id``;
- one call: ``idx_events_call_id_event_time`` (call_id, event_time);
- extension + event type + time range: ``idx_events_extension_id_event_type_event_time``;
- a time range alone: ``idx_events_event_time``.

``tests/unit/test_profiles_queries.py`` checks with EXPLAIN QUERY PLAN that each uses its index.
They take a plain sqlite3 connection, so the GUI can run them on its own reader connection
(or in a thread), never on the writer's.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

EVENT_SELECT = (
    "SELECT id, call_id, sub_call_id, event_type, extension_id, extension_name, event_time, source, data"
)
DELIVERY_SELECT = (
    "SELECT id, event_id, subscription_id, method, url, state, status_code, error, latency_ms, attempts, "
    "started_at, finished_at, next_attempt_at, redelivery_of"
)
DEFAULT_LIMIT = 200


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
class TimelineEvent:
    id: int
    call_id: str
    sub_call_id: str | None
    event_type: str
    extension_id: int
    extension_name: str
    event_time: int
    source: str
    fields: dict[str, str]
    summary: DeliverySummary = field(default_factory=DeliverySummary)

    def as_dict(self) -> dict[str, Any]:
        """The shape Profile.recent_events() has always returned."""
        return {
            "id": self.id,
            "call_id": self.call_id,
            "sub_call_id": self.sub_call_id,
            "event_type": self.event_type,
            "extension_id": self.extension_id,
            "extension_name": self.extension_name,
            "event_time": self.event_time,
            "source": self.source,
            "fields": self.fields,
            "deliveries": self.summary.deliveries,
        }


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """A display filter. Empty fields do not filter."""

    call_id: str | None = None
    extension_id: int | None = None
    event_types: tuple[str, ...] = ()
    since_us: int | None = None  # event_time >= since_us
    until_us: int | None = None  # event_time < until_us

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.call_id is not None:
            clauses.append("call_id = ?")
            params.append(self.call_id)
        if self.extension_id is not None:
            clauses.append("extension_id = ?")
            params.append(self.extension_id)
        if self.event_types:
            clauses.append(f"event_type IN ({','.join('?' * len(self.event_types))})")
            params.extend(self.event_types)
        if self.since_us is not None:
            clauses.append("event_time >= ?")
            params.append(self.since_us)
        if self.until_us is not None:
            clauses.append("event_time < ?")
            params.append(self.until_us)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _decode(row: Sequence[Any]) -> TimelineEvent:
    data = row[8]
    try:
        fields = json.loads(data) if data else {}
    except ValueError:
        fields = {"_raw": data}  # never the case for rows written through the writer
    return TimelineEvent(
        id=row[0],
        call_id=row[1],
        sub_call_id=row[2],
        event_type=row[3],
        extension_id=row[4],
        extension_name=row[5] or "",
        event_time=row[6],
        source=row[7] or "",
        fields=fields,
    )


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
    return "delivered" if code is not None and 200 <= code < 300 else "failed"


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
            if state == "delivered":
                s.delivered += 1
            elif state == "failed":
                s.failed += 1
            elif state in ("pending", "in_flight", "paused"):
                s.open += 1
            if d["error"] or d["status_code"] is not None:
                s.last_outcome = d["error"] or str(d["status_code"])


def newest(
    conn: sqlite3.Connection, limit: int = DEFAULT_LIMIT, *, before_id: int | None = None
) -> list[TimelineEvent]:
    """The newest ``limit`` events (older than ``before_id`` when given), oldest first, with
    their deliveries' summary. The rowid order: no index but the table itself."""
    if before_id is None:
        rows = conn.execute(f"{EVENT_SELECT} FROM events ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    else:
        rows = conn.execute(
            f"{EVENT_SELECT} FROM events WHERE id < ? ORDER BY id DESC LIMIT ?", (before_id, limit)
        ).fetchall()
    events = [_decode(r) for r in reversed(rows)]
    attach_deliveries(conn, events)
    return events


def call_events(conn: sqlite3.Connection, call_id: str, limit: int = 10_000) -> list[TimelineEvent]:
    """Every event of one call (all its legs, every extension), in time order."""
    rows = conn.execute(
        f"{EVENT_SELECT} FROM events WHERE call_id = ? ORDER BY event_time, id LIMIT ?", (call_id, limit)
    ).fetchall()
    events = [_decode(r) for r in rows]
    attach_deliveries(conn, events)
    return events


def extension_events(
    conn: sqlite3.Connection,
    extension_id: int,
    event_types: Sequence[str],
    since_us: int,
    until_us: int,
    limit: int = DEFAULT_LIMIT,
) -> list[TimelineEvent]:
    """The newest ``limit`` events of these types on one extension in [since_us, until_us),
    oldest first."""
    sql, params = filtered_sql(
        TimelineFilter(None, extension_id, tuple(event_types), since_us, until_us), limit
    )
    rows = conn.execute(sql, params).fetchall()
    events = [_decode(r) for r in reversed(rows)]
    attach_deliveries(conn, events)
    return events


def filtered_sql(flt: TimelineFilter, limit: int = DEFAULT_LIMIT) -> tuple[str, list[Any]]:
    """The newest ``limit`` events matching ``flt`` (newest first); SQLite picks the index the
    filter's columns lead with (call, extension + type + time, or time)."""
    where, params = flt.where()
    order = (
        "event_time DESC, id DESC" if (flt.since_us is not None or flt.until_us is not None) else "id DESC"
    )
    return f"{EVENT_SELECT} FROM events{where} ORDER BY {order} LIMIT ?", [*params, limit]


def filtered(
    conn: sqlite3.Connection, flt: TimelineFilter, limit: int = DEFAULT_LIMIT
) -> list[TimelineEvent]:
    """Events matching a display filter, oldest first, with their deliveries' summary."""
    sql, params = filtered_sql(flt, limit)
    events = [_decode(r) for r in reversed(conn.execute(sql, params).fetchall())]
    attach_deliveries(conn, events)
    return events


def query_plan(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[str]:
    """EXPLAIN QUERY PLAN's lines for ``sql`` (the detail column)."""
    return [str(r[3]) for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", tuple(params))]
