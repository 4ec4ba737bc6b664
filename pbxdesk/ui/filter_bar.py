"""The filter bar over the timeline: search text (a CallID or a number), event type,
extension, call status, delivery result, time, "failures only".

Results come as you type: every change restarts a 150 ms timer, and when it fires the bar
emits one ``DisplayFilter``; the timeline runs it as SQL against the profile
(``store.queries.display_filter_sql``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.domain import CallStatus, EventType, Extension
from pbxdesk.store.queries import DELIVERY_RESULTS, DisplayFilter
from pbxdesk.ui.flow_layout import FlowRow
from pbxdesk.ui.timeline.states import RESULT_FILTER_LABELS

DEBOUNCE_MS = 150
COMBO_MIN_WIDTH = 72
LIST_MARGIN = 24  # room for a scroll bar in a drop-down list
# (label, seconds back from now; None: any time). The labels are translated where they are shown
# (``self.tr(label)``); QT_TRANSLATE_NOOP puts them in the .ts, which lupdate cannot see through
# a variable.
TIME_RANGES: tuple[tuple[str, int | None], ...] = (
    (QT_TRANSLATE_NOOP("FilterBar", "Time: any"), None),
    (QT_TRANSLATE_NOOP("FilterBar", "Last 5 minutes"), 300),
    (QT_TRANSLATE_NOOP("FilterBar", "Last hour"), 3600),
    (QT_TRANSLATE_NOOP("FilterBar", "Last 24 hours"), 86_400),
)


class _FilterCombo(QComboBox):
    """A filter's box: it shows its choice with the filter's name ("Extension: 000*101 ·
    Anna"), as wide as that text needs, so what is chosen reads in full. Only a window too
    narrow for it (its minimum) elides the text with "…" (Qt's own box clips it)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name  # "Event", translated
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.currentIndexChanged.connect(lambda _i: self.updateGeometry())

    def display_text(self) -> str:
        """Item 0 names itself ("Event: any"); a choice gets the filter's name in front."""
        if self.currentIndex() <= 0:
            return self.currentText()
        return f"{self.name}: {self.currentText()}"

    def _width_for(self, text: str) -> int:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        content = QSize(self.fontMetrics().horizontalAdvance(text), self.fontMetrics().height())
        return self.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, option, content, self).width()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        return QSize(max(COMBO_MIN_WIDTH, self._width_for(self.display_text()) + 4), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(COMBO_MIN_WIDTH, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        option.currentText = self.fontMetrics().elidedText(
            self.display_text(), Qt.TextElideMode.ElideRight, field.width()
        )
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


class FilterBar(QWidget):
    changed = Signal(object)  # a DisplayFilter, debounced

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("timeline_search")
        self.search.setPlaceholderText(self.tr("CallID or number… (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(150)
        self.search.setToolTip(
            self.tr(
                "A CallID (or its first characters), or part of a number or name: caller, called, "
                "DID, extension"
            )
        )
        self.event_type = _FilterCombo(self.tr("Event"))
        self.event_type.setToolTip(self.tr("Event type"))
        self.event_type.addItem(self.tr("Event: any"), None)
        for et in EventType:
            self.event_type.addItem(et.value, et.value)
        self.extension = _FilterCombo(self.tr("Extension"))
        self.extension.setToolTip(self.tr("Extension"))
        self.extension.addItem(self.tr("Extension: any"), None)
        self.call_status = _FilterCombo(self.tr("Status"))
        self.call_status.setToolTip(self.tr("Call status (CallStatus)"))
        self.call_status.addItem(self.tr("Status: any"), None)
        for cs in CallStatus:
            self.call_status.addItem(cs.value, cs.value)
        self.delivery = _FilterCombo(self.tr("Result"))
        self.delivery.setToolTip(self.tr("Delivery result"))
        self.delivery.addItem(self.tr("Result: any"), None)
        for r in DELIVERY_RESULTS:
            self.delivery.addItem(self.tr(RESULT_FILTER_LABELS[r]), r)
        self.time_range = _FilterCombo(self.tr("Time"))
        self.time_range.setToolTip(self.tr("Time"))
        for label, seconds in TIME_RANGES:
            self.time_range.addItem(self.tr(label), seconds)
        self.failures_only = QCheckBox(self.tr("Failures only"))
        self.failures_only.setToolTip(
            self.tr("Events with a delivery whose last attempt failed (failed, or waiting to retry)")
        )
        self.clear_button = QToolButton()
        self.clear_button.setText(self.tr("Clear"))
        self.clear_button.setToolTip(self.tr("Show every event"))
        self.clear_button.clicked.connect(self.clear)
        self.result_label = QLabel()
        self.result_label.setObjectName("filter_result")
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # Never clipped: as wide as its text, whatever the rest of the row needs.
        self.result_label.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)

        # Two rows: the search, "failures only", Clear and the count on the first; the five
        # boxes, each as wide as its choice, on the second. On one row at 1280 px the boxes
        # showed "Event:…", "Собы…" and the count lost its first digits.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 2)
        layout.setSpacing(3)
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.search, 1)
        top.addWidget(self.failures_only)
        top.addWidget(self.clear_button)
        top.addWidget(self.result_label)
        self.top_row = top
        boxes = FlowRow(spacing=6)  # a third line when the choices are too long for two
        for w in self._combos():
            boxes.add(w)
        self.boxes = boxes
        layout.addLayout(top)
        layout.addWidget(boxes)
        self._fit_lists()

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.emit_now)
        self.search.textChanged.connect(self._schedule)
        for combo in (self.event_type, self.extension, self.call_status, self.delivery, self.time_range):
            combo.currentIndexChanged.connect(self._schedule)
        self.failures_only.toggled.connect(self._schedule)
        self.changed_at = 0.0  # perf_counter of the last edit
        self._quiet = False

    def _combos(self) -> tuple[QComboBox, ...]:
        return (self.event_type, self.extension, self.call_status, self.delivery, self.time_range)

    def _fit_lists(self) -> None:
        """Each drop-down list as wide as its longest text, however narrow its box."""
        for combo in self._combos():
            view = combo.view()
            view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth() + LIST_MARGIN)

    def set_extensions(self, extensions: Iterable[Extension]) -> None:
        current = self.extension.currentData()
        self.extension.blockSignals(True)
        self.extension.clear()
        self.extension.addItem(self.tr("Extension: any"), None)
        for ext in extensions:
            label = f"{ext.name} · {ext.label}" if ext.label else ext.name
            self.extension.addItem(label, ext.id)
        i = self.extension.findData(current)
        self.extension.setCurrentIndex(max(i, 0))
        self.extension.blockSignals(False)
        self._fit_lists()

    def _schedule(self, *_: object) -> None:
        if self._quiet:
            return
        self.changed_at = time.perf_counter()
        self._timer.start()

    def current(self) -> DisplayFilter:
        et = self.event_type.currentData()
        seconds = self.time_range.currentData()
        return DisplayFilter(
            event_types=(et,) if et else (),
            extension_id=self.extension.currentData(),
            call_status=self.call_status.currentData(),
            delivery=self.delivery.currentData(),
            text=self.search.text().strip(),
            failures_only=self.failures_only.isChecked(),
            since_us=None if seconds is None else time.time_ns() // 1000 - seconds * 1_000_000,
        )

    def emit_now(self) -> None:
        self._timer.stop()
        self.changed.emit(self.current())

    def clear(self) -> None:
        """Every control back to "any", then one filter (not one per control)."""
        self._quiet = True  # not blockSignals: the search field's clear button follows textChanged
        try:
            self.search.clear()
            for combo in self._combos():
                combo.setCurrentIndex(0)
            self.failures_only.setChecked(False)
        finally:
            self._quiet = False
        self.emit_now()

    def state(self) -> tuple[str, tuple[object, ...], bool]:
        """What the controls show (the search text, each box's choice, "failures only"), for
        ``restore`` in a window built again (another language)."""
        choices = tuple(c.currentData() for c in self._combos())
        return self.search.text(), choices, self.failures_only.isChecked()

    def restore(self, state: tuple[str, tuple[object, ...], bool]) -> None:
        """Show ``state`` (choices this bar no longer offers stay at "any"), then one filter."""
        text, choices, failures_only = state
        self._quiet = True
        try:
            self.search.setText(text)
            for combo, data in zip(self._combos(), choices, strict=True):
                combo.setCurrentIndex(max(0, combo.findData(data)))
            self.failures_only.setChecked(failures_only)
        finally:
            self._quiet = False
        self.emit_now()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def show_result(self, events: int, total_filtered: bool, busy: bool, calls: int | None = None) -> None:
        if busy:
            self.result_label.setText(self.tr("searching…"))
            return
        # A text of its own when filtered: the verb agrees with the count ("1 event matches").
        if total_filtered:
            text = self.tr("%Ln event(s) match", "", events)
        else:
            text = self.tr("%Ln event(s)", "", events)
        if calls is not None:
            text = self.tr("%Ln call(s)", "", calls) + " · " + text
        self.result_label.setText(text)
        self.result_label.setMinimumWidth(self.result_label.sizeHint().width())
