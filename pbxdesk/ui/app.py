"""Starting the desktop app: Qt application, the qasync loop, the profile, the window."""

from __future__ import annotations

import asyncio
import signal
import sys

import qasync
from PySide6.QtWidgets import QApplication, QLabel

from pbxdesk import __version__
from pbxdesk.engine.session import ensure_demo
from pbxdesk.store.manager import open_or_recover
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.store.retention import prune_in_background_if_set
from pbxdesk.ui.i18n import install_language
from pbxdesk.ui.icons import app_icon
from pbxdesk.ui.main_window import MainWindow
from pbxdesk.ui.theme import apply_theme


def make_application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("pbxdesk")
    app.setOrganizationName("pbxdesk")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(app_icon())
    install_language(app)  # the language and theme chosen in Preferences (QSettings)
    apply_theme(app)
    return app


def open_profile(name: str) -> Profile:
    profile = Profile.open(profile_path(name))
    ensure_demo(profile)
    return profile


def show_notice(window: MainWindow, text: str) -> None:
    """A non-blocking notice in the status bar (it stays until the window closes)."""
    label = QLabel(f"⚠ {text}")
    label.setObjectName("profile_notice")
    label.setWordWrap(True)
    label.setToolTip(text)
    label.setStyleSheet("color: #cf222e; font-weight: bold;")
    window.statusBar().addWidget(label, 2)


def run_app(profile_name: str) -> int:
    """Run the GUI until its window closes. PbxDeskError propagates for the CLI to report."""
    app = make_application()
    profile, profile_name, notice = open_or_recover(profile_name, prepare=ensure_demo)
    prune_in_background_if_set(profile)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window = MainWindow(profile, profile_name)
    if notice:
        show_notice(window, notice)
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    app.lastWindowClosed.connect(closed.set)
    # Ctrl+C / SIGTERM in the terminal close the app cleanly (history flushed, receiver closed).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: closed.set())

    async def main() -> None:
        window.show()
        await window.start_session()
        await closed.wait()
        await window.live.stop()  # removes the monitor's subscriptions at the PBX
        await window.account.disconnect()  # the Live mode's API client
        await window.session.close()

    try:
        with loop:
            loop.run_until_complete(main())
    finally:
        profile.close()
    return 0
