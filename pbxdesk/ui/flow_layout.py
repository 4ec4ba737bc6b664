"""A row of widgets at their preferred widths that wraps to another line when full: the
filter bar's boxes, each showing its whole choice, on a second line, or a third when the
choices are long.

A widget that places its children itself (in ``resizeEvent``), not a QLayout subclass: a
Python QLayout keeps the QLayoutItems Qt creates in a Python list, and their wrappers outlive
the C++ layout when a window is deleted, freed whenever the garbage collector gets to them.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class FlowRow(QWidget):
    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._spacing = spacing
        self._children: list[QWidget] = []
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def add(self, widget: QWidget) -> None:
        widget.setParent(self)
        self._children.append(widget)
        self._place(self.width())
        self.updateGeometry()

    def event(self, event: QEvent) -> bool:
        # A child's size hint changed (another choice): it called updateGeometry(), which posts
        # a LayoutRequest here, its parent without a layout.
        if event.type() == QEvent.Type.LayoutRequest:
            self._place(self.width())
            self.updateGeometry()
        return super().event(event)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._place(width, move=False)

    def sizeHint(self) -> QSize:  # noqa: N802
        """One line of every child at its preferred width."""
        hints = [w.sizeHint() for w in self._children if not w.isHidden()]
        width = sum(h.width() for h in hints) + self._spacing * max(0, len(hints) - 1)
        return QSize(width, max((h.height() for h in hints), default=0))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hints = [w.minimumSizeHint() for w in self._children if not w.isHidden()]
        return QSize(max((h.width() for h in hints), default=0), max((h.height() for h in hints), default=0))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        self._place(self.width())

    def _place(self, width: int, *, move: bool = True) -> int:
        """Lay the children out in ``width`` (or only measure); the height used."""
        x = y = line = 0
        for w in self._children:
            if w.isHidden():
                continue
            hint = w.sizeHint()
            item_width = min(hint.width(), max(width, 1))  # wider than a line: elided, not cut off
            if x > 0 and x + item_width > width:
                x, y, line = 0, y + line + self._spacing, 0
            if move:
                w.setGeometry(x, y, item_width, hint.height())
            x += item_width + self._spacing
            line = max(line, hint.height())
        return y + line
