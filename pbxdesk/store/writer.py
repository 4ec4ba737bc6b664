"""The one writer of a profile: a thread that commits queued statements in groups.

The asyncio loop never blocks on SQLite: it queues statements (``execute``) and, where it
must know they are durable (an outbox row before its first attempt), asks to be called back
after the commit that contains them (``on_commit``). The thread takes whatever has queued up
since its last commit (at most ``max_rows`` statements), runs it in one transaction and
commits: a group commit, so batches grow by themselves under load and stay tiny when idle.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pbxdesk.domain import EventData, PbxDeskError
from pbxdesk.store.profile import connect

log = logging.getLogger(__name__)

EVENT_SQL = (
    "INSERT INTO events (id, call_id, sub_call_id, event_type, extension_id, extension_name, "
    "event_time, source, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
DELIVERY_SQL = (
    "INSERT INTO deliveries (id, event_id, subscription_id, method, url, request_body, "
    "status_code, error, latency_ms, response_body, started_at, finished_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

# Checkpoint when idle after this many rows, or regardless after that many (keeps the WAL
# bounded under a sustained load).
CHECKPOINT_IDLE_ROWS = 2_000
CHECKPOINT_BUSY_ROWS = 200_000

_Op = tuple[str, tuple[Any, ...]]
_Item = _Op | list[_Op] | Callable[[], None] | threading.Event | None


def event_row(
    event_id: int, ev: EventData, ext_name: str, source: str, fields: dict[str, str] | None = None
) -> tuple[Any, ...]:
    return (
        event_id,
        ev.call_id,
        ev.sub_call_id,
        ev.event_type.value,
        ev.extension_id,
        ext_name,
        ev.event_time,
        source,
        json.dumps(ev.to_fields() if fields is None else fields, separators=(",", ":")),
    )


# Plain INSERTs run first in a batch, grouped per statement (executemany is far faster per row
# than one execute each), parents before children so foreign keys hold; every other
# statement follows in the order it was queued. Safe because a plain INSERT of a new row
# never depends on, nor changes, what an UPDATE or DELETE queued before it did.
_INSERT_RANK = {"events": 0, "event_log": 0, "calls": 0, "deliveries": 1, "attempts": 2}
_rank_cache: dict[str, int | None] = {}


def _insert_rank(sql: str) -> int | None:
    rank = _rank_cache.get(sql, -1)
    if rank != -1:
        return rank
    head = sql.lstrip()[:12].upper()
    if head == "INSERT INTO " and "ON CONFLICT" not in sql.upper():
        table = sql.lstrip()[12:].split(None, 1)[0].split("(", 1)[0].strip('"')
        rank = _INSERT_RANK.get(table, 3)
    else:
        rank = None
    _rank_cache[sql] = rank
    return rank


def _grouped(ops: list[_Op]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """The batch as (statement, rows) runs: grouped inserts first, then the rest in order."""
    inserts: dict[str, list[tuple[Any, ...]]] = {}
    rest: list[tuple[str, list[tuple[Any, ...]]]] = []
    for sql, params in ops:
        if _insert_rank(sql) is not None:
            inserts.setdefault(sql, []).append(params)
        elif rest and rest[-1][0] == sql:
            rest[-1][1].append(params)
        else:
            rest.append((sql, [params]))
    ordered = sorted(inserts.items(), key=lambda item: _insert_rank(item[0]) or 0)
    return ordered + rest


class BatchWriter:
    def __init__(self, path: Path, *, max_rows: int = 2000, interval: float = 0.0) -> None:
        self.path = path
        self.max_rows = max_rows
        self.interval = interval  # extra time to gather a batch after the first statement
        self._q: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.committed_rows = 0
        self.commits = 0
        self._since_checkpoint = 0
        self._thread = threading.Thread(target=self._run, name="pbxdesk-writer", daemon=True)
        self._thread.start()

    # -- producers (any thread; never block) -----------------------------------------------------
    def execute(self, sql: str, params: tuple[Any, ...]) -> None:
        self._q.put((sql, params))

    def execute_all(self, ops: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Queue many statements at once (one hand-over to the thread, in order)."""
        self._q.put(ops)

    def add_event(self, row: tuple[Any, ...]) -> None:
        self._q.put((EVENT_SQL, row))

    def add_delivery(self, row: tuple[Any, ...]) -> None:
        self._q.put((DELIVERY_SQL, row))

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (in the writer thread) once everything queued before is committed.

        If the writer has failed, the callback is never called; ``error`` says why.
        """
        self._q.put(callback)

    def flush(self, timeout: float = 30.0) -> None:
        """Block until every statement queued before this call is committed."""
        if self._thread.is_alive():
            done = threading.Event()
            self._q.put(done)
            done.wait(timeout)
        if self.error:
            raise PbxDeskError(f"{self.path}: writing the history failed ({self.error})")

    def close(self) -> None:
        self._q.put(None)
        self._thread.join(timeout=30)

    # -- the thread --------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            conn = connect(self.path)
            # The writer checkpoints itself (see _maybe_checkpoint): SQLite's automatic
            # checkpoint would run inside a busy commit and stall the flow of batches.
            conn.execute("PRAGMA wal_autocheckpoint = 0")
        except BaseException as exc:
            self.error = exc
            return
        stop = False
        try:
            while not stop:
                ops: list[_Op] = []
                notify: list[Callable[[], None] | threading.Event] = []
                item = self._q.get()
                deadline = time.monotonic() + self.interval
                while True:
                    if item is None:
                        stop = True
                        break
                    if isinstance(item, tuple):
                        ops.append(item)
                    elif isinstance(item, list):
                        ops.extend(item)
                    else:
                        notify.append(item)
                        # Someone waits for durability: take what is already queued, no more.
                        deadline = 0.0
                    if len(ops) >= self.max_rows:
                        break
                    try:
                        item = self._q.get_nowait()
                    except queue.Empty:
                        wait = deadline - time.monotonic()
                        if wait <= 0:
                            break
                        try:
                            item = self._q.get(timeout=wait)
                        except queue.Empty:
                            break
                if ops:
                    self._commit(conn, ops)
                    self._maybe_checkpoint(conn, len(ops))
                for n in notify:
                    n.set() if isinstance(n, threading.Event) else n()
        except BaseException as exc:  # surfaced through flush() and .error
            log.exception("profile writer failed")
            self.error = exc
            self._release_waiters()
        finally:
            conn.close()

    def _commit(self, conn: Any, ops: list[_Op]) -> None:
        with conn:
            for sql, rows in _grouped(ops):
                if len(rows) == 1:
                    conn.execute(sql, rows[0])
                else:
                    conn.executemany(sql, rows)
        self.committed_rows += len(ops)
        self.commits += 1

    def _maybe_checkpoint(self, conn: Any, rows: int) -> None:
        """Fold the WAL back into the file when the writer is idle (or the WAL grows large)."""
        self._since_checkpoint += rows
        idle = self._q.empty() and self._since_checkpoint >= CHECKPOINT_IDLE_ROWS
        if idle or self._since_checkpoint >= CHECKPOINT_BUSY_ROWS:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._since_checkpoint = 0

    def _release_waiters(self) -> None:
        while True:
            try:
                item = self._q.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, threading.Event):
                item.set()
