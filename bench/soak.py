"""Soak: the app's main window, offscreen, on the demo feed at a steady rate for N minutes;
does its memory level off?

The window of the app on a throwaway demo profile (its subscriptions on the built-in test
receiver, so every matching event is really delivered over HTTP in the same loop, and written
by the profile's writer process); the demo traffic's events are submitted to the delivery
engine at ``--rate`` per second (the demo feed at 1× makes a few a second: this is the
feed at high speed), the timeline tailing them, the Stats tab drawing. RSS (this process, and
the writer process beside it) is sampled every ``--sample`` seconds.

Printed: RSS at the start, after the warm-up, at the end; the slope after the warm-up (a
least-squares line through the samples, MB/hour); events and deliveries per second. The last
line is one JSON object. Target: under 5 MB/hour after the warm-up at 50 events/s.

    python bench/soak.py [--rate 50] [--minutes 10] [--warmup 2] [--sample 10]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import itertools
import json
import os
import socket
import sys
import tempfile
import time
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


async def soak(args: argparse.Namespace) -> dict[str, object]:
    from pbxdesk.engine.demo import DEMO_EXTENSIONS, DEMO_PBX, demo_traffic
    from pbxdesk.engine.run import event_stream
    from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
    from pbxdesk.engine.simulator import CallSimulator
    from pbxdesk.store.paths import profile_path
    from pbxdesk.store.profile import Profile
    from pbxdesk.ui.main_window import MainWindow

    profile = Profile.open(profile_path("soak"))
    profile.set_setting(RECEIVER_PORT_SETTING, free_port())
    ensure_demo(profile)
    window = MainWindow(profile, "soak")
    window.resize(1400, 860)
    window.show()
    window.bottom_tabs.setCurrentIndex(2)  # Stats visible: its plots redraw as they do for a user
    await window.start_session(autostart=False)
    engine = window.session.engine
    assert engine is not None
    writer = writer_pid(profile.path)

    sim = CallSimulator(DEMO_PBX, DEMO_EXTENSIONS, seed=11)
    # Calls keep coming for as long as the soak runs (the demo's own mix of calls).
    events = event_stream(sim, demo_traffic(seed=11, rate=max(1.0, args.rate / 6)), 0)
    duration, warmup = args.minutes * 60, args.warmup * 60
    samples: list[tuple[float, float]] = []
    writer_samples: list[tuple[float, float]] = []
    rss_start = rss_mb()
    writer_start = rss_mb(writer) if writer else 0.0
    print(f"start: RSS {rss_start:.1f} MB (writer {writer_start:.1f} MB), rate {args.rate}/s, "
          f"{args.minutes} min, warm-up {args.warmup} min", flush=True)  # fmt: skip
    snapshot: Counter[str] | None = None
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
        if args.trace and snapshot is None and elapsed >= warmup:
            snapshot = object_counts()
        if elapsed >= next_sample:
            rss = rss_mb()
            samples.append((elapsed, rss))
            if writer:
                writer_samples.append((elapsed, rss_mb(writer)))
            print(f"{elapsed:7.0f} s  RSS {rss:7.1f} MB  events {submitted}  delivered "
                  f"{engine.stats.delivered - delivered0}", flush=True)  # fmt: skip
            next_sample += args.sample
        await asyncio.sleep(0.02)
    feed_s = time.perf_counter() - t0
    if snapshot is not None:
        grown = object_counts()
        grown.subtract(snapshot)
        print(f"the {args.trace} object types whose number grew most after the warm-up:", flush=True)
        for name, n in grown.most_common(args.trace):
            print(f"  {n:+8d}  {name}", flush=True)
    await engine.wait_idle(30, until_due_within=1)
    stats = engine.stats
    after = [(t, m) for t, m in samples if t >= warmup]
    at_warmup = after[0][1] if after else None
    rss_end = rss_mb()
    result = {
        "rate": args.rate,
        "minutes": args.minutes,
        "warmup_minutes": args.warmup,
        "samples": len(samples),
        "rss_start_mb": round(rss_start, 1),
        "rss_after_warmup_mb": None if at_warmup is None else round(at_warmup, 1),
        "rss_end_mb": round(rss_end, 1),
        "slope_after_warmup_mb_per_hour": _round(slope_mb_per_hour(after)),
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
        "delivered_per_s": round((stats.delivered - delivered0) / feed_s, 1),
        "rows_in_model": window.model.event_count,
    }
    await window.session.close()
    window.close()
    return result


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
    args = ap.parse_args(argv)
    if args.rate <= 0 or args.minutes <= 0 or args.sample <= 0:
        ap.error("--rate, --minutes and --sample must be positive")
    if args.warmup is None:
        args.warmup = min(2.0, args.minutes / 5)
    home = tempfile.mkdtemp(prefix="pbxdesk-soak-")
    os.environ["PBXDESK_HOME"] = home

    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, home)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, home)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result = loop.run_until_complete(soak(args))
    r = result
    print(f"RSS start {r['rss_start_mb']} MB, after warm-up {r['rss_after_warmup_mb']} MB, "
          f"end {r['rss_end_mb']} MB; "
          f"slope after warm-up {r['slope_after_warmup_mb_per_hour']} MB/h; "
          f"{r['events_per_s']} events/s, {r['delivered_per_s']} delivered/s")  # fmt: skip
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
