"""The timeline's query: a display filter (and grouping) run as SQL, in a worker thread on a
read-only connection of its own (``TimelineModel`` runs it; a newer filter interrupts it)."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from pbxdesk.store import queries
from pbxdesk.store.queries import DisplayFilter, FilterResult


@dataclass(slots=True)
class Query:
    generation: int
    result: FilterResult | None = None
    groups: list[tuple[str, int, int]] | None = None  # grouped: (call id, first event id, events)
    error: str | None = None
    seconds: float = 0.0


def run_query(conn: sqlite3.Connection, gen: int, flt: DisplayFilter, grouped: bool) -> Query:
    t0 = time.perf_counter()
    try:
        if grouped and flt.is_empty:
            groups, hi = queries.call_groups(conn)
            res = queries.run_display_filter(conn, flt)
            res.max_id = max(res.max_id, hi)
            q = Query(gen, res, groups)
        elif grouped:
            res = queries.run_display_filter(conn, flt, with_call_id=True)
            firsts: dict[str, list[int]] = {}
            for event_id, call_id in zip(res.ids, res.call_ids or (), strict=True):
                g = firsts.get(call_id)
                if g is None:
                    firsts[call_id] = [event_id, 1]
                else:
                    g[1] += 1
            res.call_ids = None
            q = Query(gen, res, [(c, v[0], v[1]) for c, v in firsts.items()])
        else:
            q = Query(gen, queries.run_display_filter(conn, flt))
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            return Query(gen, error="interrupted")
        raise
    q.seconds = time.perf_counter() - t0
    return q
