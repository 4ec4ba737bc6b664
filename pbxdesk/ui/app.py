"""Starting the desktop app: Qt application, the qasync loop, the profile, the window."""

from __future__ import annotations

import asyncio
import signal
import sys

import qasync
from PySide6.QtWidgets import QApplication, QLabel

from pbxdesk import __version__
from pbxdesk.domain import PbxDeskError
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


class AppWindow:
    """The app's main window, one profile at a time: the toolbar's profile selector closes
    this window's session and reopens the window on the profile chosen."""

    def __init__(self, profile_name: str) -> None:
        self.closed = asyncio.Event()  # the app should end (or switch: see ``switch_to``)
        self.switch_to: str | None = None
        profile, name, notice = open_or_recover(profile_name, prepare=ensure_demo)
        self.profile = profile
        self.window = self._make(profile, name, notice)

    def _make(self, profile: Profile, name: str, notice: str | None) -> MainWindow:
        prune_in_background_if_set(profile)
        window = MainWindow(profile, name)
        if notice:
            show_notice(window, notice)
        window.profiles.switch_requested.connect(self._switch_requested)
        return window

    def _switch_requested(self, name: str) -> None:
        self.switch_to = name
        self.closed.set()

    async def close_session(self) -> None:
        w = self.window
        await w.live.stop()  # removes the monitor's subscriptions at the PBX
        await w.account.disconnect()  # the Live mode's API client
        await w.session.close()

    async def switch(self, name: str) -> None:
        """Close this profile's session and window; open ``name`` (or, if it cannot be opened,
        a fallback, saying why) in a new window, shown before the old one closes (the app keeps
        running), its session started."""
        old_window, old_profile = self.window, self.profile
        await self.close_session()
        try:
            profile, opened, notice = open_or_recover(name, prepare=ensure_demo)
        except PbxDeskError as exc:  # not even a fallback opens: this profile again
            profile, opened, notice = old_profile, old_window.profile_name, str(exc)
        self.profile = profile
        self.window = self._make(profile, opened, notice)
        self.window.show()
        old_window.close()
        if old_profile is not profile:
            old_profile.close()
        await self.window.start_session()

    async def run(self) -> None:
        """Show the window and run until the app closes, switching profiles on request."""
        self.window.show()
        await self.window.start_session()
        while True:
            await self.closed.wait()
            if self.switch_to is None:
                await self.close_session()
                return
            name, self.switch_to = self.switch_to, None
            await self.switch(name)
            self.closed.clear()  # the old window's closing is not the app's


def run_app(profile_name: str) -> int:
    """Run the GUI until its window closes. PbxDeskError propagates for the CLI to report."""
    app = make_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    main = AppWindow(profile_name)
    app.aboutToQuit.connect(main.closed.set)
    app.lastWindowClosed.connect(main.closed.set)
    # Ctrl+C / SIGTERM in the terminal close the app cleanly (history flushed, receiver closed).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: main.closed.set())
    try:
        with loop:
            loop.run_until_complete(main.run())
    finally:
        main.profile.close()
    return 0
