"""`pbxdesk emulator`, `pbxdesk monitor` and `pbxdesk sync` as a user runs them: real processes,
real HTTP on 127.0.0.1, Ctrl+C (SIGINT) to stop. The client secret never shows."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from pbxdesk.engine.scenario import parse_scenario
from pbxdesk.pbx.emulator import PbxEmulator

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")

CID, SECRET = "cli-app", "cli-Secret-must-not-show"
SCENARIO = """\
[pbx]
seed = 3

[[extensions]]
id = 200
name = "200"
type = "phone"
label = "Sales desk"

[[extensions]]
id = 201
name = "201"
type = "phone"

[[subscriptions]]
extension = 201
event_type = "hangup"
method = "POST"
url = "http://127.0.0.1:9/never-called"
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A pbxdesk process whose output lines are read as they come."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.p = subprocess.Popen(
            [sys.executable, "-m", "pbxdesk", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
            # Ctrl+C as in a terminal: a suite started as a background job of a shell without job
            # control inherits SIGINT ignored, and so would the command (its SIGINT tests hung).
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.p.stdout is not None
        for line in self.p.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                if self.p.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} in output:\n{''.join(self.seen)}")

    def interrupt(self, timeout: float = 15.0) -> int:
        self.p.send_signal(signal.SIGINT)
        code = self.p.wait(timeout)
        time.sleep(0.05)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code

    @property
    def output(self) -> str:
        return "".join(self.seen)

    def kill(self) -> None:
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(5)


class ThreadedEmulator:
    def __init__(self, **kw: object) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.kw = kw

    def call(self, coro):  # noqa: ANN001, ANN201
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=20)

    def start(self) -> PbxEmulator:
        self.thread.start()

        async def make() -> PbxEmulator:
            emu = PbxEmulator(CID, SECRET, **self.kw)  # type: ignore[arg-type]
            await emu.start()
            return emu

        self.emu = self.call(make())
        return self.emu

    def stop(self) -> None:
        self.call(self.emu.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def threaded_emulator():
    made: list[ThreadedEmulator] = []

    def make(**kw: object) -> PbxEmulator:
        t = ThreadedEmulator(**kw)
        made.append(t)
        return t.start()

    yield make
    for t in made:
        t.stop()


def test_emulator_command_serves_the_api_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    scenario = tmp_path / "pbx.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    port = _free_port()
    proc = Proc(
        "emulator",
        "--port",
        str(port),
        "--client-id",
        CID,
        "--client-secret",
        SECRET,
        "--scenario",
        str(scenario),
        "--fault",
        '{"status": 503, "count": 1, "path": "/api/"}',
        "--account-id",
        "5150",
        "--hourly-limit",
        "100",
    )
    try:
        line = proc.wait_for("PBX emulator on")
        assert f"http://127.0.0.1:{port}" in line and "2 extensions, 1 subscriptions" in line
        assert "(account 5150)" in line
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base) as http:
            assert (
                http.post(
                    "/oauth/token",
                    data={"grant_type": "client_credentials", "client_id": CID, "client_secret": "wrong"},
                ).status_code
                == 401
            )
            token = http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET},
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            assert http.get("/api/ver1.0/client/@me/extension/", headers=auth).status_code == 503  # --fault
            assert http.get("/api/ver1.0/user/", headers=auth).json()["client_id"] == 5150
            r = http.get("/api/ver1.0/client/5150/extension/", headers=auth)
            assert [e["name"] for e in r.json()] == ["000*200", "000*201"]
            assert r.headers["X-RateLimit-Limit"] == "100"
            doc = http.get("/openapi.json").json()
            assert (
                doc["openapi"].startswith("3.")
                and "/api/ver1.0/extension/{extension}/callback/" in doc["paths"]
            )
        code = proc.interrupt()
    finally:
        proc.kill()
    assert code in (0, 130), proc.output
    assert SECRET not in proc.output and "wrong" not in proc.output


def test_emulator_command_refuses_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[extensions]]\nid = 1\nname = "1"\ntype = "robot"\n', encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pbxdesk",
            "emulator",
            "--client-id",
            "a",
            "--client-secret",
            "b",
            "--scenario",
            str(bad),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2 and "extensions[0].type" in out.stderr
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pbxdesk",
            "emulator",
            "--client-id",
            "a",
            "--client-secret",
            "b",
            "--fault",
            '{"status": 999}',
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2 and "fault.status" in out.stderr


def test_monitor_command_subscribes_relays_and_unsubscribes_on_ctrl_c(
    threaded_emulator, threaded_receiver
) -> None:
    emu = threaded_emulator(scenario=parse_scenario(SCENARIO), speed=20.0)
    listen = _free_port()
    # The local handler of the developer: a profile subscription relays ext 200's events there.
    from pbxdesk.domain import EventType, Extension, ExtensionType, HttpMethod, Subscription
    from pbxdesk.store.paths import profile_path
    from pbxdesk.store.profile import Profile

    with Profile.open(profile_path("dev")) as p:
        p.replace_config(
            [Extension(200, "000*200", ExtensionType.PHONE)],
            [
                Subscription(200, et, HttpMethod.GET, f"{threaded_receiver.base_url}/crm?myid=200")
                for et in (EventType.DIAL_OUT, EventType.HANGUP)
            ],
        )
    before = set(emu.subscriptions)
    proc = Proc(
        "--profile",
        "dev",
        "monitor",
        "--base-url",
        emu.base_url,
        "--client-id",
        CID,
        "--extension",
        "@200",
        "--public-url",
        f"http://127.0.0.1:{listen}",
        "--listen-port",
        str(listen),
        "--events",
        "dial-out,hangup",
        env={"PBXDESK_CLIENT_SECRET": SECRET},
    )
    try:
        line = proc.wait_for("monitoring extension")
        assert "000*200 (id 200): dial-out, hangup" in line and "<token>" in line
        assert "relaying to 2 local subscription(s)" in line
        mine = set(emu.subscriptions) - before
        assert len(mine) == 2
        assert all(emu.subscriptions[i].url.startswith(f"http://127.0.0.1:{listen}/") for i in mine)

        with httpx.Client(base_url=emu.base_url) as http:
            token = http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET},
            ).json()["access_token"]
            resp = http.post(
                "/api/ver1.0/extension/@200/callback/",
                json={"dst_num": "+79817654321", "src_num": ["200"]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert resp.status_code == 201
        proc.wait_for(": hangup ext 200")
        proc.wait_for("relay #2 GET")
        code = proc.interrupt()
    finally:
        proc.kill()
    assert code in (0, 130), proc.output
    assert set(emu.subscriptions) == before  # exactly the monitor's two removed
    assert proc.output.count(": removed") == 2
    assert SECRET not in proc.output
    got = [dict(r.query) for r in threaded_receiver.requests]
    assert [g["EventType"] for g in got] == ["dial-out", "hangup"] and all(g["myid"] == "200" for g in got)
    with Profile.open(profile_path("dev")) as p:
        assert p.get_setting("pbx_api") == {"base_url": emu.base_url, "client_id": CID}
        assert p.get_setting("live_monitor") == []
        assert (
            p.conn.execute("SELECT COUNT(*) FROM raw_requests WHERE event_id IS NOT NULL").fetchone()[0] == 2
        )


def test_monitor_command_without_a_secret_says_how_to_give_one(threaded_emulator) -> None:
    emu = threaded_emulator(scenario=parse_scenario(SCENARIO))
    env = {k: v for k, v in os.environ.items() if k != "PBXDESK_CLIENT_SECRET"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pbxdesk",
            "monitor",
            "--base-url",
            emu.base_url,
            "--client-id",
            CID,
            "--extension",
            "200",
            "--public-url",
            "http://127.0.0.1:1",
            "--listen-port",
            str(_free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 2 and "PBXDESK_CLIENT_SECRET" in out.stderr
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pbxdesk",
            "monitor",
            "--base-url",
            emu.base_url,
            "--client-id",
            CID,
            "--extension",
            "@404",
            "--public-url",
            "http://127.0.0.1:1",
            "--listen-port",
            str(_free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env={**env, "PBXDESK_CLIENT_SECRET": SECRET},
    )
    assert out.returncode == 2 and "@404: not found on the PBX" in out.stderr
    assert emu.subscriptions.keys() == {1}


def test_sync_commands_pull_diff_and_push(threaded_emulator, capsys, monkeypatch) -> None:
    import io

    from pbxdesk.cli import main
    from pbxdesk.domain import EventType, HttpMethod, Subscription
    from pbxdesk.store.paths import profile_path
    from pbxdesk.store.profile import Profile

    emu = threaded_emulator(scenario=parse_scenario(SCENARIO))
    monkeypatch.setenv("PBXDESK_CLIENT_SECRET", SECRET)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    args = ["--profile", "s", "sync"]
    assert main([*args, "pull", "--base-url", emu.base_url, "--client-id", CID]) == 0
    assert "pulled 2 extensions and 1 subscriptions" in capsys.readouterr().out
    with Profile.open(profile_path("s")) as p:
        p.add_subscription(Subscription(200, EventType.ANSWER, HttpMethod.POST, "http://127.0.0.1:9/crm"))
    assert main([*args, "diff"]) == 0  # the account is remembered in the profile (not the secret)
    out = capsys.readouterr().out
    assert "+ subscription: extension 200 answer POST http://127.0.0.1:9/crm" in out
    assert "1 to add, 0 to change, 0 to remove" in out
    assert main([*args, "push"]) == 2
    assert "confirm with --yes" in capsys.readouterr().err
    assert len(emu.subscriptions) == 1
    assert main([*args, "push", "--yes"]) == 0
    assert "1 done, 0 failed" in capsys.readouterr().out
    assert [s.url for s in emu.subscriptions.values()] == [
        "http://127.0.0.1:9/never-called",
        "http://127.0.0.1:9/crm",
    ]
    with Profile.open(profile_path("s")) as p:
        assert SECRET not in json.dumps(p.conn.execute("SELECT * FROM settings").fetchall())


def test_sync_diff_of_an_identical_account_says_no_changes(threaded_emulator, capsys, monkeypatch) -> None:
    """A profile made from the scenario the account plays, never pulled: ids match, so nothing
    is to add, change or remove, and nothing is "on the PBX only"."""
    import io

    from pbxdesk.cli import main
    from pbxdesk.store.paths import profile_path
    from pbxdesk.store.profile import Profile

    scenario = parse_scenario(SCENARIO)
    emu = threaded_emulator(scenario=scenario)
    monkeypatch.setenv("PBXDESK_CLIENT_SECRET", SECRET)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with Profile.open(profile_path("same")) as p:
        p.replace_config(scenario.extensions, scenario.subscriptions)
    args = ["--profile", "same", "sync", "diff", "--base-url", emu.base_url, "--client-id", CID]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "no changes" in out and "0 to add, 0 to change, 0 to remove" in out and "note:" not in out
    with Profile.open(profile_path("same")) as p:  # a real difference is still one
        ext = next(e for e in p.extensions() if e.id == 200)
        p.update_extension(replace(ext, label="Renamed desk"))
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "~ extension" in out and "label" in out and "0 to add, 1 to change, 0 to remove" in out


def test_sync_takes_the_secret_the_app_keeps_for_the_profile(threaded_emulator, capsys, monkeypatch) -> None:
    """No $PBXDESK_CLIENT_SECRET and no terminal: the CLI reads the secret the app saved for
    the profile in the OS keyring (through store.secrets); the environment, when set, wins."""
    import io

    import keyring
    from fixtures.memory_keyring import MemoryKeyring

    from pbxdesk.cli import main
    from pbxdesk.store import secrets

    emu = threaded_emulator(scenario=parse_scenario(SCENARIO))
    monkeypatch.delenv("PBXDESK_CLIENT_SECRET", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    previous = keyring.get_keyring()
    store = MemoryKeyring()
    keyring.set_keyring(store)
    try:
        args = ["--profile", "kept", "sync", "pull", "--base-url", emu.base_url, "--client-id", CID]
        assert main(args) == 2  # nothing kept yet: says how to give one
        assert "PBXDESK_CLIENT_SECRET" in capsys.readouterr().err
        assert secrets.set_secret("kept", secrets.CLIENT_SECRET, SECRET) == "keyring"  # as the app does
        assert main(args) == 0
        assert "pulled 2 extensions" in capsys.readouterr().out
        monkeypatch.setenv("PBXDESK_CLIENT_SECRET", "not-the-secret")  # given for this command
        assert main(args) == 2
        assert SECRET not in capsys.readouterr().err
    finally:
        keyring.set_keyring(previous)
