"""The app's languages: English (the source text) and Russian, from resources/translations.

``install_language`` runs at startup (``make_application``): it reads the language from
QSettings (``ui/language``: ``en``, ``ru``, or empty for the system's language) and installs
``pbxdesk_<lang>.qm`` and Qt's own ``qtbase_<lang>.qm`` (the standard buttons and dialogs:
QDialogButtonBox, QMessageBox, QFileDialog). A change in Preferences installs the new language's
translators at once and the app reopens its window (``AppWindow.change_language``): a widget
takes its texts when it is built, so a new window is the one way every text follows.

English has a translation too, of plural forms only (``pbxdesk_en.qm``, lupdate's
``-pluralonly``): the source says "%Ln event(s)", that file says "1 event" and "2 events".
A count is ``self.tr("%Ln event(s)", "", n)`` in a QObject subclass, never
``QCoreApplication.translate(ctx, text, None, n)``: lupdate (6.11) reads a bare name in that
place as the old encoding argument and files the text as non-plural. A module-level function
calls the class of its context instead (``DetailPane.tr(...)``). ``%Ln`` writes the number the
way the UI's language does (``number_locale``).

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
_current = SOURCE_LANGUAGE  # the language the translators installed speak

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


def number_locale(language: str, system: QLocale | None = None) -> QLocale:
    """The locale numbers are written in for a UI language: the system's when it is of that
    language (en_GB keeps its own ways), else the language's own. A Russian sentence with
    "12,345" would read as a decimal fraction; the C locale of a bare container groups nothing."""
    system = system or QLocale.system()
    wanted = QLocale(language)
    return system if system.language() == wanted.language() else wanted


def current_language() -> str:
    """The code of the language the UI is in now (English when nothing is installed)."""
    return _current


def remove_translators(app: QCoreApplication | None = None) -> None:
    global _current
    app = app or QCoreApplication.instance()
    for tr in _installed:
        if app is not None:
            app.removeTranslator(tr)
        tr.deleteLater()  # the app is its parent: each change of language would leave one behind
    _installed.clear()
    _current = SOURCE_LANGUAGE


def install_language(app: QCoreApplication, language: str | None = None) -> str:
    """Install the translators for ``language`` (default: the saved choice); returns the code
    shown. English gets its plural forms only; a missing .qm file is logged and English stays.
    The translators of the language before are removed first (a change in Preferences): Qt asks
    the last installed first, so one left behind would still answer for the texts it has."""
    global _current
    remove_translators(app)
    code = resolve_language(saved_language() if language is None else language)
    QLocale.setDefault(number_locale(code))  # before any widget: spin boxes take it when made
    _current = code
    ours = QTranslator(app)
    if not ours.load(translation_file(code)):
        ours.deleteLater()
        if code == SOURCE_LANGUAGE:
            log.warning("no English plural forms (%s): counts read '2 event(s)'", translation_file(code))
            return code
        log.warning("no translation for %s (%s); the app stays in English", code, translation_file(code))
        return install_language(app, SOURCE_LANGUAGE)
    app.installTranslator(ours)
    _installed.append(ours)
    if code == SOURCE_LANGUAGE:
        return code  # Qt's own texts are English already
    # Qt's own strings: without them a Russian window has English Cancel/OK buttons and file dialogs.
    qt_file = qt_translation_file(code)
    qt = QTranslator(app)
    if qt_file is not None and qt.load(str(qt_file)):
        app.installTranslator(qt)
        _installed.append(qt)
    else:
        qt.deleteLater()
        log.warning("Qt's own translation qtbase_%s.qm not found in %s", code, qt_translation_dirs())
    return code
