"""Recovery: what an engine left open is sent by the next one, at least once, never lost.

The first tests stop an engine in-process (a retry pending, an attempt in flight, an endpoint
paused) and start another on the same profile. The last one is the real thing: a
`pbxdesk run` of 10,000 deliveries is SIGKILLed half way, `pbxdesk outbox resume` finishes
the job, and a subscriber in a third process (it survives the kill) counts what it got.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from fixtures.counting_subscriber import SCRIPT as SUBSCRIBER
from fixtures.waiting import marker_passes, until

from pbxdesk.domain import EventType, HttpMethod, Subscription

TYPES = ("dial-in", "answer", "hangup")


def _subs(url: str, types=TYPES) -> list[Subscription]:
    return [Subscription(175, EventType(t), HttpMethod.GET, url, id=i) for i, t in enumerate(types, 1)]


# -- restarting on a profile, in-process -------------------------------------------------------


async def test_a_pending_retry_is_sent_by_the_next_engine(recorder, outbox, call_events) -> None:
    recorder.respond = lambda _r: (500, b"down\n", 0.0)
    box = await outbox(_subs(f"{recorder.base_url}/hook"), schedule=(0.0, 1.0))
    for ev in call_events("c-1"):
        box.engine.submit(ev)
    await until(lambda: box.engine.retrying())
    await box.close()  # the app quits with a retry due in 1 s and two events behind it
    assert await box.rows("SELECT id, state, attempts FROM deliveries ORDER BY id") == [
        (1, "pending", 1), (2, "pending", 0), (3, "pending", 0)
    ]  # fmt: skip
    [(due,)] = await box.rows("SELECT next_attempt_at FROM deliveries WHERE id = 1")

    recorder.respond = lambda _r: (200, b"ok\n", 0.0)
    again = await outbox(_subs(f"{recorder.base_url}/hook"), path=box.path, resume=True)
    assert again.engine.open_count == 3
    assert await again.settle()
    assert await again.rows("SELECT id, state, attempts FROM deliveries ORDER BY id") == [
        (1, "delivered", 2), (2, "delivered", 1), (3, "delivered", 1)
    ]  # fmt: skip
    assert [dict(r.query)["EventType"] for r in recorder.requests] == [
        "dial-in",
        "dial-in",
        "answer",
        "hangup",
    ]
    # The retry kept its due time across the restart (not sent early, not forgotten).
    [(started,)] = await again.rows("SELECT started_at FROM attempts WHERE delivery_id = 1 AND n = 2")
    assert started >= due - 5_000
    assert await again.rows("SELECT delivery_id, n, status_code FROM attempts ORDER BY id") == [
        (1, 1, 500), (1, 2, 200), (2, 1, 200), (3, 1, 200)
    ]  # fmt: skip


async def test_an_attempt_in_flight_at_the_stop_is_sent_again(recorder, outbox, call_events) -> None:
    """At least once: the subscriber may see it twice; the profile never loses it."""
    recorder.respond = lambda _r: (200, b"slow\n", 0.6)
    box = await outbox(_subs(f"{recorder.base_url}/hook", types=("hangup",)), timeout=5.0)
    box.engine.submit(call_events("c-1", types=("hangup",))[0])
    await until(lambda: len(recorder.requests) == 1)
    await box.close()
    assert await box.rows("SELECT state, attempts FROM deliveries") == [("in_flight", 1)]
    assert await box.rows("SELECT COUNT(*) FROM attempts") == [(0,)]  # it never ended

    recorder.respond = lambda _r: (200, b"ok\n", 0.0)
    again = await outbox([], path=box.path, resume=True)
    assert await again.settle()
    assert len(recorder.requests) == 2
    assert recorder.requests[0].path_qs == recorder.requests[1].path_qs
    assert await again.rows("SELECT state, attempts, status_code FROM deliveries") == [("delivered", 2, 200)]
    # The interrupted attempt counts (it may have reached the subscriber) but has no row.
    assert await again.rows("SELECT n, status_code FROM attempts") == [(2, 200)]


async def test_a_long_attempt_shows_in_flight_in_the_profile_while_it_runs(
    recorder, outbox, call_events
) -> None:
    """A slow subscriber: the profile says "in flight" while the attempt runs (what the
    timeline and another process see), not only at a stop; the answer then replaces it."""
    recorder.respond = lambda _r: (200, b"slow\n", 1.5)
    box = await outbox(_subs(f"{recorder.base_url}/hook", types=("hangup",)), timeout=5.0)
    box.engine.submit(call_events("c-1", types=("hangup",))[0])
    await until(lambda: len(recorder.requests) == 1)
    await asyncio.sleep(0.7)  # more than two sweep periods
    assert await box.rows("SELECT state, attempts FROM deliveries") == [("in_flight", 1)]
    assert await box.settle()
    assert await box.rows("SELECT state, attempts, status_code FROM deliveries") == [("delivered", 1, 200)]


async def test_a_paused_endpoint_stays_paused_across_a_restart(
    recorder, receiver, outbox, call_events
) -> None:
    endpoint = f"127.0.0.1:{recorder.port}"
    box = await outbox(_subs(f"{recorder.base_url}/hook"))
    box.engine.pause_endpoint(endpoint, "CRM maintenance")
    for ev in call_events("c-1"):
        box.engine.submit(ev)
    await box.close()

    again = await outbox(_subs(f"{recorder.base_url}/hook"), path=box.path, resume=True)
    assert again.engine.paused_endpoints == {endpoint: "CRM maintenance"}
    assert not await again.settle(timeout=5, until_due_within=1)
    assert await again.rows("SELECT id, state FROM deliveries ORDER BY id") == [
        (1, "paused"), (2, "pending"), (3, "pending")
    ]  # fmt: skip
    await marker_passes(again.engine, receiver)
    assert recorder.requests == []
    again.engine.resume_endpoint(endpoint)
    assert await again.settle()
    assert [dict(r.query)["EventType"] for r in recorder.requests] == list(TYPES)


async def test_final_deliveries_are_not_sent_again_and_ids_continue(recorder, outbox, call_events) -> None:
    recorder.respond = lambda r: (
        (404, b"no\n", 0.0) if ("EventType", "answer") in r.query else (200, b"ok\n", 0)
    )
    box = await outbox(_subs(f"{recorder.base_url}/hook"), schedule=(0.0,))
    box.engine.pause_endpoint(f"127.0.0.1:{recorder.port}")
    box.engine.submit(call_events("c-0", types=("hangup",))[0])
    box.engine.cancel(delivery_ids=[1])
    box.engine.resume_endpoint(f"127.0.0.1:{recorder.port}")
    for ev in call_events("c-1", types=("dial-in", "answer")):
        box.engine.submit(ev)
    assert await box.settle()
    await box.close()
    assert await box.rows("SELECT id, state FROM deliveries ORDER BY id") == [
        (1, "cancelled"), (2, "delivered"), (3, "failed")
    ]  # fmt: skip
    sent = len(recorder.requests)

    again = await outbox(_subs(f"{recorder.base_url}/hook"), path=box.path, resume=True)
    assert again.engine.open_count == 0
    again.engine.submit(call_events("c-1", types=("hangup",))[0])
    assert await again.settle()
    assert len(recorder.requests) == sent + 1
    assert await again.rows("SELECT id, event_id, state FROM deliveries WHERE id > 3") == [
        (4, 4, "delivered")
    ]
    assert await again.rows("SELECT MAX(id) FROM events") == [(4,)]


# -- a real crash -------------------------------------------------------------------------------

# The subscriber is tests/fixtures/counting_subscriber.py, in a process of its own: it
# outlives the run that is killed.

# ~3,350 calls to one phone, 90% answered: dial-in (GET), answer (POST), hangup (GET).
CRASH_SCENARIO = """\
[pbx]
seed = 3

[[extensions]]
id = 175
name = "000*099"
type = "phone"
did = "78120000000"

[[subscriptions]]
extension = 175
event_type = "dial-in"
method = "GET"
url = "{base}/hook?myid=175"

[[subscriptions]]
extension = 175
event_type = "answer"
method = "POST"
url = "{base}/hook"

[[subscriptions]]
extension = 175
event_type = "hangup"
method = "GET"
url = "{base}/hook?myid=175"

[[traffic]]
to = "78120000000"
rate = 50.0
duration = 70.0
answer_probability = 0.9
answer_after = [1.0, 5.0]
talk = [1.0, 60.0]
"""


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 (loopback)
        return resp.read()


def _pbxdesk(*args: str) -> list[str]:
    return [sys.executable, "-m", "pbxdesk", *args]


def _profile_rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _expected_key(call_id: str, sub_call_id: str, event_type: str, method: str, url: str) -> tuple:
    parts = urlsplit(url)
    return (
        call_id,
        sub_call_id,
        event_type,
        method,
        parts.path,
        dict(parse_qsl(parts.query)).get("myid", ""),
    )


def test_sigkill_mid_run_then_outbox_resume_delivers_everything(tmp_path: Path, pbxdesk_home: Path) -> None:
    receiver = subprocess.Popen([sys.executable, str(SUBSCRIBER)], stdout=subprocess.PIPE, text=True)
    run: subprocess.Popen | None = None
    try:
        port = int(receiver.stdout.readline())
        base = f"http://127.0.0.1:{port}"
        scenario = tmp_path / "crash.toml"
        scenario.write_text(CRASH_SCENARIO.format(base=base), encoding="utf-8")
        env = {**os.environ, "PBXDESK_HOME": str(pbxdesk_home)}

        # 1. The run, killed once some thousands of requests have arrived.
        run_log = tmp_path / "run.stderr"
        with run_log.open("wb") as log_fh:
            run = subprocess.Popen(
                _pbxdesk("run", str(scenario), "--instant", "--profile", "crash", "--no-progress"),
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log_fh,
            )
        deadline = time.monotonic() + 30
        while int(_get(f"{base}/total")) < 3000:
            assert run.poll() is None, f"the run ended before the kill: {run_log.read_text()}"
            assert time.monotonic() < deadline, "the run is too slow to reach 3,000 requests"
            time.sleep(0.02)
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        assert run.returncode == -signal.SIGKILL
        received_at_kill = -1
        while (total := int(_get(f"{base}/total"))) != received_at_kill:  # the last requests settle
            received_at_kill = total
            time.sleep(0.1)

        profile = pbxdesk_home / "profiles" / "crash.sqlite"
        assert profile.exists(), list(pbxdesk_home.rglob("*"))
        at_kill = dict(_profile_rows(profile, "SELECT state, COUNT(*) FROM deliveries GROUP BY state"))
        not_done_at_kill = {
            i for (i,) in _profile_rows(profile, "SELECT id FROM deliveries WHERE state != 'delivered'")
        }
        [(n_events,)] = _profile_rows(profile, "SELECT COUNT(*) FROM events")
        # What the profile promises to deliver: every delivery row it holds (events whose
        # rows never committed had no outbox row, so nobody promised them).
        expected = {
            _expected_key(*row[1:]): row[0]
            for row in _profile_rows(
                profile,
                "SELECT d.id, e.call_id, e.sub_call_id, e.event_type, d.method, d.url "
                "FROM deliveries d JOIN events e ON e.id = d.event_id",
            )
        }
        n_deliveries = sum(at_kill.values())
        assert len(expected) == n_deliveries  # one request key per delivery
        assert received_at_kill >= 3000 and at_kill.get("delivered", 0) < n_deliveries

        # 2. `pbxdesk outbox resume` finishes the job.
        t0 = time.monotonic()
        done = subprocess.run(
            _pbxdesk("outbox", "--profile", "crash", "resume", "--json"),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        resume_s = time.monotonic() - t0
        assert done.returncode == 0, done.stdout + done.stderr
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        assert (summary["failed"], summary["retrying"]) == (0, 0)

        # 3. Every delivery delivered; the subscriber got each at least once.
        assert _profile_rows(profile, "SELECT state, COUNT(*) FROM deliveries GROUP BY state") == [
            ("delivered", n_deliveries)
        ]
        counts = Counter({tuple(row[:6]): row[6] for row in json.loads(_get(f"{base}/counts"))})
        assert set(counts) <= set(expected), "a request the profile has no delivery for"
        missing = set(expected) - set(counts)
        assert not missing, f"{len(missing)} deliveries never reached the subscriber"
        duplicates = {key: n - 1 for key, n in counts.items() if n > 1}
        dup_total = sum(duplicates.values())
        # Only deliveries the killed run had not recorded as delivered can come twice: sent,
        # answered, but killed before their 'delivered' state was committed.
        assert {expected[key] for key in duplicates} <= not_done_at_kill
        assert all(n == 1 for n in duplicates.values())
        gaps = _profile_rows(
            profile,
            "SELECT COUNT(*) FROM deliveries d WHERE d.attempts > (SELECT COUNT(*) FROM attempts a "
            "WHERE a.delivery_id = d.id)",
        )[0][0]
        print(
            f"\ncrash: {n_events} events, {n_deliveries} deliveries in the profile at the kill "
            f"({at_kill}); the subscriber had {received_at_kill} requests; resume took {resume_s:.1f} s "
            f"({summary['delivered']} delivered); duplicates: {dup_total}; deliveries whose "
            f"killed attempt left no attempts row: {gaps}"
        )
        # Exactly the requests the subscriber had answered but the profile had not recorded as
        # delivered when the run died (still in flight, or their state waiting in the writer's
        # queue) were sent twice; every one of them was sent again once, no more.
        # That count is not small by construction: the 'delivered' states queue in the writer
        # behind everything before them, so under a burst it lags by hundreds of deliveries
        # (measured 8 to 1,351 at a kill after 3,000 requests). No fixed ceiling is asserted.
        assert dup_total == received_at_kill - at_kill.get("delivered", 0)
    finally:
        if run is not None and run.poll() is None:  # a failure before the kill
            run.kill()
            run.wait(timeout=10)
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(timeout=10)
        receiver.stdout.close()
