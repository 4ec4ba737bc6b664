"""A writer process killed with SIGKILL mid-batch leaves a consistent profile holding every batch
the writer had reported committed (the durable commit boundary the engine relies on)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fixtures.profile_factory import recent_events

from pbxdesk.store.profile import Profile

WRITER_SCRIPT = r"""
import sys, threading, time
from pbxdesk.domain import EventData, EventType
from pbxdesk.store.profile import Profile
from pbxdesk.store.writer import BatchWriter, event_row

path = sys.argv[1]
Profile.open(path).close()
writer = BatchWriter(path, max_rows=400)
DELIVERY = ("INSERT INTO deliveries (id, event_id, subscription_id, method, url, state, call_id, endpoint, "
            "ordered, attempts, created_at) VALUES (?, ?, 1, 'GET', 'http://127.0.0.1:9/', 'pending', ?, "
            "'127.0.0.1:9', 1, 0, ?)")
out = sys.stdout
lock = threading.Lock()

def committed(n):
    def report():
        with lock:
            out.write(f"committed {n}\n")
            out.flush()
    return report

n = 0
batch = 0
while True:  # until killed
    batch += 1
    for _ in range(250):
        n += 1
        ev = EventData(101, EventType.HANGUP, f"call-{n // 4}", 1_700_000_000_000_000 + n,
                       sub_call_id=f"leg-{n}", extra={"Batch": str(batch)})
        writer.add_event(event_row(n, ev, "000*101", "sim"))
        writer.execute(DELIVERY, (n, n, ev.call_id, ev.event_time))
    writer.on_commit(committed(n))
    # A real producer (the engine's event loop) yields between batches; a loop that never
    # does starves the writer thread of the GIL it needs between rows.
    time.sleep(0.002)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_batch_keeps_every_committed_batch(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    reported = 0
    try:
        deadline = time.monotonic() + 30
        while reported < 20_000 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            reported = int(line.split()[1])
        assert reported >= 5_000, proc.stderr.read() if proc.poll() is not None else reported
        # Still writing: kill it hard, in the middle of whatever batch it is in.
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    # The file as the killed process left it (its -wal included): opens, passes every check.
    with Profile.open(path, create=False) as profile:
        conn = profile.conn
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        ids = [r[0] for r in conn.execute("SELECT id FROM event_log ORDER BY id")]
        deliveries = [r[0] for r in conn.execute("SELECT event_id FROM deliveries ORDER BY id")]
        # Every reported commit is there, and commits are whole: no holes, a prefix of what
        # was queued (the queue is FIFO), each delivery's event present.
        assert len(ids) >= reported
        assert ids == list(range(1, len(ids) + 1))
        assert deliveries == list(range(1, len(deliveries) + 1))
        assert len(deliveries) >= reported and len(deliveries) <= len(ids)
        # and the events read back whole through the view
        last = recent_events(profile, limit=1)[0]
        assert last["fields"]["CallID"] == last["call_id"] and "Batch" in last["fields"]
    # The profile goes on taking writes after the crash.
    with Profile.open(path) as profile:
        with profile.conn:
            profile.conn.execute(
                "INSERT INTO events (id, call_id, event_type, event_time, data) "
                "VALUES (?, 'after', 'hangup', 1, "
                '\'{"EventType":"hangup","CallID":"after"}\')',
                (len(ids) + 1,),
            )
        assert profile.max_ids()[0] == len(ids) + 1
