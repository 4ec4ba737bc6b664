"""`pbxdesk run` as a user runs it: a subprocess, a scenario file, exit codes and output."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import pbxdesk

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PBXDESK_HOME"] = str(home)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def pbxdesk_cli(home: Path, *args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pbxdesk", *map(str, args)],
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _summary(proc: subprocess.CompletedProcess) -> dict:
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _profiles(home: Path) -> list[str]:
    d = home / "profiles"
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_version(pbxdesk_home: Path) -> None:
    proc = pbxdesk_cli(pbxdesk_home, "--version")
    assert proc.returncode == EXIT_OK
    assert proc.stdout.strip() == f"pbxdesk {pbxdesk.__version__}"


def test_help_lists_every_command_and_an_unknown_one_is_bad_input(pbxdesk_home: Path) -> None:
    proc = pbxdesk_cli(pbxdesk_home, "--help")
    assert proc.returncode == EXIT_OK and proc.stderr == ""
    for command in ("gui", "run", "profile", "outbox", "emulator", "monitor", "sync", "export", "test"):
        assert command in proc.stdout
    wrong = pbxdesk_cli(pbxdesk_home, "frobnicate")
    assert wrong.returncode == EXIT_BAD_INPUT and "invalid choice: 'frobnicate'" in wrong.stderr
    assert _profiles(pbxdesk_home) == []  # --help and a bad command touch no profile


def test_self_test_passes_and_leaves_the_users_data_alone(pbxdesk_home: Path) -> None:
    env = {**_env(pbxdesk_home), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-m", "pbxdesk", "--self-test"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == EXIT_OK, proc.stdout + proc.stderr
    assert "self-test: passed" in proc.stdout + proc.stderr
    assert not pbxdesk_home.exists() or list(pbxdesk_home.iterdir()) == []


def test_run_all_delivered_exits_0_and_records_the_profile(
    pbxdesk_home: Path, threaded_receiver, seed_scenario, write_scenario
) -> None:
    path = write_scenario(seed_scenario(threaded_receiver.base_url))
    proc = pbxdesk_cli(pbxdesk_home, "run", path, "--instant", "--json")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert proc.stderr == ""
    summary = _summary(proc)
    assert {k: summary[k] for k in ("events", "deliveries", "delivered", "failed")} == {
        "events": 3,
        "deliveries": 3,
        "delivered": 3,
        "failed": 0,
    }
    assert summary["latency_p50_ms"] > 0 and summary["latency_p95_ms"] >= summary["latency_p50_ms"]
    first_line = proc.stdout.splitlines()[0]
    assert first_line.startswith("3 events, 3 deliveries: 3 delivered, 0 failed; latency p50 ")

    reqs = threaded_receiver.requests
    assert [r.query["EventType"] for r in reqs] == ["dial-out", "answer", "hangup"]
    assert all(r.query["myid"] == "175" and r.path_qs.startswith("/fordel/show.php?myid=175&") for r in reqs)
    assert reqs[-1].query["Duration"] == "2000000" and reqs[-1].query["RecID"]

    assert _profiles(pbxdesk_home) == ["default.sqlite"]
    conn = sqlite3.connect(pbxdesk_home / "profiles" / "default.sqlite")
    try:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone() == (3,)
        assert (
            conn.execute("SELECT status_code, response_body FROM deliveries ORDER BY id").fetchall()
            == [(200, "ok\n")] * 3
        )
    finally:
        conn.close()


def test_run_into_a_named_profile(
    pbxdesk_home: Path, threaded_receiver, seed_scenario, write_scenario
) -> None:
    path = write_scenario(seed_scenario(threaded_receiver.base_url))
    proc = pbxdesk_cli(pbxdesk_home, "run", path, "--instant", "--profile", "lab")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert _profiles(pbxdesk_home) == ["lab.sqlite"]
    assert "3 delivered, 0 failed" in proc.stdout


def test_run_with_failing_target_exits_1(
    pbxdesk_home: Path, threaded_receiver, seed_scenario, write_scenario, closed_port: int
) -> None:
    # The scenario's own URL is dead; --target sends everything to a path answering 500.
    path = write_scenario(seed_scenario(f"http://127.0.0.1:{closed_port}"))
    target = f"{threaded_receiver.base_url}/status/500"
    proc = pbxdesk_cli(
        pbxdesk_home, "run", path, "--instant", "--json", "--attempts", "1", "--target", target
    )
    assert proc.returncode == EXIT_FAILED, proc.stderr
    summary = _summary(proc)
    assert (summary["deliveries"], summary["delivered"], summary["failed"]) == (3, 0, 3)
    assert len(threaded_receiver.requests) == 3
    assert all(r.path_qs.startswith("/status/500?EventType=") for r in threaded_receiver.requests)


def test_run_with_partly_failing_deliveries_exits_1(
    pbxdesk_home: Path, threaded_receiver, write_scenario
) -> None:
    base = threaded_receiver.base_url
    text = f"""\
[[extensions]]
id = 175
name = "099"
type = "phone"

[[subscriptions]]
extension = 175
event_type = "dial-out"
url = "{base}/fine"

[[subscriptions]]
extension = 175
event_type = "hangup"
method = "POST"
url = "{base}/status/503"

[[calls]]
from = "000*099"
to = "00010005"
"""
    # The default policy retries the 503 after ~5 s, then not before 5 min: the run stops
    # waiting, counts it as retrying (kept in the profile's outbox) and exits 1.
    proc = pbxdesk_cli(pbxdesk_home, "run", write_scenario(text), "--instant", "--json")
    assert proc.returncode == EXIT_FAILED
    summary = _summary(proc)
    got = tuple(summary[k] for k in ("events", "deliveries", "delivered", "failed", "retrying", "attempts"))
    assert got == (2, 2, 1, 0, 1, 3)
    conn = sqlite3.connect(pbxdesk_home / "profiles" / "default.sqlite")
    try:
        states = dict(conn.execute("SELECT url, state FROM deliveries").fetchall())
    finally:
        conn.close()
    assert states == {f"{base}/fine": "delivered", f"{base}/status/503": "pending"}


def test_run_against_a_closed_port_exits_1(
    pbxdesk_home: Path, seed_scenario, write_scenario, closed_port: int
) -> None:
    path = write_scenario(seed_scenario(f"http://127.0.0.1:{closed_port}"))
    proc = pbxdesk_cli(pbxdesk_home, "run", path, "--instant", "--json", "--attempts", "1")
    assert proc.returncode == EXIT_FAILED
    assert _summary(proc)["failed"] == 3
    conn = sqlite3.connect(pbxdesk_home / "profiles" / "default.sqlite")
    try:
        errors = {r[0] for r in conn.execute("SELECT error FROM deliveries")}
    finally:
        conn.close()
    assert errors == {"connection refused"}


def test_run_with_nothing_to_deliver_exits_0(pbxdesk_home: Path, write_scenario) -> None:
    text = '[[extensions]]\nid = 1\nname = "1"\ntype = "phone"\n'
    text += '[[calls]]\nfrom = "000*1"\nto = "+7999"\n'
    proc = pbxdesk_cli(pbxdesk_home, "run", write_scenario(text), "--instant", "--json")
    assert proc.returncode == EXIT_OK
    summary = _summary(proc)
    assert (summary["events"], summary["deliveries"], summary["latency_p50_ms"]) == (2, 0, None)


async def test_run_from_an_async_test_with_the_receiver_in_the_same_loop(
    pbxdesk_home: Path, receiver, seed_scenario, write_scenario
) -> None:
    path = write_scenario(seed_scenario(receiver.base_url, "/status/201?myid=175"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pbxdesk",
        "run",
        str(path),
        "--instant",
        "--json",
        env=_env(pbxdesk_home),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == EXIT_OK, err.decode()
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert (summary["delivered"], summary["failed"]) == (3, 0)  # 201 is a 2xx
    assert receiver.count == 3


# -- bad input: exit 2, one line naming file/entry/field, no profile created --------------------

GOOD_EXT = '[[extensions]]\nid = 175\nname = "099"\ntype = "phone"\n'
GOOD_SUB = '[[subscriptions]]\nextension = 175\nevent_type = "answer"\nurl = "http://127.0.0.1:9/"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[extensions]\nid = 1\n", "malformed TOML"),
        (GOOD_EXT + "colour = 'red'\n", "extensions[0]: unknown key 'colour'"),
        ("bogus = 1\n", "scenario: unknown key 'bogus'"),
        (
            GOOD_EXT + GOOD_SUB.replace("http://127.0.0.1:9/", "ftp://127.0.0.1/"),
            "subscriptions[0].url: 'ftp://127.0.0.1/' is not an http(s) URL",
        ),
        (
            GOOD_EXT + GOOD_SUB.replace('"answer"', '"ringing"'),
            "subscriptions[0].event_type: unknown event type 'ringing'",
        ),
        (
            GOOD_EXT + '[[calls]]\nfrom = "000*099"\nto = "000*555"\n',
            "calls[0].to: unknown extension '000*555'",
        ),
        (GOOD_EXT + '[[calls]]\nfrom = "000*099"\nto = "+7999"\ntalk = -3\n', "calls[0].talk: must be >= 0"),
        (
            GOOD_EXT + '[[calls]]\nfrom = "+7999"\nto = "000*099"\nanswer_after = 1\nanswered_by = "+7888"\n',
            "calls[0]: answered_by: '+7888' is not rung by this call",
        ),
    ],
)
def test_bad_scenario_exits_2_with_one_located_line(
    pbxdesk_home: Path, write_scenario, text: str, expected: str
) -> None:
    path = write_scenario(text, name="bad.toml")
    proc = pbxdesk_cli(pbxdesk_home, "run", path, "--instant", "--json")
    assert proc.returncode == EXIT_BAD_INPUT
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"pbxdesk: error: {path}: ")
    assert expected in lines[0]
    assert _profiles(pbxdesk_home) == []


def test_missing_file_exits_2(pbxdesk_home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    proc = pbxdesk_cli(pbxdesk_home, "run", missing)
    assert proc.returncode == EXIT_BAD_INPUT
    assert proc.stderr.splitlines() == [f"pbxdesk: error: {missing}: no such file"]
    assert _profiles(pbxdesk_home) == []


@pytest.mark.parametrize("target", ["ftp://127.0.0.1/", "not a url", "http://"])
def test_bad_target_exits_2(pbxdesk_home: Path, seed_scenario, write_scenario, target: str) -> None:
    path = write_scenario(seed_scenario("http://127.0.0.1:9"))
    proc = pbxdesk_cli(pbxdesk_home, "run", path, "--target", target)
    assert proc.returncode == EXIT_BAD_INPUT
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pbxdesk: error: --target: ")
    assert _profiles(pbxdesk_home) == []


def test_bad_profile_name_exits_2(pbxdesk_home: Path, seed_scenario, write_scenario) -> None:
    path = write_scenario(seed_scenario("http://127.0.0.1:9"))
    proc = pbxdesk_cli(pbxdesk_home, "run", path, "--profile", "../evil")
    assert proc.returncode == EXIT_BAD_INPUT
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pbxdesk: error: profile: ")
    assert _profiles(pbxdesk_home) == []
    assert not (pbxdesk_home / "evil.sqlite").exists()


def test_missing_scenario_argument_exits_2(pbxdesk_home: Path) -> None:
    proc = pbxdesk_cli(pbxdesk_home, "run")
    assert proc.returncode == EXIT_BAD_INPUT
    assert "scenario" in proc.stderr


def test_damaged_profile_exits_2_and_is_left_alone(pbxdesk_home: Path, seed_scenario, write_scenario) -> None:
    profiles = pbxdesk_home / "profiles"
    profiles.mkdir(parents=True)
    damaged = profiles / "default.sqlite"
    damaged.write_bytes(b"not sqlite at all\n" * 100)
    before = hashlib.sha256(damaged.read_bytes()).hexdigest()
    path = write_scenario(seed_scenario("http://127.0.0.1:9"))
    proc = pbxdesk_cli(pbxdesk_home, "run", path, "--instant")
    assert proc.returncode == EXIT_BAD_INPUT
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and str(damaged) in lines[0]
    assert hashlib.sha256(damaged.read_bytes()).hexdigest() == before
