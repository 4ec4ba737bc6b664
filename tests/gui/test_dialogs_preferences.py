"""Preferences: delivery policy, live receiver, retention (profile), theme and language
(QSettings) — a round trip, and inline errors from DeliveryPolicy's own validation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from pbxdesk.engine.policy import POLICY_SETTING, DeliveryPolicy
from pbxdesk.store import retention
from pbxdesk.store.profile import Profile
from pbxdesk.ui import i18n, theme
from pbxdesk.ui.dialogs import PreferencesDialog
from pbxdesk.ui.dialogs.preferences_dialog import LIVE_RECEIVER_SETTING, live_receiver_settings


@pytest.fixture(autouse=True)
def qt_settings(tmp_path, qapp):
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qt-settings"))
    yield
    theme.apply_theme(qapp, "system")


@pytest.fixture
def profile(tmp_path):
    p = Profile.open(tmp_path / "prefs.sqlite")
    yield p
    p.close()


def shown_error(dialog, key: str) -> str:
    label = dialog.error_labels[key]
    return "" if label.isHidden() else label.text()


def test_defaults_shown(qtbot, profile):
    d = PreferencesDialog(profile)
    qtbot.addWidget(d)
    d.show()
    assert d.schedule_edit.text() == "0, 5, 300, 1800, 7200, 18000, 36000, 36000"
    assert d.attempts_label.text() == "8 attempts in all: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h"
    assert d.jitter_spin.value() == 10 and d.timeout_spin.value() == 15.0
    assert d.concurrency_spin.value() == 32 and d.per_endpoint_spin.value() == 8 and d.pause_spin.value() == 5
    assert (d.host_edit.text(), d.port_spin.value(), d.public_url_edit.text()) == ("127.0.0.1", 18766, "")
    assert not d.days_check.isChecked() and not d.events_check.isChecked() and not d.days_spin.isEnabled()
    assert d.theme_combo.currentData() == "system" and d.language_combo.currentData() == ""
    assert d.ok_button.isEnabled()
    assert [d.tabs.tabText(i) for i in range(d.tabs.count())] == [
        "Delivery",
        "Live receiver",
        "History",
        "Appearance",
    ]


def test_round_trip(qtbot, profile, qapp):
    profile.set_setting(POLICY_SETTING, DeliveryPolicy(http_client="httpx", ordered=False).to_json())
    d = PreferencesDialog(profile)
    qtbot.addWidget(d)
    d.show()
    d.schedule_edit.setText("0, 10; 60 600")
    assert d.attempts_label.text() == "4 attempts in all: at once, 10 s, 1 min, 10 min"
    d.jitter_spin.setValue(20)
    d.timeout_spin.setValue(5.5)
    d.redirects_check.setChecked(True)
    d.retry_after_check.setChecked(False)
    d.concurrency_spin.setValue(16)
    d.per_endpoint_spin.setValue(4)
    d.pause_spin.setValue(0)
    assert d.pause_spin.text() == "never"
    d.host_edit.setText("0.0.0.0")
    assert not d.host_warning.isHidden() and "reachable from other machines" in d.host_warning.text()
    d.port_spin.setValue(18800)
    d.public_url_edit.setText("https://abc.example.net")
    d.days_check.setChecked(True)
    d.days_spin.setValue(7)
    d.events_check.setChecked(True)
    d.events_spin.setValue(5000)
    d.theme_combo.setCurrentIndex(d.theme_combo.findData("dark"))
    assert d.language_note.isHidden()
    d.language_combo.setCurrentIndex(d.language_combo.findData("ru"))
    assert d.language_note.text() == "The new language applies at once: the window reopens when you press OK."
    assert not d.language_note.isHidden()
    d.language_combo.setCurrentIndex(d.language_combo.findData("en"))  # the language shown
    assert d.language_note.isHidden()
    d.language_combo.setCurrentIndex(d.language_combo.findData("ru"))
    assert d.ok_button.isEnabled()
    qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
    assert d.result() == d.DialogCode.Accepted
    assert d.language_saved == "ru"  # the main window reopens in it (tests/gui/test_language_switch.py)

    policy = DeliveryPolicy.from_json(profile.get_setting(POLICY_SETTING))
    assert policy == DeliveryPolicy(
        schedule=(0.0, 10.0, 60.0, 600.0), jitter=0.2, timeout=5.5, follow_redirects=True,
        honour_retry_after=False, max_concurrency=16, per_endpoint=4, pause_after=0,
        http_client="httpx", ordered=False,  # not in the form: kept as they were
    )  # fmt: skip
    assert policy.max_attempts == 4
    assert profile.get_setting(LIVE_RECEIVER_SETTING) == {
        "host": "0.0.0.0", "port": 18800, "public_url": "https://abc.example.net"}  # fmt: skip
    assert live_receiver_settings(profile)["port"] == 18800
    assert retention.load_policy(profile) == retention.RetentionPolicy(days=7.0, events=5000)
    settings = QSettings()
    assert settings.value(theme.THEME_KEY) == "dark" and settings.value(i18n.LANGUAGE_KEY) == "ru"
    assert i18n.saved_language() == "ru"
    assert theme.is_dark(qapp)  # the theme applies at once

    again = PreferencesDialog(profile)
    qtbot.addWidget(again)
    assert again.schedule_edit.text() == "0, 10, 60, 600"
    assert (again.jitter_spin.value(), again.timeout_spin.value(), again.pause_spin.value()) == (20, 5.5, 0)
    assert again.redirects_check.isChecked() and not again.retry_after_check.isChecked()
    assert (again.host_edit.text(), again.port_spin.value()) == ("0.0.0.0", 18800)
    assert again.days_check.isChecked() and again.days_spin.value() == 7 and again.events_spin.value() == 5000
    assert again.theme_combo.currentData() == "dark" and again.language_combo.currentData() == "ru"
    again.theme_combo.setCurrentIndex(again.theme_combo.findData("light"))
    again.days_check.setChecked(False)
    again.accept()
    assert again.language_saved == "ru"  # still not the language on screen (no window reopened it)
    assert not theme.is_dark(qapp)
    assert retention.load_policy(profile) == retention.RetentionPolicy(days=None, events=5000)


def test_invalid_values_show_inline_and_block_ok(qtbot, profile):
    d = PreferencesDialog(profile)
    qtbot.addWidget(d)
    d.show()
    checks = [
        (lambda: d.schedule_edit.setText("0, -5"), "schedule", "At least one attempt, and no negative delay"),
        (lambda: d.schedule_edit.setText("0, 5s"), "schedule", "'5s' is not a number of seconds"),
        (lambda: d.schedule_edit.setText(" "), "schedule", "At least one attempt: e.g. 0, 5, 300"),
        (lambda: d.jitter_spin.setValue(100), "jitter", "Jitter must be less than 100 %"),
        (lambda: d.timeout_spin.setValue(0), "timeout", "The timeout must be more than 0 s"),
        (lambda: d.concurrency_spin.setValue(0), "max_concurrency", "At least 1 request at a time"),
        (lambda: d.per_endpoint_spin.setValue(0), "per_endpoint", "At least 1 request at a time"),
        (lambda: d.host_edit.setText(""), "host", "A host name or address, e.g. 127.0.0.1"),
        (lambda: d.public_url_edit.setText("ftp://x"), "public_url",
         "An http:// or https:// address, e.g. https://abc.example.net"),
        (lambda: (d.days_check.setChecked(True), d.days_spin.setValue(0)), "days",
         "Keep at least 1 day (or untick to keep every day)"),
    ]  # fmt: skip
    fixes = {
        "schedule": lambda: d.schedule_edit.setText("0, 5"),
        "jitter": lambda: d.jitter_spin.setValue(10),
        "timeout": lambda: d.timeout_spin.setValue(1),
        "max_concurrency": lambda: d.concurrency_spin.setValue(1),
        "per_endpoint": lambda: d.per_endpoint_spin.setValue(1),
        "host": lambda: d.host_edit.setText("localhost"),
        "public_url": lambda: d.public_url_edit.setText(""),
        "days": lambda: d.days_spin.setValue(1),
    }
    for spoil, key, message in checks:
        spoil()
        assert shown_error(d, key) == message
        assert not d.ok_button.isEnabled()
        d.accept()  # refused while invalid
        assert d.result() != d.DialogCode.Accepted
        fixes[key]()
        assert shown_error(d, key) == "" and d.ok_button.isEnabled(), key
    assert profile.get_setting(POLICY_SETTING) is None  # nothing was saved


def test_broken_saved_policy_is_said_and_replaced(qtbot, profile):
    profile.set_setting(POLICY_SETTING, {"schedule": [], "nonsense": 1})
    d = PreferencesDialog(profile)
    qtbot.addWidget(d)
    d.show()
    assert "defaults shown" in d.form_error.text() and not d.form_error.isHidden()
    d.accept()
    assert DeliveryPolicy.from_json(profile.get_setting(POLICY_SETTING)) == DeliveryPolicy()


def test_theme_fallback_palette(qapp):
    """Where the platform ignores the colour scheme (offscreen does), a palette does the job;
    back to "system", the platform's own colours return."""
    assert theme.apply_theme(qapp, "dark") == "dark" and theme.is_dark(qapp)
    assert theme.apply_theme(qapp, "light") == "light" and not theme.is_dark(qapp)
    theme.apply_theme(qapp, "dark")
    assert theme.apply_theme(qapp, "system") == "system" and not theme.is_dark(qapp)
