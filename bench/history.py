"""History at scale: a profile of N events and N deliveries, written and then searched.

Builds the rows first (events from the call simulator on the demo PBX, as
``pbxdesk.store.writer.event_row`` makes them; one delivery per event as the outbox leaves it
after its attempt: the v2 columns filled, the request derived, not stored), then measures in
one run:

- insert throughput through the project's writer (``BatchWriter``: events and their deliveries
  interleaved, as the engine queues them) against the ceiling, a raw sqlite3 ``executemany`` of
  the same rows into the same schema, in transactions of ``--chunk`` events;
- opening the profile and fetching the newest 200 timeline rows (event + deliveries' summary);
- filtering by CallID, and by extension + event type + time range (``store.queries``);
- the file's size per event (with its delivery), after a checkpoint.

Query figures are medians of ``--repeat`` runs (the machine is shared). Prints one JSON
object on its last line.

    python bench/history.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import _timeline_queries as queries  # noqa: E402 (bench/, the script's own directory)

from pbxdesk.engine.demo import DEMO_EXTENSIONS, DEMO_PBX, demo_subscriptions, demo_traffic  # noqa: E402
from pbxdesk.engine.run import event_stream  # noqa: E402
from pbxdesk.engine.simulator import CallSimulator  # noqa: E402
from pbxdesk.store.committer import compact_json  # noqa: E402
from pbxdesk.store.event_insert import EventInserter  # noqa: E402
from pbxdesk.store.profile import Profile, connect  # noqa: E402
from pbxdesk.store.queries import query_plan  # noqa: E402
from pbxdesk.store.writer import BatchWriter, event_row  # noqa: E402

BASE_US = 1_700_000_000_000_000
RECEIVER = "http://127.0.0.1:18765"
# The outbox's delivery row once its attempt is recorded (engine/outbox.py: _INSERT_DELIVERY,
# then store/committer.py: UPDATE_AFTER_ATTEMPT), written here in one statement.
DELIVERY_SQL = (
    "INSERT INTO deliveries (id, event_id, subscription_id, method, url, state, call_id, endpoint, "
    "ordered, attempts, created_at, redelivery_of, status_code, error, latency_ms, response_body, "
    f"started_at, finished_at, next_attempt_at) VALUES ({', '.join('?' * 19)})"
)


def build_rows(n: int, seed: int = 7) -> tuple[list[tuple], list[tuple]]:
    sim = CallSimulator(DEMO_PBX, DEMO_EXTENSIONS, seed=seed)
    names = {e.id: e.name for e in DEMO_EXTENSIONS}
    subs = demo_subscriptions(RECEIVER)
    by_key = {(s.extension_id, s.event_type.value): (i + 1, s) for i, s in enumerate(subs)}
    by_ext = {}
    for i, s in enumerate(subs):
        by_ext.setdefault(s.extension_id, (i + 1, s))
    rng = random.Random(seed)
    events, deliveries = [], []
    stream = event_stream(sim, demo_traffic(seed=seed, rate=5.0), BASE_US)
    for i, ev in enumerate(itertools.islice(stream, n), start=1):
        events.append(event_row(i, ev, names.get(ev.extension_id, ""), "sim"))
        sub_id, sub = (
            by_key.get((ev.extension_id, ev.event_type.value)) or by_ext.get(ev.extension_id) or (1, subs[0])
        )
        created = ev.event_time + rng.randint(50, 400)
        started = created + rng.randint(20, 300)
        latency = round(rng.uniform(0.4, 25.0), 3)
        roll = rng.random()
        if roll < 0.94:
            state, status, error, body = "delivered", 200, None, "ok\n"
        elif roll < 0.99:
            state, status, error, body = "failed", 500, None, "flaky endpoint failed this time\n"
        else:
            state, status, error, body = "failed", None, "connection refused", ""
        deliveries.append(
            (i, i, sub_id, sub.method.value, sub.url, state, ev.call_id, "127.0.0.1:18765", 1, 1, created,
             None,
             status, error, latency, body, started, started + int(latency * 1000), None)
        )  # fmt: skip
    return events, deliveries


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    Profile.open(path).close()
    return path


def write_with_writer(path: Path, events: list[tuple], deliveries: list[tuple]) -> float:
    writer = BatchWriter(path)
    t0 = time.perf_counter()
    try:
        add_event, execute = writer.add_event, writer.execute
        for ev, dl in zip(events, deliveries, strict=True):
            add_event(ev)
            execute(DELIVERY_SQL, dl)
        writer.flush(timeout=3600)
        elapsed = time.perf_counter() - t0
    finally:
        writer.close()
    return elapsed


def write_raw(path: Path, events: list[tuple], deliveries: list[tuple], chunk: int) -> float:
    """The ceiling: the same rows in big transactions on one connection, no writer around them.
    Events take the writer's own direct way into event_log (faster than the view's trigger)."""
    conn = connect(path)
    events_in = EventInserter(conn, compact_json)
    t0 = time.perf_counter()
    try:
        for start in range(0, len(events), chunk):
            with conn:
                events_in.insert(events[start : start + chunk])
                conn.executemany(DELIVERY_SQL, deliveries[start : start + chunk])
        return time.perf_counter() - t0
    finally:
        conn.close()


def checkpoint_size(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())


def median_ms(fn, repeat: int) -> float:
    times = []
    for i in range(repeat):
        t0 = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2)


def measure_queries(path: Path, events: list[tuple], repeat: int) -> dict[str, float]:
    rng = random.Random(1)
    n = len(events)

    def open_newest(_i: int) -> None:
        with Profile.open(path, create=False) as profile:
            rows = queries.newest(profile.conn, 200)
            assert len(rows) == min(200, n) and rows[-1].id == n

    with Profile.open(path, create=False) as profile:
        conn = profile.conn
        picks = [events[rng.randrange(n)] for _ in range(repeat)]

        def by_call(i: int) -> None:
            rows = queries.call_events(conn, picks[i][1])
            assert rows and all(r.call_id == picks[i][1] for r in rows)

        def by_extension(i: int) -> None:
            ev = picks[i]
            since = ev[6] - 1800 * 1_000_000  # the half hour around a random event
            rows = queries.extension_events(conn, ev[4], [ev[3]], since, since + 3600 * 1_000_000)
            assert rows and all(r.extension_id == ev[4] and r.event_type == ev[3] for r in rows)

        call_ms = median_ms(by_call, repeat)
        ext_ms = median_ms(by_extension, repeat)
        call_plan = query_plan(conn, "SELECT id FROM events WHERE call_id = ?", ["x"])
    open_ms = median_ms(open_newest, repeat)
    return {
        "open_newest_200_ms": open_ms,
        "filter_call_id_ms": call_ms,
        "filter_ext_type_time_ms": ext_ms,
        "call_id_plan": " / ".join(call_plan),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=10_000, help="events per raw transaction")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--dir", help="where to build the profiles (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the profiles")
    args = parser.parse_args()

    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="pbxdesk-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        events, deliveries = build_rows(args.events)
        build_s = time.perf_counter() - t0
        print(
            f"built {len(events):,} events and {len(deliveries):,} deliveries in {build_s:.1f} s",
            file=sys.stderr,
        )

        raw_path = fresh(work / "raw.sqlite")
        raw_s = write_raw(raw_path, events, deliveries, args.chunk)
        print(f"raw executemany: {raw_s:.1f} s", file=sys.stderr)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{raw_path}{suffix}").unlink(missing_ok=True)

        path = fresh(work / "history.sqlite")
        writer_s = write_with_writer(path, events, deliveries)
        print(f"writer: {writer_s:.1f} s", file=sys.stderr)

        size = checkpoint_size(path)
        q = measure_queries(path, events, args.repeat)
        n = len(events)
        writer_rate = n / writer_s
        raw_rate = n / raw_s
        print(
            json.dumps(
                {
                    "bench": "history",
                    "events": n,
                    "deliveries": len(deliveries),
                    "writer_events_per_s": round(writer_rate),
                    "writer_rows_per_s": round((n + len(deliveries)) / writer_s),
                    "raw_events_per_s": round(raw_rate),
                    "ratio_vs_raw": round(writer_rate / raw_rate, 3),
                    "open_newest_200_ms": q["open_newest_200_ms"],
                    "filter_call_id_ms": q["filter_call_id_ms"],
                    "filter_ext_type_time_ms": q["filter_ext_type_time_ms"],
                    "bytes_per_event": round(size / n, 1),
                    "file_mib": round(size / 2**20, 1),
                    "query_repeats": args.repeat,
                    "cpus": os.cpu_count(),
                    "targets": {
                        "writer_events_per_s": 50_000,
                        "ratio_vs_raw": 0.5,
                        "open_newest_200_ms": 200,
                        "filter_ms": 50,
                        "bytes_per_event": 1024,
                    },  # fmt: skip
                }
            )
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
