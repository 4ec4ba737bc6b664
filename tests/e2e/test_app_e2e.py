"""The installed app as a person drives it: real window, real keys, real exit."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import App, wait_for


def _writer_processes(db: Path) -> list[int]:
    """Processes (the profile's committer) whose command line names ``db``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(db) in cmdline:
            found.append(int(pid))
    return found


def _assert_clean_exit(app: App) -> None:
    """Exit 0, nothing on stderr, nothing wrong in the log, the writer gone, the profile sound."""
    code, stderr = app.wait_exit()
    assert (code, stderr) == (0, ""), f"exit {code}, stderr:\n{stderr}"
    assert app.log_problems() == []
    wait_for(lambda: not _writer_processes(app.db), 10, "the profile's writer process to exit")
    conn = sqlite3.connect(f"file:{app.db}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] > 0
    finally:
        conn.close()


WAYS_OUT = {
    "File menu → Quit": lambda app: app.keys("alt+f", "q"),
    "Ctrl+Q": lambda app: app.keys("ctrl+q"),
    "close button": lambda app: app.close_button(),
    "SIGINT": lambda app: app.signal(signal.SIGINT),
    "SIGTERM": lambda app: app.signal(signal.SIGTERM),
}


@pytest.mark.parametrize("way", list(WAYS_OUT))
def test_each_way_out_exits_0_with_nothing_on_stderr(app: App, way: str) -> None:
    app.events_rise()  # the feed runs: a quit with deliveries under way
    WAYS_OUT[way](app)
    _assert_clean_exit(app)


def _table_row(app: App) -> None:
    """Click a row of the timeline (the window's middle, below the filter bar)."""
    app.click(760, 200)


DIALOGS: dict[str, tuple[str, tuple[str, ...], object]] = {
    # name: (window title, keys that open it, what happens first)
    "Preferences": ("^Preferences$", ("ctrl+comma",), None),
    "New extension": ("^New extension$", ("ctrl+shift+n",), None),
    "New subscription": ("^New subscription", ("alt+p", "s"), None),
    "Export": ("^Export ", ("ctrl+e",), None),
    "Monitor an extension": ("^Monitor an extension on the PBX$", ("alt+p", "m"), None),
    "Sync with account": ("^Sync with the PBX account$", ("alt+p", "y"), None),
    "New profile": ("^New profile$", ("alt+r", "F4", "End", "Return"), None),
    "Send this call to another URL": ("^Send this call to another URL$", ("shift+F10", "s"), _table_row),
}


def test_the_feed_runs_while_each_dialog_is_open_and_after(app: App) -> None:
    """Each dialog opened with real keys, from the running app: the profile keeps gaining
    events while it is open and after it closes (no nested loop freezes the feed)."""
    app.events_rise()
    for name, (title, keys, before) in DIALOGS.items():
        if callable(before):
            before(app)
        app.keys(*keys)
        dialog = app.wait_window(title, timeout=15)
        app.events_rise()  # while it is open
        app.keys("Escape", window=dialog)
        app.wait_no_window(title)
        app.events_rise()  # and after, name  (for the failure message)
        assert app.proc is not None and app.proc.poll() is None, f"the app ended after {name}"
    app.keys("ctrl+q")
    _assert_clean_exit(app)


def test_a_shipped_scenario_from_the_feed_selector_delivers_2xx(app: App) -> None:
    """Stop the demo feed (Shift+F5), choose "Scenario: seed-example" in the Feed selector
    (Alt+D, its list, 6 down), Start (F5): its three GETs reach the app's own test receiver
    (not the outside host of the manual's example) and get 2xx."""
    app.keys("shift+F5")
    time.sleep(1.0)
    app.keys("alt+d", "F4", *(["Down"] * 6), "Return")
    time.sleep(0.5)
    app.keys("F5")

    def scenario_deliveries() -> list[tuple]:
        return app.query(
            "SELECT url, status_code, state FROM deliveries WHERE url LIKE '%/fordel/show.php?myid=175%'"
        )

    wait_for(
        lambda: len([d for d in scenario_deliveries() if d[2] == "delivered"]) >= 3,
        45,
        "the seed example's three deliveries",
    )
    deliveries = scenario_deliveries()
    assert all(url.startswith(f"http://127.0.0.1:{app.receiver_port}/fordel/") for url, _, _ in deliveries)
    assert all(200 <= status < 300 for _, status, _ in deliveries), deliveries
    app.keys("ctrl+q")
    _assert_clean_exit(app)
