"""Delivery throughput and latency, against a loopback receiver in a separate process.

Measures in one run (the (a)/(c) pair with aiohttp in turn, --rounds times; medians and the
median of each round's ratio are reported):
  (a) pbxdesk end to end: simulate -> outbox (durable before the first attempt) -> deliver ->
      record attempts, deliveries per second; with the project's httpx client and with aiohttp;
  (b) the naive baseline: one httpx.Client posting the same requests one after another;
  (c) the raw ceiling: plain async clients with no persistence (aiohttp; httpx for reference);
  (d) p99 time from an event's creation to its request leaving, at a steady 200 events/s.
Prints one JSON object on its last line.

    python bench/delivery.py [--deliveries 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pbxdesk.domain import CallFlow, CallStatus, EventData, EventType, HttpMethod, Subscription  # noqa: E402
from pbxdesk.domain.wire import build_request  # noqa: E402
from pbxdesk.engine.headless import run_scenario  # noqa: E402
from pbxdesk.engine.outbox import DeliveryEngine, DeliveryResult  # noqa: E402
from pbxdesk.engine.policy import DeliveryPolicy  # noqa: E402
from pbxdesk.engine.scenario import parse_scenario  # noqa: E402
from pbxdesk.engine.stats import percentile  # noqa: E402
from pbxdesk.store.profile import Profile  # noqa: E402
from pbxdesk.store.writer import BatchWriter  # noqa: E402

CONCURRENCY = 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_receiver(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "_receiver.py"), str(port)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("receiver did not start")


def scenario_text(url: str, calls: int) -> str:
    # Phones calling out: dial-out, answer, hangup each go to a POST subscription (3 per call).
    subs = "".join(
        f'\n[[subscriptions]]\nextension = {100 + i}\nevent_type = "{et}"\nmethod = "POST"\nurl = "{url}"\n'
        for i in range(4)
        for et in ("dial-out", "answer", "hangup")
    )
    exts = "".join(
        f'\n[[extensions]]\nid = {100 + i}\nname = "000*{100 + i}"\ntype = "phone"\n' for i in range(4)
    )
    traffic = (
        f'\n[[traffic]]\nto = "+79817654321"\nfrom = ["000*100", "000*101", "000*102", "000*103"]\n'
        f"rate = 50.0\nduration = {calls / 50.0}\nanswer_probability = 1.0\n"
        "answer_after = [1.0, 5.0]\ntalk = [5.0, 60.0]\n"
    )
    return f"[pbx]\nseed = 3\n{exts}{subs}{traffic}"


async def end_to_end(url: str, deliveries: int, client: str) -> dict[str, float]:
    scenario = parse_scenario(scenario_text(url, deliveries // 3 + 1))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        Profile.open(path).close()
        policy = DeliveryPolicy(max_concurrency=CONCURRENCY, per_endpoint=CONCURRENCY, http_client=client)
        t0 = time.perf_counter()
        summary = await run_scenario(scenario, path, instant=True, policy=policy)
        elapsed = time.perf_counter() - t0
        with Profile.open(path) as profile:
            stored = profile.conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
    assert summary.delivered == summary.deliveries, summary.as_dict()
    assert stored == summary.attempts
    return {"deliveries": summary.deliveries, "rate": summary.deliveries / elapsed}


def sample_requests(url: str, n: int) -> list[tuple[str, bytes]]:
    ev = EventData(1, EventType.DIAL_OUT, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", 1_700_000_000_000_000,
                   sub_call_id="1f2e3d4c5b6a7980", caller_id_num="000*100", caller_id_name="",
                   caller_extension="000*100@sip.example.test", caller_extension_id=100,
                   called_number="+79817654321", call_status=CallStatus.CALLING, call_flow=CallFlow.OUT,
                   call_api_id="3584009735")  # fmt: skip
    req = build_request(HttpMethod.POST, url, ev.to_fields())
    return [(req.url, req.body)] * n


def naive(url: str, n: int) -> float:
    reqs = sample_requests(url, n)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    with httpx.Client() as client:
        t0 = time.perf_counter()
        for u, body in reqs:
            client.post(u, content=body, headers=headers).raise_for_status()
        return n / (time.perf_counter() - t0)


async def raw_aiohttp(url: str, n: int) -> float:
    reqs = sample_requests(url, n)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    queue = list(reqs)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:

        async def worker() -> None:
            while queue:
                u, body = queue.pop()
                async with session.post(u, data=body, headers=headers) as resp:
                    await resp.read()

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return n / (time.perf_counter() - t0)


async def raw_httpx(url: str, n: int) -> float:
    reqs = sample_requests(url, n)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    queue = list(reqs)

    async def worker() -> None:
        async with httpx.AsyncClient() as client:
            while queue:
                u, body = queue.pop()
                (await client.post(u, content=body, headers=headers)).raise_for_status()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return n / (time.perf_counter() - t0)


async def steady_latency(url: str, rate: float, seconds: float) -> dict[str, float]:
    """Events created at a steady rate; the time from creation to the request leaving."""
    waits: list[float] = []

    def on_delivery(r: DeliveryResult) -> None:
        if r.attempt == 1:
            waits.append((r.started_at - r.created_at) / 1000.0)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "steady.sqlite"
        Profile.open(path).close()
        writer = BatchWriter(path)
        engine = DeliveryEngine(
            [Subscription(100, EventType.DIAL_OUT, HttpMethod.POST, url, id=1)],
            writer=writer,
            profile_path=path,
            on_delivery=on_delivery,
        )
        await engine.start(resume=False)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        total = int(rate * seconds)
        for i in range(total):
            due = t0 + i / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            engine.submit(
                EventData(
                    100,
                    EventType.DIAL_OUT,
                    f"call-{i}",
                    time.time_ns() // 1000,
                    call_status=CallStatus.CALLING,
                )
            )
        await engine.wait_idle()
        await engine.stop()
        writer.close()
    waits.sort()
    return {
        "p50_ms": round(percentile(waits, 50) or 0.0, 2),
        "p99_ms": round(percentile(waits, 99) or 0.0, 2),
        "max_ms": round(waits[-1], 2),
        "n": len(waits),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--steady-seconds", type=float, default=10.0)
    parser.add_argument(
        "--rounds", type=int, default=3, help="end to end (aiohttp) and raw aiohttp, in turn, this many times"
    )
    args = parser.parse_args()
    port = free_port()
    receiver = start_receiver(port)
    url = f"http://127.0.0.1:{port}/hook"
    try:
        n = args.deliveries
        # The headline pair runs in turn, round after round: on a shared machine a burst of
        # other work then hits both sides alike, and the ratio of each round holds.
        rounds = []
        for _ in range(args.rounds):
            e2e = asyncio.run(end_to_end(url, n, "aiohttp"))
            raw = asyncio.run(raw_aiohttp(url, n))
            rounds.append((e2e["rate"], raw))
        e2e_httpx = asyncio.run(end_to_end(url, n, "httpx"))
        base = naive(url, min(n, 5000))
        ceiling_httpx = asyncio.run(raw_httpx(url, n))
        steady = asyncio.run(steady_latency(url, 200.0, args.steady_seconds))
    finally:
        receiver.terminate()
        receiver.wait()
    e2e_aiohttp = statistics.median(r[0] for r in rounds)
    ceiling_aiohttp = statistics.median(r[1] for r in rounds)
    ratio = statistics.median(r[0] / max(r[1], ceiling_httpx) for r in rounds)
    ceiling = max(ceiling_aiohttp, ceiling_httpx)
    print(
        json.dumps(
            {
                "bench": "delivery",
                "deliveries": e2e_httpx["deliveries"],
                "rounds": args.rounds,
                "e2e_aiohttp_per_s": round(e2e_aiohttp),
                "raw_aiohttp_per_s": round(ceiling_aiohttp),
                "ratio_e2e_aiohttp_vs_raw": round(ratio, 3),
                "rounds_e2e_raw_per_s": [[round(a), round(b)] for a, b in rounds],
                "e2e_httpx_per_s": round(e2e_httpx["rate"]),
                "naive_httpx_client_per_s": round(base),
                "raw_httpx_per_s": round(ceiling_httpx),
                "ratio_e2e_httpx_vs_raw": round(e2e_httpx["rate"] / ceiling, 3),
                "ratio_e2e_httpx_vs_naive": round(e2e_httpx["rate"] / base, 2),
                "steady_200_per_s_creation_to_send_p50_ms": steady["p50_ms"],
                "steady_200_per_s_creation_to_send_p99_ms": steady["p99_ms"],
                "steady_200_per_s_creation_to_send_max_ms": steady["max_ms"],
                "concurrency": CONCURRENCY,
            }
        )
    )


if __name__ == "__main__":
    main()
