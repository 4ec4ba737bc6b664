"""Profiles: real SQLite files in tmp dirs; a file pbxdesk cannot use is never altered."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from fixtures.profile_factory import recent_events

from pbxdesk.domain import (
    CallFlow,
    CallStatus,
    EventData,
    EventType,
    Extension,
    ExtensionType,
    HttpMethod,
    PbxDeskError,
    Subscription,
)
from pbxdesk.store.paths import profile_path, profiles_dir
from pbxdesk.store.profile import Profile
from pbxdesk.store.schema import SCHEMA_VERSION
from pbxdesk.store.writer import BatchWriter, event_row

TABLES = {"settings", "extensions", "subscriptions", "events", "deliveries"}


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        # since schema v3 "events" is a view over event_log (compact rows)
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_open_creates_a_wal_file_with_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "p.sqlite"
    with Profile.open(path) as profile:
        assert profile.path == path
        assert profile.is_empty()
    assert path.read_bytes()[:16] == b"SQLite format 3\x00"
    assert _tables(path) >= TABLES
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        cols = {r[1] for r in conn.execute("PRAGMA table_info(deliveries)")}
        assert {"status_code", "error", "latency_ms", "response_body", "request_body"} <= cols
    finally:
        conn.close()


def test_reopen_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    ext = Extension(id=175, name="000*099", type=ExtensionType.PHONE, record=True, did="7495", agents=())
    sub = Subscription(175, EventType.HANGUP, HttpMethod.GET, "https://h.test/?myid=175")
    with Profile.open(path) as profile:
        profile.replace_config([ext], [sub])
        profile.set_setting("target", {"url": "http://127.0.0.1:1/"})
    with Profile.open(path) as profile:
        assert profile.extensions() == [ext]
        [got] = profile.subscriptions()
        assert (got.extension_id, got.event_type, got.method, got.url) == (
            175,
            EventType.HANGUP,
            HttpMethod.GET,
            "https://h.test/?myid=175",
        )
        assert got.id is not None
        assert profile.get_setting("target") == {"url": "http://127.0.0.1:1/"}
        assert profile.get_setting("missing", 3) == 3


def test_open_without_create_refuses_a_missing_profile(tmp_path: Path) -> None:
    path = tmp_path / "absent.sqlite"
    with pytest.raises(PbxDeskError, match="no such profile"):
        Profile.open(path, create=False)
    assert not path.exists()


def test_garbage_file_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"these are my notes, not a database\n" * 50)
    before = _digest(path)
    with pytest.raises(PbxDeskError) as info:
        Profile.open(path)
    assert str(path) in str(info.value)
    assert "not a pbxdesk profile" in str(info.value)
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]  # no -wal/-shm left


def test_damaged_sqlite_file_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "damaged.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    before = _digest(path)
    with pytest.raises(PbxDeskError) as info:
        Profile.open(path)
    assert str(path) in str(info.value)
    assert _digest(path) == before


def test_newer_schema_refused_and_left_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, future_column TEXT)")
    conn.execute("INSERT INTO events VALUES (1, 'from pbxdesk 9')")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = _digest(path)

    with pytest.raises(PbxDeskError) as info:
        Profile.open(path)
    msg = str(info.value)
    assert str(path) in msg
    assert f"schema version {SCHEMA_VERSION + 1}" in msg and "newer pbxdesk" in msg
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["future.sqlite"]


def test_empty_file_becomes_a_profile(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    with Profile.open(path):
        pass
    assert _tables(path) >= TABLES


def _event(i: int) -> EventData:
    return EventData(
        extension_id=175,
        event_type=EventType.HANGUP,
        call_id=f"call-{i}",
        event_time=1_700_000_000_000_000 + i,
        sub_call_id=f"leg-{i}",
        call_status=CallStatus.ANSWER,
        call_flow=CallFlow.OUT,
        duration=3_000_000,
        extra={"Unknown": "kept"},
    )


def test_batch_writer_commits_and_flush_makes_rows_visible(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Profile.open(path).close()
    writer = BatchWriter(path, interval=5.0)  # long interval: only flush() can commit in time
    try:
        for i in range(1, 4):
            writer.add_event(event_row(i, _event(i), "000*099", "sim"))
        writer.add_delivery((1, 1, None, "GET", "http://h.test/?a=1", "", 200, None, 1.5, "ok\n", 10, 20))
        writer.flush(timeout=10)
        other = sqlite3.connect(path)  # another connection sees the committed rows
        try:
            rows = other.execute(
                "SELECT id, call_id, event_type, extension_name, source, data FROM events ORDER BY id"
            ).fetchall()
            assert [r[:5] for r in rows] == [
                (i, f"call-{i}", "hangup", "000*099", "sim") for i in range(1, 4)
            ]
            assert '"Unknown":"kept"' in rows[0][5]  # unknown fields are never dropped
            assert '"Duration":"3000000"' in rows[0][5]
            assert other.execute(
                "SELECT event_id, status_code, latency_ms, response_body FROM deliveries"
            ).fetchall() == [(1, 200, 1.5, "ok\n")]
        finally:
            other.close()
        assert writer.committed_rows == 4
    finally:
        writer.close()


def test_batch_writer_commits_on_its_own_without_flush(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Profile.open(path).close()
    writer = BatchWriter(path, interval=0.01, max_rows=2)
    try:
        for i in range(1, 6):
            writer.add_event(event_row(i, _event(i), "000*099", "sim"))
    finally:
        writer.close()  # close drains what was queued
    with Profile.open(path) as profile:
        assert profile.counts()["events"] == 5
        assert profile.max_ids() == (5, 0)
        assert [e["call_id"] for e in recent_events(profile, limit=2)] == ["call-4", "call-5"]


def test_batch_writer_error_surfaces_on_flush(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Profile.open(path).close()
    writer = BatchWriter(path)
    try:
        writer.add_event(event_row(1, _event(1), "000*099", "sim"))
        writer.add_event(event_row(1, _event(1), "000*099", "sim"))  # duplicate id
        with pytest.raises(PbxDeskError, match=str(path)):
            writer.flush(timeout=10)
    finally:
        writer.close()


def test_profile_paths_follow_pbxdesk_home(pbxdesk_home: Path) -> None:
    assert profiles_dir() == pbxdesk_home / "profiles"
    assert profile_path("work") == pbxdesk_home / "profiles" / "work.sqlite"
    with pytest.raises(PbxDeskError, match="profile"):
        profile_path("../escape")
    with Profile.open_named("work") as profile:
        assert profile.path == pbxdesk_home / "profiles" / "work.sqlite"
    assert (pbxdesk_home / "profiles" / "work.sqlite").exists()


def test_an_attempts_end_is_one_op_and_writes_the_attempt_and_the_delivery(tmp_path: Path) -> None:
    from pbxdesk.store.committer import ANY, EVENT, EVENT_SQL, Committer, attempt_ended_row

    path = tmp_path / "p.sqlite"
    Profile.open(path).close()
    committer = Committer(path)
    committer.commit(
        [
            (EVENT, EVENT_SQL, (1, "c1", None, "dial-in", 100, "000*100", 1, "sim", "{}")),
            (ANY, "INSERT INTO deliveries (id, event_id, method, url, state, attempts) "
             "VALUES (1, 1, 'POST', 'http://h/', 'pending', 0)", ()),
        ],
        idle=True,
    )  # fmt: skip
    body = "é".encode() * 3000  # a summary cut in the middle of a character
    committer.commit(
        [
            attempt_ended_row(1, 1, 10, 20, 1.5, 503, "non-2xx status", None, None, "{}",
                              body, False, "pending", 5_000_020),
        ],
        idle=True,
    )  # fmt: skip
    committer.close()
    with sqlite3.connect(path) as conn:
        attempt = conn.execute("SELECT delivery_id, n, status_code, response_body FROM attempts").fetchone()
        delivery = conn.execute(
            "SELECT state, attempts, status_code, error, response_body, next_attempt_at FROM deliveries"
        ).fetchone()
    assert attempt == (1, 1, 503, body)
    assert delivery[:4] == ("pending", 1, 503, "non-2xx status")
    assert delivery[4] == "é" * 2048  # the first 4096 bytes; no broken character
    assert delivery[5] == 5_000_020
