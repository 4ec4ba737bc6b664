"""Retention: keep the last N days and/or the last N events of a profile's history.

The policy is a profile setting (``retention``: ``{"days": 30, "events": 1000000}``; either may
be null). Pruning deletes the oldest events with their deliveries, attempts and raw requests
in small chunks, so it never holds the write lock for long:

- with a ``BatchWriter`` (the engine is writing): each chunk's DELETEs are queued through
  ``writer.execute`` and ride along in the writer's group commit, between the inserts;
- without one: each chunk is its own short transaction on the pruner's connection.

Events whose deliveries are still open (pending, in flight, paused) are kept: the outbox
resumes them. A call's row (``calls``) goes with its last event. Every statement guards itself
(no foreign key can fail), so a chunk queued in the writer cannot break its batch. Freed pages
are reused by new rows; ``vacuum`` (the CLI's ``pbxdesk profile vacuum NAME``) gives them back
to the file system.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import Field

from pbxdesk.domain import PbxDeskError, ValidationError
from pbxdesk.engine.input_model import InputModel, checked
from pbxdesk.store.profile import Profile, connect, is_locked, locked_error

log = logging.getLogger(__name__)

SETTING = "retention"
DAY_US = 86_400 * 1_000_000
OPEN_STATES = ("pending", "in_flight", "paused")
DEFAULT_CHUNK = 1000
# Between two chunks of its own transactions, so another writer (SQLite's busy handler polls
# with growing sleeps) finds the lock free.
BACKGROUND_PAUSE = 0.05


class _Writer(Protocol):
    def execute(self, sql: str, params: tuple[Any, ...]) -> None: ...
    def flush(self, timeout: float = 30.0) -> None: ...


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    days: float | None = None
    events: int | None = None

    @property
    def active(self) -> bool:
        return self.days is not None or self.events is not None

    def __post_init__(self) -> None:
        checked(RetentionSetting, self.as_setting(), SETTING)  # a ValidationError (a PbxDeskError)

    def as_setting(self) -> dict[str, Any]:
        return {"days": self.days, "events": self.events}

    def describe(self) -> str:
        if not self.active:
            return "keep everything"
        parts = []
        if self.days is not None:
            parts.append(f"the last {self.days:g} days")
        if self.events is not None:
            parts.append(f"the last {self.events:,} events")
        return "keep " + " and ".join(parts)


class RetentionSetting(InputModel):
    """The ``retention`` setting as a profile stores it; null: no limit of that kind."""

    days: float | None = Field(None, gt=0, description="a number of days (more than 0) or null")
    events: int | None = Field(None, ge=0, description="a number of events (0 or more) or null")


def load_policy(profile: Profile) -> RetentionPolicy:
    raw = profile.get_setting(SETTING, None) or {}
    try:
        setting = checked(RetentionSetting, raw, SETTING)
    except ValidationError as exc:
        log.warning("%s: ignoring a retention setting that makes no sense (%s): %r", profile.path, exc, raw)
        return RetentionPolicy()
    return RetentionPolicy(days=setting.days, events=setting.events)


def save_policy(profile: Profile, policy: RetentionPolicy) -> None:
    profile.set_setting(SETTING, policy.as_setting())


@dataclass(slots=True)
class PruneResult:
    events: int = 0
    chunks: int = 0
    kept_open: int = 0  # old events kept because a delivery of theirs is still open
    seconds: float = 0.0


def _cutoff(conn: sqlite3.Connection, policy: RetentionPolicy, now_us: int) -> tuple[int, int | None]:
    """(ids below this may go by count, event_time below this may go by age)."""
    by_count = 0
    if policy.events is not None:
        if policy.events == 0:
            by_count = int(conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM event_log").fetchone()[0])
        else:
            row = conn.execute(
                "SELECT id FROM event_log ORDER BY id DESC LIMIT 1 OFFSET ?", (policy.events - 1,)
            ).fetchone()
            by_count = int(row[0]) if row else 0
    by_age = None if policy.days is None else now_us - int(policy.days * DAY_US)
    return by_count, by_age


def _next_chunk(
    conn: sqlite3.Connection, by_count: int, by_age: int | None, after: int, chunk: int
) -> list[int]:
    ids: set[int] = set()
    if by_count:
        ids.update(
            r[0]
            for r in conn.execute(
                "SELECT id FROM event_log WHERE id > ? AND id < ? ORDER BY id LIMIT ?",
                (after, by_count, chunk),
            )
        )
    if by_age is not None:
        # idx_events_event_time: the oldest first. Event times follow ids closely, so these
        # chunks move forward like the count's.
        ids.update(
            r[0]
            for r in conn.execute(
                "SELECT id FROM event_log WHERE event_time < ? AND id > ? ORDER BY event_time LIMIT ?",
                (by_age, after, chunk),
            )
        )
    return sorted(ids)[:chunk]


def _chunk_statements(ids: list[int], call_refs: list[int]) -> list[tuple[str, tuple[Any, ...]]]:
    marks = ",".join("?" * len(ids))
    params = tuple(ids)
    closed = f"event_id IN ({marks}) AND COALESCE(state, '') NOT IN ('pending', 'in_flight', 'paused')"
    statements = [
        (f"DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE {closed})", params),
        (f"DELETE FROM deliveries WHERE {closed}", params),
        (f"DELETE FROM raw_requests WHERE event_id IN ({marks})", params),
        (
            f"DELETE FROM event_log WHERE id IN ({marks}) "
            "AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = event_log.id)",
            params,
        ),
    ]
    if call_refs:  # calls none of whose events are left
        statements.append(
            (
                f"DELETE FROM calls WHERE id IN ({','.join('?' * len(call_refs))}) "
                "AND NOT EXISTS (SELECT 1 FROM event_log e WHERE e.call_ref = calls.id)",
                tuple(call_refs),
            )
        )
    return statements


def prune(
    path: Path,
    policy: RetentionPolicy,
    *,
    writer: _Writer | None = None,
    now_us: int | None = None,
    chunk: int = DEFAULT_CHUNK,
    pause: float = 0.0,
    stop: threading.Event | None = None,
) -> PruneResult:
    """Delete what ``policy`` does not keep, ``chunk`` events at a time. Blocking: call it in
    a thread (``start_background_prune``) or from the CLI."""
    result = PruneResult()
    if not policy.active:
        return result
    t0 = time.perf_counter()
    now = time.time_ns() // 1000 if now_us is None else now_us
    conn = connect(path)  # the reader, and the chunk transactions when there is no writer
    try:
        by_count, by_age = _cutoff(conn, policy, now)
        after = 0
        while stop is None or not stop.is_set():
            ids = _next_chunk(conn, by_count, by_age, after, chunk)
            if not ids:
                break
            after = ids[-1]
            marks = ",".join("?" * len(ids))
            refs = [
                r[0]
                for r in conn.execute(
                    f"SELECT DISTINCT call_ref FROM event_log WHERE id IN ({marks}) AND call_ref IS NOT NULL",
                    ids,
                )
            ]
            statements = _chunk_statements(ids, refs)
            if writer is not None:
                for sql, params in statements:
                    writer.execute(sql, params)
                writer.flush()  # the chunk is committed before the next is chosen
            else:
                with conn:
                    for sql, params in statements:
                        conn.execute(sql, params)
            left = conn.execute(f"SELECT COUNT(*) FROM event_log WHERE id IN ({marks})", ids).fetchone()[0]
            result.events += len(ids) - left
            result.kept_open += left
            result.chunks += 1
            if pause:
                time.sleep(pause)
    except sqlite3.OperationalError as exc:
        if is_locked(exc):
            raise locked_error(path, exc) from None
        raise PbxDeskError(f"{path}: pruning the history failed ({exc})") from None
    finally:
        conn.close()
    result.seconds = time.perf_counter() - t0
    if result.events:
        log.info(
            "%s: pruned %d events (%s) in %.1f s", path, result.events, policy.describe(), result.seconds
        )
    return result


def start_background_prune(
    path: Path, policy: RetentionPolicy, *, writer: _Writer | None = None, pause: float = BACKGROUND_PAUSE
) -> tuple[threading.Thread, threading.Event]:
    """Prune in a daemon thread; returns it and an Event that stops it between chunks."""
    stop = threading.Event()

    def run() -> None:
        try:
            prune(path, policy, writer=writer, pause=pause, stop=stop)
        except PbxDeskError as exc:
            log.warning("background pruning stopped: %s", exc)
        except Exception:
            log.exception("background pruning failed")

    thread = threading.Thread(target=run, name="pbxdesk-prune", daemon=True)
    thread.start()
    return thread, stop


def prune_in_background_if_set(profile: Profile) -> tuple[threading.Thread, threading.Event] | None:
    """Start pruning ``profile`` per its retention setting (own short transactions), if it has one."""
    policy = load_policy(profile)
    if not policy.active:
        return None
    return start_background_prune(profile.path, policy)
