"""The timeline's Qt model: every event of the profile (or those the filter bar selects), read
on demand.

The model holds event ids only (``ids.IdList``) and reads the rows a view asks for, a page at a
time, from a ``source.RowSource`` (the way Anki's browser table does). A million events cost a
``range`` (ids without gaps) or an array of ids, and a scroll reads the few pages that come
into sight.

The live tail: engine callbacks only append to a ``tail.TailBatch`` (cheap); a 34 ms timer
drains it (<= 30 model updates a second; 10 while the tail is busy, see ``tail``). New rows
come from the callbacks' payload (the writer may not have committed them yet) and stay in the
source's bounded ``live`` map; older rows come from the store.

Filters run as SQL (``query.run_query``) in a worker thread on another read-only connection; a
newer filter interrupts a running one. New events and results are matched against the same
filter in Python (``ResolvedFilter.matches``), so the tail keeps flowing into a filtered view.
Grouped by call: see ``grouping``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import queue
import sqlite3
import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont

from pbxdesk.engine.outbox import DeliveryResult
from pbxdesk.store import queries
from pbxdesk.store.profile import connect
from pbxdesk.store.queries import DisplayFilter, FilterResult, ResolvedFilter
from pbxdesk.ui.timeline.failures import next_failure_id
from pbxdesk.ui.timeline.grouping import MAX_CALL_EVENTS, MEMBERS_CACHE, CallGroup, CallSummary, summarise
from pbxdesk.ui.timeline.ids import IdList
from pbxdesk.ui.timeline.query import Query, run_query
from pbxdesk.ui.timeline.rows import TimelineRow, placeholder_key, result_entry
from pbxdesk.ui.timeline.source import PAGE, RowSource
from pbxdesk.ui.timeline.states import (
    CELL_BRUSH,
    DEFAULT_FG,
    EVENT_BRUSH,
    HEADER_BRUSH,
    MISSING_BRUSH,
    OK_BRUSH,
    ROW_BRUSH,
    look_icon,
    state_label,
)
from pbxdesk.ui.timeline.tail import DRAIN_MS, TailBatch, drain_interval

log = logging.getLogger(__name__)

_Index = QModelIndex | QPersistentModelIndex

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_ROLES = frozenset({_DISPLAY, _FOREGROUND, _BACKGROUND, _TOOLTIP, _FONT, _DECORATION})


class TimelineModel(QAbstractTableModel):
    COLUMNS = (
        "Time", "Event", "Extension", "Caller", "Called", "Status", "Delivery", "CallID", "Direction",
        "Duration", "Event #",
    )  # fmt: skip
    DELIVERY_COLUMN = 6
    HIDDEN_BY_DEFAULT = (7, 8, 9, 10)
    rows_appended = Signal(int)  # rows the tail added (after a drain)
    rows_updated = Signal(object)  # set of event ids whose deliveries changed
    filter_applied = Signal()  # a filter's (or grouping's) rows are in
    query_failed = Signal(str)

    def __init__(self, parent: QObject | None = None, *, profile_path: Path | None = None) -> None:
        super().__init__(parent)
        self.source = RowSource(profile_path)
        self._ids = IdList()
        self._total = 0
        self._tail_total = 0  # events from the callbacks since the last query
        self._resolved = ResolvedFilter(DisplayFilter())
        self._grouped = False
        # The filter and grouping last asked for; a query may still be running for them.
        self._want: tuple[DisplayFilter, bool] = (self._resolved.flt, False)
        self._entries: list[str | int] = []  # grouped: call ids (headers) and event ids (children)
        self._groups: dict[str, CallGroup] = {}
        self._child_call: dict[int, str] = {}
        self._members: OrderedDict[str, list[int]] = OrderedDict()
        self._summaries: OrderedDict[str, CallSummary] = OrderedDict()
        self._expanded: set[str] = set()
        self._generation = 0
        self._applied_generation = 0
        self.querying = False
        self.last_query_seconds = 0.0
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="pbxdesk-timeline")
        self._worker_conn: sqlite3.Connection | None = None
        # Results come back through a queue the GUI thread polls while a query runs: emitting a
        # Signal(object) from the worker thread corrupts reference counts in PySide6 (a crash).
        self._done: queue.SimpleQueue[tuple[Query, DisplayFilter, bool]] = queue.SimpleQueue()
        self._poll = QTimer(self)
        self._poll.setInterval(5)
        self._poll.timeout.connect(self._poll_done)
        self._pending = TailBatch()
        self.delivered = 0
        self.failed = 0
        self.retries = 0
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_MS)
        self._timer.timeout.connect(self._tick)
        self._last_tick = time.monotonic()
        self._timer.start()

    # -- what the view shows --------------------------------------------------------------------------
    @property
    def grouped(self) -> bool:
        return self._grouped

    @property
    def display_filter(self) -> DisplayFilter:
        return self._resolved.flt

    @property
    def resolved_filter(self) -> ResolvedFilter:
        return self._resolved

    @property
    def event_count(self) -> int:
        """Events in the view (all of the profile's, or those the filter selects)."""
        return len(self._ids)

    @property
    def total_events(self) -> int:
        """Events in the profile (as of the last query, plus the tail since), whatever the filter."""
        return self._total + self._tail_total

    @property
    def call_count(self) -> int:
        return len(self._groups)

    @property
    def event_ids(self) -> IdList:
        """The ids of the events in the view, ascending (iterable; a range or an array)."""
        return self._ids

    def header_row(self, call_id: str) -> int:
        """The row of a call's header (grouped view); -1 when not shown."""
        return self._entry_position(call_id) if self._grouped else -1

    def is_header(self, row: int) -> bool:
        return self._grouped and 0 <= row < len(self._entries) and isinstance(self._entries[row], str)

    def event_id_at(self, row: int) -> int | None:
        """The event on ``row``; None for a call's header row (or out of range)."""
        if self._grouped:
            if not 0 <= row < len(self._entries):
                return None
            key = self._entries[row]
            return key if isinstance(key, int) else None
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def call_id_at(self, row: int) -> str | None:
        if self._grouped and 0 <= row < len(self._entries):
            key = self._entries[row]
            if isinstance(key, str):
                return key
            return self._child_call.get(key)
        r = self.row_at(row)
        return r.call_id if r is not None else None

    def row_at(self, row: int) -> TimelineRow | None:
        """The event row on ``row`` (read from the store if needed); None for a header."""
        event_id = self.event_id_at(row)
        if event_id is None:
            return None
        got = self.source.get(event_id)
        if got is None and not self.source.has(event_id):
            self._fetch_block(row)
            got = self.source.get(event_id)
        return got

    def row_of_event(self, event_id: int, *, expand: bool = True) -> int:
        """The row showing ``event_id`` (its call expanded when grouped); -1 when not in view."""
        if not self._grouped:
            return self._ids.index(event_id)
        if event_id in self._child_call:
            return self._entry_position(event_id)
        if event_id not in self._ids:
            return -1
        call_id = self._call_of(event_id)
        if call_id is None or call_id not in self._groups:
            return -1
        if not expand:
            return self._entry_position(call_id)
        self.expand_call(call_id)
        return self._entry_position(event_id) if event_id in self._child_call else -1

    def iter_rows(self) -> Iterator[TimelineRow]:
        """Every event row in the view, oldest first (reading pages as it goes)."""
        ids = self._ids
        for start in range(0, len(ids), PAGE):
            block = ids.slice(start, start + PAGE)
            self.source.fetch(block)
            for i in block:
                row = self.source.get(i)
                if row is not None:
                    yield row

    def call_rows(self, call_id: str) -> list[TimelineRow]:
        """Every event of a call, whatever the filter (store and live tail), in order."""
        ids = set(self.source.live_calls.get(call_id, ()))
        conn = self.source.conn
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                ids.update(queries.call_event_ids(conn, [call_id])[call_id][:MAX_CALL_EVENTS])
        ordered = sorted(ids)
        self.source.fetch(ordered)
        rows = [self.source.get(i) for i in ordered]
        return [r for r in rows if r is not None]

    # -- filtering and grouping ----------------------------------------------------------------------------
    # Each takes the other half from what was last asked for, not from what is shown: a
    # filter typed while the grouping's query still ran used to drop the grouping.
    def set_filter(self, flt: DisplayFilter, *, sync: bool = False) -> None:
        self._run(flt, self._want[1], sync=sync)

    def set_grouped(self, grouped: bool, *, sync: bool = False) -> None:
        if grouped != self._want[1]:
            self._run(self._want[0], grouped, sync=sync)

    def reload(self, *, sync: bool = False) -> None:
        """Read the view's ids again (the store changed under it, e.g. pruned)."""
        self.source.invalidate()
        self._run(*self._want, sync=sync)

    def _run(self, flt: DisplayFilter, grouped: bool, *, sync: bool) -> None:
        if self._closed:  # a filter bar's debounce firing after the window closed
            return
        self._generation += 1
        gen = self._generation
        self._want = (flt, grouped)
        if self.source.path is None:
            self._apply(Query(gen, FilterResult(ResolvedFilter(flt), (), 0)), flt, grouped)
            return
        if sync:
            conn = self.source.conn
            assert conn is not None
            self._apply(run_query(conn, gen, flt, grouped), flt, grouped)
            return
        if self.querying and self._worker_conn is not None:
            self._worker_conn.interrupt()  # that result would be dropped anyway
        self.querying = True
        self._executor.submit(self._work, gen, flt, grouped)
        self._poll.start()

    def _work(self, gen: int, flt: DisplayFilter, grouped: bool) -> None:
        """In the worker thread."""
        if gen != self._generation:
            return
        try:
            if self._worker_conn is None:
                assert self.source.path is not None
                self._worker_conn = connect(self.source.path, readonly=True)
            q = run_query(self._worker_conn, gen, flt, grouped)
        except Exception as exc:  # reported in the GUI thread
            q = Query(gen, error=str(exc))
        self._done.put((q, flt, grouped))

    def _poll_done(self) -> None:
        while True:
            try:
                payload = self._done.get_nowait()
            except queue.Empty:
                break
            self._on_query_done(payload)
        if not self.querying:
            self._poll.stop()

    def _on_query_done(self, payload: tuple[Query, DisplayFilter, bool]) -> None:
        q, flt, grouped = payload
        if q.generation != self._generation:
            return  # a newer filter is on its way
        self.querying = False
        if q.error is not None:
            if q.error != "interrupted":
                log.warning("timeline filter failed: %s", q.error)
                self.query_failed.emit(q.error)
            return
        self._apply(q, flt, grouped)

    def _apply(self, q: Query, flt: DisplayFilter, grouped: bool) -> None:
        assert q.result is not None
        self.querying = False
        self._applied_generation = q.generation
        self.last_query_seconds = q.seconds
        res = q.result
        self._total = res.total
        self._tail_total = sum(1 for i in self.source.live if i > res.max_id)
        self.beginResetModel()
        self._resolved = res.resolved
        self._ids = IdList(res.ids)
        self._grouped = grouped
        self._entries = []
        self._groups = {}
        self._child_call = {}
        self._members.clear()
        self._summaries.clear()
        if grouped:
            for call_id, first_id, count in q.groups or ():
                self._groups[call_id] = CallGroup(call_id, first_id, count)
            self._entries = list(self._groups)
        # The tail that arrived after the query's snapshot (or is not committed yet).
        for event_id, row in self.source.live.items():
            if event_id > res.max_id and self._matches(row):
                self._admit(row, signal=False)
        self.endResetModel()
        for call_id in [c for c in self._expanded if c in self._groups]:
            self.expand_call(call_id)
        self.filter_applied.emit()

    def _matches(self, row: TimelineRow) -> bool:
        if self._resolved.flt.is_empty:
            return True
        return self._resolved.matches(
            row.event_type, row.extension_id, row.event_time, row.call_id, lambda: row.fields,
            row.delivery_pairs(),
        )  # fmt: skip

    # -- grouping --------------------------------------------------------------------------------------------
    def _entry_key(self, entry: str | int) -> tuple[int, int]:
        if isinstance(entry, str):
            return (self._groups[entry].first_id, 0)
        return (self._groups[self._child_call[entry]].first_id, entry)

    def _entry_position(self, entry: str | int) -> int:
        if isinstance(entry, str) and entry not in self._groups:
            return -1
        if isinstance(entry, int) and entry not in self._child_call:
            return -1
        i = bisect_left(self._entries, self._entry_key(entry), key=self._entry_key)
        return i if i < len(self._entries) and self._entries[i] == entry else -1

    def _call_of(self, event_id: int) -> str | None:
        row = self.source.get(event_id)
        if row is None:
            self.source.fetch([event_id])
            row = self.source.get(event_id)
        return row.call_id if row is not None else None

    def members(self, call_id: str) -> list[int]:
        """The call's events in the view, ascending."""
        ids = self._members.get(call_id)
        if ids is None:
            self._load_members([call_id])
            ids = self._members.get(call_id, [])
        else:
            self._members.move_to_end(call_id)
        return ids

    def _load_members(self, call_ids: Sequence[str]) -> None:
        stored: dict[str, list[int]] = {}
        conn = self.source.conn
        if conn is not None:
            try:
                stored = queries.call_event_ids(conn, call_ids)
            except sqlite3.Error as exc:
                log.warning("reading a call's events failed: %s", exc)
        view = self._ids
        for call_id in call_ids:
            ids = set(stored.get(call_id, ()))
            ids.update(self.source.live_calls.get(call_id, ()))
            self._members[call_id] = [i for i in sorted(ids) if i in view][:MAX_CALL_EVENTS]
        while len(self._members) > MEMBERS_CACHE:
            old, _ = self._members.popitem(last=False)
            self._summaries.pop(old, None)

    def toggle(self, row: int) -> None:
        call_id = self.call_id_at(row) if self.is_header(row) else None
        if call_id is None:
            return
        if self._groups[call_id].expanded:
            self.collapse_call(call_id)
        else:
            self.expand_call(call_id)

    def expand_call(self, call_id: str) -> None:
        g = self._groups.get(call_id)
        if g is None or g.expanded:
            return
        pos = self._entry_position(call_id)
        children = self.members(call_id)
        g.expanded = True
        self._expanded.add(call_id)
        if not children or pos < 0:
            return
        self.beginInsertRows(QModelIndex(), pos + 1, pos + len(children))
        self._entries[pos + 1 : pos + 1] = children
        for c in children:
            self._child_call[c] = call_id
        self.endInsertRows()
        self._emit_row(pos)

    def collapse_call(self, call_id: str) -> None:
        g = self._groups.get(call_id)
        if g is None or not g.expanded:
            return
        pos = self._entry_position(call_id)
        g.expanded = False
        self._expanded.discard(call_id)
        end = pos + 1
        while end < len(self._entries) and isinstance(self._entries[end], int):
            end += 1
        if end > pos + 1:
            self.beginRemoveRows(QModelIndex(), pos + 1, end - 1)
            for c in self._entries[pos + 1 : end]:
                self._child_call.pop(c, None)  # type: ignore[arg-type]
            del self._entries[pos + 1 : end]
            self.endRemoveRows()
        self._emit_row(pos)

    def is_expanded(self, call_id: str) -> bool:
        g = self._groups.get(call_id)
        return g is not None and g.expanded

    def summary(self, call_id: str) -> CallSummary:
        s = self._summaries.get(call_id)
        if s is not None:
            self._summaries.move_to_end(call_id)
            return s
        ids = self.members(call_id)
        self.source.fetch(ids)
        s = summarise([r for r in (self.source.get(i) for i in ids) if r is not None])
        self._summaries[call_id] = s
        while len(self._summaries) > MEMBERS_CACHE:
            self._summaries.popitem(last=False)
        return s

    # -- F3 ------------------------------------------------------------------------------------------------
    def next_failure_row(self, after_row: int) -> int | None:
        """The row of the next event (after ``after_row``'s, wrapping round) whose delivery
        failed; None when the view has none. Expands its call when grouped."""
        if not len(self._ids):
            return None
        start_id = 0
        if after_row >= 0:
            event_id = self.event_id_at(after_row)
            if event_id is None and self.is_header(after_row):
                key = self._entries[after_row]
                assert isinstance(key, str)
                members = self.members(key)
                event_id = (
                    members[-1] if members and self._groups[key].expanded else self._groups[key].first_id
                )
            start_id = event_id or 0
        for lo in (start_id, 0):
            found = next_failure_id(self._ids, self.source, lo)
            if found is not None:
                return self.row_of_event(found)
        return None

    # -- feeding (called from engine callbacks, cheap) -----------------------------------------------------
    def push_event(self, row: TimelineRow) -> None:
        self._pending.rows.append(row)

    def push_result(self, result: DeliveryResult) -> None:
        self._pending.results.append(result)

    def _tick(self) -> None:
        """The drain timer: drain, and pace the next drain by how busy the tail is."""
        items = len(self._pending.rows) + len(self._pending.results)
        now = time.monotonic()
        seconds, self._last_tick = now - self._last_tick, now
        self.drain()
        interval = drain_interval(items, seconds)
        if interval != self._timer.interval():
            self._timer.setInterval(interval)

    def drain(self) -> None:
        pending = self._pending
        if not pending.rows and not pending.results:
            return
        self._pending = TailBatch()
        appended = 0
        if pending.rows:
            appended = self._take_rows(pending.rows)
        if pending.results:
            self._take_results(pending.results)
        if appended:
            self.rows_appended.emit(appended)

    def _take_rows(self, rows: list[TimelineRow]) -> int:
        self._tail_total += len(rows)
        for r in rows:
            self.source.add_live(r)
        admitted = [r for r in rows if self._matches(r)]
        if not admitted:
            return 0
        if not self._grouped:
            first = len(self._ids)
            tail = [r for r in admitted if not len(self._ids) or r.event_id > self._ids[len(self._ids) - 1]]
            if len(tail) == len(admitted):  # the usual case: one insert at the end
                self.beginInsertRows(QModelIndex(), first, first + len(tail) - 1)
                for r in tail:
                    self._ids.add(r.event_id)
                self.endInsertRows()
                return len(tail)
        n = 0
        for r in admitted:
            n += self._admit(r)
        return n

    def _admit(self, row: TimelineRow, *, signal: bool = True) -> int:
        """Put an event into the view; returns the rows added. ``signal``: inside a reset."""
        if not self._grouped:
            pos = self._ids.position(row.event_id)
            if pos < len(self._ids) and self._ids[pos] == row.event_id:
                return 0
            if signal:
                self.beginInsertRows(QModelIndex(), pos, pos)
            self._ids.add(row.event_id)
            if signal:
                self.endInsertRows()
            return 1
        if self._ids.add(row.event_id) is None:
            return 0
        call_id = row.call_id
        g = self._groups.get(call_id)
        if g is None:
            g = self._groups[call_id] = CallGroup(call_id, row.event_id, 1)
            pos = bisect_left(self._entries, (g.first_id, 0), key=self._entry_key)
            new: list[str | int] = [call_id]
            if call_id in self._expanded:  # expanded before a re-filter: stays open
                g.expanded = True
                new.append(row.event_id)
                self._child_call[row.event_id] = call_id
            if signal:
                self.beginInsertRows(QModelIndex(), pos, pos + len(new) - 1)
            self._entries[pos:pos] = new
            if signal:
                self.endInsertRows()
            self._members[call_id] = [row.event_id]
            return len(new)
        g.count += 1
        members = self._members.get(call_id)
        if members is not None and row.event_id not in members:
            members.append(row.event_id)
            members.sort()
        self._summaries.pop(call_id, None)
        added = 0
        if g.expanded:
            self._child_call[row.event_id] = call_id
            key = (g.first_id, row.event_id)
            pos = bisect_left(self._entries, key, key=self._entry_key)
            if signal:
                self.beginInsertRows(QModelIndex(), pos, pos)
            self._entries.insert(pos, row.event_id)
            if signal:
                self.endInsertRows()
            added = 1
        if signal:
            self._emit_row(self._entry_position(call_id))
        return added

    def _take_results(self, results: list[DeliveryResult]) -> None:
        by_delivery = self._resolved.flt.needs_deliveries
        if by_delivery:
            # A row in the view that has left the cache (scrolled away long ago) must still be
            # judged when its result comes: read those rows first, in one query per batch.
            gone = {
                r.event_id for r in results if not self.source.has(r.event_id) and r.event_id in self._ids
            }
            if gone:
                self.source.fetch(sorted(gone))
        touched: set[int] = set()
        for res in results:
            if res.state == "delivered":
                self.delivered += 1
            elif res.state == "failed":
                self.failed += 1
            elif not res.final:
                self.retries += 1
            row = self.source.get(res.event_id)
            if row is None:
                continue  # not in memory: the store has it when it is read
            row.deliveries.pop(placeholder_key(res.subscription_id), None)  # now known by its id
            row.set_delivery(res.id, result_entry(res))
            touched.add(res.event_id)
        if not touched:
            return
        if by_delivery:
            # Only a criterion on deliveries can change its verdict on a result: an event may
            # come into the view (its delivery just failed) or leave it (its retry succeeded).
            # Inserts and removals first, so the positions below are those of the final rows.
            for event_id in sorted(touched):
                row = self.source.get(event_id)
                assert row is not None
                shown = event_id in self._ids
                if shown and not self._matches(row):
                    self._drop(row)
                elif not shown and self._matches(row):
                    self._admit(row)
        positions: list[int] = []
        for event_id in sorted(touched):
            if event_id not in self._ids:
                continue
            if self._grouped:
                call_id = self._child_call.get(event_id) or self._call_of(event_id)
                if call_id is not None and call_id in self._groups:
                    self._summaries.pop(call_id, None)
                    positions.append(self._entry_position(call_id))
                    if event_id in self._child_call:
                        positions.append(self._entry_position(event_id))
            else:
                positions.append(self._ids.index(event_id))
        positions = [p for p in positions if p >= 0]
        if positions:
            self.dataChanged.emit(
                self.index(min(positions), 0), self.index(max(positions), len(self.COLUMNS) - 1)
            )
        self.rows_updated.emit(touched)

    def _drop(self, row: TimelineRow) -> None:
        """Take an event out of the view (it no longer matches the filter), with the signals."""
        event_id = row.event_id
        if not self._grouped:
            pos = self._ids.index(event_id)
            if pos < 0:
                return
            self.beginRemoveRows(QModelIndex(), pos, pos)
            self._ids.remove(event_id)
            self.endRemoveRows()
            return
        if self._ids.remove(event_id) is None:
            return
        call_id = row.call_id
        g = self._groups.get(call_id)
        if g is None:
            return
        g.count -= 1
        members = self._members.get(call_id)
        if members is not None and event_id in members:
            members.remove(event_id)
        self._summaries.pop(call_id, None)
        if event_id in self._child_call:
            pos = self._entry_position(event_id)
            self.beginRemoveRows(QModelIndex(), pos, pos)
            del self._entries[pos]
            del self._child_call[event_id]
            self.endRemoveRows()
        if g.count <= 0:
            # The call's last event in the view: its header goes too (an expanded call's
            # children were removed above). The group's first_id keeps the header's place
            # while other events remain, so the entries stay in order.
            pos = self._entry_position(call_id)
            self.beginRemoveRows(QModelIndex(), pos, pos)
            del self._entries[pos]
            del self._groups[call_id]
            self._members.pop(call_id, None)
            self.endRemoveRows()
        else:
            self._emit_row(self._entry_position(call_id))

    def _emit_row(self, pos: int) -> None:
        if pos >= 0:
            self.dataChanged.emit(self.index(pos, 0), self.index(pos, len(self.COLUMNS) - 1))

    # -- reading pages ---------------------------------------------------------------------------------
    def _fetch_block(self, row: int) -> None:
        start = row - row % PAGE
        if not self._grouped:
            self.source.fetch(self._ids.slice(start, start + PAGE))
            return
        block = self._entries[start : start + PAGE]
        calls = [k for k in block if isinstance(k, str)]
        missing = [c for c in calls if c not in self._members]
        if missing:
            self._load_members(missing)
        ids = [k for k in block if isinstance(k, int)]
        for c in calls:  # a header summarises its events: read them with the page
            if c not in self._summaries:
                ids.extend(self._members.get(c, ()))
        self.source.fetch(ids)

    def _header_summary(self, row: int, call_id: str) -> CallSummary:
        if call_id not in self._summaries and call_id not in self._members:
            self._fetch_block(row)
        return self.summary(call_id)

    # -- Qt model API ----------------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        if parent.isValid():
            return 0
        return len(self._entries) if self._grouped else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        role = int(role)
        if role not in _ROLES or not index.isValid():
            return None
        r = index.row()
        col = index.column()
        if self._grouped:
            if r >= len(self._entries):
                return None
            key = self._entries[r]
            if isinstance(key, str):
                return self._header_data(r, key, col, role)
        else:
            if r >= len(self._ids):
                return None
            key = self._ids[r]
        row = self.source.get(key)
        if row is None:
            if not self.source.has(key):
                self._fetch_block(r)
                row = self.source.get(key)
            if row is None:  # no longer in the store (retention)
                if role == _DISPLAY and col == 1:
                    return self.tr("(removed)")
                return MISSING_BRUSH if role == _FOREGROUND else None
        if role == _DISPLAY:
            text = row.cells()[col]
            if col == 0 and self._grouped:
                return "      " + text
            return text
        if role == _FOREGROUND:
            return EVENT_BRUSH.get(row.event_type, DEFAULT_FG) if col == 1 else None
        if role == _BACKGROUND:
            look = row.delivery_look
            brush = ROW_BRUSH.get(look)
            if brush is not None:
                return brush
            return CELL_BRUSH.get(look) if col == self.DELIVERY_COLUMN else None
        if role == _DECORATION:
            return look_icon(row.delivery_look) if col == self.DELIVERY_COLUMN else None
        if role == _TOOLTIP and col == self.DELIVERY_COLUMN and row.deliveries:
            labels = {d["state"]: state_label(d["state"]) for d in row.deliveries.values()}
            return "\n".join(
                f"{d['method']} {d['url']} → {d['outcome']} ({labels[d['state']]})"
                for d in row.deliveries.values()
            )
        return None

    def _header_data(self, r: int, call_id: str, col: int, role: int) -> Any:
        s = self._header_summary(r, call_id)
        g = self._groups[call_id]
        if role == _DISPLAY:
            if col == 0:
                t = dt.datetime.fromtimestamp(s.first_time / 1_000_000) if s.first_time else None
                mark = "▾" if g.expanded else "▸"
                when = t.strftime("%H:%M:%S.") + f"{t.microsecond // 1000:03d}" if t else ""
                return f"{mark} {when}"
            if col == 1:
                return self.tr("%Ln event(s)", "", g.count)
            values = {2: s.extensions, 3: s.caller, 4: s.called, 5: s.status, 6: s.delivery, 7: call_id}
            return values.get(col, "")
        if role == _FONT:
            font = QFont()
            font.setBold(True)
            return font
        if role == _BACKGROUND:
            brush = ROW_BRUSH.get(s.state)
            if brush is not None:
                return brush
            if s.state == "ok" and col == self.DELIVERY_COLUMN:
                return OK_BRUSH
            return HEADER_BRUSH
        if role == _TOOLTIP and col in (0, 1):
            return self.tr("CallID {0} — click ▸ or press → to show its events").format(call_id)
        return None

    def close(self) -> None:
        """Stop the drain timer and the worker; close the connections."""
        self._closed = True
        self._timer.stop()
        self._poll.stop()
        self._generation += 1
        if self._worker_conn is not None:
            self._worker_conn.interrupt()
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._worker_conn is not None:
            self._worker_conn.close()
            self._worker_conn = None
        self.source.close()
