"""Where the timeline's rows come from: the live tail (the engine's callbacks) and pages read
from the store on demand."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

from pbxdesk.store import queries
from pbxdesk.store.profile import connect
from pbxdesk.ui.timeline.rows import TimelineRow, row_from_timeline_event

log = logging.getLogger(__name__)

PAGE = 100  # rows read from the store at a time (aligned blocks of the view's rows)
CACHE_ROWS = 5000  # rows kept after reading (LRU)
LIVE_ROWS = 5000  # newest rows from the engine's callbacks, kept until surely committed


class RowSource:
    """Rows by event id: the live tail's (from the engine's callbacks) first, then an LRU of
    rows read from the store in pages on a read-only connection of its own."""

    def __init__(
        self, path: Path | None, *, cache_rows: int = CACHE_ROWS, live_rows: int = LIVE_ROWS
    ) -> None:
        self.path = path
        self.cache_rows = cache_rows
        self.live_rows = live_rows
        self._conn: sqlite3.Connection | None = None
        self.cache: OrderedDict[int, TimelineRow | None] = OrderedDict()  # None: not in the store
        self.live: OrderedDict[int, TimelineRow] = OrderedDict()
        self.live_calls: dict[str, list[int]] = {}
        self.fetched = 0  # rows read from the store, in all
        self.reads = 0  # page reads

    @property
    def conn(self) -> sqlite3.Connection | None:
        if self._conn is None and self.path is not None:
            self._conn = connect(self.path, readonly=True)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def has(self, event_id: int) -> bool:
        return event_id in self.live or event_id in self.cache

    def get(self, event_id: int) -> TimelineRow | None:
        row = self.live.get(event_id)
        if row is not None:
            return row
        row = self.cache.get(event_id)
        if row is not None:
            self.cache.move_to_end(event_id)
        return row

    def add_live(self, row: TimelineRow) -> None:
        self.live[row.event_id] = row
        self.live_calls.setdefault(row.call_id, []).append(row.event_id)
        while len(self.live) > self.live_rows:
            _, old = self.live.popitem(last=False)
            ids = self.live_calls.get(old.call_id)
            if ids:
                with contextlib.suppress(ValueError):
                    ids.remove(old.event_id)
                if not ids:
                    del self.live_calls[old.call_id]

    def fetch(self, ids: Iterable[int]) -> None:
        """Read the rows of ``ids`` that are neither live nor cached, in one go."""
        missing = [i for i in ids if i not in self.live and i not in self.cache]
        conn = self.conn
        if not missing or conn is None:
            return
        try:
            events = queries.events_by_ids(conn, missing)
        except sqlite3.Error as exc:
            log.warning("reading timeline rows failed: %s", exc)
            return
        self.reads += 1
        self.fetched += len(events)
        found = {e.id: row_from_timeline_event(e) for e in events}
        for i in missing:
            self.cache[i] = found.get(i)  # None: removed from the store (retention)
        while len(self.cache) > self.cache_rows:
            self.cache.popitem(last=False)

    def invalidate(self) -> None:
        """Forget the cached store rows (another filter, or the store changed under them)."""
        self.cache.clear()
