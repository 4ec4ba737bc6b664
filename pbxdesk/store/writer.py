"""The one writer of a profile: commits queued statements in groups, off the caller's thread.

The asyncio loop never blocks on SQLite: it queues statements (``execute``) and, where it
must know they are durable (an outbox row before its first attempt), asks to be called back
after the commit that contains them (``on_commit``). A courier thread takes whatever has
queued up since the last commit (at most ``max_rows`` statements) and has it committed in
one transaction: a group commit, so batches grow by themselves under load and stay tiny
when idle.

The commit itself runs in a writer **process** (``pbxdesk.store.committer``) when one can be
started. In a thread, sqlite3 takes the GIL back for every row it binds while the event loop
wants it too: measured with bench/delivery.py on 2 cores, the engine's process spent about a
third more CPU per delivery that way. The courier hands a whole batch over in one message
instead. If no process can be started, the courier commits in its own thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pbxdesk.domain import EventData, FeedEvent, PbxDeskError
from pbxdesk.store.committer import (
    ANY,
    EVENT,
    NEW_DELIVERY,
    Committer,
    Op,
    committed_marker,
    compact_json,
    read_frame,
    write_frame,
)
from pbxdesk.store.event_insert import EVENT_SQL

log = logging.getLogger(__name__)

DELIVERY_SQL = (
    "INSERT INTO deliveries (id, event_id, subscription_id, method, url, request_body, "
    "status_code, error, latency_ms, response_body, started_at, finished_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class _Handover:
    ops: list[Op]
    then: Callable[[], None]  # called once they are committed


class _Wake:
    """Queued by the thread that saw the writer process die: the courier recovers now, even
    when nothing else is queued."""


_WAKE = _Wake()
_Item = Op | list[Op] | _Handover | _Wake | Callable[[], None] | threading.Event | None


def event_row(
    event_id: int, ev: EventData | FeedEvent, ext_name: str, source: str, fields: dict[str, str] | None = None
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
        compact_json(ev.to_fields() if fields is None else fields),
    )


def event_row_deferred(
    event_id: int, ev: EventData | FeedEvent, ext_name: str, source: str, fields: dict[str, str]
) -> tuple[Any, ...]:
    """``event_row`` with the fields left as a dict, for ``BatchWriter`` only: its committer
    encodes them (in the writer process, off the event loop's CPU)."""
    return (event_id, ev.call_id, ev.sub_call_id, ev.event_type.value, ev.extension_id, ext_name,
            ev.event_time, source, fields)  # fmt: skip


Done = Callable[[str | None], None]  # a batch's end: None committed, else why it was not


class _Backend(Protocol):
    def commit_async(self, ops: list[Op], *, idle: bool, done: Done) -> None: ...

    def close(self) -> None: ...


class _ThreadBackend:
    """Commits in the courier thread itself."""

    def __init__(self, path: Path) -> None:
        self.committer = Committer(path)

    def commit_async(self, ops: list[Op], *, idle: bool, done: Done) -> None:
        self.committer.commit(ops, idle=idle)
        done(None)

    def close(self) -> None:
        self.committer.close()


WRITER_PROCESS_FLAG = "--writer-process"  # the frozen app's argv for "be the writer process"
PIPELINE_DEPTH = 2  # batches sent to the writer process before the first is committed
READY_WAIT_S = 0.5  # how long a batch waits for the writer process to start before the thread commits it


def writer_command(path: Path) -> tuple[list[str], dict[str, str]]:
    """How to start the writer process: this interpreter (or the frozen app) and its env."""
    env = dict(os.environ)
    if getattr(sys, "frozen", False):
        return [sys.executable, WRITER_PROCESS_FLAG, str(path)], env
    # The package may be importable here only through sys.path (a checkout, a bench script).
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(x for x in (root, env.get("PYTHONPATH")) if x)
    return [sys.executable, "-m", "pbxdesk.store.committer", str(path)], env


@dataclass(slots=True)
class _Sent:
    """A batch handed to the writer process, kept until it is answered (or found committed)."""

    seq: int
    ops: list[Op]
    idle: bool
    done: Done


class _Child:
    """One writer process, the thread reading its answers, and the slots of its pipeline."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.ready = threading.Event()
        self.ready_answer: str | None = None
        self.slots = threading.Semaphore(PIPELINE_DEPTH)
        self.broken: str | None = None  # why the process can take no more
        self.confirmed = False  # it said it is ready and the courier switched to it
        self.stopping = False  # the courier ends it: its end is no news
        self.reader: threading.Thread | None = None
        # When it last showed progress: an answer, or a batch sent while none was unanswered.
        self.progress_at = time.monotonic()
        self.lock = threading.Lock()  # whoever sees the break first (reader or watchdog) says so


def process_stopped(pid: int) -> bool:
    """True if ``pid`` is stopped (SIGSTOP, a debugger): it cannot answer until continued.
    Linux only (``/proc``); elsewhere False, and only the hang limit applies."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state in (b"T", b"t")


RESTART_READY_S = 5.0  # how long a restarted writer process may take to say it is ready
MAX_RESTARTS = 3  # within RESTART_WINDOW_S; one more failure and the writer gives up
RESTART_WINDOW_S = 60.0
# A writer process that holds a batch without answering is given up on like a dead one: after
# STOPPED_AFTER_S when the system says it is stopped (SIGSTOP), else after HANG_AFTER_S (a batch
# commits in milliseconds; seconds are a checkpoint of a large WAL on a slow disk, or the
# write lock held by another program, within connect()'s busy timeout).
STOPPED_AFTER_S = 1.0
HANG_AFTER_S = 15.0
WATCH_PERIOD_S = 0.2


class _ChildBackend:
    """Commits in a writer process, and starts it again when it dies.

    The process takes a moment to start (a new interpreter, about 35 ms): the first batch
    waits for it up to READY_WAIT_S, then is committed from the courier's own thread if it
    must. Committing from the thread is what the process is there to avoid: while the event
    loop is busy, sqlite3 waits for the GIL at every row, and a run's first batch took 0.3 s
    that way (bench/delivery.py). Then batches are pipelined: the courier sends the next while
    the process commits the last (at most PIPELINE_DEPTH unanswered), and a reader thread takes
    the answers in order and ends each batch.

    A batch stays here until it is answered. When the process dies (killed, out of memory, a
    broken pipe, an SQLite error such as a full disk), the reader says so at once
    (``on_broken``: the engine stops starting attempts), and the courier recovers: each batch
    carries a marker the process commits with it, so the last marker in the file tells which
    unanswered batches are in it; the rest are sent again to a new process, or committed from
    the courier's thread if none starts. After MAX_RESTARTS deaths within a minute the
    courier's thread takes over for good; if that fails too, the writer gives up (its
    ``error``): the file then holds every batch that was answered, nothing half-done.
    """

    def __init__(self, path: Path, on_broken: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.on_broken = on_broken
        self._local: Committer | None = Committer(path)  # fails here, naming the file, if it must
        self._child: _Child | None = None
        self._unanswered: deque[_Sent] = deque()
        self._session = uuid.uuid4().hex[:12]  # markers of this writer, not of an earlier one
        self._seq = 0
        self._restarts: deque[float] = deque()
        self._no_more_processes = False  # it died MAX_RESTARTS times a minute: the thread writes
        self._ready_by = time.monotonic() + READY_WAIT_S
        self._spawn()

    def _spawn(self) -> bool:
        cmd, env = writer_command(self.path)
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # A windowed app (pythonw, the frozen app on Windows) has no stderr to hand on:
                # inheriting it fails there ("the handle is invalid").
                stderr=subprocess.DEVNULL if sys.stderr is None else None,
                env=env,
                # On Windows, no console window for the writer process.
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        except OSError as exc:
            log.warning("no writer process (%s); writing from a thread", exc)
            return False
        child = _Child(proc)
        child.reader = threading.Thread(
            target=self._read_answers, args=(child,), name="pbxdesk-writer-answers", daemon=True
        )
        self._child = child
        child.reader.start()
        threading.Thread(target=self._watch, args=(child,), name="pbxdesk-writer-watch", daemon=True).start()
        return True

    def _read_answers(self, child: _Child) -> None:
        child.ready_answer = _answer(child.proc)
        child.ready.set()
        if child.ready_answer is not None:
            return
        while True:
            answer = _answer(child.proc)
            if child.broken is not None:  # the watchdog gave up on it first: recovery settles
                return
            if answer is None and self._unanswered:
                child.progress_at = time.monotonic()
                sent = self._unanswered.popleft()
                child.slots.release()
                sent.done(None)
                continue
            if child.stopping:
                return
            # An error, or the process ended: the courier recovers; what waits stays queued.
            self._break(child, answer or "the writer process answered what was never sent")
            return

    def _break(self, child: _Child, reason: str) -> None:
        with child.lock:
            if child.broken is not None or child.stopping:
                return
            child.broken = reason
        child.slots.release()  # a courier waiting for a slot sees the break
        if self.on_broken is not None:
            self.on_broken(reason)

    def _watch(self, child: _Child) -> None:
        """Give up on a writer process that holds a batch and does not answer (stopped, hung):
        a dead one is seen by the reader at once, a silent one only here."""
        while not child.stopping and child.broken is None:
            time.sleep(WATCH_PERIOD_S)
            if not self._unanswered or self._child is not child or child.stopping:
                continue
            silent = time.monotonic() - child.progress_at
            if silent >= HANG_AFTER_S:
                reason = f"the writer process did not answer for {silent:.0f} s"
            elif silent >= STOPPED_AFTER_S and process_stopped(child.proc.pid):
                reason = f"the writer process is stopped (pid {child.proc.pid})"
            else:
                continue
            self._break(child, reason)
            # Ended here: the courier may be blocked writing into its full pipe, and only the
            # process's end frees it to recover. What it committed is found by its marker.
            with contextlib.suppress(OSError):
                child.proc.kill()
            return

    @property
    def process_pid(self) -> int | None:
        """The writer process's pid once it commits, None while (or when) the thread does."""
        child = self._child
        return child.proc.pid if child is not None and child.confirmed else None

    @property
    def broken(self) -> str | None:
        """Why the current writer process takes no more batches (None: it does)."""
        child = self._child
        return child.broken if child is not None else None

    def _child_ready(self) -> bool:
        """True once the process has said it is ready (then the thread's connection closes)."""
        child = self._child
        if child is None:
            return False
        if child.confirmed:
            return True
        # Waits only until READY_WAIT_S after the start: a process slower than that (a frozen
        # app's cold start) leaves the courier committing, not waiting again at every batch.
        wait = max(0.0, self._ready_by - time.monotonic())
        if not child.ready.wait(wait):
            return False
        if child.ready_answer is not None:
            log.warning("the writer process could not start (%s); writing from a thread", child.ready_answer)
            self._end_child()
            return False
        if self._local is not None:
            self._local.close()
            self._local = None
        child.confirmed = True
        return True

    def commit_async(self, ops: list[Op], *, idle: bool, done: Done) -> None:
        while True:
            if not self._child_ready():
                if self._local is None:  # the process was lost and none came back
                    self._local = Committer(self.path)
                self._local.commit(ops, idle=idle)
                done(None)
                return
            child = self._child
            assert child is not None and child.proc.stdin is not None
            child.slots.acquire()
            if child.broken is not None:
                child.slots.release()
                self.recover()
                continue
            self._seq += 1
            sent = _Sent(self._seq, ops, idle, done)
            if not self._unanswered:  # the clock runs from here, not from its last answer
                child.progress_at = time.monotonic()
            self._unanswered.append(sent)
            marker = f"{self._session}:{sent.seq}" if ops else None
            try:
                write_frame(child.proc.stdin, (ops, idle, marker))
            except (OSError, ValueError) as exc:  # the reader sees the end too
                self._break(child, f"the writer process is gone ({exc})")
                self.recover()  # sends this batch again with the others
            return

    def recover(self) -> None:
        """After the process broke: settle what it committed, start another, send the rest."""
        child = self._child
        reason = (child.broken if child is not None else None) or "the writer process is gone"
        self._end_child(kill=True)
        waiting = list(self._unanswered)
        self._unanswered.clear()
        last = 0
        try:
            marker = committed_marker(self.path)
        except (sqlite3.Error, ValueError) as exc:
            raise PbxDeskError(f"{reason}; the profile cannot be read back ({exc})") from None
        if marker is not None and marker.startswith(f"{self._session}:"):
            last = int(marker.rsplit(":", 1)[1])
        redo: list[_Sent] = []
        for sent in waiting:
            # An empty batch (someone waiting for what came before) is settled only if every
            # batch before it is: its callbacks must not run ahead of a batch sent again.
            if sent.seq <= last or (not sent.ops and not redo):
                sent.done(None)
            else:
                redo.append(sent)
        now = time.monotonic()
        while self._restarts and now - self._restarts[0] > RESTART_WINDOW_S:
            self._restarts.popleft()
        if len(self._restarts) >= MAX_RESTARTS:
            self._no_more_processes = True
        if self._no_more_processes:
            log.warning(
                "the profile writer stopped again (%s); writing from a thread from now on (%d batches)",
                reason, len(redo),
            )  # fmt: skip
        else:
            self._restarts.append(now)
            log.warning("the profile writer stopped (%s); a new one takes %d batches", reason, len(redo))
            self._ready_by = time.monotonic() + RESTART_READY_S
            self._spawn()
        for i, sent in enumerate(redo):
            try:
                self.commit_async(sent.ops, idle=sent.idle, done=sent.done)
            except BaseException as exc:  # the thread could not either: these are not recorded
                for later in redo[i:]:
                    later.done(f"{type(exc).__name__}: {exc}")
                raise
        # Settled only once they are committed: until then the engine starts no attempt whose
        # record would queue behind a batch that may fail again.
        child = self._child
        while child is not None and self._unanswered and child.broken is None:
            time.sleep(0.002)
        if child is not None and child.broken is not None and self._child is child:
            self.recover()

    def _end_child(self, *, kill: bool = False) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        proc = child.proc
        child.stopping = True
        if kill:
            with contextlib.suppress(OSError):
                proc.kill()
        else:
            with contextlib.suppress(OSError, ValueError):
                assert proc.stdin is not None
                write_frame(proc.stdin, None)  # after every batch sent: each is answered first
        with contextlib.suppress(OSError, ValueError):
            assert proc.stdin is not None
            proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if child.reader is not None:
            child.reader.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()

    def close(self) -> None:
        if self._local is not None:
            self._local.close()
            self._local = None
        self._end_child()


GIL_SWITCH_S = 0.0005


def _prompt_gil_handoff() -> None:
    """Let the writer's threads take the GIL within 0.5 ms instead of Python's 5 ms.

    The courier and the answers' reader block on pipes; each time one wakes, it waits for the
    GIL, and while the event loop is busy (a burst of simulated events, a redraw) a thread
    waiting for it gets it only when the switch interval runs out. With 5 ms, the half dozen
    hand-overs of one batch made a run's first commit 0.3 s late; with 0.5 ms, 45 ms
    (bench/delivery.py). Only lowered, never raised; throughput is the same either way.
    """
    if sys.getswitchinterval() > GIL_SWITCH_S:
        sys.setswitchinterval(GIL_SWITCH_S)


class WriterFailed(PbxDeskError):
    """The profile's writer stopped for good: nothing more can be recorded (an internal failure,
    not the user's input: the CLI exits 3)."""


def _open_backend(path: Path, use_process: bool, on_broken: Callable[[str], None]) -> _Backend:
    return _ChildBackend(path, on_broken) if use_process else _ThreadBackend(path)


class BatchWriter:
    def __init__(
        self, path: Path, *, max_rows: int = 2000, interval: float = 0.0, process: bool = True
    ) -> None:
        self.path = path
        self.max_rows = max_rows
        self.interval = interval  # extra time to gather a batch after the first statement
        self.process = process
        self._q: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self.error: BaseException | None = None
        # Why writing is held up right now (the writer process died and is being replaced);
        # None when it is not. Watchers (``watch``) hear of every change of it and of ``error``.
        self.trouble: str | None = None
        self._watchers: list[Callable[[], None]] = []
        self.committed_rows = 0
        self.commits = 0
        # Opened here, not in the courier: there, each step of opening waited for the GIL while
        # the event loop simulated a burst of events, and the first commit of a run came 0.3 s
        # late (bench/delivery.py). A failure to open is kept and surfaces like a failed commit.
        self._backend: _Backend | None = None
        self._open_error: BaseException | None = None
        _prompt_gil_handoff()
        try:
            self._backend = _open_backend(path, process, self._broken)
        except Exception as exc:
            self._open_error = exc
        self._thread = threading.Thread(target=self._run, name="pbxdesk-writer", daemon=True)
        self._thread.start()

    # -- producers (any thread; never block) -----------------------------------------------------
    def execute(self, sql: str, params: tuple[Any, ...], *, kind: int = ANY) -> None:
        """Queue one statement. ``kind`` (committer's EVENT ... ANY) says what it is; by
        default ANY: run in order, and it may change anything."""
        self._q.put((kind, sql, params))

    def execute_all(self, ops: list[Op], *, then: Callable[[], None] | None = None) -> None:
        """Queue many ops, each ``(kind, sql, params)``, at once (one hand-over to the thread, in
        order); ``then`` is called like an ``on_commit`` callback, in the same hand-over."""
        self._q.put(ops if then is None else _Handover(ops, then))

    def add_event(self, row: tuple[Any, ...]) -> None:
        self._q.put((EVENT, EVENT_SQL, row))

    def add_delivery(self, row: tuple[Any, ...]) -> None:
        self._q.put((NEW_DELIVERY, DELIVERY_SQL, row))

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (in the writer thread) once everything queued before is committed.

        If the writer has failed, the callback is never called; ``error`` says why.
        """
        self._q.put(callback)

    def watch(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (from a writer thread) whenever ``healthy`` or ``error`` changes."""
        self._watchers.append(callback)
        if not self.healthy:
            callback()

    @property
    def healthy(self) -> bool:
        """False from the moment the writer cannot take more (recovering, or failed)."""
        return self.error is None and self.trouble is None and self._thread.is_alive()

    def _tell_watchers(self) -> None:
        for callback in list(self._watchers):
            try:
                callback()
            except Exception:  # a watcher's bug must not stop the writer
                log.exception("writer watcher failed")

    def _broken(self, reason: str) -> None:
        """The reader of the writer process saw it die (any thread): hold on, recover."""
        self.trouble = reason
        self._tell_watchers()
        self._q.put(_WAKE)

    def _settled(self, backend: _Backend) -> None:
        if self.trouble is not None and getattr(backend, "broken", None) is None:
            self.trouble = None
            self._tell_watchers()

    @property
    def process_pid(self) -> int | None:
        """The pid of the process committing for this writer; None while the thread does."""
        backend = self._backend
        return backend.process_pid if isinstance(backend, _ChildBackend) else None

    def flush(self, timeout: float = 30.0) -> None:
        """Block until every statement queued before this call is committed."""
        if self._thread.is_alive():
            done = threading.Event()
            self._q.put(done)
            done.wait(timeout)
        if self.error:
            raise WriterFailed(f"{self.path}: writing the history failed ({self.error})")

    def close(self) -> None:
        self._q.put(None)
        self._thread.join(timeout=60)

    # -- the courier thread ------------------------------------------------------------------
    def _run(self) -> None:
        backend = self._backend
        if backend is None:
            self.error = self._open_error
            self._release_waiters()
            self._tell_watchers()
            return
        stop = False
        try:
            while not stop:
                ops: list[Op] = []
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
                    elif isinstance(item, _Handover):
                        ops.extend(item.ops)
                        notify.append(item.then)
                        deadline = 0.0
                    elif isinstance(item, _Wake):
                        deadline = 0.0
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
                if ops or notify:
                    try:
                        done = self._batch_end(len(ops), notify)
                        backend.commit_async(ops, idle=self._q.empty(), done=done)
                    except BaseException as exc:
                        self.error = self.error or exc  # before the waiters wake and look
                        _release(notify)
                        raise
                elif isinstance(backend, _ChildBackend) and backend.broken is not None:
                    backend.recover()  # woken by the reader: replace the process now, not later
                self._settled(backend)
        except BaseException as exc:  # surfaced through flush() and .error
            log.error("profile writer failed: %s", exc)
            self.error = self.error or exc
            self._release_waiters()
            self._tell_watchers()
        finally:
            backend.close()

    def _batch_end(self, rows: int, notify: list[Callable[[], None] | threading.Event]) -> Done:
        """What ends a batch (in the courier, or the thread reading the writer process)."""

        def done(problem: str | None) -> None:
            if problem is not None:
                self.error = self.error or PbxDeskError(problem)
                _release(notify)  # flush() returns and raises; commit callbacks are not called
                return
            if rows:
                self.committed_rows += rows
                self.commits += 1
            for n in notify:
                n.set() if isinstance(n, threading.Event) else n()

        return done

    def _release_waiters(self) -> None:
        while True:
            try:
                item = self._q.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, threading.Event):
                item.set()


def _release(notify: list[Callable[[], None] | threading.Event]) -> None:
    for n in notify:
        if isinstance(n, threading.Event):
            n.set()


def _answer(proc: subprocess.Popen[bytes]) -> str | None:
    """The writer process's next answer: None (ready, committed) or what went wrong."""
    assert proc.stdout is not None
    try:
        return read_frame(proc.stdout)
    except (EOFError, OSError, ValueError):
        return f"the writer process ended unexpectedly (exit code {proc.poll()})"
