"""End-to-end: the installed ``pbxdesk`` process under a real X server (Xvfb), driven with
real X input (xdotool), watched through its profile's SQLite file (read-only) and its exit.

One Xvfb per test session; each test starts the app with an empty HOME and PBXDESK_HOME in
its own tmp dir, its built-in receiver on a free port, and without QT_QPA_PLATFORM (the
child uses the xcb platform: a real window). Skipped, saying why, where Xvfb or xdotool is
not installed; CI (.ci/run) installs both.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fixtures.waiting import wait_until

from tests.e2e.x11 import send_wm_delete

MISSING = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]

PBXDESK = Path(sys.executable).with_name("pbxdesk")  # the venv's console script
WINDOW_TITLE = "pbxdesk — default"
# What a clean run never writes to its log (the app logs to a file, not to stderr).
LOG_PROBLEMS = ("Traceback", "Task was destroyed", "Unclosed", "Cannot enter into task", " ERROR ")


@pytest.fixture(scope="session")
def xdisplay() -> Iterator[str]:
    """A private X server for the session (1600x1000, no TCP); Xvfb picks the display number."""
    if MISSING:
        pytest.skip(f"end-to-end tests need {' and '.join(MISSING)}: apt-get install xvfb xdotool")
    # A display number of our own, away from :0: other X servers on a shared machine (other
    # test runs) start at :0, and two runs racing for it left the app with "could not connect
    # to display :0" now and then.
    first = 100 + os.getpid() % 800
    for n in range(first, first + 40):
        if Path(f"/tmp/.X{n}-lock").exists():
            continue
        read_fd, write_fd = os.pipe()
        proc = subprocess.Popen(
            [
                "Xvfb",
                f":{n}",
                "-displayfd",
                str(write_fd),
                "-screen",
                "0",
                "1600x1000x24",
                "-nolisten",
                "tcp",
            ],  # fmt: skip
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()  # written once it accepts connections; "" if it failed
        if number:
            break
        proc.wait(10)
    else:
        pytest.skip("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


@dataclass
class App:
    """A running ``pbxdesk`` and what the test can see of it from outside."""

    display: str
    home: Path
    pbx_home: Path
    receiver_port: int
    proc: subprocess.Popen[bytes] | None = None
    window: int = 0
    stderr_path: Path = field(default_factory=Path)

    @property
    def db(self) -> Path:
        return self.pbx_home / "profiles" / "default.sqlite"

    # -- X input ---------------------------------------------------------------------------------
    def xdo(self, *args: str, check: bool = True) -> str:
        env = {**os.environ, "DISPLAY": self.display}
        out = subprocess.run(
            ["xdotool", *args], env=env, capture_output=True, text=True, timeout=15, check=False
        )
        if check and out.returncode != 0:
            raise AssertionError(f"xdotool {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout

    def find_windows(self, name: str) -> list[int]:
        """Visible windows whose title matches the regular expression ``name``."""
        return [int(w) for w in self.xdo("search", "--onlyvisible", "--name", name, check=False).split()]

    def wait_window(self, name: str, timeout: float = 30) -> int:
        wait_for(lambda: bool(self.find_windows(name)), timeout, f"a window titled {name!r}")
        return self.find_windows(name)[0]

    def wait_no_window(self, name: str, timeout: float = 15) -> None:
        wait_for(lambda: not self.find_windows(name), timeout, f"no window titled {name!r}")

    def keys(self, *keys: str, window: int | None = None) -> None:
        """Type key chords into ``window`` (the main window by default), given X input focus
        first: Xvfb has no window manager to give it."""
        self.xdo("windowfocus", "--sync", str(window or self.window))
        for key in keys:
            self.xdo("key", "--clearmodifiers", key)
            time.sleep(0.15)

    def click(self, x: int, y: int, button: int = 1) -> None:
        """A mouse click at (x, y) inside the main window."""
        self.xdo("mousemove", "--window", str(self.window), str(x), str(y))
        self.xdo("click", str(button))

    def close_button(self) -> None:
        """What the title bar's close button does: WM_DELETE_WINDOW from the window manager."""
        send_wm_delete(self.display, self.window)

    # -- the profile, read-only ------------------------------------------------------------------
    def query(self, sql: str, *args: object) -> list[tuple]:
        try:
            conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
        except sqlite3.OperationalError:
            return []
        try:
            return conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError:  # not created yet
            return []
        finally:
            conn.close()

    def events(self) -> int:
        rows = self.query("SELECT count(*) FROM events")
        return int(rows[0][0]) if rows else 0

    def events_rise(self, timeout: float = 20) -> None:
        """The feed is alive: the profile gains events within ``timeout``."""
        start = self.events()
        wait_for(lambda: self.events() > start, timeout, f"more events than {start}")

    # -- the process -----------------------------------------------------------------------------
    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = 40) -> tuple[int, str]:
        """The exit code and everything it wrote to stderr."""
        assert self.proc is not None
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise AssertionError(f"pbxdesk still running {timeout} s after it was asked to quit") from None
        return code, self.stderr_path.read_text(errors="replace")

    def log_problems(self) -> list[str]:
        log = self.pbx_home / "logs" / "pbxdesk.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return [line for line in text.splitlines() if any(p in line for p in LOG_PROBLEMS)]


wait_for = wait_until  # the tests' one blocking wait (tests/fixtures/waiting.py)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare_profile(pbx_home: Path, port: int) -> None:
    """The default profile with the demo PBX, its receiver on ``port`` (never the shared
    default 18765: other test runs on this machine may hold it)."""
    code = (
        "from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo\n"
        "from pbxdesk.store.paths import profile_path\n"
        "from pbxdesk.store.profile import Profile\n"
        "p = Profile.open(profile_path('default'))\n"
        f"p.set_setting(RECEIVER_PORT_SETTING, {port})\n"
        "ensure_demo(p)\n"
        "p.close()\n"
    )
    env = {**os.environ, "PBXDESK_HOME": str(pbx_home)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)


@pytest.fixture
def app(xdisplay: str, tmp_path: Path) -> Iterator[App]:
    """The app started on the default profile under Xvfb, its window shown and rows arriving."""
    if not PBXDESK.exists():
        pytest.skip(f"the pbxdesk console script is not installed beside {sys.executable}")
    home, pbx_home = tmp_path / "home", tmp_path / "pbxdesk"
    home.mkdir()
    port = _free_port()
    _prepare_profile(pbx_home, port)
    a = App(xdisplay, home, pbx_home, port, stderr_path=tmp_path / "stderr.txt")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "XDG_"))}
    runtime = tmp_path / "runtime"  # what a desktop session gives (Qt wants it, mode 0700)
    runtime.mkdir(mode=0o700)
    env.update(
        DISPLAY=xdisplay, HOME=str(home), PBXDESK_HOME=str(pbx_home), LANG="C.UTF-8",
        XDG_RUNTIME_DIR=str(runtime),
    )  # fmt: skip
    env.pop("PBXDESK_CLIENT_SECRET", None)
    for attempt in (1, 2):
        with a.stderr_path.open("wb") as err:
            a.proc = subprocess.Popen(
                [str(PBXDESK)],
                env=env,
                cwd=tmp_path,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        # Now and then, with other X servers and test runs busy on the machine, the app's first
        # connection to Xvfb was refused ("could not connect to display") and it exited at
        # once; the X server itself went on serving. That is not what these tests look at:
        # start it once more.
        wait_for(lambda: a.proc.poll() is not None or bool(a.find_windows(f"^{WINDOW_TITLE}$")), 60,
                 "the window, or the app's end")  # fmt: skip
        refused = "could not connect to display" in a.stderr_path.read_text(errors="replace")
        if a.proc.poll() is None or not refused or attempt == 2:
            break
    try:
        a.window = a.wait_window(f"^{WINDOW_TITLE}$", timeout=60)
        wait_for(lambda: a.events() > 0, 60, "the first events in the profile")
        yield a
    finally:
        if a.proc.poll() is None:
            a.proc.kill()
            a.proc.wait(10)
