"""Calls in the timeline: every call with its first event (grouping by call), and the
event ids of given calls (a call's rows, expanded)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence


def call_groups(conn: sqlite3.Connection) -> tuple[list[tuple[str, int, int]], int]:
    """Every call of the log as (call_id, first event id, events), by first event; and the newest
    event id then. A scan of the call index (covering), no table rows read."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        hi = conn.execute("SELECT COALESCE(MAX(id), 0) FROM event_log").fetchone()[0]
        rows = conn.execute(
            "SELECT c.call_id, MIN(e.id), COUNT(*) FROM event_log e LEFT JOIN calls c ON c.id = e.call_ref "
            "GROUP BY e.call_ref"
        ).fetchall()
    finally:
        if own:
            conn.execute("COMMIT")
    rows.sort(key=lambda r: r[1])
    return [(r[0] or "", r[1], r[2]) for r in rows], int(hi)


def call_event_ids(conn: sqlite3.Connection, call_ids: Sequence[str]) -> dict[str, list[int]]:
    """The event ids of each call (ascending), through the calls index and the call index."""
    out: dict[str, list[int]] = {c: [] for c in call_ids}
    for start in range(0, len(call_ids), 500):
        chunk = list(call_ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for call_id, event_id in conn.execute(
            f"SELECT c.call_id, e.id FROM calls c JOIN event_log e ON e.call_ref = c.id "
            f"WHERE c.call_id IN ({marks})",
            chunk,
        ):
            out[call_id].append(event_id)
    for ids in out.values():
        ids.sort()
    return out
