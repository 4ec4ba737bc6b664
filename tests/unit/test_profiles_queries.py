"""The timeline's queries: right rows, and each through its index (EXPLAIN QUERY PLAN)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from fixtures.profile_factory import NAMES, simulated_events

from pbxdesk.store import queries
from pbxdesk.store.profile import Profile
from pbxdesk.store.queries import TimelineFilter
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


def test_newest_rows_with_their_delivery_summary(conn, history) -> None:
    _, rows = history
    got = queries.newest(conn, 200)
    assert [e.id for e in got] == [r[0] for r in rows[-200:]]
    for e in got:
        assert e.fields["CallID"] == e.call_id and e.fields["EventType"] == e.event_type
        expected = 0 if e.id % 3 == 0 else 1 + e.id % 2
        assert e.summary.total == expected == len(e.summary.deliveries)
        assert e.summary.failed == (1 if expected == 2 else 0)
        assert e.summary.delivered == (1 if expected else 0)
    older = queries.newest(conn, 50, before_id=got[0].id)
    assert [e.id for e in older] == [r[0] for r in rows[-250:-200]]


def test_filter_by_call_id_uses_the_calls_index(conn, history) -> None:
    _, rows = history
    call_id = rows[1234][1]
    got = queries.call_events(conn, call_id)
    assert [e.id for e in got] == sorted(
        (r[0] for r in rows if r[1] == call_id), key=lambda i: (rows[i - 1][6], i)
    )
    sql, params = queries.filtered_sql(TimelineFilter(call_id=call_id))
    plan = _plan(conn, sql, params)
    assert "USING COVERING INDEX sqlite_autoindex_calls_1 (call_id=?)" in plan, plan
    assert "USING INDEX idx_event_log_call_ref_event_time (call_ref=?)" in plan, plan
    assert "SCAN" not in plan, plan


def test_filter_by_extension_type_and_time_uses_its_index(conn, history) -> None:
    _, rows = history
    mid = rows[1500]
    since, until = mid[6] - 600_000_000, mid[6] + 600_000_000
    got = queries.extension_events(conn, mid[4], [mid[3]], since, until, limit=10_000)
    expected = [r[0] for r in rows if r[4] == mid[4] and r[3] == mid[3] and since <= r[6] < until]
    assert sorted(e.id for e in got) == sorted(expected) and len(expected) > 3
    sql, params = queries.filtered_sql(TimelineFilter(None, mid[4], (mid[3],), since, until))
    plan = _plan(conn, sql, params)
    assert "USING INDEX idx_events_extension_id_event_type_event_time (extension_id=? AND event_type=? AND " \
        "event_time>? AND event_time<?)" in plan, plan  # fmt: skip
    assert "TEMP B-TREE" not in plan and "SCAN" not in plan, plan


def test_time_range_and_deliveries_lookups_use_indexes(conn) -> None:
    plan = _plan(conn, *queries.filtered_sql(TimelineFilter(since_us=1, until_us=2)))
    assert "USING INDEX idx_events_event_time" in plan, plan
    plan = _plan(conn, f"{queries.DELIVERY_SELECT} FROM deliveries WHERE event_id IN (?, ?)", [1, 2])
    assert "USING INDEX idx_deliveries_event_id (event_id=?)" in plan, plan
    plan = _plan(conn, "SELECT id FROM events ORDER BY id DESC LIMIT 200", [])
    assert plan.startswith("SCAN e") and "TEMP B-TREE" not in plan, plan  # the rowid, backwards


def test_recent_events_keeps_its_shape(history) -> None:
    with Profile.open(history[0], create=False) as profile:
        [event] = profile.recent_events(limit=1)
    assert set(event) >= {"id", "call_id", "event_type", "extension_id", "extension_name", "event_time",
                          "fields", "deliveries"}  # fmt: skip
    for d in event["deliveries"]:
        assert set(d) >= {"subscription_id", "method", "url", "status_code", "error", "latency_ms", "state"}


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
