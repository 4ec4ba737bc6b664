"""What the profile's writer does with a batch: one transaction, grouped statements, checkpoints.

Used in the writer process (``python -m pbxdesk.store.committer``, or the frozen app with
``--writer-process``), or in the writer thread when no process can be
started. Imports nothing heavy: the writer process starts with this module alone.
"""

from __future__ import annotations

import json
import logging
import marshal
import os
import signal
import sqlite3
import struct
import sys
from pathlib import Path
from typing import IO, Any, BinaryIO

from pbxdesk.store.connection import connect
from pbxdesk.store.event_insert import EVENT_SQL as EVENT_SQL  # what EVENT ops run
from pbxdesk.store.event_insert import EventInserter

log = logging.getLogger(__name__)

# What an op is, said by whoever makes it: the committer never reads SQL text to guess. Plain
# ints (ops travel to the writer process with marshal, which takes no enum). The kinds up to
# NEW_ROW are plain INSERTs of new rows: they run first in a batch, grouped per statement
# (executemany is far faster per row than one execute each), parents before children so
# foreign keys hold. Safe because such an insert never depends on, nor changes, what an
# UPDATE or DELETE queued before it did. Every other op runs after them, in queued order.
EVENT = 0  # EVENT_SQL's parameters: through the EventInserter
NEW_DELIVERY = 1
NEW_ATTEMPT = 2
NEW_ROW = 3  # a new row nothing else in the batch refers to (a raw request, a setting)
ATTEMPT_ENDED = 4  # an attempt's end (``attempt_ended_row``): its attempt row and its delivery's state
UPDATE = 5  # in order; changes no call (the outbox's states, endpoints, raw requests' links)
ANY = 6  # in order; may change anything, calls too: the inserter forgets its call ids after it
KINDS = frozenset({EVENT, NEW_DELIVERY, NEW_ATTEMPT, NEW_ROW, ATTEMPT_ENDED, UPDATE, ANY})

Op = tuple[int, str, tuple[Any, ...]]  # (kind, statement, parameters)

# One encoder made once: json.dumps with its own separators builds a new one per call.
compact_json = json.JSONEncoder(separators=(",", ":")).encode

# An attempt's end writes two rows: the attempt, and its delivery's new state. The engine
# sends one op (ATTEMPT_ENDED and ``attempt_ended_row``) and the writer makes both statements
# of it here, off the event loop's CPU.
INSERT_ATTEMPT = (
    "INSERT INTO attempts (delivery_id, n, started_at, finished_at, latency_ms, status_code, error, "
    "error_detail, request_headers, response_headers, response_body, response_truncated) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPDATE_AFTER_ATTEMPT = (
    "UPDATE deliveries SET state = ?, attempts = ?, status_code = ?, error = ?, latency_ms = ?, "
    "response_body = ?, started_at = ?, finished_at = ?, next_attempt_at = ? WHERE id = ?"
)
KEEP_SUMMARY_BYTES = 4096  # of the answer, on the delivery's row (the attempt keeps all it read)


def attempt_ended_row(
    delivery_id: int,
    n: int,
    started_at: int,
    finished_at: int,
    latency_ms: float,
    status_code: int | None,
    error: str | None,
    error_detail: str | None,
    request_headers: str | None,
    response_headers: str,
    body: bytes,
    truncated: bool,
    state: str,
    next_attempt_at: int | None,
) -> Op:
    """An ATTEMPT_ENDED op: the attempt's columns, then the delivery's state (plain text)."""
    return ATTEMPT_ENDED, INSERT_ATTEMPT, (
        delivery_id, n, started_at, finished_at, latency_ms, status_code, error, error_detail,
        request_headers, response_headers, body, int(truncated), str(state), next_attempt_at,
    )  # fmt: skip


def _attempt_rows(params: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    (d_id, n, started, finished, latency, status, error, _detail, _req, _resp, body, _trunc, state,
     next_at) = params  # fmt: skip
    summary = body[:KEEP_SUMMARY_BYTES].decode("utf-8", "replace")
    return params[:12], (state, n, status, error, latency, summary, started, finished, next_at, d_id)


# Checkpoint when idle after this many rows, or regardless after that many (keeps the WAL
# bounded under a sustained load).
CHECKPOINT_IDLE_ROWS = 2_000
CHECKPOINT_BUSY_ROWS = 200_000

Run = tuple[int, str, list[tuple[Any, ...]]]  # (kind, statement, rows)


def grouped(ops: list[Op]) -> list[Run]:
    """The batch as runs of one statement: the new rows' inserts first, grouped, by kind; then
    the rest in queued order (consecutive ops of one statement in one run)."""
    inserts: dict[tuple[int, str], list[tuple[Any, ...]]] = {}
    rest: list[Run] = []
    for kind, sql, params in ops:
        if kind == ATTEMPT_ENDED:
            attempt, update = _attempt_rows(params)
            inserts.setdefault((NEW_ATTEMPT, INSERT_ATTEMPT), []).append(attempt)
            kind, sql, params = UPDATE, UPDATE_AFTER_ATTEMPT, update
        if kind <= NEW_ROW:
            inserts.setdefault((kind, sql), []).append(params)
        elif rest and rest[-1][0] == kind and rest[-1][1] == sql:
            rest[-1][2].append(params)
        elif kind in KINDS:
            rest.append((kind, sql, [params]))
        else:
            raise ValueError(f"an op of unknown kind {kind!r}: {sql[:60]}")
    by_kind = sorted(inserts.items(), key=lambda item: item[0][0])  # stable: queued order within a kind
    return [(kind, sql, rows) for (kind, sql), rows in by_kind] + rest


MARKER_KEY = "writer_batch"  # settings row: the last batch the writer process committed
_SET_MARKER = "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)"


def committed_marker(path: Path) -> str | None:
    """The marker of the last batch a writer process committed to ``path`` (None if none)."""
    conn = sqlite3.connect(path, timeout=5.0)
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (MARKER_KEY,)).fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    value = json.loads(row[0])
    return value if isinstance(value, str) else None


class Committer:
    """Owns the writing connection of one profile."""

    def __init__(self, path: Path) -> None:
        self.conn = connect(path)
        # The writer checkpoints itself (see ``commit``): SQLite's automatic checkpoint would
        # run inside a busy commit and stall the flow of batches.
        self.conn.execute("PRAGMA wal_autocheckpoint = 0")
        self._since_checkpoint = 0
        self.events = EventInserter(self.conn, compact_json)

    def commit(self, ops: list[Op], *, idle: bool, marker: str | None = None) -> None:
        """Run ``ops`` in one transaction; ``idle``: nothing else is waiting to be written.

        ``marker`` (the writer process's batches) is stored in the same transaction: if the
        process dies before its answer arrives, the parent reads it back (``committed_marker``)
        to know which of its unanswered batches are in the file and which to send again.
        """
        if not ops:  # nothing to mark either: the parent counts an empty batch as committed
            return
        try:
            with self.conn:
                # The write lock first: no other connection commits between the cache check
                # and this transaction's inserts.
                self.conn.execute("BEGIN IMMEDIATE")
                self.events.begin()
                for kind, sql, rows in grouped(ops):
                    if kind == EVENT:
                        self.events.insert(rows)
                        continue
                    if len(rows) == 1:
                        self.conn.execute(sql, rows[0])
                    else:
                        self.conn.executemany(sql, rows)
                    if kind == ANY:  # e.g. retention, through this writer: call ids it kept may be gone
                        self.events.forget()
                if marker is not None:
                    self.conn.execute(_SET_MARKER, (MARKER_KEY, compact_json(marker)))
        except BaseException:
            self.events.forget()
            raise
        # Fold the WAL back into the file when the writer is idle (or the WAL grows large).
        self._since_checkpoint += len(ops)
        if (idle and self._since_checkpoint >= CHECKPOINT_IDLE_ROWS) or (
            self._since_checkpoint >= CHECKPOINT_BUSY_ROWS
        ):
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            self._since_checkpoint = 0

    def close(self) -> None:
        self.conn.close()


# -- the writer process ---------------------------------------------------------------------------
# Messages are frames: a 4-byte little-endian length, then a marshal dump (the child runs the
# same interpreter, so marshal's format matches; it is about twice as fast as pickle).
# Parent -> child: ``(ops, idle, marker)``, or ``None`` to end. Child -> parent: ``None`` (ready, or
# committed), or an error text (then the child ends).
_LEN = struct.Struct("<I")


def write_frame(stream: IO[bytes], obj: Any) -> None:
    data = marshal.dumps(obj)
    stream.write(_LEN.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """The next message; EOFError when the other side is gone."""
    head = stream.read(_LEN.size)
    if len(head) < _LEN.size:
        raise EOFError
    (size,) = _LEN.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return marshal.loads(data)


def serve(path: Path, inp: BinaryIO, out: BinaryIO) -> int:
    """Commit each batch read from ``inp``, answering on ``out``; ends on ``None`` or EOF."""
    try:
        committer = Committer(path)
    except BaseException as exc:  # the parent shows it, naming the file
        write_frame(out, str(exc))
        return 1
    write_frame(out, None)  # ready
    try:
        while True:
            try:
                msg = read_frame(inp)
            except EOFError:  # the parent died: what it sent is committed, nothing more to do
                return 0
            if msg is None:
                return 0
            ops, idle, marker = msg
            try:
                committer.commit(ops, idle=idle, marker=marker)
            except (sqlite3.Error, ValueError, TypeError, OverflowError) as exc:
                write_frame(out, f"{type(exc).__name__}: {exc}")
                return 1
            write_frame(out, None)
    finally:
        committer.close()


def main(argv: list[str]) -> int:
    """``python -m pbxdesk.store.committer PROFILE``: the writer process, on stdin/stdout."""
    if len(argv) != 1:
        print("usage: python -m pbxdesk.store.committer PROFILE", file=sys.stderr)
        return 2
    # Ctrl+C in a terminal (or a signal to the app's process group) reaches this process too.
    # The app decides when writing ends (it closes the pipe once all is sent); dying here
    # first would drop the last batches and print a traceback into the user's terminal.
    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    # A windowed frozen app may leave sys.stdin/stdout None even with pipes for handles.
    inp = sys.stdin.buffer if sys.stdin is not None else os.fdopen(0, "rb")
    out = sys.stdout.buffer if sys.stdout is not None else os.fdopen(1, "wb")
    return serve(Path(argv[0]), inp, out)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
