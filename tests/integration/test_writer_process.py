"""The profile writer's own process: it takes over from the thread, commits everything in
order, reports its death clearly, and does not outlive the app."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pbxdesk.domain import EventData, EventType
from pbxdesk.store.profile import Profile
from pbxdesk.store.writer import BatchWriter, WriterFailed, event_row


def _event(n: int) -> tuple:
    return event_row(n, EventData(100, EventType.DIAL_IN, f"call-{n}", 1_700_000_000_000_000 + n), "", "sim")


def _until_process(writer: BatchWriter, start: int = 1, timeout: float = 20.0) -> int:
    """Write events until the process commits them; returns how many were written."""
    n = start - 1
    deadline = time.monotonic() + timeout
    while writer.process_pid is None:
        assert time.monotonic() < deadline, f"the writer process never took over ({writer.error})"
        n += 1
        writer.add_event(_event(n))
        writer.flush()
        time.sleep(0.01)
    return n


def _ids(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id")]
    finally:
        conn.close()


@pytest.fixture
def profile_file(tmp_path: Path) -> Path:
    path = tmp_path / "w.sqlite"
    Profile.open(path).close()
    return path


def test_the_process_takes_over_and_every_row_lands_in_order(profile_file: Path) -> None:
    writer = BatchWriter(profile_file)
    try:
        n = _until_process(writer)
        assert writer.process_pid != os.getpid()
        for i in range(n + 1, n + 2001):  # a burst, through the process
            writer.add_event(_event(i))
        writer.flush()
    finally:
        writer.close()
    assert _ids(profile_file) == list(range(1, n + 2001))
    assert writer.error is None


def test_without_a_process_the_thread_writes(profile_file: Path) -> None:
    writer = BatchWriter(profile_file, process=False)
    try:
        for i in range(1, 11):
            writer.add_event(_event(i))
        writer.flush()
        assert writer.process_pid is None
    finally:
        writer.close()
    assert _ids(profile_file) == list(range(1, 11))


def test_a_killed_writer_process_is_noticed_at_once_and_replaced_and_nothing_is_lost(
    profile_file: Path,
) -> None:
    writer = BatchWriter(profile_file)
    seen: list[bool] = []
    writer.watch(lambda: seen.append(writer.healthy))
    try:
        n = _until_process(writer)
        pid = writer.process_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 1.0  # noticed within a second, with nothing queued
        while False not in seen:
            assert time.monotonic() < deadline, "nobody noticed the writer process died"
            time.sleep(0.01)
        for i in range(n + 1, n + 501):
            writer.add_event(_event(i))
        writer.flush(timeout=20)
        assert writer.error is None and writer.healthy
        assert writer.process_pid not in (None, pid)  # a new process commits
    finally:
        writer.close()
    assert _ids(profile_file) == list(range(1, n + 501))


def test_a_writer_process_killed_under_load_loses_nothing_and_repeats_nothing(profile_file: Path) -> None:
    """Batches in the pipe when the process dies are settled by the marker it commits with
    each: those in the file are not sent again (a primary key would refuse them), the rest are."""
    writer = BatchWriter(profile_file)
    try:
        n = _until_process(writer)
        total = n + 30_000
        killed: list[int] = []
        for i in range(n + 1, total + 1):
            writer.add_event(_event(i))
            if i % 10_000 == 0:  # batches are queued and in the pipe: kill the process now
                deadline = time.monotonic() + 20
                while (pid := writer.process_pid) is None or pid in killed:  # the replacement
                    assert time.monotonic() < deadline, "no new writer process"
                    time.sleep(0.001)
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        writer.flush(timeout=60)
        assert writer.error is None, writer.error
        assert len(killed) == 3
    finally:
        writer.close()
    assert _ids(profile_file) == list(range(1, total + 1))


def test_a_writer_that_cannot_commit_gives_up_and_says_why(profile_file: Path) -> None:
    writer = BatchWriter(profile_file)
    seen: list[bool] = []
    writer.watch(lambda: seen.append(writer.healthy))
    try:
        n = _until_process(writer)
        writer.execute("INSERT INTO no_such_table (x) VALUES (?)", (1,))  # fails every time
        with pytest.raises(WriterFailed, match=r"writing the history failed .*no_such_table"):
            writer.flush(timeout=30)
        assert writer.error is not None and not writer.healthy and seen[-1] is False
    finally:
        writer.close()
    assert _ids(profile_file) == list(range(1, n + 1))


def test_the_writer_process_ends_with_the_app(profile_file: Path) -> None:
    """The app is killed: its writer process sees the pipe close and exits; what it had
    committed stays."""
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "from tests.integration.test_writer_process import _until_process\n"
        "from pbxdesk.store.writer import BatchWriter\n"
        "w = BatchWriter(Path(sys.argv[1]))\n"
        "n = _until_process(w)\n"
        "print(w.process_pid, n, flush=True)\n"
        "time.sleep(60)\n"
    )
    root = str(Path(__file__).resolve().parents[2])
    app = subprocess.Popen(
        [sys.executable, "-c", code, str(profile_file), root], stdout=subprocess.PIPE, text=True
    )
    try:
        pid_text, n_text = app.stdout.readline().split()
        child, n = int(pid_text), int(n_text)
        app.kill()
        app.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(child):
            assert time.monotonic() < deadline, "the writer process outlived the app"
            time.sleep(0.05)
    finally:
        if app.poll() is None:
            app.kill()
    assert _ids(profile_file) == list(range(1, n + 1))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_the_first_batch_waits_for_the_process_and_a_slow_one_only_once(
    profile_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pbxdesk.store import writer as writer_module

    # Normal start: the first batch is committed by the process, not the thread.
    writer = BatchWriter(profile_file)
    try:
        writer.add_event(_event(1))
        writer.flush()
        assert writer.process_pid is not None
    finally:
        writer.close()

    # A process that takes 2 s to start (a frozen app's cold start): the first batch waits
    # READY_WAIT_S for it, the thread commits it, and later batches do not wait again.
    real = writer_module.writer_command

    def slow(path: Path) -> tuple[list[str], dict[str, str]]:
        cmd, env = real(path)
        code = (
            "import runpy, time; time.sleep(2); "
            "runpy.run_module('pbxdesk.store.committer', run_name='__main__')"
        )
        return [sys.executable, "-c", code, str(path)], env

    monkeypatch.setattr(writer_module, "writer_command", slow)
    writer = BatchWriter(profile_file)
    try:
        t0 = time.monotonic()
        writer.add_event(_event(2))
        writer.flush()
        first = time.monotonic() - t0
        assert writer_module.READY_WAIT_S - 0.1 <= first < 1.5
        assert writer.process_pid is None  # the thread committed it
        t0 = time.monotonic()
        writer.add_event(_event(3))
        writer.flush()
        assert time.monotonic() - t0 < writer_module.READY_WAIT_S - 0.05  # no second wait
        _until_process(writer, start=4)  # and the process takes over once it is up
    finally:
        writer.close()
    assert _ids(profile_file)[:3] == [1, 2, 3]


def test_a_windowed_app_without_stderr_still_starts_its_writer_process(
    profile_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stderr", None)  # as under pythonw or the frozen app on Windows
    writer = BatchWriter(profile_file)
    try:
        n = _until_process(writer)
    finally:
        writer.close()
    assert _ids(profile_file) == list(range(1, n + 1))


def test_the_open_profile_sees_a_later_writer_after_the_profile_list_read_it(
    profile_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listing the profiles (the toolbar's switcher) inspects the open profile's file. Read with
    open(), that dropped this process's locks on it: the ending writer process then took
    itself for the last connection and deleted the WAL under the app's own connection, which
    went on showing the old history and writing into a deleted file."""
    from pbxdesk.store import manager

    monkeypatch.setattr(manager, "profiles_dir", lambda: profile_file.parent)
    with Profile.open(profile_file) as profile:
        for first in (1, 101):  # one session's writer, then the next one's
            writer = BatchWriter(profile_file)
            try:
                for n in range(first, first + 50):
                    writer.add_event(_event(n))
                writer.flush()
                assert [p.name for p in manager.list_profiles()] == [profile_file.stem]
                assert profile.max_ids()[0] == first + 49
            finally:
                writer.close()
            assert profile.max_ids()[0] == first + 49
        profile.set_setting("kept", True)
    with Profile.open(profile_file) as again:
        assert again.get_setting("kept") is True
        assert again.max_ids()[0] == 150


def test_ctrl_c_in_the_terminal_leaves_the_writer_process_to_finish(profile_file: Path) -> None:
    """Ctrl+C reaches the whole process group: the writer process must not die of it (a
    traceback in the terminal, the last batches lost) but commit what the app still sends."""
    writer = BatchWriter(profile_file)
    try:
        n = _until_process(writer)
        pid = writer.process_pid
        assert pid is not None
        os.kill(pid, signal.SIGINT)
        os.kill(pid, signal.SIGTERM)
        time.sleep(0.2)
        assert _alive(pid)
        for i in range(n + 1, n + 101):
            writer.add_event(_event(i))
        writer.flush(timeout=10)
    finally:
        writer.close()
    assert _ids(profile_file) == list(range(1, n + 101))


def test_after_a_death_a_waiter_is_told_only_after_the_batches_before_it_are_committed(
    profile_file: Path,
) -> None:
    """Unanswered when the process died: a batch of rows (never committed), then an empty
    batch (a flush waiting for it). Recovery commits the rows first, then tells the waiter."""
    from pbxdesk.store.committer import EVENT
    from pbxdesk.store.writer import EVENT_SQL, _ChildBackend, _Sent

    told: list[str] = []
    backend = _ChildBackend(profile_file)
    try:
        backend.commit_async([], idle=True, done=lambda _p: None)  # the process is ready
        assert backend._child_ready()
        rows = [(EVENT, EVENT_SQL, _event(1))]
        backend._unanswered.append(_Sent(1_000, rows, True, lambda p: told.append(f"rows {p}")))
        backend._unanswered.append(_Sent(1_001, [], True, lambda p: told.append(f"waiter {p}")))
        assert backend._child is not None
        backend._child.broken = "killed (simulated)"
        backend.recover()
    finally:
        backend.close()
    assert told == ["rows None", "waiter None"]
    assert _ids(profile_file) == [1]
