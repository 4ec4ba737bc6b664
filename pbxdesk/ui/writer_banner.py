"""The banner over the timeline when the profile's writer failed for good.

The engine stops starting deliveries the moment its writer cannot record them (and restarts
the writer process when it can); when it cannot, nothing more is sent or recorded until the
app starts again. A status-bar message would be gone in seconds while the timeline looks
idle, so the window says it here, in place, until it closes: what stopped, that nothing is
lost (the outbox keeps every delivery not yet recorded), and what to do.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from pbxdesk.ui.dialogs.common import ERROR_COLOUR


class WriterFailedBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("writer_failed_banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Both colours set: the palette's text colour on a fixed red tint is unreadable in the
        # dark theme.
        self.setStyleSheet(
            f"#writer_failed_banner {{ background: #ffebe9; border: 1px solid {ERROR_COLOUR};"
            " border-radius: 3px; } #writer_failed_banner QLabel { color: #4a0d0d; }"
        )
        self.label = QLabel()
        self.label.setObjectName("writer_failed_text")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.label, 1)
        self.reason: str | None = None
        self.hide()

    def show_failure(self, reason: str, waiting: int, profile_name: str) -> None:
        """Say that deliveries stopped because the writer failed (``reason``), with ``waiting``
        deliveries kept in the outbox. Shown once; it stays until the window closes."""
        if self.reason is not None:
            return
        self.reason = reason
        self.label.setText(
            self.tr(
                "⚠ Deliveries stopped: the profile's history writer failed and could not be "
                "restarted ({0}). Nothing more is sent or recorded in this session. The outbox "
                "is intact: %Ln delivery(ies) wait in it. Quit pbxdesk and start it again to "
                "send them (or run `pbxdesk outbox resume`); `pbxdesk profile check {1}` tells "
                "whether the profile file is damaged.",
                "",
                waiting,
            ).format(reason, profile_name)
        )
        self.setToolTip(reason)
        self.show()
