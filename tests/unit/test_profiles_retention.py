"""Retention: the oldest history goes, in small chunks, while the writer keeps writing."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from fixtures.profile_factory import BASE_US, NAMES, recent_events, simulated_events

from pbxdesk.domain import PbxDeskError
from pbxdesk.store import retention
from pbxdesk.store.profile import Profile
from pbxdesk.store.retention import DAY_US, RetentionPolicy
from pbxdesk.store.writer import BatchWriter, event_row

DELIVERY = (
    "INSERT INTO deliveries (id, event_id, subscription_id, method, url, state, call_id, endpoint, ordered, "
    "attempts, created_at) VALUES (?, ?, 1, 'GET', 'http://127.0.0.1:9/', ?, ?, '127.0.0.1:9', 1, 1, ?)"
)
ATTEMPT = "INSERT INTO attempts (delivery_id, n, status_code) VALUES (?, 1, 200)"


def _fill(path: Path, n: int, *, spacing_us: int = 0, open_every: int = 0) -> None:
    """n events (each with a delivery and an attempt); event i at BASE_US + i * spacing_us."""
    Profile.open(path).close()
    events = simulated_events(n)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    with conn:
        for i, ev in enumerate(events, start=1):
            row = list(event_row(i, ev, NAMES.get(ev.extension_id, ""), "sim"))
            if spacing_us:
                row[6] = BASE_US + i * spacing_us
            conn.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            state = "pending" if open_every and i % open_every == 0 else "delivered"
            conn.execute(DELIVERY, (i, i, state, ev.call_id, row[6]))
            conn.execute(ATTEMPT, (i,))
    conn.close()


def _ids(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM event_log ORDER BY id")]
    finally:
        conn.close()


def _consistent(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = conn.execute(
            "SELECT COUNT(*) FROM calls "
            "WHERE NOT EXISTS (SELECT 1 FROM event_log e WHERE e.call_ref = calls.id)"
        ).fetchone()[0]
        assert orphans == 0
    finally:
        conn.close()


def test_keep_the_last_n_events(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    _fill(path, 500)
    result = retention.prune(path, RetentionPolicy(events=120), chunk=50)
    assert result.events == 380 and result.chunks >= 8
    assert _ids(path) == list(range(381, 501))
    with Profile.open(path) as p:
        assert p.counts() == {"events": 120, "deliveries": 120, "delivered": 0}
        assert [e["id"] for e in recent_events(p, 3)] == [498, 499, 500]
    _consistent(path)


def test_keep_the_last_n_days(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    _fill(path, 300, spacing_us=DAY_US // 10)  # ten events a day, 30 days
    now = BASE_US + 300 * (DAY_US // 10)
    result = retention.prune(path, RetentionPolicy(days=7), now_us=now, chunk=40)
    left = _ids(path)
    assert result.events == 300 - len(left)
    assert left[0] == 230 and left[-1] == 300  # the last 7 days: 230 (exactly 7 days old)..300
    _consistent(path)


def test_open_deliveries_keep_their_events(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    _fill(path, 200, open_every=25)
    result = retention.prune(path, RetentionPolicy(events=10), chunk=30)
    left = _ids(path)
    assert [i for i in left if i <= 190] == [25, 50, 75, 100, 125, 150, 175]
    assert result.kept_open == 7 and result.events == 190 - 7
    _consistent(path)


def test_pruning_through_the_writer_while_it_writes(tmp_path: Path) -> None:
    """The chunks ride along in the writer's commits; every insert made meanwhile is kept."""
    path = tmp_path / "p.sqlite"
    _fill(path, 2000)
    more = simulated_events(600, seed=9)
    writer = BatchWriter(path)
    stop = threading.Event()

    def produce() -> None:
        for i, ev in enumerate(more, start=2001):
            writer.add_event(event_row(i, ev, "x", "sim"))
            if i % 50 == 0:
                time.sleep(0.002)
        stop.set()

    producer = threading.Thread(target=produce)
    try:
        producer.start()
        result = retention.prune(path, RetentionPolicy(events=1000), writer=writer, chunk=100)
        producer.join()
        writer.flush(timeout=30)
    finally:
        writer.close()
    left = _ids(path)
    assert list(range(2001, 2601)) == left[-600:]  # every new event is there
    assert result.events >= 1000 and left[0] >= 1001
    _consistent(path)


def test_chunks_keep_write_locks_short(tmp_path: Path) -> None:
    """Without a writer each chunk is its own short transaction, with a breath between chunks (as
    the app's background pruning does): another writer gets its turn."""
    path = tmp_path / "p.sqlite"
    _fill(path, 3000)
    waits: list[float] = []
    done = threading.Event()

    def other_writer() -> None:
        conn = sqlite3.connect(path, timeout=10)
        try:
            n = 0
            while not done.is_set():
                t0 = time.perf_counter()
                with conn:
                    conn.execute("INSERT INTO settings (key, value) VALUES (?, '1')", (f"k{n}",))
                waits.append(time.perf_counter() - t0)
                n += 1
                time.sleep(0.001)
        finally:
            conn.close()

    t = threading.Thread(target=other_writer)
    t.start()
    try:
        time.sleep(0.05)
        result = retention.prune(path, RetentionPolicy(events=0), chunk=100, pause=retention.BACKGROUND_PAUSE)
    finally:
        done.set()
        t.join()
    assert _ids(path) == [] and result.chunks == 30
    # One transaction for the whole prune would make the other writer wait about all of it.
    assert waits and max(waits) < 0.5 * result.seconds, (max(waits), result.seconds)


def test_policy_setting_round_trip_and_validation(tmp_path: Path) -> None:
    with Profile.open(tmp_path / "p.sqlite") as p:
        assert retention.load_policy(p) == RetentionPolicy()
        retention.save_policy(p, RetentionPolicy(days=30, events=1_000_000))
        assert retention.load_policy(p) == RetentionPolicy(30, 1_000_000)
        assert "30 days" in retention.load_policy(p).describe()
        p.set_setting(retention.SETTING, {"days": -3})
        assert retention.load_policy(p) == RetentionPolicy()  # nonsense is ignored, not obeyed
    with pytest.raises(PbxDeskError):
        RetentionPolicy(days=0)
