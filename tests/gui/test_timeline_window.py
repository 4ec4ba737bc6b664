"""The timeline in the main window: it follows the tail until the user scrolls up and again once
they are back at the bottom; columns shown/hidden from the header's menu and remembered;
grouping by call with the mouse and the keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QSettings, QStandardPaths, Qt
from test_timeline_model import make_history

from pbxdesk.domain import EventData, EventType
from pbxdesk.store.profile import Profile
from pbxdesk.ui.main_window import MainWindow
from pbxdesk.ui.timeline import TimelineModel


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    return make_history(tmp_path_factory.mktemp("window") / "history.sqlite", 5000)


@pytest.fixture
def settings_dir(qapp, tmp_path):
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield
    default = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, default)


def _open(qtbot, history) -> tuple[MainWindow, Profile]:
    profile = Profile.open(history["path"], create=False)
    w = MainWindow(profile, "history")
    qtbot.addWidget(w)
    w.resize(1300, 800)
    w.show()
    qtbot.waitExposed(w)
    return w, profile


class Tail:
    """Events pushed into the window's model the way the engine's callback does."""

    def __init__(self, window: MainWindow, start: int) -> None:
        self.window = window
        self.next_id = start

    def push(self, n: int, call_id: str = "tail-call") -> None:
        for _ in range(n):
            self.next_id += 1
            ev = EventData(101, EventType.DIAL_IN, call_id, 1_800_000_000_000_000 + self.next_id)
            self.window._on_event(self.next_id, ev)


def _at_bottom(window: MainWindow) -> bool:
    bar = window.table.verticalScrollBar()
    return bar.value() == bar.maximum()


def test_auto_scroll_stops_when_scrolled_up_and_resumes_at_the_bottom(settings_dir, qtbot, history) -> None:
    window, profile = _open(qtbot, history)
    model = window.model
    bar = window.table.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and _at_bottom(window), timeout=2000)
    tail = Tail(window, len(history["events"]))
    tail.push(20)
    qtbot.waitUntil(lambda: model.rowCount() == 5020, timeout=2000)
    assert _at_bottom(window)  # following: the newest row is in sight
    last = model.rowCount() - 1
    assert window.table.rowAt(window.table.viewport().height() - 2) == last
    # The user scrolls up: new rows no longer move the view.
    bar.setValue(bar.maximum() - 300)
    held = bar.value()
    tail.push(30)
    qtbot.waitUntil(lambda: model.rowCount() == 5050, timeout=2000)
    qtbot.wait(50)
    assert bar.value() == held and not _at_bottom(window)
    # Back at the bottom: it follows again.
    bar.setValue(bar.maximum())
    tail.push(10)
    qtbot.waitUntil(lambda: model.rowCount() == 5060, timeout=2000)
    qtbot.wait(20)
    assert _at_bottom(window)
    assert window.table.rowAt(window.table.viewport().height() - 2) == model.rowCount() - 1
    window.close()
    profile.close()


def test_columns_from_the_header_menu_are_remembered(settings_dir, qtbot, history) -> None:
    window, profile = _open(qtbot, history)
    header = window.table.horizontalHeader()
    for col in TimelineModel.HIDDEN_BY_DEFAULT:  # CallID, Direction, Duration, Event #: on demand
        assert header.isSectionHidden(col)
    window._column_menu(QPoint(10, 5))
    menu = window.column_menu
    actions = {a.text(): a for a in menu.actions()}
    assert list(actions) == list(TimelineModel.COLUMNS)
    assert actions["Caller"].isChecked() and not actions["CallID"].isChecked()
    actions["CallID"].setChecked(True)  # show
    actions["Caller"].setChecked(False)  # hide
    menu.close()
    assert not header.isSectionHidden(7) and header.isSectionHidden(3)
    row = window.model.rowCount() - 1
    assert window.model.data(window.model.index(row, 7)) == history["events"][-1].call_id
    window.close()
    profile.close()
    # A new window: the same columns.
    again, profile = _open(qtbot, history)
    header = again.table.horizontalHeader()
    assert not header.isSectionHidden(7) and header.isSectionHidden(3) and header.isSectionHidden(8)
    # The last visible column cannot be hidden.
    for col in range(len(TimelineModel.COLUMNS)):
        again.set_column_visible(col, False)
    assert header.count() - header.hiddenSectionCount() == 1
    again.close()
    profile.close()


def test_group_by_call_in_the_window(settings_dir, qtbot, history, tmp_path) -> None:
    window, profile = _open(qtbot, history)
    model = window.model
    calls: dict[str, list[int]] = {}
    for i, ev in enumerate(history["events"], 1):
        calls.setdefault(ev.call_id, []).append(i)
    with qtbot.waitSignal(model.filter_applied, timeout=10_000):
        window.group_button.click()
    assert model.grouped and model.rowCount() == len(calls)
    qtbot.waitUntil(lambda: _at_bottom(window), timeout=2000)  # still at the newest calls
    # A click on a call's first column opens it; the call's events follow it.
    row = model.rowCount() - 5
    call_id = model.call_id_at(row)
    rect = window.table.visualRect(model.index(row, 0))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert model.is_expanded(call_id)
    assert [model.event_id_at(row + 1 + k) for k in range(len(calls[call_id]))] == calls[call_id]
    # The detail pane shows the call's first event for its header row.
    assert window.detail.row is not None and window.detail.row.event_id == calls[call_id][0]
    window.grab().save(str(tmp_path / "grouped.png"))
    # Keyboard: Left closes it (from one of its events), Right opens it again.
    window.table.setCurrentIndex(model.index(row + 1, 0))
    qtbot.keyClick(window.table, Qt.Key.Key_Left)
    assert not model.is_expanded(call_id) and window.table.currentIndex().row() == row
    qtbot.keyClick(window.table, Qt.Key.Key_Right)
    assert model.is_expanded(call_id)
    # A filter keeps the grouping; grouping is remembered.
    with qtbot.waitSignal(model.filter_applied, timeout=10_000):
        window.filter_bar.extension.setCurrentIndex(window.filter_bar.extension.findData(300))
    assert model.grouped
    assert all(model.row_at(r).extension_id == 300 for r in range(model.rowCount()) if not model.is_header(r))
    window.close()
    profile.close()
    again, profile = _open(qtbot, history)
    assert again.group_button.isChecked()
    qtbot.waitUntil(lambda: again.model.grouped, timeout=10_000)
    again.close()
    profile.close()
