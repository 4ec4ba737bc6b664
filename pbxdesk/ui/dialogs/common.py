"""A form dialog whose fields show their problem in red right under them, with OK disabled
while any field is invalid."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

ERROR_COLOUR = "#cf222e"
WARNING_COLOUR = "#9a6700"
OK_COLOUR = "#1a7f37"


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
        self._layout.addLayout(self.form)
        self._extra = QVBoxLayout()
        self._layout.addLayout(self._extra)
        self._layout.addWidget(self.form_error)
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
        self.form_error.show_message(None)
        self.ok_button.setEnabled(not self.errors)
        return not self.errors

    def show_form_error(self, text: str) -> None:
        self.form_error.show_message(text)
