"""The timeline's reads: right rows, and each through its index (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fixtures.profile_factory import NAMES, simulated_events

from pbxdesk.store import queries
from pbxdesk.store.profile import Profile
from pbxdesk.store.queries.rows import EVENT_SELECT, attach_deliveries, decode_event
from pbxdesk.store.writer import BatchWriter, event_row

DELIVERY = (
    "INSERT INTO deliveries (id, event_id, subscription_id, method, url, state, call_id, endpoint, ordered, "
    "attempts, created_at, status_code, error, latency_ms) "
    "VALUES (?, ?, 1, 'POST', 'http://127.0.0.1:9/crm', ?, ?, '127.0.0.1:9', 1, 1, 0, ?, ?, 1.0)"
)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, list[tuple]]:
    path = tmp_path_factory.mktemp("q") / "history.sqlite"
    Profile.open(path).close()
    rows = [
        event_row(i, ev, NAMES.get(ev.extension_id, ""), "sim")
        for i, ev in enumerate(simulated_events(3000), 1)
    ]
    writer = BatchWriter(path)
    try:
        n = 0
        for r in rows:
            writer.add_event(r)
            if r[0] % 3:  # two deliveries for some events, none for every third
                for outcome in ((200, None), (500, None))[: 1 + (r[0] % 2)]:
                    n += 1
                    state = "delivered" if outcome[0] == 200 else "failed"
                    writer.execute(DELIVERY, (n, r[0], state, r[1], *outcome))
        writer.flush(timeout=30)
    finally:
        writer.close()
    conn = sqlite3.connect(path)
    conn.execute("ANALYZE")  # as a long-lived profile would have (and without it the same plans)
    conn.close()
    return path, rows


@pytest.fixture
def conn(history):
    with Profile.open(history[0], create=False) as profile:
        yield profile.conn


def _plan(conn: sqlite3.Connection, sql: str, params) -> str:
    return " | ".join(queries.query_plan(conn, sql, params))


def test_rows_by_id_with_their_delivery_summary(conn, history) -> None:
    _, rows = history
    ids = [r[0] for r in rows[-200:]]
    got = sorted(queries.events_by_ids(conn, [*ids, 10**9]), key=lambda e: e.id)  # gone ids: skipped
    assert [e.id for e in got] == ids
    for e in got:
        assert e.fields["CallID"] == e.call_id and e.fields["EventType"] == e.event_type
        expected = 0 if e.id % 3 == 0 else 1 + e.id % 2
        assert e.summary.total == expected == len(e.summary.deliveries)
        assert e.summary.failed == (1 if expected == 2 else 0)
        assert e.summary.delivered == (1 if expected else 0)


def test_a_row_without_a_state_is_settled_by_its_answer(conn) -> None:
    [event] = [decode_event(r) for r in conn.execute(f"{EVENT_SELECT} FROM events WHERE id = 1")]
    if not conn.in_transaction:
        conn.execute("BEGIN")
    conn.execute("UPDATE deliveries SET state = NULL WHERE event_id = ?", (event.id,))  # a v1 profile's
    try:
        attach_deliveries(conn, [event])
        assert (event.summary.delivered, event.summary.failed, event.summary.open) == (1, 1, 0)
    finally:
        conn.execute("ROLLBACK")


def test_deliveries_and_calls_lookups_use_indexes(conn) -> None:
    plan = _plan(conn, f"{queries.DELIVERY_SELECT} FROM deliveries WHERE event_id IN (?, ?)", [1, 2])
    assert "USING INDEX idx_deliveries_event_id (event_id=?)" in plan, plan
    groups, newest = queries.call_groups(conn)
    ids = queries.call_event_ids(conn, [groups[0][0]])[groups[0][0]]
    assert ids[0] == groups[0][1] and len(ids) == groups[0][2] and newest >= ids[-1]


def test_a_digit_text_that_starts_a_call_id_and_a_number_finds_both(tmp_path: Path) -> None:
    """An all-digit text may be the start of a CallID and a part of a number: the two branches
    of one UNION, the CallID one through the calls index, the number one a scan of the JSON."""
    from pbxdesk.domain import EventData, EventType
    from pbxdesk.store.queries import DisplayFilter

    path = tmp_path / "digits.sqlite"
    Profile.open(path).close()
    t = 1_700_000_000_000_000
    events = [
        EventData(101, EventType.DIAL_IN, "12345678-aaaa", t, caller_id_num="+70000000000"),  # by CallID
        EventData(102, EventType.DIAL_IN, "ffff0000-bbbb", t + 1, caller_id_num="+71234500000"),  # by number
        EventData(103, EventType.DIAL_IN, "eeee0000-cccc", t + 2, caller_id_num="+79999999999"),  # neither
        EventData(101, EventType.HANGUP, "12345678-aaaa", t + 3),  # by CallID: no number at all
    ]
    writer = BatchWriter(path)
    try:
        for i, ev in enumerate(events, 1):
            writer.add_event(event_row(i, ev, NAMES.get(ev.extension_id, ""), "sim"))
        writer.flush(timeout=30)
    finally:
        writer.close()
    with Profile.open(path, create=False) as profile:
        resolved = queries.resolve_filter(profile.conn, DisplayFilter(text="12345"))
        assert resolved.call_prefix == "12345" and resolved.number_text == "12345"
        assert list(queries.run_display_filter(profile.conn, DisplayFilter(text="12345")).ids) == [1, 2, 4]
        sql, params = queries.display_filter_sql(resolved)
        plan = _plan(profile.conn, sql, params)
        assert " UNION " in sql and "sqlite_autoindex_calls_1 (call_id>? AND call_id<?)" in plan, plan
