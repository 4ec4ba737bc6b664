"""The app's drawn icons: its own, the extensions list's type badges, the toolbar's media
icons and the Delivery cell's state discs (ui/timeline/states.py), on one 32x32 canvas."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap, QPolygonF

from pbxdesk.resources_dir import resource

_TYPE_BADGES = {
    "phone": ("#2f81f7", "P"),
    "queue": ("#8250df", "Q"),
    "ivr": ("#bf8700", "I"),
    "fax": ("#57606a", "F"),
}


@cache
def app_icon() -> QIcon:
    return QIcon(str(resource("icons", "pbxdesk.svg")))


def _canvas(colour: str) -> tuple[QPixmap, QPainter]:
    """A transparent 32x32 pixmap and an antialiased painter filling in ``colour``, no outline."""
    pix = QPixmap(32, 32)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(colour))
    p.setPen(Qt.PenStyle.NoPen)
    return pix, p


@cache
def badge_icon(colour: str, text: str, *, disc: bool = False, pixel_size: int = 17) -> QIcon:
    """White bold ``text`` on a rounded square (or a disc) of ``colour``; drawn once each."""
    pix, p = _canvas(colour)
    box = QRectF(2, 2, 28, 28)
    if disc:
        p.drawEllipse(box)
    else:
        p.drawRoundedRect(box, 7, 7)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(pixel_size)
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return QIcon(pix)


def extension_icon(ext_type: str) -> QIcon:
    colour, letter = _TYPE_BADGES.get(ext_type, ("#57606a", "?"))
    return badge_icon(colour, letter)


@cache
def media_icon(kind: str, colour: str) -> QIcon:
    """Start, pause and stop for the toolbar, drawn in ``colour`` (the palette's button text):
    the style's own (SP_MediaPlay...) are black whatever the theme, black on dark grey in the
    dark one."""
    pix, p = _canvas(colour)
    if kind == "play":
        p.drawPolygon(QPolygonF([QPointF(9, 5), QPointF(27, 16), QPointF(9, 27)]))
    elif kind == "pause":
        p.drawRoundedRect(QRectF(8, 6, 6, 20), 1.5, 1.5)
        p.drawRoundedRect(QRectF(18, 6, 6, 20), 1.5, 1.5)
    else:  # stop
        p.drawRoundedRect(QRectF(7, 7, 18, 18), 2, 2)
    p.end()
    return QIcon(pix)
