"""Counts read right in both languages: "1 event" / "2 events" in English (pbxdesk_en.qm, the
plural forms only) and the three Russian forms (1, 21: событие; 2-4: события; 5-20: событий),
with the digits grouped the way the language writes them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication

from pbxdesk.ui import i18n
from pbxdesk.ui.dialogs import PreferencesDialog
from pbxdesk.ui.filter_bar import FilterBar
from pbxdesk.ui.main_window import MainWindow
from pbxdesk.ui.timeline import TimelineModel

NBSP = "\u00a0"  # Russian groups digits with a no-break space


@pytest.fixture
def russian(qapp):
    assert i18n.install_language(qapp, "ru") == "ru"
    yield
    assert i18n.install_language(qapp, "en") == "en"


def _bar_text(qtbot, events: int, *, filtered: bool = False, calls: int | None = None) -> str:
    bar = FilterBar()
    qtbot.addWidget(bar)
    bar.show_result(events, filtered, False, calls)
    return bar.result_label.text()


def _status(qtbot, monkeypatch, profile, events: int, requests: int) -> tuple[str, str]:
    """The status bar's counts and receiver texts for a profile of ``events`` events."""
    monkeypatch.setattr(TimelineModel, "total_events", property(lambda _self: events))
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    rec = window.session.receiver
    rec.port, rec.count = 8080, requests
    window._refresh_status()
    return window.counts_label.text(), window.receiver_label.text()


def test_english_counts_are_singular_or_plural(qtbot, monkeypatch, profile):
    assert _bar_text(qtbot, 1) == "1 event"
    assert _bar_text(qtbot, 2) == "2 events"
    assert _bar_text(qtbot, 0) == "0 events"
    assert _bar_text(qtbot, 12_345) == "12,345 events"  # grouped as before (f"{n:,}")
    assert _bar_text(qtbot, 1, filtered=True) == "1 event matches"
    assert _bar_text(qtbot, 2, filtered=True) == "2 events match"
    assert _bar_text(qtbot, 2, calls=1) == "1 call · 2 events"
    assert _bar_text(qtbot, 5, filtered=True, calls=2) == "2 calls · 5 events match"

    counts, receiver = _status(qtbot, monkeypatch, profile, 1, 1)
    assert counts == "Feed stopped · 1 event · 0 delivered · 0 retrying · 0 failed"
    assert receiver == "Test receiver http://127.0.0.1:8080 · 1 request"
    counts, receiver = _status(qtbot, monkeypatch, profile, 2, 1234)
    assert counts == "Feed stopped · 2 events · 0 delivered · 0 retrying · 0 failed"
    assert receiver == "Test receiver http://127.0.0.1:8080 · 1,234 requests"

    p = PreferencesDialog(profile)
    qtbot.addWidget(p)
    p.days_spin.setValue(1)
    assert p.days_spin.text() == "1 day"
    p.days_spin.setValue(30)
    assert p.days_spin.text() == "30 days"
    p.events_spin.setValue(1)
    assert p.events_spin.text() == "1 event"


@pytest.mark.parametrize(
    ("n", "events", "calls", "requests"),
    [
        (1, "1 событие", "1 звонок", "1 запрос"),
        (2, "2 события", "2 звонка", "2 запроса"),
        (5, "5 событий", "5 звонков", "5 запросов"),
        (11, "11 событий", "11 звонков", "11 запросов"),
        (21, "21 событие", "21 звонок", "21 запрос"),
        (24, "24 события", "24 звонка", "24 запроса"),
    ],
)
def test_russian_counts_take_the_three_forms(
    qtbot, monkeypatch, profile, russian, n: int, events: str, calls: str, requests: str
) -> None:
    assert _bar_text(qtbot, n) == events
    assert _bar_text(qtbot, n, filtered=True) == f"найдено {events}"
    assert _bar_text(qtbot, 7, calls=n) == f"{calls} · 7 событий"
    counts, receiver = _status(qtbot, monkeypatch, profile, n, n)
    assert counts == f"Поток остановлен · {events} · доставлено: 0 · повторяется: 0 · ошибок: 0"
    assert receiver == f"Тестовый приёмник http://127.0.0.1:8080 · {requests}"


def test_russian_numbers_are_grouped_the_russian_way(qtbot, russian):
    assert _bar_text(qtbot, 12_345) == f"12{NBSP}345 событий"
    assert _bar_text(qtbot, 1_000_001) == f"1{NBSP}000{NBSP}001 событие"


def test_russian_units_and_messages_agree_with_their_number(qtbot, profile, russian):
    p = PreferencesDialog(profile)
    qtbot.addWidget(p)
    for n, text in ((1, "1 день"), (3, "3 дня"), (30, "30 дней"), (31, "31 день")):
        p.days_spin.setValue(n)
        assert p.days_spin.text() == text
    # A text with two counts is made of two pieces, each agreeing with its own number.
    ctx = "SyncDialog"
    pulled = QCoreApplication.translate(ctx, "Pulled {0} and {1} from the account.").format(
        QCoreApplication.translate(ctx, "%Ln extension(s)", None, 1),
        QCoreApplication.translate(ctx, "%Ln subscription(s)", None, 3),
    )
    assert pulled == "Загружено из аккаунта: 1 добавочный, 3 подписки."
    exported = QCoreApplication.translate("DeliveryActions", "%Ln event(s) of the call sent to {0}", None, 2)
    assert exported.format("http://x/") == "2 события звонка отправлены на http://x/"
