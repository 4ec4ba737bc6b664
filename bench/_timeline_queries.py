"""The first timeline's queries (before the id-list timeline), kept for the benchmarks only:
the newest rows, one call's events, an extension's events of some types in a time range.
The app reads through ``pbxdesk.store.queries`` (ids, then rows by id)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from pbxdesk.store.queries.rows import EVENT_SELECT, TimelineEvent, attach_deliveries, decode_event


def newest(conn: sqlite3.Connection, limit: int = 200) -> list[TimelineEvent]:
    """The newest ``limit`` events, oldest first, with their deliveries (the rowid, backwards)."""
    rows = conn.execute(f"{EVENT_SELECT} FROM events ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    events = [decode_event(r) for r in reversed(rows)]
    attach_deliveries(conn, events)
    return events


def call_events(conn: sqlite3.Connection, call_id: str, limit: int = 10_000) -> list[TimelineEvent]:
    """Every event of one call, in time order (the calls index, then the call's)."""
    rows = conn.execute(
        f"{EVENT_SELECT} FROM events WHERE call_id = ? ORDER BY event_time, id LIMIT ?", (call_id, limit)
    ).fetchall()
    events = [decode_event(r) for r in rows]
    attach_deliveries(conn, events)
    return events


def extension_events(
    conn: sqlite3.Connection,
    extension_id: int,
    event_types: Sequence[str],
    since_us: int,
    until_us: int,
    limit: int = 200,
) -> list[TimelineEvent]:
    """The newest ``limit`` events of these types on one extension in [since_us, until_us),
    oldest first (the extension + type + time index)."""
    marks = ",".join("?" * len(event_types))
    rows = conn.execute(
        f"{EVENT_SELECT} FROM events WHERE extension_id = ? AND event_type IN ({marks}) "
        "AND event_time >= ? AND event_time < ? ORDER BY event_time DESC, id DESC LIMIT ?",
        (extension_id, *event_types, since_us, until_us, limit),
    ).fetchall()
    events = [decode_event(r) for r in reversed(rows)]
    attach_deliveries(conn, events)
    return events
