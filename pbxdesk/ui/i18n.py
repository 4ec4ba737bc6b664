"""The app's languages: English (the source text) and Russian, from resources/translations.

``install_language`` runs at startup (``make_application``): it reads the language from
QSettings (``ui/language``: ``en``, ``ru``, or empty for the system's language) and installs
``pbxdesk_<lang>.qm`` and Qt's own ``qtbase_<lang>.qm`` (the standard buttons and dialogs:
QDialogButtonBox, QMessageBox, QFileDialog). A change in Preferences applies from the next start.

Where ``qtbase_<lang>.qm`` is: Qt's translations directory (``QLibraryInfo``) in a development
install; in a frozen app that path is whatever the build machine's Qt was configured with, so the
copy the PyInstaller spec bundles beside PySide6 (``PySide6/Qt/translations``, or
``PySide6/translations`` on Windows) is looked for too.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import PySide6
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QSettings,
    QTranslator,
)

from pbxdesk.resources_dir import resource

log = logging.getLogger(__name__)

LANGUAGE_KEY = "ui/language"
LANGUAGES = {"en": "English", "ru": "Русский"}  # each in its own language
SOURCE_LANGUAGE = "en"

_installed: list[QTranslator] = []

# Texts other modules translate through a variable (``self.tr(self.COLUMNS[i])``), which lupdate
# cannot see: marked here so they are in the .ts file, in the context that looks them up.
MARKED = (
    QT_TRANSLATE_NOOP("TimelineModel", "Time"),
    QT_TRANSLATE_NOOP("TimelineModel", "Event"),
    QT_TRANSLATE_NOOP("TimelineModel", "Extension"),
    QT_TRANSLATE_NOOP("TimelineModel", "Caller"),
    QT_TRANSLATE_NOOP("TimelineModel", "Called"),
    QT_TRANSLATE_NOOP("TimelineModel", "Status"),
    QT_TRANSLATE_NOOP("TimelineModel", "Delivery"),
    QT_TRANSLATE_NOOP("TimelineModel", "CallID"),
    QT_TRANSLATE_NOOP("TimelineModel", "Direction"),
    QT_TRANSLATE_NOOP("TimelineModel", "Duration"),
    QT_TRANSLATE_NOOP("TimelineModel", "Event #"),
)


def qt_translation_dirs() -> list[Path]:
    """Where Qt's own .qm files may be, most likely first (see the module's docstring)."""
    pyside = Path(PySide6.__file__).resolve().parent
    dirs = [
        Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        pyside / "Qt" / "translations",  # the wheel's layout (Linux, macOS) and a frozen app's
        pyside / "translations",  # Windows wheels and frozen apps
    ]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        dirs += [Path(frozen) / "PySide6" / "Qt" / "translations", Path(frozen) / "PySide6" / "translations"]
    out: list[Path] = []
    for d in dirs:
        if d not in out:
            out.append(d)
    return out


def qt_translation_file(language: str) -> Path | None:
    """Qt's own ``qtbase_<language>.qm`` (standard buttons and dialogs); None when not installed."""
    for d in qt_translation_dirs():
        path = d / f"qtbase_{language}.qm"
        if path.is_file():
            return path
    return None


def translation_file(language: str) -> str:
    return str(resource("translations", f"pbxdesk_{language}.qm"))


def saved_language(settings: QSettings | None = None) -> str:
    """'' (follow the system), or a code of LANGUAGES."""
    value = str((settings or QSettings()).value(LANGUAGE_KEY, "") or "")
    return value if value in LANGUAGES else ""


def resolve_language(choice: str, locale: QLocale | None = None) -> str:
    """The language to show for a setting: the system's when it is one we have, else English."""
    if choice in LANGUAGES:
        return choice
    name = (locale or QLocale.system()).name()  # e.g. "ru_RU"
    code = name.split("_", 1)[0]
    return code if code in LANGUAGES else SOURCE_LANGUAGE


def remove_translators(app: QCoreApplication | None = None) -> None:
    app = app or QCoreApplication.instance()
    for tr in _installed:
        if app is not None:
            app.removeTranslator(tr)
    _installed.clear()


def install_language(app: QCoreApplication, language: str | None = None) -> str:
    """Install the translators for ``language`` (default: the saved choice); returns the code
    shown. English needs none; a missing .qm file is logged and English stays."""
    remove_translators(app)
    code = resolve_language(saved_language() if language is None else language)
    if code == SOURCE_LANGUAGE:
        return code
    ours = QTranslator(app)
    if not ours.load(translation_file(code)):
        log.warning("no translation for %s (%s); the app stays in English", code, translation_file(code))
        return SOURCE_LANGUAGE
    app.installTranslator(ours)
    _installed.append(ours)
    # Qt's own strings: without them a Russian window has English Cancel/OK buttons and file dialogs.
    qt_file = qt_translation_file(code)
    qt = QTranslator(app)
    if qt_file is not None and qt.load(str(qt_file)):
        app.installTranslator(qt)
        _installed.append(qt)
    else:
        log.warning("Qt's own translation qtbase_%s.qm not found in %s", code, qt_translation_dirs())
    return code
