"""The timeline model over a profile of 20,000 events: ids only, rows read in pages as they show,
the live tail batched, grouping by call, F3, and every filter (SQL, its index, and the same
verdict in Python for the tail)."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from fixtures.profile_factory import NAMES, simulated_events
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from pbxdesk.domain import CallStatus, EventData, EventType
from pbxdesk.engine.demo import DEMO_EXTENSIONS, demo_subscriptions
from pbxdesk.engine.outbox import DeliveryResult
from pbxdesk.store import queries
from pbxdesk.store.profile import Profile, connect
from pbxdesk.store.queries import DisplayFilter
from pbxdesk.store.writer import EVENT_SQL, event_row
from pbxdesk.ui.timeline import TimelineModel, row_from_event, tail
from pbxdesk.ui.timeline import source as tm_source
from pbxdesk.ui.timeline import states as looks

HISTORY_N = 20_000
RECEIVER = "http://127.0.0.1:9"
_DELIVERY_SQL = (
    "INSERT INTO deliveries (id, event_id, subscription_id, method, url, state, call_id, endpoint, ordered, "
    "attempts, created_at, status_code, error, latency_ms, response_body, started_at, finished_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, '127.0.0.1:9', 1, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_ATTEMPT_SQL = (
    "INSERT INTO attempts (delivery_id, n, started_at, finished_at, latency_ms, status_code, error, "
    "error_detail, request_headers, response_headers, response_body, response_truncated) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
)
# What each delivery went through, by event id % 10: (final state, [(status, error), ...]).
OUTCOMES: dict[int, tuple[str, list[tuple[int | None, str | None]]]] = {
    **{k: ("delivered", [(200, None)]) for k in range(7)},
    7: ("delivered", [(503, "non-2xx status"), (200, None)]),
    8: ("failed", [(500, "non-2xx status"), (500, "non-2xx status"), (None, "connection refused")]),
    9: ("pending", [(500, "non-2xx status")]),
}


def make_history(path: Path, n: int = HISTORY_N) -> dict[str, Any]:
    """A profile of ``n`` simulated events (demo PBX), each matching demo subscription delivered
    with the OUTCOMES above and every attempt in the attempts table. Returns what was written."""
    Profile.open(path).close()
    events = simulated_events(n)
    subs = demo_subscriptions(RECEIVER)
    by_key = {(s.extension_id, s.event_type): (i + 1, s) for i, s in enumerate(subs)}
    ev_rows, dl_rows, at_rows = [], [], []
    deliveries: dict[int, tuple[str, list[tuple[int | None, str | None]]]] = {}
    for i, ev in enumerate(events, 1):
        ev_rows.append(event_row(i, ev, NAMES.get(ev.extension_id, ""), "sim"))
        hit = by_key.get((ev.extension_id, ev.event_type))
        if hit is None:
            continue
        sub_id, sub = hit
        state, tries = OUTCOMES[i % 10]
        last = tries[-1]
        dl_rows.append(
            (i, i, sub_id, sub.method.value, sub.url, state, ev.call_id, len(tries), ev.event_time, last[0],
             last[1], 2.5, "ok\n" if last[0] == 200 else "", ev.event_time + 1000, ev.event_time + 3500)
        )  # fmt: skip
        for n_try, (status, error) in enumerate(tries, 1):
            headers = (
                json.dumps({"Content-Type": "application/x-www-form-urlencoded"})
                if sub.method.value == "POST"
                else None
            )
            body = b"ok\n" if status == 200 else (b"try later\n" if status else b"")
            started = ev.event_time + n_try * 1000
            at_rows.append(
                (i, n_try, started, started + 2500, 2.5, status, error,
                 "[Errno 111] Connection refused" if status is None else None, headers,
                 json.dumps({"content-type": "text/plain", "x-try": str(n_try)}) if status else "{}", body)
            )  # fmt: skip
        deliveries[i] = (state, tries)
    conn = connect(path)
    with conn:
        conn.executemany(EVENT_SQL, ev_rows)
        conn.executemany(_DELIVERY_SQL, dl_rows)
        conn.executemany(_ATTEMPT_SQL, at_rows)
    with Profile.open(path, create=False) as p:
        p.replace_config(DEMO_EXTENSIONS, demo_subscriptions(RECEIVER))
    conn.close()
    return {"events": events, "deliveries": deliveries, "path": path}


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> dict[str, Any]:
    return make_history(tmp_path_factory.mktemp("timeline") / "history.sqlite")


@pytest.fixture
def model(qtbot, history):
    m = TimelineModel(profile_path=history["path"])
    m.reload(sync=True)
    yield m
    m.close()


def _expected(history: dict[str, Any], keep) -> list[int]:
    """Brute force over what was written: ids of the events ``keep(i, ev, state, tries)`` accepts."""
    out = []
    for i, ev in enumerate(history["events"], 1):
        state, tries = history["deliveries"].get(i, (None, []))
        if keep(i, ev, state, tries):
            out.append(i)
    return out


def _view(model: TimelineModel, qtbot) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.verticalHeader().setDefaultSectionSize(22)
    view.resize(900, 500)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


# -- reading on demand ------------------------------------------------------------------------------
def test_rows_are_read_in_pages_as_they_show(model, history, qtbot) -> None:
    assert model.rowCount() == HISTORY_N
    assert model.event_ids.is_range  # 20,000 ids without a gap cost a range
    assert model.source.fetched == 0  # nothing read before a view asks
    view = _view(model, qtbot)
    view.scrollToBottom()
    qtbot.wait(50)
    assert 0 < model.source.fetched <= 2 * tm_source.PAGE  # the newest page or two, not 20,000 rows
    events = history["events"]
    last = model.rowCount() - 1
    assert model.data(model.index(last, 1)) == events[-1].event_type.value
    assert model.data(model.index(last, 2)) == NAMES[events[-1].extension_id]
    # Jumping around reads only the pages that come into sight.
    rng = random.Random(4)
    before = model.source.fetched
    for _ in range(10):
        row = rng.randrange(HISTORY_N)
        view.scrollTo(model.index(row, 0))
        qtbot.wait(5)
        ev = events[row]
        assert model.data(model.index(row, 1)) == ev.event_type.value
        assert model.data(model.index(row, 5)) == (ev.call_status.value if ev.call_status else "")
    assert model.source.fetched - before <= 10 * 3 * tm_source.PAGE
    assert len(model.source.cache) <= tm_source.CACHE_ROWS
    # The colour of a row says what its deliveries did.
    failed_row = next(i for i in range(HISTORY_N) if history["deliveries"].get(i + 1, ("",))[0] == "failed")
    bg = model.data(model.index(failed_row, 0), Qt.ItemDataRole.BackgroundRole)
    assert bg is not None and bg.color() == looks.ROW_BRUSH["failed"].color()
    retry_row = next(i for i in range(HISTORY_N) if history["deliveries"].get(i + 1, ("",))[0] == "pending")
    bg = model.data(model.index(retry_row, 0), Qt.ItemDataRole.BackgroundRole)
    assert bg.color() == looks.ROW_BRUSH["retrying"].color()
    assert "retrying, attempt 1" in model.data(model.index(retry_row, 6))


def test_the_cache_is_bounded_while_scrolling_through_everything(history, qtbot) -> None:
    m = TimelineModel(profile_path=history["path"])
    m.source.cache_rows = 1000
    m.reload(sync=True)
    view = _view(m, qtbot)
    for row in range(0, HISTORY_N, 2500):
        view.scrollTo(m.index(row, 0), QTableView.ScrollHint.PositionAtTop)
        qtbot.wait(2)
        assert len(m.source.cache) <= 1000
    # 8 screens of ~25 rows: a page or two each.
    assert m.source.fetched <= 8 * 2 * tm_source.PAGE
    m.close()


# -- the live tail -------------------------------------------------------------------------------------
def _event(ext: int, et: EventType, call_id: str, t: int, status: CallStatus | None = None) -> EventData:
    return EventData(ext, et, call_id, t, caller_id_num="+79990001122", called_number=f"000*{ext}",
                     call_status=status)  # fmt: skip


def test_the_tail_is_batched_and_comes_from_the_callbacks(model, qtbot) -> None:
    inserts: list[int] = []
    model.rowsInserted.connect(lambda _p, first, last: inserts.append(last - first + 1))
    base = HISTORY_N
    for i in range(1, 501):  # one burst: 500 events before the next drain
        model.push_event(
            row_from_event(base + i, _event(101, EventType.DIAL_IN, f"tail-{i}", 10**15 + i), "000*101")
        )
    assert model.rowCount() == HISTORY_N  # nothing until the timer drains
    qtbot.waitUntil(lambda: model.rowCount() == HISTORY_N + 500, timeout=2000)
    assert inserts == [500]  # one model update for the whole burst
    row = model.row_at(HISTORY_N + 499)
    assert row is not None and row.call_id == "tail-500"  # not in the store: from the payload
    assert model.data(model.index(HISTORY_N + 499, 3)) == "+79990001122"
    # A delivery result updates its row, coloured, and says which events changed.
    changed: list[set[int]] = []
    model.rows_updated.connect(changed.append)
    model.push_result(
        DeliveryResult(
            id=999_001,
            event_id=base + 7,
            subscription_id=1,
            method="GET",
            url="http://x/?a=1",
            state="failed",
            attempt=3,
            status_code=500,
            error="non-2xx status",
            latency_ms=4.0,
            started_at=0,
            finished_at=0,
        )  # fmt: skip
    )
    qtbot.waitUntil(lambda: bool(changed), timeout=2000)
    assert changed[0] == {base + 7}
    assert model.failed == 1
    assert model.data(model.index(HISTORY_N + 6, 6)).startswith("500 · 4 ms (failed after attempt 3)")
    bg = model.data(model.index(HISTORY_N + 6, 0), Qt.ItemDataRole.BackgroundRole)
    assert bg.color() == looks.ROW_BRUSH["failed"].color()


def _feed_tail(model, qtbot, per_10ms: int, seconds: float, base: int) -> int:
    """Push ``per_10ms`` events every 10 ms for ``seconds``, as the engine's callbacks do."""
    sent = [0]

    def feed() -> None:
        for _ in range(per_10ms):
            sent[0] += 1
            i = base + sent[0]
            ev = _event(102, EventType.ANSWER, f"r-{i}", 10**15 + i)
            model.push_event(row_from_event(i, ev, "000*102"))

    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(feed)
    timer.start()
    qtbot.wait(int(seconds * 1000))
    timer.stop()
    return sent[0]


def test_the_tail_at_500_events_a_second_takes_about_10_updates_a_second(model, qtbot) -> None:
    """A busy tail is drained every 100 ms, not every 34: each drain scrolls and repaints the table
    on the loop that also sends the deliveries (bench/soak.py). A quiet tail is drained at ~30/s."""
    inserts: list[float] = []
    model.rowsInserted.connect(lambda *_: inserts.append(time.perf_counter()))
    base = HISTORY_N + 10_000
    sent = _feed_tail(model, qtbot, 5, 1.5, base)  # 5 every 10 ms: 500/s
    assert model._timer.interval() == tail.BUSY_DRAIN_MS  # while it ran (an idle drain resets it)
    qtbot.waitUntil(lambda: model.rowCount() == HISTORY_N + sent, timeout=2000)
    assert sent >= 400  # the feed really ran at hundreds a second
    # After the first drains, at most ~10 updates in any second (never more than 30).
    late = [t for t in inserts if t >= inserts[0] + 0.3]
    busiest = max(sum(1 for t in late if t0 <= t < t0 + 1.0) for t0 in late)
    assert 3 <= busiest <= 12, busiest
    # Quiet again (one event every 30 ms): back to the live pace.
    timer_sent = [0]

    def slow() -> None:
        timer_sent[0] += 1
        i = base + sent + timer_sent[0]
        model.push_event(row_from_event(i, _event(102, EventType.ANSWER, f"r-{i}", 10**15 + i), "000*102"))

    from PySide6.QtCore import QTimer

    trickle = QTimer()
    trickle.setInterval(30)
    trickle.timeout.connect(slow)
    trickle.start()
    qtbot.waitUntil(lambda: model._timer.interval() == tail.DRAIN_MS, timeout=2000)
    trickle.stop()
    qtbot.waitUntil(lambda: model.rowCount() == HISTORY_N + sent + timer_sent[0], timeout=2000)


def test_a_filtered_view_admits_matching_tail_rows(model, qtbot) -> None:
    model.set_filter(DisplayFilter(event_types=("hangup",)), sync=True)
    n = model.rowCount()
    base = HISTORY_N + 20_000
    model.push_event(row_from_event(base + 1, _event(101, EventType.DIAL_IN, "f-1", 10**15), "000*101"))
    model.push_event(
        row_from_event(
            base + 2, _event(101, EventType.HANGUP, "f-1", 10**15 + 1, CallStatus.ANSWER), "000*101"
        )
    )
    qtbot.waitUntil(lambda: model.rowCount() == n + 1, timeout=2000)
    assert model.event_id_at(n) == base + 2
    # "failed" results admit an event when its delivery fails.
    model.set_filter(DisplayFilter(delivery="failed"), sync=True)
    n = model.rowCount()
    model.push_result(
        DeliveryResult(
            id=999_101,
            event_id=base + 1,
            subscription_id=1,
            method="GET",
            url="http://x/",
            state="failed",
            attempt=3,
            status_code=None,
            error="timeout",
            latency_ms=5000.0,
            started_at=0,
            finished_at=0,
        )  # fmt: skip
    )
    qtbot.waitUntil(lambda: model.rowCount() == n + 1, timeout=2000)
    assert model.event_id_at(n) == base + 1


def _success(delivery_id: int, event_id: int, attempt: int = 2) -> DeliveryResult:
    return DeliveryResult(
        id=delivery_id, event_id=event_id, subscription_id=1, method="GET", url="http://x/",
        state="delivered", attempt=attempt, status_code=200, error=None, latency_ms=3.0, started_at=0,
        finished_at=0,
    )  # fmt: skip


@pytest.mark.parametrize("flt", [DisplayFilter(failures_only=True), DisplayFilter(delivery="retrying")])
def test_a_row_whose_retry_succeeds_leaves_a_filtered_view(model, history, qtbot, flt) -> None:
    """A retrying delivery (id % 10 == 9: one failed attempt, pending) that then succeeds no longer
    matches "failures only" / "retrying": its row goes at once, without running the filter again."""
    waiting = [i for i, (state, _) in history["deliveries"].items() if state == "pending"]
    model.set_filter(flt, sync=True)
    n = model.rowCount()
    assert n and all(model.event_id_at(r) is not None for r in range(n))
    view = _view(model, qtbot)
    shown, evicted = waiting[5], waiting[-3]  # one read into the cache, one never read
    assert model.row_at(model.row_of_event(shown)) is not None and not model.source.has(evicted)
    view.scrollTo(model.index(model.row_of_event(shown), 0))
    removed: list[int] = []
    model.rowsRemoved.connect(lambda _p, first, last: removed.append(last - first + 1))
    model.push_result(_success(shown, shown))  # the delivery id is the event id in this history
    model.push_result(_success(evicted, evicted))
    qtbot.waitUntil(lambda: model.rowCount() == n - 2, timeout=2000)
    assert sum(removed) == 2
    assert model.row_of_event(shown) == -1 and model.row_of_event(evicted) == -1
    assert shown not in model.event_ids and evicted not in model.event_ids
    ids = list(model.event_ids)
    assert ids == sorted(ids) and len(ids) == n - 2
    # The same filter run again agrees with the tail's verdict (the store says "pending" still:
    # the results above came from callbacks only, so compare with the Python verdict instead).
    assert all(model.source.get(i) is None or model._matches(model.source.get(i)) for i in ids[:200])
    # A result that keeps an event matching leaves it where it is.
    other = waiting[7]
    before = model.rowCount()
    model.push_result(
        DeliveryResult(
            id=other,
            event_id=other,
            subscription_id=1,
            method="GET",
            url="http://x/",
            state="pending",
            attempt=2,
            status_code=503,
            error="non-2xx status",
            latency_ms=3.0,
            started_at=0,
            finished_at=0,
        )  # fmt: skip
    )
    qtbot.waitUntil(
        lambda: (
            model.source.get(other) is not None and model.source.get(other).deliveries[other]["attempt"] == 2
        ),
        timeout=2000,
    )
    assert model.rowCount() == before and model.row_of_event(other) >= 0


def test_grouped_a_call_whose_failures_all_succeed_leaves_the_view(model, history, qtbot) -> None:
    model.set_filter(DisplayFilter(failures_only=True), sync=True)
    model.set_grouped(True, sync=True)
    _view(model, qtbot)
    calls = model.call_count
    header = 3
    call_id = model.call_id_at(header)
    assert call_id is not None
    members = list(model.members(call_id))
    model.expand_call(call_id)
    assert model.rowCount() == calls + len(members)
    model.source.fetch(members)
    rows = [model.source.get(i) for i in members]
    results = [
        _success(d, r.event_id, attempt=9) for r in rows if r is not None for d in r.deliveries
    ]  # every delivery of the call's shown events
    assert results
    # One event of the call succeeds first: its child row goes, the header stays with one less.
    model.push_result(results[0])
    first = results[0].event_id
    qtbot.waitUntil(lambda: first not in model.event_ids, timeout=2000)
    left = [i for i in members if i != first]
    if left:
        assert model.is_header(model.header_row(call_id)) and model.members(call_id) == left
        assert model.rowCount() == calls + len(left)
    for res in results[1:]:
        model.push_result(res)
    qtbot.waitUntil(lambda: model.call_count == calls - 1, timeout=2000)
    assert model.header_row(call_id) == -1 and model.rowCount() == calls - 1
    assert all(model.is_header(r) for r in range(model.rowCount()))
    assert not any(i in model.event_ids for i in members)


# -- grouping -------------------------------------------------------------------------------------------
def test_grouped_by_call_a_row_expands_to_its_events(model, history, qtbot) -> None:
    events = history["events"]
    calls: dict[str, list[int]] = {}
    for i, ev in enumerate(events, 1):
        calls.setdefault(ev.call_id, []).append(i)
    order = sorted(calls, key=lambda c: calls[c][0])
    model.set_grouped(True, sync=True)
    assert model.rowCount() == len(calls) == model.call_count
    assert model.event_count == HISTORY_N
    view = _view(model, qtbot)
    row = 10
    call_id = order[row]
    assert model.is_header(row) and model.call_id_at(row) == call_id
    assert model.data(model.index(row, 1)) == f"{len(calls[call_id])} events"
    assert model.data(model.index(row, 0)).startswith("▸")
    model.toggle(row)
    assert model.data(model.index(row, 0)).startswith("▾")
    children = [model.event_id_at(row + 1 + k) for k in range(len(calls[call_id]))]
    assert children == calls[call_id]
    assert model.rowCount() == len(calls) + len(children)
    assert model.is_header(row + 1 + len(children))  # the next call follows its events
    # The header sums up its deliveries.
    states = [history["deliveries"][i][0] for i in calls[call_id] if i in history["deliveries"]]
    text = model.data(model.index(row, 6))
    if states.count("delivered"):
        assert f"{states.count('delivered')} delivered" in text
    # A new event of the expanded call goes under it; a new call comes last.
    base = HISTORY_N + 30_000
    model.push_event(
        row_from_event(base + 1, _event(101, EventType.HANGUP, call_id, 10**15, CallStatus.ANSWER), "000*101")
    )
    model.push_event(
        row_from_event(base + 2, _event(102, EventType.DIAL_IN, "brand-new-call", 10**15 + 5), "000*102")
    )
    qtbot.waitUntil(lambda: model.call_count == len(calls) + 1, timeout=2000)
    assert model.event_id_at(row + 1 + len(children)) == base + 1
    assert model.data(model.index(row, 1)) == f"{len(calls[call_id]) + 1} events"
    assert model.call_id_at(model.rowCount() - 1) == "brand-new-call"
    model.collapse_call(call_id)
    assert model.rowCount() == len(calls) + 1
    # row_of_event expands the call it needs.
    target = calls[order[50]][-1]
    r = model.row_of_event(target)
    assert model.event_id_at(r) == target and model.is_expanded(order[50])
    view.close()


def test_grouping_a_filtered_view_groups_its_matches(model, history) -> None:
    model.set_filter(DisplayFilter(event_types=("hangup",), extension_id=300), sync=True)
    model.set_grouped(True, sync=True)
    expected = _expected(
        history, lambda i, ev, s, t: ev.event_type is EventType.HANGUP and ev.extension_id == 300
    )
    calls = {history["events"][i - 1].call_id for i in expected}
    assert model.call_count == len(calls) and model.event_count == len(expected)
    model.expand_call(model.call_id_at(0))
    assert model.row_at(1).event_type == "hangup"


def test_a_filter_typed_while_grouping_runs_keeps_the_grouping(model, history, qtbot) -> None:
    """Both are asked for before either query has answered (the user clicks "Group by call"
    and types at once): the view ends grouped and filtered, whichever answers first."""
    model.set_grouped(True)  # in the background
    model.set_filter(DisplayFilter(event_types=("hangup",), extension_id=300))
    qtbot.waitUntil(lambda: not model.querying, timeout=10_000)
    expected = _expected(
        history, lambda i, ev, s, t: ev.event_type is EventType.HANGUP and ev.extension_id == 300
    )
    assert model.grouped and model.event_count == len(expected)
    model.set_filter(DisplayFilter())  # and the other way round
    model.set_grouped(False)
    qtbot.waitUntil(lambda: not model.querying, timeout=10_000)
    assert not model.grouped and model.event_count == len(history["events"])


# -- F3 ---------------------------------------------------------------------------------------------------
def test_next_failure_walks_the_failures_and_wraps(model, history) -> None:
    failures = _expected(history, lambda i, ev, s, t: s == "failed" or s == "pending")
    row = -1
    seen = []
    for _ in range(5):
        row = model.next_failure_row(row)
        seen.append(model.event_id_at(row))
    assert seen == failures[:5]
    assert model.row_at(row).failed
    # From the last failure, F3 wraps round to the first.
    assert model.event_id_at(model.next_failure_row(model.row_of_event(failures[-1]))) == failures[0]
    # In a filtered view only its own failures count.
    model.set_filter(DisplayFilter(extension_id=103), sync=True)
    ext_failures = [i for i in failures if history["events"][i - 1].extension_id == 103]
    assert model.event_id_at(model.next_failure_row(-1)) == ext_failures[0]
    model.set_filter(DisplayFilter(delivery="delivered"), sync=True)
    assert model.next_failure_row(-1) is None


# -- filters: SQL through indexes, and the same verdict in Python --------------------------------------------
def test_filters_for_call_id_and_extension_type_time_use_their_indexes(history) -> None:
    conn = connect(history["path"], readonly=True)
    ev = history["events"][1234]
    exts = queries.distinct_extension_ids(conn)
    assert exts == sorted(NAMES)

    def plan(flt: DisplayFilter) -> str:
        sql, params = queries.display_filter_sql(queries.resolve_filter(conn, flt), extension_ids=exts)
        return " | ".join(queries.query_plan(conn, sql, params))

    p = plan(DisplayFilter(text=ev.call_id))
    assert "USING COVERING INDEX sqlite_autoindex_calls_1 (call_id=?)" in p, p
    assert "USING COVERING INDEX idx_event_log_call_ref_event_time (call_ref=?)" in p, p
    assert "SCAN" not in p, p
    p = plan(DisplayFilter(text=ev.call_id[:8]))  # the start of a CallID, as it is typed
    assert "sqlite_autoindex_calls_1 (call_id>? AND call_id<?)" in p and "SCAN" not in p, p
    p = plan(
        DisplayFilter(
            extension_id=ev.extension_id, event_types=(ev.event_type.value,), since_us=ev.event_time
        )
    )
    index = "idx_events_extension_id_event_type_event_time"
    assert f"INDEX {index} (extension_id=? AND event_type=? AND event_time>?)" in p, p
    assert "SCAN" not in p, p
    p = plan(DisplayFilter(event_types=("hangup",)))  # no extension: the same index, every extension
    assert (
        "idx_events_extension_id_event_type_event_time (extension_id=? AND event_type=?)" in p
        and "SCAN" not in p
    ), p
    p = plan(DisplayFilter(delivery="failed"))
    assert "USING INDEX idx_deliveries_state (state=?)" in p, p
    p = plan(DisplayFilter(failures_only=True))
    assert "USING INDEX idx_deliveries_state (state=?)" in p, p
    conn.close()


def _number_hit(ev: EventData, text: str) -> bool:
    values = ev.to_fields()
    return any(text.lower() in values.get(k, "").lower() for k in queries.NUMBER_FIELDS)


FILTER_CASES = [
    ("event type", DisplayFilter(event_types=("answer",)),
     lambda i, ev, s, t: ev.event_type is EventType.ANSWER),
    ("extension", DisplayFilter(extension_id=103), lambda i, ev, s, t: ev.extension_id == 103),
    ("extension + type", DisplayFilter(extension_id=300, event_types=("dial-in",)),
     lambda i, ev, s, t: ev.extension_id == 300 and ev.event_type is EventType.DIAL_IN),
    ("call status", DisplayFilter(call_status="BUSY"), lambda i, ev, s, t: ev.call_status is CallStatus.BUSY),
    ("delivered", DisplayFilter(delivery="delivered"), lambda i, ev, s, t: s == "delivered"),
    ("retrying", DisplayFilter(delivery="retrying"), lambda i, ev, s, t: s == "pending"),
    ("failed", DisplayFilter(delivery="failed"), lambda i, ev, s, t: s == "failed"),
    ("no subscriber", DisplayFilter(delivery="none"), lambda i, ev, s, t: s is None),
    ("failures only", DisplayFilter(failures_only=True), lambda i, ev, s, t: s in ("failed", "pending")),
    ("number", DisplayFilter(text="+7981765"), lambda i, ev, s, t: _number_hit(ev, "+7981765")),
    ("name", DisplayFilter(text="anna petrova"), lambda i, ev, s, t: _number_hit(ev, "anna petrova")),
    ("failed on 103 hangups", DisplayFilter(extension_id=103, event_types=("hangup",), delivery="failed"),
     lambda i, ev, s, t: ev.extension_id == 103 and ev.event_type is EventType.HANGUP and s == "failed"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "flt", "keep"), FILTER_CASES, ids=[c[0] for c in FILTER_CASES])
def test_each_filter_selects_what_it_says_in_sql_and_in_python(model, history, name, flt, keep) -> None:
    expected = _expected(history, keep)
    assert expected, f"the history has no {name} events: the case tests nothing"
    model.set_filter(flt, sync=True)
    assert list(model.event_ids) == expected
    # The Python verdict (used for the live tail) agrees on every row of the store.
    resolved = model.resolved_filter
    model.set_filter(DisplayFilter(), sync=True)
    py = [r.event_id for r in model.iter_rows()
          if resolved.matches(r.event_type, r.extension_id, r.event_time, r.call_id, lambda r=r: r.fields,
                              r.delivery_pairs())]  # fmt: skip
    assert py == expected


def test_call_id_search_finds_a_call_and_its_prefix(model, history) -> None:
    ev = history["events"][777]
    expected = _expected(history, lambda i, e, s, t: e.call_id == ev.call_id)
    model.set_filter(DisplayFilter(text=ev.call_id), sync=True)
    assert list(model.event_ids) == expected
    assert model.resolved_filter.call_prefix == ev.call_id and model.resolved_filter.number_text is None
    model.set_filter(DisplayFilter(text=ev.call_id[:13]), sync=True)
    prefix = _expected(history, lambda i, e, s, t: e.call_id.startswith(ev.call_id[:13]))
    assert list(model.event_ids) == prefix and set(expected) <= set(prefix)
    model.set_filter(DisplayFilter(text="no-such-call-or-number"), sync=True)
    assert model.rowCount() == 0


def test_time_filter_keeps_recent_events(model, history) -> None:
    events = history["events"]
    since = events[15_000].event_time
    model.set_filter(DisplayFilter(since_us=since), sync=True)
    assert list(model.event_ids) == _expected(history, lambda i, ev, s, t: ev.event_time >= since)


def test_a_filter_runs_in_a_worker_and_a_newer_one_wins(model, history, qtbot) -> None:
    ev = history["events"][42]
    with qtbot.waitSignal(model.filter_applied, timeout=5000):
        model.set_filter(DisplayFilter(text="+7"))  # a scan of the numbers
        model.set_filter(DisplayFilter(text=ev.call_id))  # typed on: only this one is applied
    qtbot.wait(100)
    assert model.display_filter.text == ev.call_id
    assert all(model.row_at(i).call_id == ev.call_id for i in range(model.rowCount()))


def test_removed_rows_show_as_removed(history, tmp_path, qtbot) -> None:
    """Rows pruned by retention after the ids were read: the row says so, nothing breaks."""
    import shutil

    path = tmp_path / "copy.sqlite"
    shutil.copy(history["path"], path)
    m = TimelineModel(profile_path=path)
    m.reload(sync=True)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM attempts")
        conn.execute("DELETE FROM deliveries WHERE event_id <= 100")
        conn.execute("DELETE FROM event_log WHERE id <= 100")
    conn.close()
    assert m.data(m.index(5, 1)) == "(removed)"
    assert m.data(m.index(150, 1)) == history["events"][150].event_type.value
    m.reload(sync=True)
    assert m.rowCount() == HISTORY_N - 100 and m.event_id_at(0) == 101
    assert m.rowCount(QModelIndex()) == m.event_count
    m.close()


def test_every_delivery_state_has_its_own_text_colour_and_icon(qtbot, tmp_path) -> None:
    """pending, in flight, paused, delivered, failed, cancelled, retrying and no subscriber:
    each a text of its own, a background of its own and an icon of its own in the Delivery
    cell (pending, in-flight and paused ones were empty, like "no subscriber")."""
    from pbxdesk.domain import EventType, HttpMethod, Subscription
    from pbxdesk.ui.timeline import TimelineRow, placeholder_key
    from pbxdesk.ui.timeline.states import LOOK_ICONS, look_icon

    def row(state: str | None, attempt: int = 1, outcome: str = "200") -> TimelineRow:
        r = TimelineRow(1, 1_700_000_000_000_000, "hangup", "000*101", 101, "c-1")
        if state is not None:
            r.set_delivery(
                1,
                {
                    "ok": state == "delivered",
                    "state": state,
                    "outcome": outcome,
                    "latency_ms": 4.0,
                    "url": "http://x/",
                    "method": "POST",
                    "attempt": attempt,
                },
            )
        return r  # fmt: skip

    expected = {
        "pending": (row("pending", 0, "pending"), "pending"),
        "in_flight": (row("in_flight", 1, ""), "in flight (attempt 1)"),
        "retrying": (row("pending", 1, "503"), "503 · 4 ms (retrying, attempt 1)"),
        "paused": (row("paused", 0, "paused"), "paused"),
        "ok": (row("delivered"), "200 · 4 ms"),
        "failed": (row("failed", 8, "503"), "503 · 4 ms (failed after attempt 8)"),
        "cancelled": (row("cancelled", 0, "cancelled"), "cancelled"),
        "none": (row(None), "no subscriber"),
    }
    assert set(expected) == set(LOOK_ICONS)
    brushes = {}
    for look, (r, text) in expected.items():
        assert r.delivery_look == look
        assert r.cells()[6] == text
        icon = look_icon(look)
        assert not icon.isNull()
        brushes[look] = icon.pixmap(16, 16).toImage().pixelColor(8, 3).name()
    assert len(set(brushes.values())) >= 7  # the icons' colours differ (two greys are close)
    assert len({LOOK_ICONS[k] for k in LOOK_ICONS}) == len(LOOK_ICONS)

    # A row just arrived: "pending" for each subscription the engine will deliver to, until
    # the first result replaces it (known by its delivery id then).
    fresh = row(None)
    fresh.expect([Subscription(101, EventType.HANGUP, HttpMethod.POST, "http://crm/x", id=7)])
    assert fresh.delivery_look == "pending" and fresh.cells()[6] == "pending"
    assert placeholder_key(7) in fresh.deliveries
