"""The writer process dies in the middle of a real run: no attempt goes out unrecorded.

`pbxdesk run --instant` against a subscriber in a process of its own; its writer process
(``python -m pbxdesk.store.committer``) is SIGKILLed after some thousands of requests. The run
must notice at once, replace its writer and carry on (or stop with exit 3, the outbox intact),
never hang; `pbxdesk outbox resume` then finishes. Requests the subscriber got twice are at
most the attempts in flight when the writer died (the engine's global limit, 32).
"""

from __future__ import annotations

import asyncio
import contextlib
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
from urllib.parse import urlsplit

import pytest
from fixtures.counting_subscriber import SCRIPT as SUBSCRIBER

from pbxdesk.engine.policy import DeliveryPolicy
from pbxdesk.store.writer import WriterFailed

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the child in /proc")


# ~2,100 calls to one phone: dial-in (GET), answer (POST), hangup (GET): ~6,000 deliveries.
SCENARIO = """\
[pbx]
seed = 5

[[extensions]]
id = 175
name = "000*099"
type = "phone"
did = "78120000000"

[[subscriptions]]
extension = 175
event_type = "dial-in"
method = "GET"
url = "{base}/hook"

[[subscriptions]]
extension = 175
event_type = "answer"
method = "POST"
url = "{base}/hook"

[[subscriptions]]
extension = 175
event_type = "hangup"
method = "GET"
url = "{base}/hook"

[[traffic]]
to = "78120000000"
rate = 30.0
duration = 70.0
answer_probability = 0.9
answer_after = [1.0, 5.0]
talk = [1.0, 60.0]
"""

IN_FLIGHT_LIMIT = DeliveryPolicy().max_concurrency


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 (loopback)
        return resp.read()


def _rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _writer_child(parent: int) -> int | None:
    """The pid of ``parent``'s writer process, if it has one now."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"pbxdesk.store.committer" in cmdline:
            return int(stat.parent.name)
    return None


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSTOP], ids=["killed", "stopped"])
def test_a_writer_killed_or_stopped_mid_run_sends_nothing_unrecorded(
    tmp_path: Path, pbxdesk_home: Path, sig: signal.Signals
) -> None:
    """SIGKILL: the writer is dead. SIGSTOP: it hangs (alive, holding its batches, answering
    nothing) — noticed within about a second, ended and replaced like a dead one."""
    receiver = subprocess.Popen([sys.executable, str(SUBSCRIBER)], stdout=subprocess.PIPE, text=True)
    run: subprocess.Popen | None = None
    try:
        assert receiver.stdout is not None
        base = f"http://127.0.0.1:{int(receiver.stdout.readline())}"
        scenario = tmp_path / "s.toml"
        scenario.write_text(SCENARIO.format(base=base), encoding="utf-8")
        env = {**os.environ, "PBXDESK_HOME": str(pbxdesk_home)}
        run_err = tmp_path / "run.stderr"
        with run_err.open("wb") as err:
            run = subprocess.Popen(
                [sys.executable, "-m", "pbxdesk", "run", str(scenario), "--instant", "--profile", "k",
                 "--no-progress", "--json"],
                env=env, stdout=subprocess.PIPE, stderr=err, text=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while int(_get(f"{base}/total")) < 1500:
            assert run.poll() is None, f"the run ended before the kill: {run_err.read_text()}"
            assert time.monotonic() < deadline, "the run is too slow to reach 1,500 requests"
            time.sleep(0.01)
        child = _writer_child(run.pid)
        assert child is not None, "no writer process under the run"
        os.kill(child, sig)
        at_kill = int(_get(f"{base}/total"))
        if sig == signal.SIGSTOP:
            t0 = time.monotonic()
            while (_writer_child(run.pid) in (None, child)) and run.poll() is None:
                assert time.monotonic() - t0 < 5, "the stopped writer was not replaced within 5 s"
                time.sleep(0.05)
            print(f"\nstopped writer replaced after {time.monotonic() - t0:.2f} s")
            assert not Path(f"/proc/{child}/cmdline").exists() or not _alive(child)
        out, _ = run.communicate(timeout=120)  # never hangs
        stderr = run_err.read_text()
        assert run.returncode in (0, 3), stderr
        if run.returncode == 3:
            assert "outbox resume" in stderr and "Traceback" not in stderr
        else:
            assert json.loads(out.strip().splitlines()[-1])["delivered"] > 0

        resume = subprocess.run(
            [sys.executable, "-m", "pbxdesk", "outbox", "--profile", "k", "resume", "--json"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert resume.returncode == 0, resume.stdout + resume.stderr

        profile = pbxdesk_home / "profiles" / "k.sqlite"
        states = _rows(profile, "SELECT state, COUNT(*) FROM deliveries GROUP BY state")
        expected = {
            (c, s, e, m, urlsplit(u).path)
            for c, s, e, m, u in _rows(
                profile,
                "SELECT e.call_id, e.sub_call_id, e.event_type, d.method, d.url "
                "FROM deliveries d JOIN events e ON e.id = d.event_id",
            )
        }
        n = sum(k for _, k in states)
        assert states == [("delivered", n)] and len(expected) == n
        counts = Counter({tuple(r[:5]): r[-1] for r in json.loads(_get(f"{base}/counts"))})
        assert set(counts) == expected  # each delivery reached the subscriber; nothing else did
        duplicates = sum(counts.values()) - n
        print(f"\nwriter killed at {at_kill} requests: run exit {run.returncode}; {n} deliveries, "
              f"{duplicates} duplicates at the subscriber")  # fmt: skip
        assert duplicates <= IN_FLIGHT_LIMIT
        assert _rows(profile, "PRAGMA integrity_check") == [("ok",)]
    finally:
        if run is not None and run.poll() is None:
            run.kill()
            run.wait(timeout=10)
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(timeout=10)
        if receiver.stdout is not None:
            receiver.stdout.close()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSTOP], ids=["killed", "stopped"])
def test_a_writer_killed_or_stopped_mid_resume_sends_nothing_unrecorded(
    tmp_path: Path, pbxdesk_home: Path, sig: signal.Signals
) -> None:
    """The same during `pbxdesk outbox resume`: ~6,000 deliveries left open (a run's, set back
    to pending), resume sends them and its writer process is killed (or stopped) half-way."""
    receiver = subprocess.Popen([sys.executable, str(SUBSCRIBER)], stdout=subprocess.PIPE, text=True)
    resume: subprocess.Popen | None = None
    try:
        assert receiver.stdout is not None
        base = f"http://127.0.0.1:{int(receiver.stdout.readline())}"
        scenario = tmp_path / "s.toml"
        scenario.write_text(SCENARIO.format(base=base), encoding="utf-8")
        env = {**os.environ, "PBXDESK_HOME": str(pbxdesk_home)}
        run = subprocess.run(
            [sys.executable, "-m", "pbxdesk", "run", str(scenario), "--instant", "--profile", "r",
             "--no-progress"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
        profile = pbxdesk_home / "profiles" / "r.sqlite"
        conn = sqlite3.connect(profile)
        with conn:  # as if the run had died before any attempt
            conn.execute("UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = NULL")
        conn.close()
        _get(f"{base}/reset")
        resume_err = tmp_path / "resume.stderr"
        with resume_err.open("wb") as err:
            resume = subprocess.Popen(
                [sys.executable, "-m", "pbxdesk", "outbox", "--profile", "r", "resume"],
                env=env, stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while int(_get(f"{base}/total")) < 1500:
            assert resume.poll() is None, f"resume ended before the kill: {resume_err.read_text()}"
            assert time.monotonic() < deadline, "resume is too slow to reach 1,500 requests"
            time.sleep(0.01)
        child = _writer_child(resume.pid)
        assert child is not None, "no writer process under outbox resume"
        os.kill(child, sig)
        resume.wait(timeout=120)  # never hangs
        assert resume.returncode in (0, 3), resume_err.read_text()
        if resume.returncode == 3:  # stopped cleanly: the next resume finishes
            again = subprocess.run(
                [sys.executable, "-m", "pbxdesk", "outbox", "--profile", "r", "resume"],
                env=env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert again.returncode == 0, again.stdout + again.stderr
        [(n,)] = _rows(profile, "SELECT COUNT(*) FROM deliveries")
        assert _rows(profile, "SELECT state, COUNT(*) FROM deliveries GROUP BY state") == [("delivered", n)]
        counts = Counter({tuple(r[:5]): r[-1] for r in json.loads(_get(f"{base}/counts"))})
        assert len(counts) == n  # each delivery answered 200 at least once
        duplicates = sum(counts.values()) - n
        print(f"\nwriter {sig.name} mid-resume: exit {resume.returncode}; {n} deliveries, {duplicates} dup.")
        assert duplicates <= IN_FLIGHT_LIMIT
    finally:
        if resume is not None and resume.poll() is None:
            resume.kill()
            resume.wait(timeout=10)
        receiver.send_signal(signal.SIGTERM)
        receiver.wait(timeout=10)
        if receiver.stdout is not None:
            receiver.stdout.close()


async def test_a_writer_that_fails_for_good_stops_every_new_attempt(recorder, outbox, call_events) -> None:
    """The writer can take nothing more (here: a statement that fails in every process and in
    the thread): the engine stops starting attempts, says why, and wait_idle returns."""
    from pbxdesk.domain import EventType, HttpMethod, Subscription

    recorder.respond = lambda _r: (200, b"ok\n", 0.02)
    url = f"{recorder.base_url}/hook"
    subs = [Subscription(175, EventType(t), HttpMethod.GET, url, id=i)
            for i, t in enumerate(("dial-in", "answer", "hangup"), 1)]  # fmt: skip
    box = await outbox(subs)
    failures: list[str] = []
    box.engine.on_failure = failures.append  # the app's banner listens here
    for n in range(400):
        for ev in call_events(f"c-{n}"):
            box.engine.submit(ev)
    while len(recorder.requests) < 100:
        await asyncio.sleep(0.01)
    box.writer.execute("INSERT INTO no_such_table (x) VALUES (?)", (1,))
    t0 = time.monotonic()
    assert not await box.engine.wait_idle(30)
    assert time.monotonic() - t0 < 10
    assert box.engine.failure is not None and "no_such_table" in box.engine.failure
    assert failures == [box.engine.failure]  # told once, on the loop
    sent_at_failure = len(recorder.requests)
    await asyncio.sleep(1.0)
    in_flight = box.engine.policy.max_concurrency
    assert len(recorder.requests) <= sent_at_failure + in_flight  # only what was already under way
    assert box.engine.open_count > 0  # the rest stays in the outbox
    await box.engine.stop()
    with pytest.raises(WriterFailed):
        box.writer.flush()
    # What went out unrecorded: the attempts under way when the writer was found failing, and
    # those that ended while the failing batch was tried (its own records are lost with it):
    # each worker ends at most one attempt in that moment, so twice the in-flight limit.
    [(recorded,)] = _rows(box.path, "SELECT COUNT(*) FROM attempts")
    assert len(recorder.requests) - recorded <= 2 * in_flight
    assert _rows(box.path, "PRAGMA integrity_check") == [("ok",)]
    box._closed = True
    box.writer.close()


def test_a_stopped_writer_process_is_noticed_within_about_a_second_and_replaced(tmp_path: Path) -> None:
    """SIGSTOP the writer process while it holds a batch: the writer reports trouble within
    about a second (STOPPED_AFTER_S plus a watch period), ends it, and a new process commits
    every statement; none is lost or written twice."""
    from pbxdesk.store.profile import Profile
    from pbxdesk.store.writer import STOPPED_AFTER_S, BatchWriter

    path = tmp_path / "w.sqlite"
    Profile.open(path).close()
    writer = BatchWriter(path)
    changes: list[tuple[float, bool]] = []
    writer.watch(lambda: changes.append((time.monotonic(), writer.healthy)))
    try:
        writer.execute("INSERT INTO settings (key, value) VALUES (?, ?)", ("a", '"1"'))
        writer.flush()
        pid = writer.process_pid
        assert pid is not None
        os.kill(pid, signal.SIGSTOP)
        t0 = time.monotonic()
        for i in range(200):
            writer.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (f"k{i}", json.dumps(i)))
        writer.flush(timeout=20)  # never hangs
        assert changes and not changes[0][1], "no trouble was reported"
        noticed = changes[0][0] - t0
        print(f"\nstopped writer noticed after {noticed:.2f} s")
        assert noticed < STOPPED_AFTER_S + 1.0
        deadline = time.monotonic() + 5
        while not writer.healthy:  # said by the courier just after the flush's batch ends
            assert time.monotonic() < deadline, writer.trouble
            time.sleep(0.01)
        assert writer.process_pid not in (None, pid)
        assert not _alive(pid)
        [(n,)] = _rows(path, "SELECT COUNT(*) FROM settings WHERE key LIKE 'k%'")
        assert n == 200
    finally:
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(pid, signal.SIGKILL)
        writer.close()


async def test_a_normal_run_keeps_its_one_writer_process(recorder, outbox, call_events) -> None:
    """Every op the engine makes can travel to the writer process (marshal takes plain types
    only: a StrEnum state once broke every batch, and the thread fallback hid it)."""
    from pbxdesk.domain import EventType, HttpMethod, Subscription

    recorder.respond = lambda _r: (500, b"no\n", 0.0) if len(recorder.requests) % 3 else (200, b"ok\n", 0.0)
    url = f"{recorder.base_url}/hook"
    subs = [Subscription(175, EventType(t), HttpMethod.GET, url, id=i)
            for i, t in enumerate(("dial-in", "answer", "hangup"), 1)]  # fmt: skip
    box = await outbox(subs)
    box.writer.execute("INSERT INTO settings (key, value) VALUES ('x', '1')", ())
    await asyncio.to_thread(box.writer.flush)
    pid = box.writer.process_pid
    troubles: list[str | None] = []
    box.writer.watch(lambda: troubles.append(box.writer.trouble))
    for n in range(50):
        for ev in call_events(f"c-{n}"):
            box.engine.submit(ev)
    box.engine.pause_endpoint(f"127.0.0.1:{recorder.port}")
    box.engine.resume_endpoint(f"127.0.0.1:{recorder.port}")
    box.engine.cancel(delivery_ids=[1])
    assert await box.engine.wait_idle(30)
    await asyncio.to_thread(box.writer.flush)
    assert troubles == [] and pid is not None and box.writer.process_pid == pid
    assert _rows(box.path, "SELECT COUNT(*) FROM attempts")[0][0] >= 150
