"""The outbox's SQL in one place: deliveries' states and endpoints' pauses.

Two kinds of users. The delivery engine never writes itself: it takes statements as ops
(``(sql, params)``, the ``*_op`` functions and constants here) and hands them to the profile's
writer, and reads through an ``OutboxStore`` on a connection of its own. The CLI (``pbxdesk
outbox status|cancel|pause|unpause``) runs on the profile's connection, while no engine runs.
The states are ``DeliveryState``'s values, the text the ``deliveries.state`` column holds.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from pbxdesk.domain import DeliveryState
from pbxdesk.domain.enums import OPEN_STATES
from pbxdesk.store.committer import NEW_DELIVERY, UPDATE, Op

_S = DeliveryState
_VALUES = frozenset(s.value for s in DeliveryState)


def _in(states: Iterable[DeliveryState]) -> str:
    return "(" + ", ".join(f"'{s.value}'" for s in sorted(states)) + ")"


OPEN_SQL = _in(OPEN_STATES)  # ('in_flight', 'paused', 'pending')
CANCELLABLE_SQL = _in((_S.PENDING, _S.PAUSED))  # not the attempt under way

INSERT_DELIVERY = (
    "INSERT INTO deliveries (id, event_id, subscription_id, method, url, state, call_id, endpoint, "
    f"ordered, attempts, created_at, redelivery_of) VALUES (?, ?, ?, ?, ?, '{_S.PENDING}', ?, ?, ?, 0, ?, ?)"
)
MARK_IN_FLIGHT = f"UPDATE deliveries SET state = '{_S.IN_FLIGHT}', attempts = ? WHERE id = ?"
SET_STATE = "UPDATE deliveries SET state = ? WHERE id = ?"
UPSERT_ENDPOINT = (
    "INSERT INTO endpoints (endpoint, paused, reason, exhausted_in_row, updated_at) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT(endpoint) DO UPDATE SET paused = excluded.paused, reason = excluded.reason, "
    "exhausted_in_row = excluded.exhausted_in_row, updated_at = excluded.updated_at"
)
PAUSED_BY_USER = "paused by the user"

# An open delivery as the engine takes it back into memory: its row, then its event's fields.
OPEN_ROW_COLUMNS = (
    "SELECT d.id, d.event_id, d.subscription_id, d.method, d.url, d.call_id, d.endpoint, d.ordered, "
    "d.attempts, d.created_at, d.redelivery_of, d.next_attempt_at, e.data "
    "FROM deliveries d JOIN events e ON e.id = d.event_id "
)


def cancel_op(
    *, from_id: int | None = None, endpoint: str | None = None, ids: Iterable[int] | None = None
) -> Op:
    """Cancel the pending and paused deliveries chosen (all of them with no argument).
    Its SQL and parameters also serve the CLI on its own connection."""
    where, params = f"state IN {CANCELLABLE_SQL}", list[Any]()
    if from_id is not None:
        where += " AND id >= ?"
        params.append(from_id)
    if endpoint is not None:
        where += " AND endpoint = ?"
        params.append(endpoint)
    if ids is not None:
        chosen = sorted(set(ids))
        where += f" AND id IN ({','.join('?' * len(chosen))})"
        params += chosen
    return UPDATE, f"UPDATE deliveries SET state = '{_S.CANCELLED}' WHERE {where}", tuple(params)


def new_delivery_op(params: tuple[Any, ...]) -> Op:
    """INSERT_DELIVERY with its parameters: a new row, grouped with the batch's others."""
    return NEW_DELIVERY, INSERT_DELIVERY, params


def mark_in_flight_op(delivery_id: int, attempt: int) -> Op:
    return UPDATE, MARK_IN_FLIGHT, (attempt, delivery_id)


def set_state_op(delivery_id: int, state: DeliveryState) -> Op:
    return UPDATE, SET_STATE, (state.value, delivery_id)


def endpoint_op(endpoint: str, *, paused: bool, reason: str | None, exhausted_in_row: int, at_us: int) -> Op:
    return UPDATE, UPSERT_ENDPOINT, (endpoint, int(paused), reason, exhausted_in_row, at_us)


class OutboxStore:
    """Reads (and, for the CLI, writes) the outbox on one connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # -- reading -------------------------------------------------------------------------------
    def counts_by_state(self) -> dict[str, int]:
        """How many deliveries are in each state (rows from before states count as delivered);
        keys are ``DeliveryState`` members (a text no member spells is kept as it is)."""
        rows = self.conn.execute(
            f"SELECT COALESCE(state, '{_S.DELIVERED}'), COUNT(*) FROM deliveries GROUP BY 1 ORDER BY 1"
        ).fetchall()
        return {(DeliveryState(state) if state in _VALUES else state): int(n) for state, n in rows}

    def paused_endpoints(self) -> list[tuple[str, str]]:
        rows = self.conn.execute("SELECT endpoint, reason FROM endpoints WHERE paused = 1").fetchall()
        return [(endpoint, reason or "paused") for endpoint, reason in rows]

    def next_retry_at(self) -> int | None:
        """When the earliest scheduled retry is due (µs), None if none is."""
        return self.conn.execute(
            "SELECT MIN(next_attempt_at) FROM deliveries "
            f"WHERE state = '{_S.PENDING}' AND next_attempt_at IS NOT NULL"
        ).fetchone()[0]

    def count_open(self, *, from_id: int | None = None, below_id: int | None = None) -> int:
        where, params = _open_in_range("", from_id, below_id)
        return int(self.conn.execute(f"SELECT COUNT(*) FROM deliveries WHERE {where}", params).fetchone()[0])

    def open_rows(
        self, limit: int, *, from_id: int | None = None, below_id: int | None = None
    ) -> list[tuple[Any, ...]]:
        """Open deliveries in id order (``OPEN_ROW_COLUMNS``), at most ``limit``."""
        where, params = _open_in_range("d.", from_id, below_id)
        return self.conn.execute(
            OPEN_ROW_COLUMNS + f"WHERE {where} ORDER BY d.id LIMIT ?", (*params, limit)
        ).fetchall()

    def delivery_to_redeliver(self, delivery_id: int) -> tuple[Any, ...] | None:
        """(event id, subscription id, method, url, call id, event data) of a delivery."""
        return self.conn.execute(
            "SELECT d.event_id, d.subscription_id, d.method, d.url, e.call_id, e.data "
            "FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?",
            (delivery_id,),
        ).fetchone()

    def call_events(self, call_id: str) -> list[tuple[Any, ...]]:
        """(event id, extension id, event type, data) of every event of a call, in order."""
        return self.conn.execute(
            "SELECT id, extension_id, event_type, data FROM events WHERE call_id = ? ORDER BY id", (call_id,)
        ).fetchall()

    def event(self, event_id: int) -> tuple[Any, ...] | None:
        """(call id, data) of one event."""
        return self.conn.execute("SELECT call_id, data FROM events WHERE id = ?", (event_id,)).fetchone()

    # -- steering while no engine runs (the CLI); the caller commits ---------------------------
    def cancel(self, *, endpoint: str | None = None, ids: Iterable[int] | None = None) -> int:
        _, sql, params = cancel_op(endpoint=endpoint, ids=ids)
        return self.conn.execute(sql, params).rowcount

    def set_paused(self, endpoint: str, paused: bool, *, at_us: int) -> int:
        """Pause or resume an endpoint and move its waiting deliveries; returns how many moved."""
        reason = PAUSED_BY_USER if paused else None
        _, sql, params = endpoint_op(endpoint, paused=paused, reason=reason, exhausted_in_row=0, at_us=at_us)
        self.conn.execute(sql, params)
        old, new = (_S.PENDING, _S.PAUSED) if paused else (_S.PAUSED, _S.PENDING)
        sql = "UPDATE deliveries SET state = ? WHERE endpoint = ? AND state = ?"
        return self.conn.execute(sql, (new.value, endpoint, old.value)).rowcount


def _open_in_range(table: str, from_id: int | None, below_id: int | None) -> tuple[str, list[int]]:
    """WHERE text and parameters for open deliveries with ``from_id <= id < below_id`` (either
    end optional); ``table`` is the column prefix ("d." in a join, "" alone)."""
    where, params = f"{table}state IN {OPEN_SQL}", []
    if from_id is not None:
        where += f" AND {table}id >= ?"
        params.append(from_id)
    if below_id is not None:
        where += f" AND {table}id < ?"
        params.append(below_id)
    return where, params
