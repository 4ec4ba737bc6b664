"""A form dialog whose fields show their problem in red right under them, with OK disabled
while any field is invalid."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.domain import PbxDeskError
from pbxdesk.ui.error_text import error_text

log = logging.getLogger(__name__)

ERROR_COLOUR = "#cf222e"
WARNING_COLOUR = "#9a6700"
OK_COLOUR = "#1a7f37"
INFO_COLOUR = "#0969da"


class BusyRow(QWidget):
    """An indeterminate bar and what is going on; hidden while idle."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(12)
        self.label = QLabel()
        self.label.setObjectName("busy_label")
        self.label.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 0)
        row.addWidget(self.bar)
        row.addWidget(self.label, 1)
        self.hide()

    def show_busy(self, text: str | None) -> None:
        self.label.setText(text or "")
        self.setVisible(bool(text))


class MessageLabel(QLabel):
    """A small wrapped line under a field: hidden while it has nothing to say."""

    def __init__(self, colour: str = ERROR_COLOUR, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.set_colour(colour)
        self.hide()

    def set_colour(self, colour: str) -> None:
        self.setStyleSheet(f"color: {colour}; font-size: 90%;")

    def show_message(self, text: str | None) -> None:
        self.setText(text or "")
        self.setVisible(bool(text))


class FormDialog(QDialog):
    """Subclasses add fields with ``add_field`` and implement ``validate`` -> {field: message}."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors: dict[str, str] = {}
        self.error_labels: dict[str, MessageLabel] = {}
        self.field_rows: dict[str, QWidget] = {}
        self.field_forms: dict[str, QFormLayout] = {}
        self.form_error = MessageLabel()
        self.form_error.setObjectName("form_error")
        # Above the form: where the dialog saves (Live mode: the PBX account).
        self.banner = MessageLabel(INFO_COLOUR)
        self.banner.setObjectName("banner")
        self.busy_row = BusyRow()
        self._busy_task: asyncio.Task[None] | None = None
        self._focus_before: QWidget | None = None  # where the keyboard was before the form locked
        self._extra_widgets: list[QWidget] = []
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert ok is not None and cancel is not None
        self.ok_button: QPushButton = ok
        ok.setText(self.tr("OK"))
        cancel.setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self.banner)
        self._layout.addLayout(self.form)
        self._extra = QVBoxLayout()
        self._layout.addLayout(self._extra)
        self._layout.addWidget(self.form_error)
        self._layout.addWidget(self.busy_row)
        self._layout.addStretch(1)  # room a dialog grows by goes here, not between a field's lines
        self._layout.addWidget(self.buttons)

    def add_field(
        self, key: str, label: str, widget: QWidget, hint: str = "", *, form: QFormLayout | None = None
    ) -> QWidget:
        """A row of ``form`` (the dialog's own by default): ``widget`` with its (hidden) error
        line under it; returns the row's widget."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        if hint:
            note = QLabel(hint)
            note.setWordWrap(True)
            note.setStyleSheet("color: palette(mid); font-size: 90%;")
            column.addWidget(note)
        error = MessageLabel()
        error.setObjectName(f"error_{key}")
        column.addWidget(error)
        self.error_labels[key] = error
        self.field_rows[key] = box
        form = form or self.form
        self.field_forms[key] = form
        form.addRow(label, box)
        return box

    def add_widget(self, widget: QWidget) -> None:
        """Something below the form (before the dialog's own error line and buttons)."""
        self._extra.addWidget(widget)
        self._extra_widgets.append(widget)

    def set_row_visible(self, key: str, visible: bool) -> None:
        self.field_forms[key].setRowVisible(self.field_rows[key], visible)

    def error(self, key: str) -> str:
        """The message shown under field ``key`` ('' when it is fine)."""
        return self.errors.get(key, "")

    def validate(self) -> dict[str, str]:  # pragma: no cover - every dialog overrides it
        return {}

    def revalidate(self, *_args: object) -> bool:
        self.errors = {k: v for k, v in self.validate().items() if v}
        for key, label in self.error_labels.items():
            label.show_message(self.errors.get(key))
        # A problem of the whole form (no field of its own) shows on the dialog's line.
        unplaced = [v for k, v in self.errors.items() if k not in self.error_labels]
        self.form_error.show_message("\n".join(unplaced) or None)
        self.ok_button.setEnabled(not self.errors and not self.busy)
        if self.errors:
            self._grow()
        return not self.errors

    def show_form_error(self, text: str) -> None:
        self.form_error.show_message(text)
        self._grow()

    def _grow(self) -> None:
        """Taller when a message appears, so the fields are not squeezed under it."""
        layout = self.layout()
        if layout is None or not self.isVisible():
            return
        layout.activate()
        width = self.width()
        needed = (
            layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.sizeHint().height()
        )
        if needed > self.height():
            self.resize(width, needed)

    # -- saving in the background (Live mode: the PBX account) -----------------------------------
    @property
    def busy(self) -> bool:
        return self._busy_task is not None

    def _set_busy(self, text: str | None) -> None:
        self.busy_row.show_busy(text)
        busy = bool(text)
        if busy:
            # Locking the fields takes the keyboard focus away; it comes back to the same field,
            # so that after an error (a wrong secret) the person types the fix at once.
            self._focus_before = self.focusWidget()
        for row in [*self.field_rows.values(), *self._extra_widgets]:
            row.setEnabled(not busy)  # nothing typed now would be saved
        self.buttons.setEnabled(not busy)
        self.ok_button.setEnabled(not busy and not self.errors)
        focus = self._focus_before
        if not busy and focus is not None:
            self._focus_before = None
            if focus.isEnabled() and focus.isVisible():
                focus.setFocus()
        self._grow()

    def run_busy(self, text: str, work: Awaitable[Any], done: Callable[[Any], None]) -> None:
        """Run ``work`` on the app's loop with ``text`` showing and the form locked; then
        ``done(result)``, or its PbxDeskError in red with the form as it was (nothing lost)."""
        self.form_error.show_message(None)
        self._set_busy(text)
        self._busy_task = asyncio.ensure_future(self._run(work, done))

    async def _run(self, work: Awaitable[Any], done: Callable[[Any], None]) -> None:
        try:
            result = await work
        except PbxDeskError as exc:
            self._busy_task = None
            self._set_busy(None)
            self.show_form_error(error_text(exc))
            return
        except Exception as exc:  # noqa: BLE001 - said in the dialog, never a traceback
            log.exception("saving failed")
            self._busy_task = None
            self._set_busy(None)
            self.show_form_error(self.tr("Unexpected error: {0}").format(exc))
            return
        self._busy_task = None
        self._set_busy(None)
        done(result)

    def reject(self) -> None:
        # Cancelling half way could leave the PBX changed and the profile not: wait for it.
        if self.busy:
            return
        super().reject()
