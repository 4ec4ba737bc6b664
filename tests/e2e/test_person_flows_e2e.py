"""What a person does with the installed app that the other end-to-end tests do not: open a
scenario file through File → Open scenario file… (the real file dialog, the path typed) and
watch it play; open a malformed one and see its error stay on screen; connect a PBX account
(the `pbxdesk emulator` on loopback) through the real account dialog, with typed credentials,
and pull its extensions. Real process, real X input, bounded time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.scenarios import one_call_scenario

from tests.e2e.conftest import PBXDESK, App, wait_for
from tests.e2e.test_app_e2e import _assert_clean_exit
from tests.e2e.x11 import Image, grab, write_png

OPEN_DIALOG = "^Open a scenario$"
ERROR_RED = (0xCF, 0x22, 0x2E)  # the inline error's colour (ui/scenario_feed.py)

SCENARIO = one_call_scenario("http://127.0.0.1:1/e2e/opened-file", seed=11)


def _shot(app: App, tmp_path: Path, name: str) -> Image:
    """The main window as the screen shows it (saved beside the test's files, to look at)."""
    image = grab(app.display, app.window)
    write_png(image, tmp_path / f"{name}.png")
    return image


def _stop_feed(app: App) -> None:
    """Shift+F5; the feed selector and File → Open scenario file are enabled again."""
    app.keys("shift+F5")
    time.sleep(1.0)


def _open_file(app: App, path: Path) -> None:
    """Ctrl+O, the path typed into the file dialog's name box, Enter."""
    app.keys("ctrl+o")
    dialog = app.wait_window(OPEN_DIALOG, timeout=15)
    app.xdo("windowfocus", "--sync", str(dialog))
    time.sleep(0.3)
    app.xdo("type", "--delay", "15", str(path))
    app.keys("Return", window=dialog)
    app.wait_no_window(OPEN_DIALOG)


def _error_pixels(image: Image) -> int:
    """Pixels of the inline error's red in the strip above the timeline (below the toolbar,
    right of the side panel)."""
    return image.count_near(ERROR_RED, (image.width // 5, 40, image.width, 200), tolerance=30)


def test_a_scenario_file_opened_from_the_file_menu_plays(app: App, tmp_path: Path) -> None:
    path = tmp_path / "opened.toml"
    path.write_text(SCENARIO)
    _stop_feed(app)
    _open_file(app, path)
    app.keys("F5")

    def delivered() -> list[tuple]:
        return app.query(
            "SELECT url, status_code FROM deliveries"
            " WHERE url LIKE '%/e2e/opened-file' AND state = 'delivered'"
        )

    # Its one hangup subscription, sent to the app's own test receiver (paths kept), answered.
    wait_for(lambda: bool(delivered()), 45, "the opened scenario's delivery")
    [(url, status)] = delivered()
    assert url == f"http://127.0.0.1:{app.receiver_port}/e2e/opened-file" and 200 <= status < 300
    _shot(app, tmp_path, "opened-scenario")
    app.keys("ctrl+q")
    _assert_clean_exit(app)


def test_a_malformed_scenario_file_shows_its_error_and_it_stays(app: App, tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[[calls]]\nfrom = "000*999"\nto = "1"\n')
    _stop_feed(app)
    before = _error_pixels(_shot(app, tmp_path, "before"))
    events = app.events()
    _open_file(app, path)
    time.sleep(1.0)
    shown = _error_pixels(_shot(app, tmp_path, "error-shown"))
    assert shown > before + 200, (before, shown)
    app.keys("F5")  # refused: nothing plays, the error stays where it is
    time.sleep(12)  # longer than a status-bar message (10 s) lasted
    later = _error_pixels(_shot(app, tmp_path, "error-later"))
    assert later > before + 200, (before, later)
    assert app.events() == events
    app.keys("ctrl+q")
    _assert_clean_exit(app)


# -- the PBX account -------------------------------------------------------------------------------

CLIENT_ID = "e2e-app"
SECRET = "e2e-s3cret"  # noqa: S105 - a test emulator's, on loopback
ACCOUNT = """\
[pbx]
client_prefix = "000"

[[extensions]]
id = 501
name = "000*501"
type = "phone"

[[extensions]]
id = 502
name = "000*502"
type = "phone"
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[str]:
    """`pbxdesk emulator` on loopback with two extensions; its base URL."""
    scenario = tmp_path / "account.toml"
    scenario.write_text(ACCOUNT)
    port = _free_port()
    env = {**os.environ, "PBXDESK_HOME": str(tmp_path / "emulator-home")}
    proc = subprocess.Popen(
        [str(PBXDESK), "emulator", "--port", str(port), "--client-id", CLIENT_ID, "--client-secret", SECRET,
         "--scenario", str(scenario), "--quiet"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("PBX emulator on"), line
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(15)
        if sys.platform != "win32" and proc.stdout is not None:
            proc.stdout.close()


def _type(app: App, window: int, text: str) -> None:
    app.xdo("windowfocus", "--sync", str(window))
    app.xdo("type", "--delay", "10", text)


def test_connect_a_pbx_account_and_pull_its_extensions(app: App, emulator: str, tmp_path: Path) -> None:
    """Feed → "Live: PBX account": the account dialog opens with the keyboard in the client id
    box; the emulator's address, the client id and a wrong secret typed: the dialog stays,
    saying so; the secret corrected in place: connected. PBX → Sync with account…, Pull: the
    profile holds the account's extensions."""
    _stop_feed(app)
    app.keys("alt+d", "F4", "Down", "Return")  # Feed: "Live: PBX account"
    title = "^Connect to the PBX account$"
    dialog = app.wait_window(title, timeout=15)
    time.sleep(0.3)
    _type(app, dialog, CLIENT_ID)  # the keyboard starts in the client id box
    app.keys("shift+Tab", "ctrl+a", window=dialog)
    _type(app, dialog, emulator)
    app.keys("Tab", "Tab", window=dialog)
    _type(app, dialog, "wrong-secret")
    app.keys("Return", window=dialog)
    time.sleep(3.0)
    write_png(grab(app.display, dialog), tmp_path / "account-wrong-secret.png")
    assert app.find_windows(title), "a wrong secret closed the dialog"
    assert app.query("SELECT value FROM settings WHERE key = 'pbx_api'") == []  # not saved: not connected
    app.keys("ctrl+a", window=dialog)  # the keyboard is back in the secret box
    _type(app, dialog, SECRET)
    app.keys("Return", window=dialog)
    app.wait_no_window(title, timeout=20)  # signed in
    [(saved,)] = app.query("SELECT value FROM settings WHERE key = 'pbx_api'")
    assert emulator in saved and CLIENT_ID in saved and SECRET not in saved

    app.keys("alt+p", "y")  # PBX → Sync with account…
    sync_title = "^Sync with the PBX account$"
    sync = app.wait_window(sync_title, timeout=15)
    time.sleep(2.0)  # it compares at once
    image = grab(app.display, sync)
    write_png(image, tmp_path / "sync.png")
    # "Pull from account…", second from the right at the bottom (no shortcut: a click).
    app.xdo("mousemove", "--window", str(sync), str(image.width - 173), str(image.height - 24))
    app.xdo("click", "1")
    question = app.wait_window("^Pull from account$", timeout=10)
    time.sleep(0.5)
    write_png(grab(app.display, question), tmp_path / "pull-question.png")
    app.keys("shift+Tab", "space", window=question)  # from Cancel (the default) to Pull

    def names() -> set[str]:
        return {name for (name,) in app.query("SELECT name FROM extensions")}

    wait_for(lambda: names() == {"000*501", "000*502"}, 30, "the account's two extensions in the profile")
    write_png(grab(app.display, sync), tmp_path / "pulled.png")
    app.keys("Escape", window=sync)
    app.wait_no_window(sync_title)
    _shot(app, tmp_path, "main-after-pull")  # the side panel: the account's extensions
    app.keys("ctrl+q")
    _assert_clean_exit(app)
