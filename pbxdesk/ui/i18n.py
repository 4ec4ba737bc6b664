"""The app's languages: English (the source text) and Russian, from resources/translations.

``install_language`` runs at startup (``make_application``): it reads the language from
QSettings (``ui/language``: ``en``, ``ru``, or empty for the system's language) and installs
``pbxdesk_<lang>.qm`` (and Qt's own ``qtbase_<lang>.qm`` when the installation has it).
A change in Preferences applies from the next start.
"""

from __future__ import annotations

import logging

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
    qt = QTranslator(app)  # Qt's own strings (standard dialogs), when Qt ships them
    if qt.load(f"qtbase_{code}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    return code
