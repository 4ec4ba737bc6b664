"""A profile file pbxdesk cannot use: the app still starts (on another profile), says why in the
status bar without blocking, and leaves the file as it was."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from pbxdesk.store import manager  # noqa: E402
from pbxdesk.store.paths import profile_path  # noqa: E402
from pbxdesk.store.schema import SCHEMA_VERSION  # noqa: E402


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _garbage(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(3000))  # a header, then noise


def _truncated(path: Path) -> None:
    if not path.exists():
        manager.create_profile(path.stem)
    data = path.read_bytes()
    path.write_bytes(data[:1500])


def _newer(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 4}")
    conn.close()


@pytest.mark.parametrize("spoil", [_garbage, _truncated, _newer], ids=["garbage", "truncated", "newer"])
def test_open_or_recover_falls_back_and_leaves_the_file(pbxdesk_home: Path, spoil) -> None:
    bad = profile_path("work")
    spoil(bad)
    before = _digest(bad)
    prepared = []
    profile, name, notice = manager.open_or_recover("work", prepare=prepared.append)
    try:
        assert name == "default" and profile.path == profile_path("default")
        assert prepared == [profile]
        assert notice and "'work' could not be opened" in notice and str(bad) in notice
        assert "'default' instead" in notice
    finally:
        profile.close()
    assert _digest(bad) == before
    # the default profile itself bad: a fresh "recovered" one
    spoil(profile_path("default"))
    profile, name, notice = manager.open_or_recover("default")
    profile.close()
    assert name == "recovered" and "'default' could not be opened" in notice


def test_the_app_starts_with_a_notice_in_the_status_bar(qapp, pbxdesk_home: Path, monkeypatch) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    from pbxdesk.engine import session
    from pbxdesk.ui import app as ui_app
    from pbxdesk.ui.main_window import MainWindow

    monkeypatch.setattr(session, "DEMO_RECEIVER_PORT", 0)  # any free port for the demo receiver
    bad = profile_path("default")
    _garbage(bad)
    before = _digest(bad)
    seen: dict[str, object] = {}

    def inspect() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows:
            QTimer.singleShot(100, inspect)
            return
        window = windows[0]
        label = window.findChild(QLabel, "profile_notice")
        seen["notice"] = label.text() if label else None
        seen["title"] = window.windowTitle()
        seen["modal"] = QApplication.activeModalWidget()
        seen["window"] = window
        signal.raise_signal(signal.SIGTERM)  # run_app's handler ends the session cleanly

    QTimer.singleShot(300, inspect)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        assert ui_app.run_app("default") == 0
    finally:
        for sig, handler in handlers.items():  # run_app installs its own
            signal.signal(sig, handler)
    assert seen["modal"] is None  # nothing blocks
    assert "recovered" in str(seen["title"])
    assert "'default' could not be opened" in str(seen["notice"]) and str(bad) in str(seen["notice"])
    assert _digest(bad) == before
    assert profile_path("recovered").exists()
    seen["window"].close()
