"""Preferences: delivery policy, live receiver, history retention (all in the profile) and
theme and language (QSettings: they belong to this machine, not to a PBX)."""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QWidget,
)

from pbxdesk.domain import PbxDeskError, ValidationError
from pbxdesk.domain.validation import validate_url
from pbxdesk.engine.live_receiver import DEFAULT_LIVE_PORT
from pbxdesk.engine.policy import POLICY_SETTING, DeliveryPolicy
from pbxdesk.store import retention
from pbxdesk.store.profile import Profile
from pbxdesk.ui import i18n, theme, units
from pbxdesk.ui.dialogs.common import WARNING_COLOUR, FormDialog, MessageLabel

log = logging.getLogger(__name__)

LIVE_RECEIVER_SETTING = "live_receiver"  # {"host": ..., "port": ..., "public_url": ...}
DEFAULT_LIVE_RECEIVER = {"host": "127.0.0.1", "port": DEFAULT_LIVE_PORT, "public_url": ""}
_SPLIT = re.compile(r"[,;\s]+")


def live_receiver_settings(profile: Profile) -> dict[str, Any]:
    """The live receiver's address as saved in Preferences, defaults filled in."""
    raw = profile.get_setting(LIVE_RECEIVER_SETTING, None) or {}
    out = dict(DEFAULT_LIVE_RECEIVER)
    if isinstance(raw, dict):
        out.update({k: raw[k] for k in DEFAULT_LIVE_RECEIVER if raw.get(k) is not None})
    return out


def format_delay(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return units.hours(f"{seconds / 3600:g}")
    if seconds >= 60 and seconds % 60 == 0:
        return units.minutes(f"{seconds / 60:g}")
    return units.seconds(f"{seconds:g}")


def _count_suffix(spin: QSpinBox, unit: Callable[[int], str]) -> None:
    """The spin box's unit agrees with its number ("1 day", "30 days") as that changes."""

    def update(n: int) -> None:
        text = unit(n)
        if spin.suffix() != text:  # a new suffix rewrites the line being typed in
            spin.setSuffix(text)

    spin.valueChanged.connect(update)
    update(spin.value())


class PreferencesDialog(FormDialog):
    def __init__(self, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self.setWindowTitle(self.tr("Preferences"))
        self.setMinimumWidth(560)
        self.policy_saved: DeliveryPolicy | None = None
        # The language choice saved when it changes the language shown: the window reopens in it.
        self.language_saved: str | None = None
        try:
            self.policy = DeliveryPolicy.from_json(profile.get_setting(POLICY_SETTING))
            policy_problem = ""
        except (PbxDeskError, TypeError, ValueError) as exc:
            self.policy = DeliveryPolicy()
            policy_problem = self.tr(
                "The saved delivery settings were not valid ({0}); defaults shown"
            ).format(exc)
        self.tabs = QTabWidget()
        self.form.addRow(self.tabs)
        self._build_delivery()
        self._build_live()
        self._build_history()
        self._build_appearance()
        self.revalidate()
        if policy_problem:
            self.show_form_error(policy_problem)

    def _tab(self, title: str) -> QFormLayout:
        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.tabs.addTab(page, title)
        return form

    # -- building --------------------------------------------------------------------------------
    def _build_delivery(self) -> None:
        p = self.policy
        form = self._tab(self.tr("Delivery"))
        self.schedule_edit = QLineEdit(", ".join(f"{d:g}" for d in p.schedule))
        self.attempts_label = QLabel()
        self.attempts_label.setObjectName("attempts_label")
        self.attempts_label.setWordWrap(True)
        self.jitter_spin = QSpinBox()
        self.jitter_spin.setRange(0, 100)
        self.jitter_spin.setPrefix("± ")
        self.jitter_spin.setSuffix(" %")
        self.jitter_spin.setValue(round(p.jitter * 100))
        self.timeout_spin = QDoubleSpinBox()
        self.timeout_spin.setRange(0.0, 3600.0)
        self.timeout_spin.setDecimals(1)
        self.timeout_spin.setSuffix(self.tr(" s"))
        self.timeout_spin.setValue(p.timeout)
        self.redirects_check = QCheckBox(self.tr("Follow redirects (3xx)"))
        self.redirects_check.setChecked(p.follow_redirects)
        self.retry_after_check = QCheckBox(self.tr("Honour Retry-After on 429 and 503"))
        self.retry_after_check.setChecked(p.honour_retry_after)
        self.concurrency_spin = QSpinBox()
        self.concurrency_spin.setRange(0, 1024)
        self.concurrency_spin.setValue(p.max_concurrency)
        self.per_endpoint_spin = QSpinBox()
        self.per_endpoint_spin.setRange(0, 1024)
        self.per_endpoint_spin.setValue(p.per_endpoint)
        self.pause_spin = QSpinBox()
        self.pause_spin.setRange(0, 10_000)
        self.pause_spin.setSpecialValueText(self.tr("never"))
        self.pause_spin.setValue(p.pause_after)

        self.add_field(
            "schedule",
            self.tr("Retry schedule:"),
            self.schedule_edit,
            self.tr("Seconds to wait before each attempt, comma separated (the first is usually 0)"),
            form=form,
        )
        self.field_rows["schedule"].layout().insertWidget(2, self.attempts_label)  # type: ignore[union-attr]
        self.add_field("jitter", self.tr("Jitter:"), self.jitter_spin, form=form)
        self.add_field("timeout", self.tr("Timeout per request:"), self.timeout_spin, form=form)
        self.add_field("follow_redirects", "", self.redirects_check, form=form)
        self.add_field("honour_retry_after", "", self.retry_after_check, form=form)
        self.add_field(
            "max_concurrency", self.tr("Requests in flight, in all:"), self.concurrency_spin, form=form
        )
        self.add_field(
            "per_endpoint", self.tr("Requests in flight per host:"), self.per_endpoint_spin, form=form
        )
        self.add_field(
            "pause_after",
            self.tr("Pause a host after:"),
            self.pause_spin,
            self.tr("deliveries in a row that failed every attempt"),
            form=form,
        )
        note = QLabel(
            self.tr("Delivery settings apply as soon as you press OK; an attempt under way ends "
                    "under the old ones.")
        )  # fmt: skip
        note.setWordWrap(True)
        form.addRow(note)
        self.schedule_edit.textChanged.connect(self.revalidate)
        for spin in (self.jitter_spin, self.concurrency_spin, self.per_endpoint_spin, self.pause_spin):
            spin.valueChanged.connect(self.revalidate)
        self.timeout_spin.valueChanged.connect(self.revalidate)

    def _build_live(self) -> None:
        live = live_receiver_settings(self.profile)
        form = self._tab(self.tr("Live receiver"))
        self.host_edit = QLineEdit(str(live["host"]))
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(int(live["port"]))
        self.public_url_edit = QLineEdit(str(live["public_url"] or ""))
        self.public_url_edit.setPlaceholderText("https://example.trycloudflare.com")
        self.host_warning = MessageLabel(WARNING_COLOUR)
        self.host_warning.setObjectName("host_warning")
        self.add_field("host", self.tr("Listen on host:"), self.host_edit, form=form)
        self.field_rows["host"].layout().addWidget(self.host_warning)  # type: ignore[union-attr]
        self.add_field("port", self.tr("Port:"), self.port_spin, form=form)
        self.add_field(
            "public_url",
            self.tr("Public URL:"),
            self.public_url_edit,
            self.tr("The address a tunnel gives the receiver; the PBX is subscribed to it"),
            form=form,
        )
        self.host_edit.textChanged.connect(self.revalidate)
        self.public_url_edit.textChanged.connect(self.revalidate)

    def _build_history(self) -> None:
        keep = retention.load_policy(self.profile)
        form = self._tab(self.tr("History"))
        self.days_check = QCheckBox(self.tr("Keep only the last"))
        self.days_spin = QSpinBox()
        self.days_spin.setRange(0, 36_500)
        self.days_spin.setValue(int(keep.days) if keep.days is not None else 30)
        _count_suffix(self.days_spin, lambda n: self.tr(" day(s)", "", n))
        self.days_check.setChecked(keep.days is not None)
        self.events_check = QCheckBox(self.tr("Keep only the last"))
        self.events_spin = QSpinBox()
        self.events_spin.setRange(0, 2_000_000_000)
        self.events_spin.setGroupSeparatorShown(True)
        self.events_spin.setValue(keep.events if keep.events is not None else 1_000_000)
        _count_suffix(self.events_spin, lambda n: self.tr(" event(s)", "", n))
        self.events_check.setChecked(keep.events is not None)
        for key, check, spin in (("days", self.days_check, self.days_spin),
                                 ("events", self.events_check, self.events_spin)):  # fmt: skip
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(check)
            line.addWidget(spin, 1)
            self.add_field(key, "", row, form=form)
            check.toggled.connect(spin.setEnabled)
            check.toggled.connect(self.revalidate)
            spin.valueChanged.connect(self.revalidate)
            spin.setEnabled(check.isChecked())
        note = QLabel(
            self.tr("Older events go in the background, with their deliveries; open deliveries are kept.")
        )
        note.setWordWrap(True)
        form.addRow(note)

    def _build_appearance(self) -> None:
        form = self._tab(self.tr("Appearance"))
        settings = QSettings()
        self.theme_combo = QComboBox()
        for key, text in (
            ("system", self.tr("System")),
            ("light", self.tr("Light")),
            ("dark", self.tr("Dark")),
        ):
            self.theme_combo.addItem(text, key)
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(theme.saved_theme(settings))))
        self.language_combo = QComboBox()
        self.language_combo.addItem(self.tr("System language"), "")
        for code, name in i18n.LANGUAGES.items():
            self.language_combo.addItem(name, code)
        self.initial_language = i18n.saved_language(settings)
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(self.initial_language)))
        self.language_note = MessageLabel(WARNING_COLOUR)
        self.language_note.setObjectName("language_note")
        self.add_field("theme", self.tr("Theme:"), self.theme_combo, form=form)
        self.add_field("language", self.tr("Language:"), self.language_combo, form=form)
        self.field_rows["language"].layout().addWidget(self.language_note)  # type: ignore[union-attr]
        self.language_combo.currentIndexChanged.connect(self._language_changed)

    def language_differs(self) -> bool:
        """The choice shows another language than the one on screen ("System language" may be
        the very language shown: choosing it changes the setting, not the texts)."""
        chosen = i18n.resolve_language(str(self.language_combo.currentData()))
        return chosen != i18n.current_language()

    def _language_changed(self, *_args: object) -> None:
        self.language_note.show_message(
            self.tr("The new language applies at once: the window reopens when you press OK.")
            if self.language_differs()
            else None
        )

    # -- reading the form ------------------------------------------------------------------------
    def _schedule(self) -> tuple[list[float] | None, str]:
        parts = [x for x in _SPLIT.split(self.schedule_edit.text().strip()) if x]
        if not parts:
            return None, self.tr("At least one attempt: e.g. 0, 5, 300")
        values = []
        for part in parts:
            try:
                values.append(float(part))
            except ValueError:
                return None, self.tr("'{0}' is not a number of seconds").format(part)
        return values, ""

    def policy_json(self) -> dict[str, Any]:
        """The policy the form describes, as DeliveryPolicy.to_json() writes it (fields the form
        does not show are kept as they were)."""
        data = self.policy.to_json()
        schedule, _ = self._schedule()
        if schedule is not None:
            data["schedule"] = schedule
        data.update(
            jitter=self.jitter_spin.value() / 100.0,
            timeout=self.timeout_spin.value(),
            follow_redirects=self.redirects_check.isChecked(),
            honour_retry_after=self.retry_after_check.isChecked(),
            max_concurrency=self.concurrency_spin.value(),
            per_endpoint=self.per_endpoint_spin.value(),
            pause_after=self.pause_spin.value(),
        )
        return data

    def _policy_problem(self, exc: ValidationError) -> tuple[str, str]:
        """(field, message a user reads) for DeliveryPolicy's ValidationError."""
        key = exc.where.partition(".")[2].partition("[")[0]  # delivery_policy.<key>[index]
        if key == "schedule":
            return "schedule", self.tr("At least one attempt, and no negative delay")
        if key == "jitter":
            return "jitter", self.tr("Jitter must be less than 100 %")
        if key == "timeout":
            return "timeout", self.tr("The timeout must be more than 0 s")
        if key in ("max_concurrency", "per_endpoint"):
            return key, self.tr("At least 1 request at a time")
        return "schedule", exc.message

    def retention_policy(self) -> retention.RetentionPolicy:
        return retention.RetentionPolicy(
            days=float(self.days_spin.value()) if self.days_check.isChecked() else None,
            events=self.events_spin.value() if self.events_check.isChecked() else None,
        )

    def validate(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        schedule, problem = self._schedule()
        if problem:
            errors["schedule"] = problem
            self.attempts_label.setText("")
        else:
            try:
                policy = DeliveryPolicy.from_json(self.policy_json())
            except ValidationError as exc:
                field, text = self._policy_problem(exc)
                errors[field] = text
                self.attempts_label.setText("")
            else:
                assert schedule is not None
                delays = [self.tr("at once") if d == 0 else format_delay(d) for d in policy.schedule]
                self.attempts_label.setText(
                    self.tr("%Ln attempt(s) in all: {0}", "", policy.max_attempts).format(", ".join(delays))
                )
        host = self.host_edit.text().strip()
        self.host_warning.show_message(None)
        if not host or any(c.isspace() for c in host):
            errors["host"] = self.tr("A host name or address, e.g. 127.0.0.1")
        elif not _is_loopback(host):
            self.host_warning.show_message(
                self.tr(
                    "{0} is reachable from other machines: anyone who can reach it may post events"
                ).format(host)
            )
        url = self.public_url_edit.text().strip()
        if url:
            try:
                validate_url(url)
            except ValidationError:
                errors["public_url"] = self.tr("An http:// or https:// address, e.g. https://abc.example.net")
        try:
            self.retention_policy()
        except PbxDeskError:
            if self.days_check.isChecked() and self.days_spin.value() <= 0:
                errors["days"] = self.tr("Keep at least 1 day (or untick to keep every day)")
            else:
                errors["events"] = self.tr("The number of events cannot be negative")
        return errors

    # -- saving ----------------------------------------------------------------------------------
    def accept(self) -> None:
        if not self.revalidate():
            return
        try:
            policy = DeliveryPolicy.from_json(self.policy_json())
            keep = self.retention_policy()
            self.profile.set_setting(POLICY_SETTING, policy.to_json())
            self.profile.set_setting(
                LIVE_RECEIVER_SETTING,
                {
                    "host": self.host_edit.text().strip(),
                    "port": self.port_spin.value(),
                    "public_url": self.public_url_edit.text().strip(),
                },
            )
            retention.save_policy(self.profile, keep)
        except PbxDeskError as exc:
            self.show_form_error(str(exc))
            return
        self.policy_saved = policy
        if keep.active:
            retention.prune_in_background_if_set(self.profile)
        settings = QSettings()
        chosen_theme = str(self.theme_combo.currentData())
        chosen_language = str(self.language_combo.currentData())
        settings.setValue(theme.THEME_KEY, chosen_theme)
        settings.setValue(i18n.LANGUAGE_KEY, chosen_language)
        settings.sync()
        if self.language_differs():
            self.language_saved = chosen_language
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, chosen_theme)
        super().accept()


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
