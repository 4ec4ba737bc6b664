"""The GUI under load, offscreen: a 500 events/s feed into the live timeline, and a profile of a
million events opened, scrolled and filtered; against the naive way (a QStandardItemModel).

(a) feed: the main window on a demo profile (its subscriptions on the built-in receiver, so every
    matching event is really delivered over HTTP in the same loop), the timeline tailing and the
    Stats tab visible; events are submitted to the delivery engine at ``--rate`` per second for
    ``--seconds``. Measured: event-loop stalls (a 10 ms QTimer's lateness: max and p99), RSS
    growth, and the lag from an event's submission to its row being in the model (p50/p95/max).
(b) big profile: ``--events`` events with their deliveries, built once with ``bench/history.py``'s
    rows (raw executemany into the schema) and cached under /tmp. Measured: from opening the
    profile to the window painted with the newest rows; a jump to the oldest rows; typing a
    CallID in the filter bar (keystrokes, then until its rows are in the model and painted:
    includes the 150 ms debounce); grouping by call; and rows read from the store in all.
    Baseline: a bare QTableView over a QStandardItemModel loaded with the newest ``--naive-rows``
    rows (the same columns), from the query to the first paint; extrapolated linearly to the
    profile's size (the JSON says so), and the ratio to ours.

Prints one JSON object on its last line.

    python bench/ui_load.py [--seconds 60] [--rate 500] [--events 1000000] [--naive-rows 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import gc
import itertools
import json
import os
import random
import shutil
import socket
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _timeline_queries as queries  # noqa: E402 (bench/, the script's own directory)
import qasync  # noqa: E402
from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QStandardItem, QStandardItemModel  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QTableView  # noqa: E402

from pbxdesk.engine.demo import DEMO_EXTENSIONS, DEMO_PBX, demo_subscriptions, demo_traffic  # noqa: E402
from pbxdesk.engine.run import event_stream  # noqa: E402
from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo  # noqa: E402
from pbxdesk.engine.simulator import CallSimulator  # noqa: E402
from pbxdesk.engine.stats import percentile  # noqa: E402
from pbxdesk.store.profile import Profile  # noqa: E402

CACHE_VERSION = 1  # bump when the cached profile's content changes


def pyside_refcount_workaround() -> bool:
    """PySide6 6.12.0 on CPython < 3.12 drops a reference to None (and True/False) on every
    call of a Qt method returning void (bool); after ~50k calls None's count reaches 0 and the
    process aborts ("none_dealloc"). The bench measures our code, not that bug: it gives these
    objects a huge count (what CPython 3.12 does: immortal objects) and says so in its JSON."""
    import ctypes

    import PySide6

    if sys.version_info >= (3, 12) or not PySide6.__version__.startswith("6.12."):
        return False
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40
    return True


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StallProbe(QObject):
    """A 10 ms precise timer; its lateness is how long the loop was busy elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.late_ms: list[float] = []
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.late_ms.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.late_ms.append(max(0.0, (now - self._last) * 1000 - 10))
        self._last = now


class PaintWatch(QObject):
    """When a widget's last paint ended (a zero timer posted from the paint event fires after it)."""

    def __init__(self) -> None:
        super().__init__()
        self.painted_at = 0.0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, self._painted)
        return False

    def _painted(self) -> None:
        self.painted_at = time.perf_counter()


async def until(pred, timeout: float = 60.0, step: float = 0.001) -> None:
    deadline = time.perf_counter() + timeout
    while not pred():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(step)


# -- (a) the feed --------------------------------------------------------------------------------------
class GcWatch:
    """How long the cyclic garbage collector ran (its full collections stop the loop)."""

    def __init__(self) -> None:
        self.gen2_ms: list[float] = []
        self.max_ms = 0.0
        self._t = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t = time.perf_counter()
            return
        ms = (time.perf_counter() - self._t) * 1000
        self.max_ms = max(self.max_ms, ms)
        if info["generation"] == 2:
            self.gen2_ms.append(ms)


async def feed_bench(seconds: float, rate: int) -> dict:
    from pbxdesk.store.paths import profile_path
    from pbxdesk.ui.main_window import MainWindow

    profile = Profile.open(profile_path("feed"))
    profile.set_setting(RECEIVER_PORT_SETTING, free_port())
    ensure_demo(profile)
    window = MainWindow(profile, "feed")
    window.resize(1400, 860)
    window.show()
    window.bottom_tabs.setCurrentIndex(2)  # Stats visible: its plots redraw twice a second
    await window.start_session(autostart=False)
    engine = window.session.engine
    assert engine is not None

    n_events = int(seconds * rate) + rate
    sim = CallSimulator(DEMO_PBX, DEMO_EXTENSIONS, seed=11)
    events = itertools.islice(event_stream(sim, demo_traffic(seed=11, rate=20.0), 0), n_events)
    created: dict[int, float] = {}
    lags: list[float] = []
    model = window.model

    def appended(count: int) -> None:
        now = time.perf_counter()
        ids = model.event_ids
        for i in range(len(ids) - count, len(ids)):
            t = created.pop(ids[i], None)
            if t is not None:
                lags.append((now - t) * 1000)

    model.rows_appended.connect(appended)
    probe = StallProbe()
    gcw = GcWatch()
    gc.callbacks.append(gcw)
    await asyncio.sleep(0.5)
    rss0 = rss_mb()
    none_refs0 = sys.getrefcount(None)
    probe.start()
    t0 = time.perf_counter()
    submitted = 0
    rss_peak = rss0
    it = events
    while True:
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            break
        due = min(int(elapsed * rate), n_events) - submitted
        now_us = time.time_ns() // 1000
        for _ in range(due):
            ev = dataclasses.replace(next(it), event_time=now_us)
            event_id = engine.submit(ev)
            created[event_id] = time.perf_counter()
            submitted += 1
        if submitted % 2000 < due:
            rss_peak = max(rss_peak, rss_mb())
        await asyncio.sleep(0.005)
    feed_s = time.perf_counter() - t0
    await asyncio.sleep(0.3)  # the last drain
    probe.stop()
    rss1 = rss_mb()
    none_refs1 = sys.getrefcount(None)
    gc.callbacks.remove(gcw)
    gc_objects = len(gc.get_objects())
    window.grab().save(str(Path(tempfile.gettempdir()) / "pbxdesk-ui-load-feed.png"))
    stats = engine.stats
    out = {
        "feed_seconds": round(feed_s, 1),
        "events_submitted": submitted,
        "events_per_s": round(submitted / feed_s, 1),
        "deliveries": stats.deliveries,
        "delivered": stats.delivered,
        "attempts": stats.attempts,
        "rows_in_model": model.event_count,
        "stall_max_ms": round(max(probe.late_ms), 1),
        "stall_p99_ms": round(percentile(probe.late_ms, 99) or 0, 1),
        "stall_p50_ms": round(percentile(probe.late_ms, 50) or 0, 2),
        "stall_ticks": len(probe.late_ms),
        "rss_start_mb": round(rss0, 1),
        "rss_growth_mb": round(rss1 - rss0, 1),
        "rss_peak_growth_mb": round(max(rss_peak, rss1) - rss0, 1),
        "row_lag_p50_ms": round(percentile(lags, 50) or 0, 1),
        "row_lag_p95_ms": round(percentile(lags, 95) or 0, 1),
        "row_lag_max_ms": round(max(lags), 1) if lags else None,
        "rows_lag_measured": len(lags),
        # PySide6 6.12.0 on Python 3.11 drops a reference to None on every call of a Qt method
        # returning void; when None's count reaches 0 the process aborts (none_dealloc).
        "py_none_refs_delta": none_refs1 - none_refs0,
        "gc_frozen_objects": gc.get_freeze_count(),  # MainWindow.start_session freezes the start-up heap
        "gc_tracked_objects": gc_objects,
        "gc_full_collections": len(gcw.gen2_ms),
        "gc_full_max_ms": round(max(gcw.gen2_ms), 1) if gcw.gen2_ms else 0.0,
        "gc_any_max_ms": round(gcw.max_ms, 1),
    }
    await window.session.close()
    window.close()
    profile.close()
    return out


# -- (b) a million events --------------------------------------------------------------------------------
def build_big_profile(n: int) -> Path:
    path = Path(tempfile.gettempdir()) / f"pbxdesk-ui-bench-{n}-v{CACHE_VERSION}.sqlite"
    if path.exists():
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            have = conn.execute("SELECT COUNT(*) FROM event_log").fetchone()[0]
            ok = conn.execute("SELECT COUNT(*) FROM extensions").fetchone()[0] > 0
            conn.close()
            if have == n and ok:
                return path
        except sqlite3.Error:
            pass
    import history  # bench/history.py: the rows as the simulator and the outbox make them

    print(f"building a profile of {n:,} events (cached in {path})…", file=sys.stderr)
    t0 = time.perf_counter()
    events, deliveries = history.build_rows(n)
    tmp = history.fresh(path.with_suffix(".building"))
    history.write_raw(tmp, events, deliveries, 20_000)
    with Profile.open(tmp, create=False) as p:
        p.replace_config(DEMO_EXTENSIONS, demo_subscriptions(history.RECEIVER))
        p.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    tmp.rename(path)
    Path(f"{tmp}-wal").unlink(missing_ok=True)
    Path(f"{tmp}-shm").unlink(missing_ok=True)
    print(f"built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return path


def _fmt_time(us: int) -> str:
    t = dt.datetime.fromtimestamp(us / 1_000_000)
    return t.strftime("%H:%M:%S.") + f"{t.microsecond // 1000:03d}"


async def naive_bench(path: Path, rows: int) -> dict:
    """The naive way: every row loaded into a QStandardItemModel up front."""
    app = QApplication.instance()
    gc.collect()
    rss0 = rss_mb()
    t0 = time.perf_counter()
    with Profile.open(path, create=False) as profile:
        events = queries.newest(profile.conn, rows)
    t_query = time.perf_counter() - t0
    model = QStandardItemModel(0, 7)
    model.setHorizontalHeaderLabels(["Time", "Event", "Extension", "Caller", "Called", "Status", "Delivery"])
    for e in events:
        f = e.fields
        called = f.get("CalledExtension", "").split("@")[0] or f.get("CalledNumber", "")
        ds = e.summary.deliveries
        delivery = ",  ".join(f"{d['status_code'] or d['error']} · {d['latency_ms'] or 0:.0f} ms" for d in ds)
        model.appendRow(
            [QStandardItem(x) for x in (_fmt_time(e.event_time), e.event_type, e.extension_name,
                                        f.get("CallerIDNum", ""), called, f.get("CallStatus", ""), delivery)]
        )  # fmt: skip
    view = QTableView()
    view.setModel(model)
    view.resize(1200, 700)
    watch = PaintWatch()
    view.viewport().installEventFilter(watch)
    view.show()
    view.scrollToBottom()
    while not watch.painted_at:
        app.processEvents()
        await asyncio.sleep(0)
    total = watch.painted_at - t0
    rss1 = rss_mb()
    view.close()
    view.deleteLater()
    del model
    return {
        "naive_rows": len(events),
        "naive_open_s": round(total, 3),
        "naive_query_s": round(t_query, 3),
        "naive_rss_mb": round(rss1 - rss0, 1),
    }


async def big_bench(path: Path, n: int, naive_rows: int) -> dict:
    from pbxdesk.ui.main_window import MainWindow

    app = QApplication.instance()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rng = random.Random(5)
    call_id = conn.execute(
        "SELECT call_id FROM calls WHERE id = ?",
        (rng.randrange(1, conn.execute("SELECT MAX(id) FROM calls").fetchone()[0]),),
    ).fetchone()[0]
    call_events = conn.execute(
        "SELECT COUNT(*) FROM event_log WHERE call_ref = (SELECT id FROM calls WHERE call_id = ?)", (call_id,)
    ).fetchone()[0]
    conn.close()

    # Open: profile -> window painted with the newest rows.
    gc.collect()
    t0 = time.perf_counter()
    profile = Profile.open(path, create=False)
    window = MainWindow(profile, "bench-1m")
    window.resize(1400, 860)
    watch = PaintWatch()
    window.table.viewport().installEventFilter(watch)
    window.show()
    model = window.model
    last_id = model.event_ids[len(model.event_ids) - 1]

    def newest_shown() -> bool:
        vp = window.table.viewport()
        bottom = window.table.rowAt(vp.height() - 2)
        return (
            watch.painted_at > 0 and bottom == model.rowCount() - 1 and model.source.get(last_id) is not None
        )

    await until(newest_shown, 30)
    open_s = watch.painted_at - t0
    rows_after_open = model.source.fetched

    # A jump to the oldest rows and back: pages read, not the million.
    t1 = time.perf_counter()
    watch.painted_at = 0
    window.table.scrollToTop()
    await until(lambda: watch.painted_at > 0 and model.source.get(model.event_ids[0]) is not None, 10)
    jump_ms = (watch.painted_at - t1) * 1000
    window.table.scrollToBottom()
    await asyncio.sleep(0.05)

    # Typing a CallID: keystrokes, the debounce, the query, the rows painted.
    search = window.filter_bar.search
    search.setFocus()
    QTest.keyClicks(search, call_id)
    t2 = time.perf_counter()
    watch.painted_at = 0
    await until(
        lambda: model.event_count == call_events and model.display_filter.text == call_id
        and watch.painted_at > 0 and model.row_at(0) is not None, 10
    )  # fmt: skip
    await until(lambda: watch.painted_at > 0, 5)
    filter_ms = (time.perf_counter() - t2) * 1000
    shown_ids = list(model.event_ids)
    assert all(r.call_id == call_id for r in model.iter_rows()), "the filter shows another call's rows"

    # Back to everything, grouped by call.
    window.filter_bar.clear()
    await until(lambda: model.display_filter.is_empty and model.event_count == n and not model.querying, 30)
    t3 = time.perf_counter()
    window.set_grouped(True)
    await until(lambda: model.grouped and not model.querying, 60)
    group_ms = (time.perf_counter() - t3) * 1000
    calls = model.call_count
    window.set_grouped(False)
    await until(lambda: not model.grouped and not model.querying, 30)
    fetched = model.source.fetched
    window.grab().save(str(Path(tempfile.gettempdir()) / "pbxdesk-ui-load-1m.png"))
    window.close()
    profile.close()
    await asyncio.sleep(0.1)
    app.processEvents()

    naive = await naive_bench(path, naive_rows)
    naive_extrapolated = naive["naive_open_s"] * n / naive["naive_rows"]
    return {
        "profile_events": n,
        "open_to_newest_rows_s": round(open_s, 3),
        "rows_read_at_open": rows_after_open,
        "jump_to_oldest_ms": round(jump_ms, 1),
        "filter_call_id_ms": round(filter_ms, 1),
        "filter_call_id_rows": len(shown_ids),
        "group_by_call_ms": round(group_ms, 1),
        "calls": calls,
        "rows_read_in_all": fetched,
        **naive,
        "naive_extrapolated_to": n,
        "naive_open_extrapolated_s": round(naive_extrapolated, 1),
        "naive_note": f"naive measured on {naive['naive_rows']:,} rows, scaled linearly to {n:,}",
        "ratio_naive_vs_ours": round(naive_extrapolated / open_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=100_000)
    parser.add_argument("--skip-feed", action="store_true")
    parser.add_argument("--skip-big", action="store_true")

    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="pbxdesk-ui-load-"))
    os.environ["PBXDESK_HOME"] = str(home)
    app = QApplication(sys.argv[:1])
    app.setOrganizationName("pbxdesk-bench")
    app.setApplicationName("ui-load")
    app.setQuitOnLastWindowClosed(False)
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(home / "settings"))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    import PySide6

    result: dict = {
        "bench": "ui_load",
        "cpus": os.cpu_count(),
        "pyside6": PySide6.__version__,
        "pyside_none_refcount_workaround": pyside_refcount_workaround(),
    }
    try:
        with loop:
            if not args.skip_feed:
                result["feed"] = loop.run_until_complete(feed_bench(args.seconds, args.rate))
            if not args.skip_big:
                path = build_big_profile(args.events)
                result["big"] = loop.run_until_complete(big_bench(path, args.events, args.naive_rows))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    result["targets"] = {
        "stall_max_ms": 100, "stall_p99_ms": 20, "rss_growth_mb": 150, "row_lag_p95_ms": 250,
        "open_to_newest_rows_s": 1.5, "filter_call_id_ms": 300,
    }  # fmt: skip
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
