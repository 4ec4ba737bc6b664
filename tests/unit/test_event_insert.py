"""The writer's direct insert into event_log stores what the events view's trigger stores."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pbxdesk.store.committer import ANY, EVENT, EVENT_SQL, Committer, compact_json
from pbxdesk.store.profile import Profile
from pbxdesk.store.retention import _chunk_statements


def _fields(event_type: str, call_id: str | None, sub: str | None, **more: str) -> dict[str, str]:
    head = {"EventType": event_type, "CallID": call_id, "SubCallID": sub}
    return {**{k: v for k, v in head.items() if v is not None}, **more}


def _rows() -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []

    def add(call_id: str | None, sub: str | None, event_type: str = "dial-in", data: Any = None) -> None:
        n = len(rows) + 1
        if data is None:
            data = _fields(event_type, call_id, sub, CallerIDName="Иван", EventTime=str(n))
        rows.append((n, call_id, sub, event_type, 100, "000*100", 1_000 + n, "sim", data))

    add("c-1", "s-1")  # the common case, fields as a dict
    add("c-1", "s-2", "hangup")  # the same call again
    add("c-2", None)  # no SubCallID
    add("c-3", "s-3", data=compact_json(_fields("dial-in", "c-3", "s-3", X="1")))  # JSON already made
    add("c-4", "s-4", data='{"CallID":"c-4","EventType":"dial-in"}')  # another order: kept whole
    add(None, None, data=_fields("dial-in", None, None))  # no CallID at all
    add('c"5', "s-5")  # a quote in the CallID
    add("звонок-6", "s-6")  # non-ASCII
    add("c-7", "s\\7")  # a backslash in the SubCallID
    add("c-8", "s-8", "weird\ttype")  # a control character in the type
    add("c-9", "s-9", data="not json at all")
    return rows


def _stored(path: Path) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as conn:
        log = conn.execute(
            "SELECT e.id, c.call_id, e.sub_call_id, e.event_type, e.extension_id, e.extension_name, "
            "e.event_time, e.source, e.rest, e.data FROM event_log e LEFT JOIN calls c ON c.id = e.call_ref "
            "ORDER BY e.id"
        ).fetchall()
        view = conn.execute("SELECT * FROM events ORDER BY id").fetchall()
    return log, view


def _through_view(path: Path, rows: list[tuple[Any, ...]]) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executemany(
            EVENT_SQL, [(*r[:-1], compact_json(r[-1]) if isinstance(r[-1], dict) else r[-1]) for r in rows]
        )


def test_direct_rows_are_the_views_rows_byte_for_byte(tmp_path: Path) -> None:
    rows = _rows()
    by_view, direct = tmp_path / "view.sqlite", tmp_path / "direct.sqlite"
    for path in (by_view, direct):
        Profile.open(path).close()
    _through_view(by_view, rows)
    committer = Committer(direct)
    committer.commit([(EVENT, EVENT_SQL, rows[0])], idle=False)  # a call's later event in a later commit
    committer.commit([(EVENT, EVENT_SQL, r) for r in rows[1:]], idle=True)
    committer.close()
    assert _stored(direct) == _stored(by_view)
    log, view = _stored(direct)
    assert log[0][8] is not None and log[0][9] is None  # the head cut off, as the trigger does
    assert view[0][-1] == compact_json(rows[0][-1])  # and put back by the view


def _call_a(n: int, event_type: str) -> tuple[Any, ...]:
    return (n, "call-a", None, event_type, 100, "", n, "sim", _fields(event_type, "call-a", None))


@pytest.fixture
def committer(tmp_path: Path) -> Iterator[Committer]:
    path = tmp_path / "p.sqlite"
    Profile.open(path).close()
    committer = Committer(path)
    yield committer
    committer.close()


def _call_ids(committer: Committer) -> list[tuple[str]]:
    return committer.conn.execute("SELECT call_id FROM events").fetchall()


def test_a_call_deleted_by_retention_is_interned_again(committer: Committer) -> None:
    committer.commit([(EVENT, EVENT_SQL, _call_a(1, "dial-in"))], idle=False)
    (ref,) = committer.conn.execute("SELECT call_ref FROM event_log").fetchone()
    # Retention queued through this writer: the event, then its call, go.
    committer.commit([(ANY, sql, p) for sql, p in _chunk_statements([1], [ref])], idle=False)
    assert committer.conn.execute("SELECT COUNT(*) FROM calls").fetchone() == (0,)
    committer.commit([(EVENT, EVENT_SQL, _call_a(2, "hangup"))], idle=False)  # no foreign key failure
    assert _call_ids(committer) == [("call-a",)]


def test_a_call_deleted_by_another_connection_is_interned_again(committer: Committer, tmp_path: Path) -> None:
    committer.commit([(EVENT, EVENT_SQL, _call_a(1, "dial-in"))], idle=False)
    with sqlite3.connect(tmp_path / "p.sqlite") as other:  # e.g. a prune without the writer
        other.execute("DELETE FROM event_log")
        other.execute("DELETE FROM calls")
    committer.commit([(EVENT, EVENT_SQL, _call_a(2, "hangup"))], idle=False)
    assert _call_ids(committer) == [("call-a",)]


def test_a_rolled_back_batch_leaves_no_stale_call_ids(committer: Committer) -> None:
    broken = "INSERT INTO deliveries (id, event_id) VALUES (1, 999)"  # no such event: the batch fails
    with pytest.raises(sqlite3.IntegrityError):
        committer.commit([(EVENT, EVENT_SQL, _call_a(1, "dial-in")), (ANY, broken, ())], idle=False)
    committer.commit([(EVENT, EVENT_SQL, _call_a(1, "dial-in"))], idle=False)  # not the failed id
    assert _call_ids(committer) == [("call-a",)]
