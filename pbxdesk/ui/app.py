"""Starting the desktop app: Qt application, the qasync loop, the profile, the window."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
from collections.abc import Callable

import qasync
from PySide6.QtCore import QCoreApplication, QSocketNotifier, Qt
from PySide6.QtWidgets import QApplication, QLabel

from pbxdesk import __version__
from pbxdesk.domain import PbxDeskError
from pbxdesk.engine.session import ensure_demo
from pbxdesk.store.manager import open_or_recover
from pbxdesk.store.profile import Profile
from pbxdesk.store.retention import prune_in_background_if_set
from pbxdesk.ui.i18n import install_language
from pbxdesk.ui.icons import app_icon
from pbxdesk.ui.main_window import MainWindow
from pbxdesk.ui.theme import apply_theme

log = logging.getLogger(__name__)


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
    this window's session and reopens the window on the profile chosen; a language chosen in
    Preferences reopens it on the same profile, every text built again in that language."""

    def __init__(self, profile_name: str) -> None:
        # the app should end (or switch: see ``switch_to``, or change language: ``language_to``)
        self.closed = asyncio.Event()
        self.switch_to: str | None = None
        self.language_to: str | None = None
        profile, name, notice = open_or_recover(profile_name, prepare=ensure_demo)
        self.profile = profile
        self.notice = notice  # said again in a window reopened on this profile
        prune_in_background_if_set(profile)
        self.window = self._make(profile, name, notice)

    def _make(self, profile: Profile, name: str, notice: str | None) -> MainWindow:
        window = MainWindow(profile, name)
        if notice:
            show_notice(window, notice)
        window.profiles.switch_requested.connect(self._switch_requested)
        window.language_changed.connect(self._language_requested)
        return window

    def _switch_requested(self, name: str) -> None:
        self.switch_to = name
        self.closed.set()

    def _language_requested(self, language: str) -> None:
        self.language_to = language
        self.closed.set()

    async def close_session(self) -> None:
        await self.window.close_session()

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
        self.profile, self.notice = profile, notice
        if old_profile is not profile:
            prune_in_background_if_set(profile)  # as at start; a language change does not repeat it
        self._replace_window(profile, opened, notice)
        if old_profile is not profile:
            old_profile.close()
        await self.window.start_session()

    async def change_language(self, language: str) -> None:
        """Install ``language``'s translators (a Preferences setting: "", "en", "ru") and reopen
        the window on the same profile, as ``switch`` does. The profile stays open: opening its
        file a second time could find it locked. The new window shows what the old one did:
        the same filter and speed, the feed running only if it was."""
        old = self.window
        running = old.session.running
        speed, filters = old.speed_combo.currentIndex(), old.filter_bar.state()
        await self.close_session()
        app = QCoreApplication.instance()
        if app is not None:
            install_language(app, language)
        self._replace_window(self.profile, old.profile_name, self.notice)
        self.window.speed_combo.setCurrentIndex(speed)
        self.window.filter_bar.restore(filters)
        await self.window.start_session(autostart=running)

    def _replace_window(self, profile: Profile, name: str, notice: str | None) -> None:
        """A new window where the old one is (its place, size, splitters and columns), shown
        before the old one closes so that the app does not see its last window close."""
        old_window = self.window
        old_window.save_state()  # the new window restores what the old one shows now
        self.window = self._make(profile, name, notice)
        if old_window.windowState() == Qt.WindowState.WindowNoState:
            # Exactly where the old one is: restoreGeometry moves a window it finds wider than
            # the screen, and one language's texts may need a wider window than another's.
            self.window.setGeometry(old_window.geometry())
        self.window.show()
        old_window.close()
        # Its Qt objects go too: connections to its own lambdas kept the window (its model,
        # plots and caches) alive after every switch.
        old_window.deleteLater()

    async def run(self) -> None:
        """Show the window and run until the app closes, switching profiles on request."""
        self.window.show()
        await self.window.start_session()
        while True:
            await self.closed.wait()
            if self.language_to is not None:
                language, self.language_to = self.language_to, None
                await self.change_language(language)
            elif self.switch_to is not None:
                name, self.switch_to = self.switch_to, None
                await self.switch(name)
            else:
                await self.close_session()
                return
            self.closed.clear()  # the old window's closing is not the app's


def run_app(profile_name: str) -> int:
    """Run the GUI until its window closes. PbxDeskError propagates for the CLI to report.

    The coroutine ``AppWindow.run`` decides when the app ends, never Qt on its own: Qt's default
    (quit when the last window closes) stopped the loop while ``close_session`` still had to
    run, and qasync's ``run_until_complete`` then raised "Event loop stopped before Future
    completed". Every way out (File → Quit, Ctrl+Q, the close button, SIGINT, SIGTERM, a
    ``QApplication.quit()`` from the session manager) only sets ``closed``; the session closes
    on the running loop, then the loop stops, and whatever task is left is cancelled and
    awaited before the loop closes (no "Task was destroyed but it is pending")."""
    app = make_application()
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    main = AppWindow(profile_name)
    app.lastWindowClosed.connect(main.closed.set)
    app.aboutToQuit.connect(main.closed.set)
    wakeup = SignalWakeup(app, loop, main.closed.set)
    try:
        with loop:
            task = loop.create_task(main.run())
            task.add_done_callback(lambda _t: loop.stop())
            loop.run_forever()
            if not task.done():  # Qt quit by itself (QApplication.quit()): close the session now
                main.closed.set()
                loop.run_until_complete(task)
            task.result()  # an error of the app's own propagates
            loop.run_until_complete(finish_tasks())
    finally:
        wakeup.close()
        main.profile.close()
    return 0


async def finish_tasks() -> None:
    """Cancel and await every task still alive after the session closed (an action's or a
    dialog's job), then close async generators: nothing is left pending at loop close."""
    me = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
    for t in tasks:
        t.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for t, result in zip(tasks, results, strict=True):
        if isinstance(result, Exception):
            log.warning("a task ended with an error at quit: %r (%s)", result, t.get_coro())
    await asyncio.get_running_loop().shutdown_asyncgens()


class SignalWakeup:
    """SIGINT and SIGTERM close the app cleanly (history flushed, receiver closed).

    A Python signal handler only runs when the interpreter next gets control, and while Qt
    waits in its C++ event loop that may be never: ``signal.set_wakeup_fd`` writes the signal
    number to a socket whose notifier wakes Qt; its slot runs Python, so the handler runs, and
    it asks for the close on the loop (``call_soon``), not in whatever code it interrupted."""

    def __init__(
        self, app: QApplication, loop: asyncio.AbstractEventLoop, on_signal: Callable[[], object]
    ) -> None:
        self._reader, self._writer = socket.socketpair()
        for s in (self._reader, self._writer):
            s.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, app)
        self._notifier.activated.connect(self._drain)
        self._old: dict[int, object] = {}

        def handler(_sig: int, _frame: object) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(on_signal)

        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old[sig] = signal.signal(sig, handler)

    def _drain(self) -> None:
        try:
            while self._reader.recv(64):
                pass
        except OSError:  # BlockingIOError: drained
            pass

    def close(self) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]
        signal.set_wakeup_fd(self._old_fd)
        self._notifier.setEnabled(False)
        self._notifier.deleteLater()
        self._reader.close()
        self._writer.close()
