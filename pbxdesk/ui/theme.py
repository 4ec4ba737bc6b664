"""Light, dark or the system's colours: Qt's colour scheme where the platform honours it,
else a palette on the Fusion style."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

THEME_KEY = "ui/theme"
THEMES = ("system", "light", "dark")

_original: dict[str, object] = {}


def saved_theme(settings: QSettings | None = None) -> str:
    value = str((settings or QSettings()).value(THEME_KEY, "system") or "system")
    return value if value in THEMES else "system"


def _dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor(37, 37, 38), QColor(30, 30, 30), QColor(220, 220, 220)
    disabled = QColor(127, 127, 127)
    for role, colour in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, QColor(45, 45, 48)),
        (QPalette.ColorRole.ToolTipBase, QColor(50, 50, 52)),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.PlaceholderText, QColor(140, 140, 140)),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, QColor(45, 45, 48)),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor(255, 80, 80)),
        (QPalette.ColorRole.Link, QColor(88, 166, 255)),
        (QPalette.ColorRole.Highlight, QColor(38, 79, 120)),
        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.Mid, QColor(90, 90, 90)),
    ):
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def is_dark(app: QGuiApplication | None = None) -> bool:
    app = app or QGuiApplication.instance()  # type: ignore[assignment]
    assert app is not None
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(app: QApplication, theme: str | None = None) -> str:
    """Apply ``theme`` (default: the saved one); returns what was applied."""
    theme = theme if theme in THEMES else saved_theme()
    assert theme is not None
    if not _original:
        _original["style"] = app.style().name()
    hints = app.styleHints()
    wanted = {
        "system": Qt.ColorScheme.Unknown,
        "light": Qt.ColorScheme.Light,
        "dark": Qt.ColorScheme.Dark,
    }[theme]
    honoured = False
    if hasattr(hints, "setColorScheme"):  # Qt >= 6.8
        hints.setColorScheme(wanted)
        honoured = theme == "system" or hints.colorScheme() == wanted
    if theme == "system" or honoured:
        # The platform draws it; drop a palette we may have set before.
        if _original.get("palette_set"):
            original = QStyleFactory.create(str(_original["style"]))
            if original is not None and app.style().name() != _original["style"]:
                app.setStyle(original)
            app.setPalette(app.style().standardPalette())
            _original["palette_set"] = False
        return theme
    # The platform ignores the request (or Qt is older): Fusion with our own palette.
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None and app.style().name().lower() != "fusion":
        app.setStyle(fusion)
    app.setPalette(_dark_palette() if theme == "dark" else app.style().standardPalette())
    _original["palette_set"] = True
    return theme
