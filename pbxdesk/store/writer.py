"""The one writer of a profile's history: a thread that commits rows in batches.

The asyncio loop only puts rows on a queue (never blocks on SQLite); the thread commits
whatever has arrived every ``interval`` seconds or ``max_rows`` rows, whichever comes first.
``flush()`` waits until everything submitted so far is committed (a durable boundary).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any

from pbxdesk.domain import EventData, PbxDeskError
from pbxdesk.store.profile import connect

log = logging.getLogger(__name__)

_EVENT_SQL = (
    "INSERT INTO events (id, call_id, sub_call_id, event_type, extension_id, extension_name, "
    "event_time, source, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_DELIVERY_SQL = (
    "INSERT INTO deliveries (id, event_id, subscription_id, method, url, request_body, "
    "status_code, error, latency_ms, response_body, started_at, finished_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def event_row(event_id: int, ev: EventData, ext_name: str, source: str) -> tuple[Any, ...]:
    return (
        event_id,
        ev.call_id,
        ev.sub_call_id,
        ev.event_type.value,
        ev.extension_id,
        ext_name,
        ev.event_time,
        source,
        json.dumps(ev.to_fields(), separators=(",", ":")),
    )


class BatchWriter:
    def __init__(self, path: Path, *, interval: float = 0.05, max_rows: int = 500) -> None:
        self.path = path
        self.interval = interval
        self.max_rows = max_rows
        self._q: queue.SimpleQueue[tuple[str, tuple[Any, ...]] | threading.Event | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="pbxdesk-writer", daemon=True)
        self.error: BaseException | None = None
        self.committed_rows = 0
        self._thread.start()

    def add_event(self, row: tuple[Any, ...]) -> None:
        self._q.put(("e", row))

    def add_delivery(self, row: tuple[Any, ...]) -> None:
        self._q.put(("d", row))

    def flush(self, timeout: float = 30.0) -> None:
        """Block until every row submitted before this call is committed."""
        if self._thread.is_alive():
            done = threading.Event()
            self._q.put(done)
            done.wait(timeout)
        if self.error:
            raise PbxDeskError(f"{self.path}: writing the history failed ({self.error})")

    def close(self) -> None:
        self._q.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        conn = connect(self.path)
        events: list[tuple[Any, ...]] = []
        deliveries: list[tuple[Any, ...]] = []
        waiters: list[threading.Event] = []
        stop = False
        try:
            while not stop:
                deadline = time.monotonic() + self.interval
                while len(events) + len(deliveries) < self.max_rows:
                    timeout = deadline - time.monotonic()
                    if timeout <= 0:
                        break
                    try:
                        item = self._q.get(timeout=timeout)
                    except queue.Empty:
                        break
                    if item is None:
                        stop = True
                        break
                    if isinstance(item, threading.Event):
                        waiters.append(item)
                        break
                    (events if item[0] == "e" else deliveries).append(item[1])
                if events or deliveries:
                    with conn:
                        # Events first: deliveries reference them.
                        conn.executemany(_EVENT_SQL, events)
                        conn.executemany(_DELIVERY_SQL, deliveries)
                    self.committed_rows += len(events) + len(deliveries)
                    events.clear()
                    deliveries.clear()
                for w in waiters:
                    w.set()
                waiters.clear()
        except BaseException as exc:  # surfaced to the engine through flush()
            log.exception("profile writer failed")
            self.error = exc
            for w in waiters:
                w.set()
        finally:
            conn.close()
