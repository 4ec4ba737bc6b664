"""Every dialog of the app, opened from the running loop while the demo feed plays: the feed
keeps adding events while it is open and after it closes, and no task error is logged (a
dialog's ``exec()`` inside a task re-entered the loop: "Cannot enter into task", a frozen feed)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from gui_helpers import until
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from pbxdesk.ui.main_window import MainWindow


def _open_dialog(window: MainWindow) -> QDialog | None:
    """The dialog (window-modal or not) shown over ``window``, if any."""
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QDialog) and w.isVisible():
            return w
    return None


def _openers(window: MainWindow) -> dict[str, Callable[[], object]]:
    menus = window.menus
    tree = window.ext_tree

    def first_row():
        return next(r for r in window.model.iter_rows() if r.call_id)

    return {
        "Preferences": menus.preferences,
        "New extension": menus.new_extension,
        "Edit extension": lambda: menus.edit_item(tree.topLevelItem(0)),
        "New subscription": menus.new_subscription,
        "Edit subscription": lambda: menus.edit_item(tree.topLevelItem(0).child(0)),
        "Delete (question)": lambda: menus.delete_item(tree.topLevelItem(0).child(0)),
        "Export": lambda: menus.exporter.ask(selected_only=False),
        "Send this call to another URL": lambda: window.delivery_actions.ask_url(first_row()),
        "New profile": window.profiles._ask_new_name,
        "Monitor an extension on the PBX": window.live.start_action.trigger,
        "Connect to the PBX account": lambda: window.live_feed.ask_connect(0),
        "Sync with the PBX account": window.live_feed.open_sync,
    }


def test_every_dialog_leaves_the_feed_running(qtbot, profile, run_async, caplog) -> None:
    caplog.set_level(logging.WARNING)
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.show()
    window.speed_combo.setCurrentIndex(4)  # 10×: events every few tens of ms
    loop_errors: list[dict] = []

    async def scenario() -> list[str]:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: loop_errors.append(ctx))
        await window.start_session()
        total = lambda: window.model.total_events  # noqa: E731
        await until(lambda: total() > 0, what="first events")
        opened = []
        for name, open_it in _openers(window).items():
            open_it()
            await until(lambda: _open_dialog(window) is not None, 10, f"{name} open")
            dialog = _open_dialog(window)
            assert dialog is not None
            opened.append(dialog.windowTitle())
            before = total()
            await until(lambda b=before: total() > b, 20, f"events while {name} is open")
            dialog.reject()  # Escape / Cancel
            await until(lambda: _open_dialog(window) is None, 10, f"{name} closed")
            after = total()
            await until(lambda a=after: total() > a, 20, f"events after {name} closed")
            assert window.session.running, name
        await window.stop_feed()
        await window.session.close()
        return opened

    titles = run_async(scenario())
    assert len(titles) == len(_openers(window)) and all(titles)
    assert loop_errors == []
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert problems == []


@pytest.fixture(autouse=True)
def _no_leftover_dialogs(qapp) -> None:
    yield
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QWidget) and isinstance(w, QDialog):
            w.close()
