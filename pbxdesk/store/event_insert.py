"""The writer's way into ``event_log``: the split the ``events`` view's trigger does, in Python.

Inserting through the view runs its INSTEAD OF trigger for every event: intern the CallID in
``calls``, look its id up again, rebuild the JSON head three times in SQL to cut it off. That
was the writer's largest cost per delivery (about 10 µs of its 32, bench/delivery.py). Here the
writer does the same split on the JSON it has just made, keeps each call's id for the call's
later events, and inserts into ``event_log`` directly: the stored rows are the same, byte for
byte (tests/unit/test_event_insert.py). A row this code cannot be sure to split exactly as SQL
would (an id with a quote, a backslash, a control or non-ASCII character) goes through the
view as before.

Imports nothing heavy: the writer process starts with ``committer`` and this module alone.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

EVENT_SQL = (
    "INSERT INTO events (id, call_id, sub_call_id, event_type, extension_id, extension_name, "
    "event_time, source, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_LOG_SQL = (
    "INSERT INTO event_log (id, sub_call_id, event_type, extension_id, extension_name, event_time, "
    "source, call_ref, rest, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# Text that both json.dumps and SQLite's json_quote write as itself between quotes: printable
# ASCII but for the quote and the backslash.
_PLAIN = re.compile(r"[ !#-\[\]-~]*")
_MAX_PARAMS = 500  # per IN (...) lookup, under SQLite's limit on bound parameters
CALL_CACHE_SIZE = 100_000  # calls whose id is kept (a call's events come within minutes)


class EventInserter:
    """Inserts event rows (EVENT_SQL's parameters) for one writing connection."""

    def __init__(self, conn: sqlite3.Connection, encode: Callable[[Any], str]) -> None:
        self.conn = conn
        self.encode = encode  # the fields' JSON, when a row brings them as a dict
        self._call_ids: dict[str, int] = {}
        self._data_version: int | None = None

    def begin(self) -> None:
        """At the start of each transaction, under its write lock: forget the calls' ids if
        another connection has committed since (retention deletes calls whose events are all
        gone)."""
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._call_ids.clear()
            self._data_version = version

    def forget(self) -> None:
        """After a rolled-back transaction: the ids it gave new calls are gone with it."""
        self._call_ids.clear()
        self._data_version = None

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        direct: list[tuple[Any, ...]] = []
        through_view: list[tuple[Any, ...]] = []
        plain = _PLAIN.fullmatch
        for event_id, call_id, sub_call_id, event_type, ext_id, ext_name, ev_time, source, data in rows:
            if type(data) is dict:
                data = self.encode(data)
            if (
                call_id is None
                or type(call_id) is not str
                or type(event_type) is not str
                or not plain(call_id)
                or not plain(event_type)
                or (sub_call_id is not None and (type(sub_call_id) is not str or not plain(sub_call_id)))
            ):
                through_view.append(
                    (event_id, call_id, sub_call_id, event_type, ext_id, ext_name, ev_time, source, data)
                )
                continue
            # schema.head_sql, for plain text: what the view puts back in front of ``rest``.
            head = f'{{"EventType":"{event_type}","CallID":"{call_id}"'
            if sub_call_id is not None:
                head = f'{head},"SubCallID":"{sub_call_id}"'
            if type(data) is str and data.startswith(head):
                rest, whole = data[len(head) :], None
            else:
                rest, whole = None, data
            direct.append(
                (event_id, sub_call_id, event_type, ext_id, ext_name, ev_time, source, call_id, rest, whole)
            )
        if direct:
            refs = self._call_refs([row[7] for row in direct])
            self.conn.executemany(_LOG_SQL, [(*row[:7], refs[row[7]], *row[8:]) for row in direct])
        if through_view:
            self.conn.executemany(EVENT_SQL, through_view)

    def _call_refs(self, call_ids: list[str]) -> dict[str, int]:
        known = self._call_ids
        new = list(dict.fromkeys(c for c in call_ids if c not in known))
        if new:
            if len(known) + len(new) > CALL_CACHE_SIZE:
                known.clear()
                new = list(dict.fromkeys(call_ids))
            self.conn.executemany("INSERT OR IGNORE INTO calls (call_id) VALUES (?)", [(c,) for c in new])
            for i in range(0, len(new), _MAX_PARAMS):
                chunk = new[i : i + _MAX_PARAMS]
                marks = ",".join("?" * len(chunk))
                known.update(
                    (call_id, ref)
                    for ref, call_id in self.conn.execute(
                        f"SELECT id, call_id FROM calls WHERE call_id IN ({marks})", chunk
                    )
                )
        return known
