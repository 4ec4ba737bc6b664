"""A language chosen in Preferences applies at once: the app reinstalls the translators and
reopens its window on the same profile, in the same place, the old session closed and a new
one started (as a profile switch does); cancelling changes nothing."""

from __future__ import annotations

import asyncio
import os

import shiboken6
from gui_helpers import until
from PySide6.QtCore import QCoreApplication, QLocale, QRect, QSettings
from PySide6.QtWidgets import QDialogButtonBox

from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.ui import i18n
from pbxdesk.ui.app import AppWindow
from pbxdesk.ui.dialogs import PreferencesDialog
from pbxdesk.ui.main_window import MainWindow


def _preferences(window: MainWindow) -> PreferencesDialog:
    window.menus.preferences_action.trigger()
    dialog = window.menus.dialog
    assert isinstance(dialog, PreferencesDialog) and dialog.isVisible()
    return dialog


def _menus(window: MainWindow) -> list[str]:
    return [a.text() for a in window.menuBar().actions()]


def _cancel_text() -> str:
    """Qt's own Cancel button as a new dialog would show it (qtbase_<lang>.qm or none)."""
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    try:
        return box.button(QDialogButtonBox.StandardButton.Cancel).text()
    finally:
        box.deleteLater()


async def _reopened(app_window: AppWindow, old: MainWindow, *, running: bool = True) -> MainWindow:
    """The new window, once its session is open (its feed playing, if ``running``)."""

    def ready() -> bool:  # the app back waiting for requests, the new session open
        new = app_window.window
        return (
            new is not old
            and not app_window.closed.is_set()
            and new.session.engine is not None
            and new.session.running == running
        )

    await until(ready)
    assert not app_window.closed.is_set()  # the app runs on, waiting for the next request
    return app_window.window


def test_language_change_reopens_the_window_in_that_language(qtbot, pbx_home, free_port, run_async):
    with Profile.open(profile_path("default")) as p:
        p.set_setting(RECEIVER_PORT_SETTING, free_port)
        ensure_demo(p)
    app_window = AppWindow("default")
    first = app_window.window  # not given to qtbot: a window the app replaces is deleted
    place = QRect(60, 40, 1600, 700)  # wider than the English window's least width

    async def scenario() -> None:
        running = asyncio.ensure_future(app_window.run())
        try:
            await steps(running)
        finally:
            if not running.done():  # a step failed: end the app's loop all the same
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
                await app_window.close_session()

    async def steps(running: asyncio.Future[None]) -> None:
        await until(lambda: first.session.running)
        await until(lambda: first.model.delivered >= 2)
        first.setGeometry(place)
        first.set_grouped(True)
        assert first.start_action.text() == "Start" and _menus(first) == ["&File", "&Edit", "&PBX"]

        # English → Russian, a filter and a speed chosen: the new window shows them too.
        first.filter_bar.search.setText("000*101")
        first.speed_combo.setCurrentIndex(2)
        dialog = _preferences(first)
        dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("ru"))
        assert dialog.language_note.text() == (
            "The new language applies at once: the window reopens when you press OK."
        )
        dialog.ok_button.click()
        russian = await _reopened(app_window, first)
        assert QSettings().value(i18n.LANGUAGE_KEY) == "ru" and i18n.current_language() == "ru"
        assert russian.start_action.text() == "Запустить"
        assert _menus(russian) == ["&Файл", "&Правка", "&АТС"]
        assert russian.windowTitle() == "pbxdesk — default" and russian.profile_name == "default"
        assert russian.profile is first.profile and app_window.profile is first.profile  # not reopened
        assert russian.profiles.combo.currentData() == "default"
        # In place; wider only as far as the Russian texts need.
        wider = place.size().expandedTo(russian.minimumSizeHint())
        assert russian.geometry() == QRect(place.topLeft(), wider)
        assert russian.model.grouped
        assert russian.filter_bar.search.text() == "000*101" and russian.speed_combo.currentIndex() == 2
        assert russian.model.display_filter.text == "000*101"
        # The delivered count goes on from the profile's, as the event count does (it restarted at 0).
        assert russian.model.delivered >= 2 and russian.model.total_events >= russian.model.delivered
        assert russian.isVisible()
        await until(lambda: not shiboken6.isValid(first))  # the old window closed, and freed
        # One session: the old one closed (history flushed, its receiver's port free for the new one).
        assert first.session.writer is None and not first.session.running
        assert russian.session.engine is not None and russian.session.receiver_error is None
        assert QLocale().language() == QLocale.Language.Russian  # numbers as the language writes them
        assert _cancel_text() == "Отмена"  # Qt's own texts follow too
        if os.environ.get("PBXDESK_SCREENSHOT"):  # look at it: PBXDESK_SCREENSHOT=/tmp/ru.png
            russian.grab().save(os.environ["PBXDESK_SCREENSHOT"])

        # Cancelling the dialog changes nothing; OK without another language reopens nothing.
        dialog = _preferences(russian)
        assert dialog.windowTitle() == "Настройки"
        dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("en"))
        assert dialog.language_note.text() == (
            "Новый язык применится сразу: после нажатия «ОК» окно откроется заново."
        )
        dialog.reject()
        dialog = _preferences(russian)
        dialog.ok_button.click()
        await asyncio.sleep(0.2)
        assert app_window.window is russian and not app_window.closed.is_set()
        assert QSettings().value(i18n.LANGUAGE_KEY) == "ru" and russian.start_action.text() == "Запустить"

        # Russian → English, the feed stopped: it stays stopped. No Russian translator is left.
        await russian.stop_feed()
        russian.move(80, 50)
        place_now = russian.geometry()
        dialog = _preferences(russian)
        dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("en"))
        dialog.ok_button.click()
        english = await _reopened(app_window, russian, running=False)
        qtbot.addWidget(english)
        assert i18n.current_language() == "en" and QSettings().value(i18n.LANGUAGE_KEY) == "en"
        assert english.start_action.text() == "Start" and _menus(english) == ["&File", "&Edit", "&PBX"]
        assert english.geometry() == place_now and english.profile_name == "default"
        assert russian.session.writer is None and english.session.receiver_error is None
        assert QCoreApplication.translate("MainWindow", "Stop") == "Stop"
        assert _cancel_text() == "Cancel"
        assert MainWindow.tr("%Ln event(s)", "", 2) == "2 events"  # English plural forms again
        assert QLocale().language() == QLocale.Language.English

        app_window.closed.set()  # the app ends: its session closes
        await running
        assert english.session.writer is None

    run_async(scenario())
    app_window.profile.close()
