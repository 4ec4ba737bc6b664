"""Memory of the headless delivery engine when deliveries fall behind (issue 18).

A subscriber in its own process answers after --delay seconds, so with the per-endpoint
limit (8) it takes about 8 / delay deliveries a second; events arrive faster (--rate). Each
configuration runs in a process of its own (RSS read from /proc/self/statm every second):

  keeps-up            --baseline-rate events/s (below the subscriber's pace), --window
  overload            --rate events/s, --window (default MEMORY_WINDOW): backlog in the outbox
  overload-unbounded  --rate events/s, a window nobody reaches: every delivery in memory,
                      as before issue 18

Each run reports RSS at its start, at the end of the warm-up (--warmup seconds: the window
fills, the backlog starts, the first refills cycle) and at its end, and the slope: a
least-squares fit of RSS over the run after the warm-up, in MB/hour. The target (issue 18):
overload's slope under 5 MB/hour while its backlog grows in the outbox; keeps-up is the
baseline in the same run. Prints one JSON object per configuration, then all of them on the
last line.

    python bench/overload.py [--seconds 300] [--warmup 100] [--rate 500] [--delay 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pbxdesk.domain import CallFlow, CallStatus, EventData, EventType, HttpMethod, Subscription  # noqa: E402
from pbxdesk.engine.outbox import MEMORY_WINDOW, DeliveryEngine  # noqa: E402
from pbxdesk.engine.policy import DeliveryPolicy  # noqa: E402
from pbxdesk.store.profile import Profile  # noqa: E402
from pbxdesk.store.writer import BatchWriter  # noqa: E402

SLOW_RECEIVER = """
import asyncio, sys
from aiohttp import web
delay = float(sys.argv[2])
async def handle(request):
    await request.read()
    await asyncio.sleep(delay)
    return web.Response(text="ok")
app = web.Application()
app.router.add_route("*", "/{tail:.*}", handle)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE / 1e6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def slope_mb_per_hour(samples: list[tuple[float, float]], warmup_s: float) -> float:
    """Least-squares slope of (seconds, MB) after ``warmup_s``."""
    tail = [(t, m) for t, m in samples if t >= warmup_s]
    n = len(tail)
    if n < 3:
        return 0.0
    mean_t = sum(t for t, _ in tail) / n
    mean_m = sum(m for _, m in tail) / n
    var = sum((t - mean_t) ** 2 for t, _ in tail)
    cov = sum((t - mean_t) * (m - mean_m) for t, m in tail)
    return cov / var * 3600 if var else 0.0


def _event(n: int) -> EventData:
    return EventData(
        extension_id=175, event_type=EventType.HANGUP, call_id=f"bench-{n}",
        event_time=1_700_000_000_000_000 + n, sub_call_id=f"bench-{n}-s",
        caller_id_num="+79817654321", called_did="78123332332", call_status=CallStatus.ANSWER,
        call_flow=CallFlow.IN, duration=3_000_000,
    )  # fmt: skip


async def run_child(port: int, rate: float, seconds: float, window: int, warmup: float) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="pbxdesk-overload-"))
    path = tmp / "overload.sqlite"
    Profile.open(path).close()
    writer = BatchWriter(path)
    sub = Subscription(175, EventType.HANGUP, HttpMethod.GET, f"http://127.0.0.1:{port}/hook", id=1)
    engine = DeliveryEngine(
        [sub], policy=DeliveryPolicy(), writer=writer, profile_path=path, memory_window=window
    )
    await engine.start(resume=False)
    samples: list[tuple[float, float]] = []
    t0 = time.monotonic()
    submitted = 0
    next_sample = t0
    try:
        while (now := time.monotonic()) - t0 < seconds:
            due = int((now - t0) * rate)
            while submitted < due:
                submitted += 1
                engine.submit(_event(submitted))
            if now >= next_sample:
                samples.append((now - t0, rss_mb()))
                next_sample += 1.0
            await asyncio.sleep(0.01)
        elapsed = time.monotonic() - t0
        after_warmup = next((m for t, m in samples if t >= warmup), samples[-1][1])
        result = {
            "rate_per_s": rate,
            "seconds": round(elapsed, 1),
            "window": window,
            "events": submitted,
            "delivered": engine.stats.delivered,
            "delivered_per_s": round(engine.stats.delivered / elapsed, 1),
            "in_memory_at_end": len(engine._open),  # noqa: SLF001 (what the bench is about)
            "backlog_at_end": engine.backlog,
            "warmup_s": warmup,
            "rss_start_mb": round(samples[0][1], 1),
            "rss_after_warmup_mb": round(after_warmup, 1),
            "rss_end_mb": round(samples[-1][1], 1),
            "rss_peak_mb": round(max(m for _, m in samples), 1),
            "rss_slope_mb_per_hour": round(slope_mb_per_hour(samples, warmup), 1),
        }
    finally:
        await engine.stop()
        await asyncio.to_thread(writer.flush)
        writer.close()
        for p in tmp.iterdir():
            p.unlink()
        tmp.rmdir()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--warmup", type=float, default=None, help="seconds (default: a third of the run)")
    parser.add_argument("--rate", type=float, default=500.0, help="events/s of the overload runs")
    parser.add_argument("--baseline-rate", type=float, default=100.0, help="events/s of the keeps-up run")
    parser.add_argument("--delay", type=float, default=0.05, help="the subscriber's answer time, seconds")
    parser.add_argument("--window", type=int, default=MEMORY_WINDOW, help="the engine's memory window")
    parser.add_argument(
        "--configs", default="keeps-up,overload,overload-unbounded", help="which runs, comma-separated"
    )
    parser.add_argument("--child", nargs=3, metavar=("PORT", "RATE", "WINDOW"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    warmup = args.seconds / 3 if args.warmup is None else args.warmup
    if args.child:
        port, rate, window = int(args.child[0]), float(args.child[1]), int(args.child[2])
        print(json.dumps(asyncio.run(run_child(port, rate, args.seconds, window, warmup))), flush=True)
        return

    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-c", SLOW_RECEIVER, str(port), str(args.delay)])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        runs = {
            "keeps-up": (args.baseline_rate, args.window),
            "overload": (args.rate, args.window),
            "overload-unbounded": (args.rate, 10**9),
        }
        results: dict[str, object] = {}
        chosen = [c.strip() for c in args.configs.split(",") if c.strip()]
        unknown = set(chosen) - set(runs)
        if unknown:
            parser.error(f"--configs: unknown {', '.join(sorted(unknown))}")
        for name, (rate, window) in runs.items():
            if name not in chosen:
                continue
            child = ["--seconds", str(args.seconds), "--warmup", str(warmup), "--child", str(port), str(rate),
                     str(window)]  # fmt: skip
            cmd = [sys.executable, __file__, *child]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
            print(json.dumps({name: results[name]}), flush=True)
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
    summary: dict[str, object] = {"bench": "overload", "subscriber_delay_s": args.delay}
    summary["cpus"] = os.cpu_count()
    over, base = results.get("overload"), results.get("keeps-up")
    if isinstance(over, dict) and isinstance(base, dict):
        summary["slope_vs_keeps_up_mb_per_hour"] = round(
            float(over["rss_slope_mb_per_hour"]) - float(base["rss_slope_mb_per_hour"]), 1
        )
        summary["target_slope_mb_per_hour"] = 5.0
    print(json.dumps({**summary, **results}))


if __name__ == "__main__":
    main()
