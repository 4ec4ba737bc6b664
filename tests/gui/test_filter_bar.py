"""The filter bar on the main window over a profile of 20,000 events: results as you type
(debounced), each control, Clear, Ctrl+F and F3."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QSettings, QStandardPaths, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from test_timeline_model import make_history

from pbxdesk.domain import CallStatus, EventType
from pbxdesk.store.profile import Profile
from pbxdesk.ui.filter_bar import DEBOUNCE_MS, FilterBar
from pbxdesk.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    return make_history(tmp_path_factory.mktemp("filterbar") / "history.sqlite")


@pytest.fixture
def settings_dir(qapp, tmp_path):
    """Window state in a settings file of the test's own (not the user's)."""
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield tmp_path / "settings"
    default = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, default)


@pytest.fixture
def window(settings_dir, qtbot, history):
    profile = Profile.open(history["path"], create=False)
    w = MainWindow(profile, "history")
    qtbot.addWidget(w)
    w.resize(1300, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    profile.close()


def _expected(history, keep) -> list[int]:
    out = []
    for i, ev in enumerate(history["events"], 1):
        state = history["deliveries"].get(i, (None,))[0]
        if keep(ev, state):
            out.append(i)
    return out


def test_typing_emits_one_filter_after_the_debounce(qtbot) -> None:
    bar = FilterBar()
    qtbot.addWidget(bar)
    got: list[tuple[float, object]] = []
    bar.changed.connect(lambda f: got.append((time.perf_counter(), f)))
    qtbot.keyClicks(bar.search, "+79817")
    typed = time.perf_counter()
    assert got == []  # nothing per keystroke
    qtbot.waitUntil(lambda: bool(got), timeout=2000)
    qtbot.wait(DEBOUNCE_MS + 50)
    assert len(got) == 1
    at, flt = got[0]
    assert flt.text == "+79817"
    assert at - typed >= (DEBOUNCE_MS - 20) / 1000
    # Clear: every control back to "any", one filter at once.
    bar.failures_only.setChecked(True)
    bar.delivery.setCurrentIndex(2)
    got.clear()
    bar.clear()
    assert len(got) == 1 and got[0][1].is_empty and bar.search.text() == ""
    qtbot.wait(DEBOUNCE_MS + 50)
    assert len(got) == 1  # and no debounced one after it


def _apply(window, qtbot, change) -> None:
    with qtbot.waitSignal(window.model.filter_applied, timeout=10_000):
        change()


def test_each_control_filters_the_timeline(window, qtbot, history) -> None:
    bar = window.filter_bar
    model = window.model
    assert model.rowCount() == len(history["events"])

    def check(keep, label_count: int | None = None) -> None:
        expected = _expected(history, keep)
        assert list(model.event_ids) == expected
        window._refresh_status()
        assert (
            bar.result_label.text()
            == f"{label_count if label_count is not None else len(expected):,} events match"
        )

    _apply(window, qtbot, lambda: bar.event_type.setCurrentIndex(bar.event_type.findData("hangup")))
    check(lambda ev, s: ev.event_type is EventType.HANGUP)
    _apply(window, qtbot, lambda: bar.extension.setCurrentIndex(bar.extension.findData(103)))
    check(lambda ev, s: ev.event_type is EventType.HANGUP and ev.extension_id == 103)
    _apply(window, qtbot, lambda: bar.call_status.setCurrentIndex(bar.call_status.findData("ANSWER")))
    check(lambda ev, s: ev.event_type is EventType.HANGUP and ev.extension_id == 103
          and ev.call_status is CallStatus.ANSWER)  # fmt: skip
    _apply(window, qtbot, lambda: bar.delivery.setCurrentIndex(bar.delivery.findData("failed")))
    check(lambda ev, s: ev.event_type is EventType.HANGUP and ev.extension_id == 103
          and ev.call_status is CallStatus.ANSWER and s == "failed")  # fmt: skip
    assert model.rowCount() > 0
    # The history is from 2023: "last hour" leaves nothing.
    _apply(window, qtbot, lambda: bar.time_range.setCurrentIndex(2))
    assert model.rowCount() == 0 and window.timeline_stack.currentWidget() is window.table
    _apply(window, qtbot, bar.clear)
    assert model.rowCount() == len(history["events"]) and model.display_filter.is_empty
    _apply(window, qtbot, lambda: bar.failures_only.setChecked(True))
    check(lambda ev, s: s in ("failed", "pending"))
    _apply(window, qtbot, lambda: bar.delivery.setCurrentIndex(bar.delivery.findData("none")))
    check(lambda ev, s: False, 0)  # none has no delivery that failed
    _apply(window, qtbot, bar.clear)
    _apply(window, qtbot, lambda: bar.delivery.setCurrentIndex(bar.delivery.findData("none")))
    check(lambda ev, s: s is None)
    _apply(window, qtbot, lambda: bar.delivery.setCurrentIndex(bar.delivery.findData("retrying")))
    check(lambda ev, s: s == "pending")
    _apply(window, qtbot, lambda: bar.delivery.setCurrentIndex(bar.delivery.findData("delivered")))
    check(lambda ev, s: s == "delivered")


def test_typing_a_call_id_shows_its_rows(window, qtbot, history) -> None:
    ev = history["events"][4321]
    window.table.setCurrentIndex(window.model.index(4321, 0))  # the user looks at event 4322
    bar = window.filter_bar
    bar.search.setFocus()
    with qtbot.waitSignal(window.model.filter_applied, timeout=10_000):
        qtbot.keyClicks(bar.search, ev.call_id)
    assert list(window.model.event_ids) == _expected(history, lambda e, s: e.call_id == ev.call_id)
    # It stays selected (and in the detail pane) in the filtered view.
    assert window.model.event_id_at(window.table.currentIndex().row()) == 4322
    assert window.detail.row is not None and window.detail.row.event_id == 4322
    qtbot.wait(50)
    assert window.model.data(window.model.index(0, 0))  # painted rows have their text
    # A number: its calls' events on both sides (caller or called).
    with qtbot.waitSignal(window.model.filter_applied, timeout=10_000):
        bar.search.setText("+79112223344")
    got = list(window.model.event_ids)
    assert got and all("+79112223344" in str(window.model.row_at(i).fields) for i in range(len(got)))


def test_ctrl_f_focuses_the_search_and_f3_walks_failures(window, qtbot, history) -> None:
    assert window.find_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    assert window.next_failure_action.shortcut() == QKeySequence("F3")
    window.activateWindow()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.filter_bar.search, timeout=2000)
    failures = _expected(history, lambda e, s: s in ("failed", "pending"))
    window.table.setFocus()
    window.table.setCurrentIndex(window.model.index(0, 0))
    seen = []
    for _ in range(3):
        qtbot.keyClick(window.table, Qt.Key.Key_F3)
        seen.append(window.model.event_id_at(window.table.currentIndex().row()))
    assert seen == [f for f in failures if f > window.model.event_id_at(0)][:3]
    # The detail pane follows the selection: the failed delivery's attempts.
    assert window.detail.row is not None and window.detail.row.event_id == seen[-1]
    assert window.detail.deliveries and window.detail.deliveries[0].state in ("failed", "pending")
    # Nothing to find: the status bar says so.
    with qtbot.waitSignal(window.model.filter_applied, timeout=10_000):
        window.filter_bar.delivery.setCurrentIndex(window.filter_bar.delivery.findData("delivered"))
    window.next_failure()
    assert "No failed delivery" in window.statusBar().currentMessage()
