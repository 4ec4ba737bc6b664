"""An event's delivery result (the timeline's colour and the filter bar's "result"), and
what counts as a failure ("failures only", F3 to the next failure)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from pbxdesk.domain import DeliveryState

_S = DeliveryState

# Delivery states from the worst down: an event's result is the first of these any of its
# deliveries is in (TimelineRow.delivery_state in the GUI says the same in its own words).
RESULT_RANKS: tuple[tuple[str, tuple[DeliveryState, ...]], ...] = (
    ("failed", (_S.FAILED,)),
    ("retrying", (_S.PENDING, _S.IN_FLIGHT)),
    ("paused", (_S.PAUSED,)),
    ("cancelled", (_S.CANCELLED,)),
    ("delivered", (_S.DELIVERED,)),
)
DELIVERY_RESULTS = ("delivered", "retrying", "failed", "paused", "none")


def aggregate_result(states: Iterable[str]) -> str:
    """An event's delivery result from its deliveries' states: 'none' without any."""
    seen = set(states)
    if not seen:
        return "none"
    for result, members in RESULT_RANKS:
        if seen.intersection(members):
            return result
    return "delivered"


def is_failure(state: str, attempts: int) -> bool:
    """A delivery whose last attempt failed: failed for good, or waiting to retry (or paused)
    after a failed attempt. What "failures only" and F3 look for."""
    if state == _S.FAILED:
        return True
    if state in (_S.PENDING, _S.PAUSED):
        return attempts >= 1
    return state == _S.IN_FLIGHT and attempts >= 2  # the attempt under way is a retry


# is_failure in SQL, on the deliveries table.
FAILURE_SQL = (
    f"state IN ('{_S.FAILED}', '{_S.PENDING}', '{_S.IN_FLIGHT}', '{_S.PAUSED}') "
    f"AND (state = '{_S.FAILED}' OR attempts >= CASE state WHEN '{_S.IN_FLIGHT}' THEN 2 ELSE 1 END)"
)


def next_failure_ids(conn: sqlite3.Connection, after_id: int, limit: int = 200) -> list[int]:
    """Ids of events after ``after_id`` with a failed delivery (``is_failure``), ascending."""
    rows = conn.execute(
        f"SELECT DISTINCT event_id FROM deliveries WHERE {FAILURE_SQL} AND event_id > ? "
        "ORDER BY event_id LIMIT ?",
        (after_id, limit),
    ).fetchall()
    return [r[0] for r in rows]
