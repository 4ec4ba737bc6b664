"""Languages: the Russian translation is complete, installed from QSettings at startup, and the
window and dialogs then speak Russian; English stays the source."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox

from pbxdesk.resources_dir import resource
from pbxdesk.ui import i18n
from pbxdesk.ui.dialogs import ExtensionDialog, PreferencesDialog, SubscriptionDialog
from pbxdesk.ui.filter_bar import FilterBar
from pbxdesk.ui.main_window import MainWindow
from pbxdesk.ui.timeline import TimelineRow

TS = resource("translations", "pbxdesk_ru.ts")
EN_TS = resource("translations", "pbxdesk_en.ts")  # English: the plural forms of the counts only
UI = Path(i18n.__file__).resolve().parent
# Names and wire vocabulary that read the same in Russian.
SAME_IN_RUSSIAN = {"pbxdesk", "pbxdesk — {0}", "CallID", "URL:", "Id:", "ivr"}
# The modules whose every tr() text must be in the .ts (and translated).
OWN_SOURCES = sorted(UI.rglob("*.py"))  # every module of the app's UI


@pytest.fixture(autouse=True)
def qt_settings(tmp_path, qapp):
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qt-settings"))
    yield
    i18n.remove_translators(qapp)


def _messages(path: Path) -> dict[tuple[str, str], ET.Element]:
    root = ET.parse(path).getroot()
    return {
        (ctx.findtext("name") or "", m.findtext("source") or ""): m
        for ctx in root.iter("context")
        for m in ctx.iter("message")
    }


def _texts(ctx: str, source: str, m: ET.Element, forms: int) -> list[str]:
    """A message's translation: its one text, or its ``forms`` plural forms; each filled in."""
    tr = m.find("translation")
    assert tr is not None and tr.get("type") is None, (ctx, source)  # not unfinished / obsolete
    if m.get("numerus") == "yes":
        texts = [f.text or "" for f in tr.findall("numerusform")]
        assert len(texts) == forms, (ctx, source, texts)
    else:
        texts = [tr.text or ""]
    for text in texts:
        assert text.strip(), (ctx, source)
        # the same placeholders and count, and a menu accelerator where the English has one
        assert sorted(re.findall(r"\{\d\}", source)) == sorted(re.findall(r"\{\d\}", text)), (ctx, source)
        assert sorted(re.findall(r"%L?n", source)) == sorted(re.findall(r"%L?n", text)), (ctx, source, text)
        assert ("&" in source) == ("&" in text), (ctx, source)
    return texts


def test_russian_translation_is_complete_and_consistent():
    messages = _messages(TS)
    assert len(messages) > 200
    assert ET.parse(TS).getroot().get("language") == "ru"
    for (ctx, source), m in messages.items():
        # Russian counts have three forms: 1, 21 (one); 2-4, 22 (few); 5-20, 0 (many).
        for text in _texts(ctx, source, m, forms=3):
            if re.search("[A-Za-z]{4,}", source) and source not in SAME_IN_RUSSIAN:
                assert re.search("[А-Яа-яЁё]", text), (ctx, source, text)
    assert resource("translations", "pbxdesk_ru.qm").stat().st_size > 10_000


def test_english_plural_forms_are_complete():
    """pbxdesk_en.ts holds exactly the count texts (those Russian has as plurals), each with
    its singular and plural written out, and no "(s)" left."""
    messages = _messages(EN_TS)
    assert ET.parse(EN_TS).getroot().get("language") == "en"
    plural = {key for key, m in _messages(TS).items() if m.get("numerus") == "yes"}
    assert len(plural) > 20 and set(messages) == plural
    for (ctx, source), m in messages.items():
        one, many = _texts(ctx, source, m, forms=2)
        assert "(s)" in source or "(ies)" in source, (ctx, source)
        assert "(s)" not in one + many and "(ies)" not in one + many, (ctx, source)
    assert resource("translations", "pbxdesk_en.qm").is_file()


def test_every_text_of_the_dialogs_is_in_the_ts(tmp_path):
    """lupdate on every UI module finds nothing the .ts lacks, and marks as plural what it has
    as plural (a count's text in translate() is not: see pbxdesk/ui/i18n.py)."""
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    fresh = tmp_path / "fresh.ts"
    subprocess.run([str(lupdate), "-silent", *map(str, OWN_SOURCES), "-ts", str(fresh)], check=True)
    found, ours = _messages(fresh), _messages(TS)
    missing = set(found) - set(ours)
    assert not missing, f"run resources/translations/update_translations.py and translate: {sorted(missing)}"
    for key, m in found.items():
        assert m.get("numerus") == ours[key].get("numerus"), key
        if "%n" in key[1] or "%Ln" in key[1]:
            assert m.get("numerus") == "yes", f"{key}: a count's text must go through tr(text, '', n)"


def test_window_in_russian(qtbot, qapp, profile):
    assert i18n.install_language(qapp, "ru") == "ru"
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    assert window.start_action.text() == "Запустить"
    assert window.stop_action.text() == "Остановить"
    assert window.pause_action.text() == "Пауза"
    assert [a.text() for a in window.menuBar().actions()] == ["&Файл", "&Правка", "&АТС"]
    assert window.menus.export_action.text() == "&Экспорт…"
    assert window.menus.preferences_action.text() == "&Настройки…"
    assert window.model.headerData(0, Qt.Orientation.Horizontal) == "Время"
    assert window.model.headerData(6, Qt.Orientation.Horizontal) == "Доставка"
    assert window.bottom_tabs.tabText(1) == "Схема звонка"
    d = ExtensionDialog(profile)
    qtbot.addWidget(d)
    assert d.windowTitle() == "Новый добавочный" and d.ok_button.text() == "ОК"
    d.name_edit.setText("101")
    assert d.error("name") == "Имя 000*101 уже занято добавочным 101"
    s = SubscriptionDialog(profile, extension_id=200)
    qtbot.addWidget(s)
    s.event_combo.setCurrentIndex(s.event_combo.findData("message-out"))
    assert s.error("event_type") == "События message-out бывают только у телефонов, а 000*200 имеет тип queue"
    assert s.test_button.text() == "Отправить тестовое событие"
    kinds = [s.ext_combo.itemText(i) for i in range(s.ext_combo.count())]
    assert any(k.endswith("(телефон)") for k in kinds) and not any("(phone)" in k for k in kinds)
    p = PreferencesDialog(profile)
    qtbot.addWidget(p)
    assert p.attempts_label.text().startswith("Всего попыток: 8; паузы: сразу, 5 с, 5 мин")
    i18n.remove_translators(qapp)
    english = MainWindow(profile, "default")
    qtbot.addWidget(english)
    assert english.start_action.text() == "Start"


def _retried_row() -> TimelineRow:
    row = TimelineRow(1, 1_700_000_000_000_000, "hangup", "000*101", 101, "c-1")
    entry = {"ok": True, "state": "delivered", "outcome": "200", "latency_ms": 4.0, "url": "http://x/",
             "method": "POST", "attempt": 3}  # fmt: skip
    row.set_delivery(1, entry)
    row.set_delivery(2, entry | {"ok": False, "state": "pending", "outcome": "503", "attempt": 1})
    return row


def test_qt_standard_texts_and_the_filter_bar_in_russian(qtbot, qapp):
    """Qt's own strings (qtbase_ru.qm, found beside PySide6) and the texts lupdate cannot see
    through a variable: the time ranges, delivery results, a retried delivery's "(attempt N)"."""
    english = FilterBar()
    qtbot.addWidget(english)
    assert english.time_range.itemText(0) == "Time: any"
    assert "(attempt 3)" in _retried_row().cells()[6]
    qm = i18n.qt_translation_file("ru")
    assert qm is not None and qm.name == "qtbase_ru.qm"
    assert i18n.install_language(qapp, "ru") == "ru"
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Отмена"
    bar = FilterBar()
    qtbot.addWidget(bar)
    assert [bar.time_range.itemText(i) for i in range(bar.time_range.count())] == [
        "Время: любое", "Последние 5 минут", "Последний час", "Последние 24 часа",
    ]  # fmt: skip
    assert bar.time_range.itemData(0) is None and bar.time_range.itemData(2) == 3600
    assert bar.delivery.itemText(bar.delivery.findData("retrying")) == "Повтор"
    assert bar.delivery.itemText(bar.delivery.findData("none")) == "Нет подписчика"
    cell = _retried_row().cells()[6]
    assert "200 · 4 мс (попытка 3)" in cell and "503 · 4 мс (повтор, попытка 1)" in cell


def test_saved_language_is_installed_at_startup(qapp):
    from pbxdesk.ui.app import make_application

    assert make_application() is qapp  # names the app: QSettings() is now pbxdesk's own file
    QSettings().setValue(i18n.LANGUAGE_KEY, "ru")
    make_application()
    assert QCoreApplication.translate("MainWindow", "Stop") == "Остановить"
    QSettings().setValue(i18n.LANGUAGE_KEY, "en")
    make_application()
    assert QCoreApplication.translate("MainWindow", "Stop") == "Stop"


def test_language_choice():
    assert i18n.resolve_language("", QLocale("ru_RU")) == "ru"
    assert i18n.resolve_language("", QLocale("de_DE")) == "en"
    assert i18n.resolve_language("en", QLocale("ru_RU")) == "en"
    assert i18n.resolve_language("ru", QLocale("en_US")) == "ru"
    assert i18n.resolve_language("xx", QLocale("en_US")) == "en"


def test_pbx_errors_get_a_headline_in_the_users_language(qapp) -> None:
    """The PBX client's messages are English (Qt-free layers): the UI puts a translated
    headline in front, so a Russian user knows what happened before reading the detail."""
    from pbxdesk.pbx.errors import AuthError, OfflineError
    from pbxdesk.ui.error_text import error_text

    auth = AuthError("the PBX refused the credentials")
    assert error_text(auth) == "The PBX did not accept the credentials — the PBX refused the credentials"
    assert error_text(ValueError("plain")) == "plain"
    try:
        assert i18n.install_language(qapp, "ru") == "ru"
        assert error_text(auth).startswith("АТС не приняла учётные данные — ")
        assert error_text(OfflineError("connection refused")) == "АТС недоступна — connection refused"
    finally:
        i18n.remove_translators(qapp)
