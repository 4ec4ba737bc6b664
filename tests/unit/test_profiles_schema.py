"""Schema migrations: a file made by every earlier version opens, upgraded, with nothing lost."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from fixtures.profile_factory import BASE_US, awkward_events, make_profile, recent_events

from pbxdesk.domain import PbxDeskError
from pbxdesk.store import schema
from pbxdesk.store.profile import Profile
from pbxdesk.store.schema import APPLICATION_ID, SCHEMA_VERSION
from pbxdesk.store.writer import BatchWriter, event_row


def _conn(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_every_earlier_version_upgrades_with_every_field_kept(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.sqlite"
    made = make_profile(path, version)
    with Profile.open(path) as profile:
        recent = recent_events(profile, limit=10_000)
        assert profile.counts()["events"] == len(made["events"])
        # v4: the extensions come back whole, their new resource fields "not set"
        assert sorted(profile.extensions(), key=lambda e: e.id) == sorted(
            made["extensions"], key=lambda e: e.id
        )
    conn = _conn(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = conn.execute(
            "SELECT id, call_id, sub_call_id, event_type, extension_id, extension_name, event_time, source, "
            "data FROM events ORDER BY id"
        ).fetchall()
        # Byte for byte what the writer wrote, for every row.
        assert stored == made["events"]
        # ...though the head of the JSON (EventType, CallID, SubCallID) is no longer stored twice,
        # except in the one row whose text does not start the way the writer writes it.
        kept_raw = conn.execute("SELECT id FROM event_log WHERE data IS NOT NULL").fetchall()
        assert kept_raw == [(len(made["events"]),)]
        n_deliveries = conn.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]
        assert n_deliveries == len(made["deliveries"])
        # deliveries' foreign key followed the rename: it points at the table, not the view
        fk = conn.execute("PRAGMA foreign_key_list(deliveries)").fetchall()
        assert [r[2] for r in fk] == ["event_log"]
    finally:
        conn.close()
    assert [e["fields"] for e in recent] == [json.loads(r[8]) for r in made["events"]]
    assert sum(len(e["deliveries"]) for e in recent) == len(made["deliveries"])


def test_extension_resource_fields_round_trip_and_survive_edits(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite"
    make_profile(path, 3, n=2)
    with Profile.open(path) as profile:
        ext = next(e for e in profile.extensions() if e.id == 101)
        assert (ext.caller_id_name, ext.extension_group_id, ext.create_date, ext.client_id) == (
            "",
            None,
            "",
            None,
        )
        edited = replace(
            ext, caller_id_name="Анна П.", extension_group_id=7, create_date="2024-03-16 10:02:44",
            client_id=4711, domain="sipproxy.telphin.ru", extra_params='{"crm_user": 5}',
        )  # fmt: skip
        profile.update_extension(edited)
        assert profile.extension(101) == edited
        profile.replace_config(profile.extensions(), profile.subscriptions())
    with Profile.open(path) as profile:
        assert profile.extension(101) == edited
    conn = _conn(path)
    try:  # real columns, so a query (or another tool) can read them
        row = conn.execute(
            "SELECT caller_id_name, client_id, config FROM extensions WHERE id = 101"
        ).fetchone()
    finally:
        conn.close()
    assert row[:2] == ("Анна П.", 4711) and "caller_id_name" not in row[2]


def test_upgraded_profile_takes_new_events_through_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite"
    made = make_profile(path, 2, n=5)
    Profile.open(path).close()
    first = len(made["events"]) + 1
    rows = [event_row(first + i, ev, "000*101", "sim") for i, ev in enumerate(awkward_events())]
    writer = BatchWriter(path)
    try:
        for r in rows:
            writer.add_event(r)
        writer.flush(timeout=10)
    finally:
        writer.close()
    with Profile.open(path) as profile:
        newest = recent_events(profile, limit=len(rows))
    assert [e["fields"] for e in newest] == [json.loads(r[8]) for r in rows]
    assert [e["call_id"] for e in newest] == [r[1] for r in rows]


def test_events_view_round_trips_awkward_json_exactly(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    Profile.open(path).close()
    texts = [
        '{"EventType":"hangup","CallID":"c1","EventTime":"5"}',  # canonical: stored as columns
        '{"CallID":"c1","EventType":"hangup","EventTime":"5"}',  # another order: kept as text
        '{"EventType":"hangup","CallID":"c1","EventTime":"5","Duration":12}',  # a number
        '{"EventType":"hangup","CallID":"c1","EventTime":"5","X":{"nested":[1,2]}}',
        '{"EventType": "hangup", "CallID": "c1", "EventTime": "5"}',  # spaces
        '{"EventType":"hangup","CallID":"c1","CallerIDName":"\\u0410\\u043d\\u043d\\u0430","EventTime":"5"}',
        "not json at all",
        "[1, 2, 3]",
        "",
    ]
    conn = _conn(path)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO events (id, call_id, event_type, event_time, data) "
                "VALUES (?, 'c1', 'hangup', 5, ?)",
                list(enumerate(texts, start=1)),
            )
        got = [r[0] for r in conn.execute("SELECT data FROM events ORDER BY id")]
        compact = [r[0] for r in conn.execute("SELECT id FROM event_log WHERE data IS NULL ORDER BY id")]
    finally:
        conn.close()
    assert got == texts  # exactly what was written, whatever it was
    assert compact == [1, 3, 4, 6]  # those starting as the writer's JSON does: stored without the head


def test_events_view_update_and_delete_reach_the_table(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    with Profile.open(path):
        pass
    conn = _conn(path)
    try:
        with conn:
            conn.execute(EVENT, (1, '{"EventType":"answer","CallID":"a","EventTime":"1"}'))
            conn.execute(EVENT, (2, '{"EventType":"answer","CallID":"a","EventTime":"1"}'))
            conn.execute(
                "UPDATE events SET data = ? WHERE id = 1",
                ('{"EventType":"answer","CallID":"a","EventTime":"1","CallStatus":"ANSWER"}',),
            )
            conn.execute("DELETE FROM events WHERE id = 2")
        rows = conn.execute("SELECT id, data FROM events").fetchall()
        assert rows == [(1, '{"EventType":"answer","CallID":"a","EventTime":"1","CallStatus":"ANSWER"}')]
        assert conn.execute("SELECT rest FROM event_log WHERE id = 1").fetchone() == (
            ',"EventTime":"1","CallStatus":"ANSWER"}',
        )
    finally:
        conn.close()


EVENT = "INSERT INTO events (id, call_id, event_type, event_time, data) VALUES (?, 'a', 'answer', 1, ?)"


def test_a_failing_migration_leaves_the_file_at_its_version(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "v2.sqlite"
    made = make_profile(path, 2, n=3)

    def broken(db) -> None:
        schema._v3(db)  # does all its work, then fails: the transaction must undo all of it
        raise RuntimeError("disk pulled out")

    monkeypatch.setattr(schema, "MIGRATIONS", [schema._v1, schema._v2, broken])
    with pytest.raises(RuntimeError):
        Profile.open(path)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        kinds = dict(
            conn.execute("SELECT name, type FROM sqlite_master WHERE name IN ('events', 'event_log')")
        )
        assert kinds == {"events": "table"}
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == len(made["events"])
    finally:
        conn.close()
    monkeypatch.undo()
    with Profile.open(path) as profile:  # and the real migration still works on it
        assert profile.counts()["events"] == len(made["events"])


def test_newer_profile_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(PbxDeskError, match=f"{path}.*newer pbxdesk"):
        Profile.open(path)


def test_compact_rows_are_much_smaller_than_v2(tmp_path: Path) -> None:
    """The point of v3: an event no longer stores its head twice, nor a CallID per event."""
    sizes = {}
    for version in (2, SCHEMA_VERSION):
        path = tmp_path / f"size{version}.sqlite"
        make_profile(path, 2, n=3000)
        if version == SCHEMA_VERSION:
            Profile.open(path).close()
        conn = sqlite3.connect(path)
        conn.execute("VACUUM")
        conn.close()
        sizes[version] = path.stat().st_size
    assert sizes[SCHEMA_VERSION] < 0.85 * sizes[2], sizes


def test_base_time_constant_is_microseconds() -> None:
    assert BASE_US // 1_000_000 == 1_700_000_000
