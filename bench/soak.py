"""Soak: the app's main window, offscreen, on the demo feed at a steady rate for N minutes;
does its memory level off?

The window of the app on a throwaway demo profile (its subscriptions on the built-in test
receiver, so every matching event is really delivered over HTTP in the same loop, and written
by the profile's writer process); the demo traffic's events are submitted to the delivery
engine at ``--rate`` per second (the demo feed at 1× makes a few a second: this is the
feed at high speed), the timeline tailing them, the Stats tab drawing. RSS (this process, and
the writer process beside it) is sampled every ``--sample`` seconds.

The baseline, in the same run (first, for ``--headless-minutes``): the headless engine, what
`pbxdesk run` runs (``FeedSession``: the same built-in receiver, writer process and delivery
engine, on a plain asyncio loop, no Qt), in a child process on its own throwaway profile, fed
the same way at the same rate. Its delivery rate and RSS slope stand beside the app's: what the
window costs, and which growth is the engine's own.

Printed: RSS at the start, after the warm-up, at the end; the slope after the warm-up (a
least-squares line through the samples, MB/hour); events and deliveries per second, the app's
and the headless engine's; the deliveries still open in the outbox at the end of the feed (the
backlog, when delivery falls behind). The last line is one JSON object. Targets: under 5 MB/hour
after the warm-up at 50 events/s, and at 500 events/s (overload: the backlog waits in the
outbox, not in memory).

    python bench/soak.py [--rate 50] [--minutes 10] [--warmup 2] [--sample 10]
                         [--headless-minutes 2] [--trace N] [--tracemalloc N]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of ``pid`` in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE / 1e6
    except OSError:
        return 0.0


def _sqlite_library():  # noqa: ANN202 (a ctypes library, or None)
    """The SQLite library this process's sqlite3 module runs on (as loaded: its counters are
    this process's), or None when it cannot be found (linked in statically)."""
    import ctypes
    import sqlite3

    sqlite3.connect(":memory:").close()  # the library is loaded with the module; make sure
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "libsqlite3" in line}
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
            lib.sqlite3_memory_used.restype = ctypes.c_int64
            return lib
        except (OSError, AttributeError):
            continue
    return None


_SQLITE = _sqlite_library()


def sqlite_mb() -> float | None:
    """What SQLite has allocated in this process, MB: mostly the connections' page caches, each
    bounded by its cache_size (store/connection.py: CACHE_KIB). They fill as the profile grows,
    which a 10-minute line through RSS cannot tell from a leak; RSS without them can."""
    return None if _SQLITE is None else _SQLITE.sqlite3_memory_used() / 1e6


def writer_pid(db: Path) -> int | None:
    """The profile's writer process (``pbxdesk.store.committer`` on ``db``), if it runs."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "committer" in cmd and str(db) in cmd:
            return int(pid)
    return None


def object_counts() -> Counter[str]:
    """Live objects the collector tracks, by type (frozen ones too: see gc.freeze in the app)."""
    gc.collect()
    return Counter(type(o).__qualname__ for o in gc.get_objects())


def slope_mb_per_hour(samples: list[tuple[float, float]]) -> float | None:
    """The least-squares slope of (seconds, MB) samples, in MB per hour."""
    if len(samples) < 2:
        return None
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    if var == 0:
        return None
    cov = sum((t - mean_t) * (m - mean_m) for t, m in samples)
    return cov / var * 3600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_events(rate: float):  # noqa: ANN201 (an iterator of the demo's events)
    from pbxdesk.engine.demo import DEMO_EXTENSIONS, DEMO_PBX, demo_traffic
    from pbxdesk.engine.run import event_stream
    from pbxdesk.engine.simulator import CallSimulator

    sim = CallSimulator(DEMO_PBX, DEMO_EXTENSIONS, seed=11)
    # Calls keep coming for as long as the soak runs (the demo's own mix of calls).
    return event_stream(sim, demo_traffic(seed=11, rate=max(1.0, rate / 6)), 0)


def open_demo_profile(name: str):  # noqa: ANN201 (a Profile)
    from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
    from pbxdesk.store.paths import profile_path
    from pbxdesk.store.profile import Profile

    profile = Profile.open(profile_path(name))
    profile.set_setting(RECEIVER_PORT_SETTING, free_port())
    ensure_demo(profile)
    return profile


async def drive(engine, writer: int | None, args: argparse.Namespace, label: str) -> dict[str, object]:  # noqa: ANN001
    """Submit the demo's events to ``engine`` at ``args.rate`` for ``args.minutes``, sampling RSS
    (this process and the writer's); returns the figures."""
    events = demo_events(args.rate)
    duration, warmup = args.minutes * 60, args.warmup * 60
    samples: list[tuple[float, float]] = []
    outside_sqlite: list[tuple[float, float]] = []  # RSS less SQLite's own (bounded) memory
    writer_samples: list[tuple[float, float]] = []
    rss_start, sqlite_start = rss_mb(), sqlite_mb()
    writer_start = rss_mb(writer) if writer else 0.0
    print(f"{label} start: RSS {rss_start:.1f} MB (writer {writer_start:.1f} MB), rate {args.rate}/s, "
          f"{args.minutes} min, warm-up {args.warmup} min", flush=True)  # fmt: skip
    snapshot: Counter[str] | None = None
    heap: tracemalloc.Snapshot | None = None
    t0 = time.perf_counter()
    next_sample = 0.0
    submitted = 0
    delivered0 = engine.stats.delivered
    while True:
        elapsed = time.perf_counter() - t0
        if elapsed >= duration:
            break
        due = int(elapsed * args.rate) - submitted
        now_us = time.time_ns() // 1000
        for ev in itertools.islice(events, max(0, due)):
            engine.submit(dataclasses.replace(ev, event_time=now_us))
            submitted += 1
        if elapsed >= warmup and snapshot is None and args.trace:
            snapshot = object_counts()
        if elapsed >= warmup and heap is None and args.tracemalloc:
            heap = tracemalloc.take_snapshot()
        if elapsed >= next_sample:
            rss, in_sqlite = rss_mb(), sqlite_mb()
            samples.append((elapsed, rss))
            if in_sqlite is not None:
                outside_sqlite.append((elapsed, rss - in_sqlite))
            if writer:
                writer_samples.append((elapsed, rss_mb(writer)))
            print(f"{label} {elapsed:7.0f} s  RSS {rss:7.1f} MB  events {submitted}  delivered "
                  f"{engine.stats.delivered - delivered0}  open {engine.open_count}  "
                  f"in outbox only {engine.backlog}", flush=True)  # fmt: skip
            next_sample += args.sample
        await asyncio.sleep(0.02)
    feed_s = time.perf_counter() - t0
    delivered_in_feed = engine.stats.delivered - delivered0
    open_at_end, backlog_at_end = engine.open_count, engine.backlog
    if snapshot is not None:
        grown = object_counts()
        grown.subtract(snapshot)
        print(f"{label}: the {args.trace} object types whose number grew most after the warm-up:", flush=True)
        for name, n in grown.most_common(args.trace):
            print(f"  {n:+8d}  {name}", flush=True)
    if heap is not None:
        diff = tracemalloc.take_snapshot().compare_to(heap, "lineno")
        print(f"{label}: the {args.tracemalloc} source lines whose allocations grew most after the warm-up:",
              flush=True)  # fmt: skip
        for stat in diff[: args.tracemalloc]:
            print(f"  {stat.size_diff / 1e6:+8.2f} MB {stat.count_diff:+8d}  {stat.traceback}", flush=True)
    stats = engine.stats
    after = [(t, m) for t, m in samples if t >= warmup]
    at_warmup = after[0][1] if after else None
    return {
        "samples": len(samples),
        "rss_start_mb": round(rss_start, 1),
        "rss_after_warmup_mb": None if at_warmup is None else round(at_warmup, 1),
        "rss_end_mb": round(rss_mb(), 1),
        "slope_after_warmup_mb_per_hour": _round(slope_mb_per_hour(after)),
        "sqlite_start_mb": None if sqlite_start is None else round(sqlite_start, 1),
        "sqlite_end_mb": _round(sqlite_mb()),
        "slope_outside_sqlite_after_warmup_mb_per_hour": _round(
            slope_mb_per_hour([(t, m) for t, m in outside_sqlite if t >= warmup])
        ),
        "writer_rss_start_mb": round(writer_start, 1),
        "writer_rss_end_mb": round(rss_mb(writer), 1) if writer else None,
        "writer_slope_after_warmup_mb_per_hour": _round(
            slope_mb_per_hour([(t, m) for t, m in writer_samples if t >= warmup])
        ),
        "events": submitted,
        "events_per_s": round(submitted / feed_s, 1),
        "deliveries": stats.deliveries,
        "delivered": stats.delivered,
        "failed": stats.failed,
        "delivered_per_s": round(delivered_in_feed / feed_s, 1),
        "open_at_end": open_at_end,
        "outbox_backlog_at_end": backlog_at_end,
    }


async def soak(args: argparse.Namespace) -> dict[str, object]:
    """The app: its main window on a demo profile, the Stats tab showing."""
    from pbxdesk.ui.main_window import MainWindow

    profile = open_demo_profile("soak")
    window = MainWindow(profile, "soak")
    window.resize(1400, 860)
    window.show()
    window.bottom_tabs.setCurrentIndex(2)  # Stats visible: its plots redraw as they do for a user
    await window.start_session(autostart=False)
    engine = window.session.engine
    assert engine is not None
    result = await drive(engine, writer_pid(profile.path), args, "app")
    await engine.wait_idle(30, until_due_within=1)
    result["rows_in_model"] = window.model.event_count
    result["rows_in_memory"] = len(window.model.source.live) + len(window.model.source.cache)
    await window.session.close()
    window.close()
    return result


async def headless(args: argparse.Namespace) -> dict[str, object]:
    """The engine without a window: what `pbxdesk run` runs, on a plain asyncio loop."""
    from pbxdesk.engine.session import FeedSession

    profile = open_demo_profile("headless")
    session = FeedSession(profile, on_event=lambda _i, _e: None, on_delivery=lambda _r: None)
    await session.open()
    engine = session.engine
    assert engine is not None
    gc.collect()
    gc.freeze()  # as the app does once its window is up
    result = await drive(engine, writer_pid(profile.path), args, "headless")
    await engine.wait_idle(30, until_due_within=1)
    await session.close()
    profile.close()
    return result


def run_headless_child(args: argparse.Namespace) -> dict[str, object] | None:
    """The headless baseline in a child process (its own loop, memory and writer)."""
    minutes = args.headless_minutes
    cmd = [sys.executable, __file__, "--headless", "--rate", str(args.rate), "--minutes", str(minutes),
           "--warmup", str(min(args.warmup, minutes / 5)), "--sample", str(args.sample)]  # fmt: skip
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    lines = proc.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    if proc.returncode != 0 or not lines:
        print(f"the headless baseline failed (exit {proc.returncode})", flush=True)
        return None
    return dict(json.loads(lines[-1]))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="the app on the demo feed for N minutes: does RSS level off?")
    ap.add_argument("--rate", type=float, default=50.0, help="events per second (default 50)")
    ap.add_argument("--minutes", type=float, default=10.0, help="how long (default 10)")
    ap.add_argument("--warmup", type=float, default=None, help="minutes left out of the slope (default: 2, "
                    "or a fifth of a shorter run)")  # fmt: skip
    ap.add_argument("--sample", type=float, default=10.0, help="seconds between RSS samples (default 10)")
    ap.add_argument("--trace", type=int, default=0, metavar="N",
                    help="print the N object types whose number grew most after the warm-up")  # fmt: skip
    ap.add_argument("--tracemalloc", type=int, default=0, metavar="N",
                    help="trace allocations (slow): the N source lines grown most after warm-up")  # fmt: skip
    ap.add_argument("--headless-minutes", type=float, default=None,
                    help="the headless baseline, run first (default 2 min; 0: none)")  # fmt: skip
    ap.add_argument("--headless", action="store_true", help=argparse.SUPPRESS)  # the baseline's child process
    args = ap.parse_args(argv)
    if args.rate <= 0 or args.minutes <= 0 or args.sample <= 0:
        ap.error("--rate, --minutes and --sample must be positive")
    if args.warmup is None:
        args.warmup = min(2.0, args.minutes / 5)
    if args.headless_minutes is None:
        args.headless_minutes = min(2.0, args.minutes)
    home = tempfile.mkdtemp(prefix="pbxdesk-soak-")
    os.environ["PBXDESK_HOME"] = home
    if args.tracemalloc:
        tracemalloc.start()
    try:
        return _run(args, home)
    finally:
        shutil.rmtree(home, ignore_errors=True)  # a 10-minute run at 500/s leaves ~300 MB of profile


def _run(args: argparse.Namespace, home: str) -> int:
    if args.headless:
        print(json.dumps(asyncio.run(headless(args))))
        return 0
    base = run_headless_child(args) if args.headless_minutes > 0 else None

    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, home)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, home)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        r = loop.run_until_complete(soak(args))
    result: dict[str, object] = {"bench": "soak", "rate": args.rate, "minutes": args.minutes,
                                 "warmup_minutes": args.warmup, **r}  # fmt: skip
    if base is not None:
        result["headless_minutes"] = args.headless_minutes
        result["headless_delivered_per_s"] = base["delivered_per_s"]
        result["headless_slope_after_warmup_mb_per_hour"] = base["slope_after_warmup_mb_per_hour"]
        result["headless_slope_outside_sqlite_mb_per_hour"] = base[
            "slope_outside_sqlite_after_warmup_mb_per_hour"
        ]
        result["headless_rss_end_mb"] = base["rss_end_mb"]
        result["headless_outbox_backlog_at_end"] = base["outbox_backlog_at_end"]
        hd = float(base["delivered_per_s"])  # type: ignore[arg-type]
        result["app_vs_headless_delivery"] = round(float(r["delivered_per_s"]) / hd, 2) if hd else None  # type: ignore[arg-type]
    print(f"RSS start {r['rss_start_mb']} MB, after warm-up {r['rss_after_warmup_mb']} MB, "
          f"end {r['rss_end_mb']} MB; "
          f"slope after warm-up {r['slope_after_warmup_mb_per_hour']} MB/h; "
          f"{r['events_per_s']} events/s, {r['delivered_per_s']} delivered/s "
          f"(headless: {None if base is None else base['delivered_per_s']} delivered/s); "
          f"open at the end of the feed {r['open_at_end']}, of them in the outbox only "
          f"{r['outbox_backlog_at_end']}")  # fmt: skip
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
