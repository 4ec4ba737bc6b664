"""Create or edit an extension, checked against the PBX model's rules as the user types."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QLineEdit,
    QWidget,
)

from pbxdesk.domain import (
    Extension,
    ExtensionStatus,
    ExtensionType,
    PbxDeskError,
    ValidationError,
)
from pbxdesk.domain.validation import check_event_allowed, validate_extension_name
from pbxdesk.pbx import account_edit
from pbxdesk.store.profile import Profile
from pbxdesk.ui.dialogs.common import FormDialog

if TYPE_CHECKING:
    from pbxdesk.ui.account import AccountConnection

_FULL_NAME = re.compile(r"^[0-9]+\*[0-9]+$")
_NUMBER = re.compile(r"^\+?[0-9]{3,20}$")
DEFAULT_PREFIX = "000"


def client_prefix(profile: Profile) -> str:
    """The PBX's client prefix: the profile's ``pbx`` setting, else its extensions' prefix."""
    pbx = profile.get_setting("pbx", {}) or {}
    if pbx.get("client_prefix"):
        return str(pbx["client_prefix"])
    exts = profile.extensions()
    return exts[0].prefix if exts else DEFAULT_PREFIX


def pbx_domain(profile: Profile) -> str:
    pbx = profile.get_setting("pbx", {}) or {}
    return str(pbx.get("domain") or "sip.example.test")


class ExtensionDialog(FormDialog):
    """``extension`` None: a new one (saved with ``Profile.add_extension``); else it is edited
    (its id stays: the PBX assigned it and subscriptions point at it). With ``account`` (Live
    mode) OK saves on the PBX account first, then in the profile."""

    def __init__(
        self,
        profile: Profile,
        extension: Extension | None = None,
        parent: QWidget | None = None,
        *,
        account: AccountConnection | None = None,
    ):
        super().__init__(parent)
        self.profile = profile
        self.account = account
        self.original = extension
        self.prefix = client_prefix(profile)
        self.others = [e for e in profile.extensions() if extension is None or e.id != extension.id]
        self.subscriptions = (
            [s for s in profile.subscriptions() if s.extension_id == extension.id] if extension else []
        )
        self.saved: Extension | None = None
        self.setWindowTitle(self.tr("New extension") if extension is None else self.tr("Edit extension"))
        self.setMinimumWidth(460)

        self.id_edit = QLineEdit()
        self.id_edit.setPlaceholderText(self.tr("e.g. {0}").format(self._free_id()))
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText(self.tr("{0}*105, or just 105").format(self.prefix))
        self.type_combo = QComboBox()
        for t, text in (
            (ExtensionType.PHONE, self.tr("Phone")),
            (ExtensionType.QUEUE, self.tr("Queue")),
            (ExtensionType.IVR, self.tr("IVR (voice menu)")),
            (ExtensionType.FAX, self.tr("Fax")),
        ):
            self.type_combo.addItem(text, t.value)
        self.status_combo = QComboBox()
        self.status_combo.addItem(self.tr("Active"), ExtensionStatus.ACTIVE.value)
        self.status_combo.addItem(self.tr("Blocked"), ExtensionStatus.BLOCKED.value)
        self.label_edit = QLineEdit()
        self.label_edit.setPlaceholderText(self.tr("Shown on the called phone, e.g. Anna Petrova"))
        self.caller_id_edit = QLineEdit()
        self.caller_id_edit.setPlaceholderText(
            self.tr("optional: CallerIDName of its calls (else the label)")
        )
        self.group_edit = QLineEdit()
        self.group_edit.setPlaceholderText(self.tr("optional, e.g. 12"))
        self.extra_edit = QLineEdit()
        self.extra_edit.setPlaceholderText(self.tr('optional JSON text, e.g. {"crm_user": 5}'))
        # Set by the PBX, shown read-only: when it was made, on which account and SIP domain.
        self.created_edit = QLineEdit()
        self.created_edit.setReadOnly(True)
        self.account_edit = QLineEdit()
        self.account_edit.setReadOnly(True)
        self.record_check = QCheckBox(self.tr("Record calls (hangup events carry RecID)"))
        self.did_edit = QLineEdit()
        self.did_edit.setPlaceholderText(self.tr("optional, e.g. 78123332301"))
        self.forward_edit = QLineEdit()
        self.forward_edit.setPlaceholderText(self.tr("optional, e.g. +79990001122"))
        self.agents_edit = QLineEdit()
        self.agents_edit.setPlaceholderText(
            self.tr("phone extensions, comma separated: {0}*101, {0}*102").format(self.prefix)
        )
        self.strategy_combo = QComboBox()
        self.strategy_combo.addItem(self.tr("Ring all agents at once"), "ringall")
        self.strategy_combo.addItem(self.tr("Ring agents one after another"), "sequential")
        self.ring_spin = QDoubleSpinBox()
        self.ring_spin.setRange(0.5, 600.0)
        self.ring_spin.setSuffix(self.tr(" s"))
        self.ring_spin.setValue(15.0)
        self.route_combo = QComboBox()
        self.route_combo.setEditable(True)
        self.route_combo.addItem("")
        for e in self.others:
            self.route_combo.addItem(e.name)
        self.menu_spin = QDoubleSpinBox()
        self.menu_spin.setRange(0.0, 600.0)
        self.menu_spin.setSuffix(self.tr(" s"))
        self.menu_spin.setValue(3.0)

        self.add_field("id", self.tr("Id:"), self.id_edit)
        self.add_field("name", self.tr("Name:"), self.name_edit, self.tr("<client prefix>*<short number>"))
        self.add_field("type", self.tr("Type:"), self.type_combo)
        self.add_field("status", self.tr("Status:"), self.status_combo)
        self.add_field("label", self.tr("Label:"), self.label_edit)
        self.add_field("caller_id_name", self.tr("Caller ID name:"), self.caller_id_edit)
        self.add_field("extension_group_id", self.tr("Group id:"), self.group_edit)
        self.add_field("extra_params", self.tr("Extra parameters:"), self.extra_edit)
        self.add_field("create_date", self.tr("Created (UTC):"), self.created_edit)
        self.add_field("client_id", self.tr("Account:"), self.account_edit)
        self.add_field("record", "", self.record_check)
        self.add_field("did", self.tr("Public number (DID):"), self.did_edit)
        self.add_field("forward_to", self.tr("Forward outside to:"), self.forward_edit)
        self.add_field("agents", self.tr("Agents:"), self.agents_edit)
        self.add_field("strategy", self.tr("Strategy:"), self.strategy_combo)
        self.add_field("ring_time", self.tr("Each agent rings:"), self.ring_spin)
        self.add_field("route", self.tr("After the menu, go to:"), self.route_combo)
        self.add_field("menu_time", self.tr("Time in the menu:"), self.menu_spin)

        if extension is not None:
            self._load(extension)
        else:
            self.id_edit.setText(str(self._free_id()))
        self.set_row_visible("create_date", bool(extension and extension.create_date))
        self.set_row_visible("client_id", bool(extension and (extension.client_id or extension.domain)))
        for w in (self.id_edit, self.name_edit, self.label_edit, self.did_edit, self.forward_edit,
                  self.agents_edit, self.caller_id_edit, self.group_edit, self.extra_edit):  # fmt: skip
            w.textChanged.connect(self.revalidate)
        self.route_combo.editTextChanged.connect(self.revalidate)
        self.type_combo.currentIndexChanged.connect(self._type_changed)
        if account is not None:
            self._live_banner(account)
        self._type_changed()

    def _live_banner(self, account: AccountConnection) -> None:
        self.banner.show_message(
            self.tr("Live mode: OK saves on the PBX account {0}, then in this profile. Recording, "
                    "numbers, agents and routes are simulator settings: they stay in this profile."
                    ).format(account.label)
        )  # fmt: skip
        if self.original is None:
            self.set_row_visible("id", False)  # the PBX assigns it

    # -- loading -------------------------------------------------------------------------------
    def _free_id(self) -> int:
        ids = {e.id for e in self.others}
        n = max(ids, default=100) + 1
        while n in ids:
            n += 1
        return n

    def _load(self, ext: Extension) -> None:
        self.id_edit.setText(str(ext.id))
        self.id_edit.setReadOnly(True)
        self.id_edit.setToolTip(self.tr("The id is assigned by the PBX and cannot change"))
        self.name_edit.setText(ext.name)
        self.type_combo.setCurrentIndex(self.type_combo.findData(ext.type.value))
        self.status_combo.setCurrentIndex(self.status_combo.findData(ext.status.value))
        self.label_edit.setText(ext.label)
        self.caller_id_edit.setText(ext.caller_id_name)
        self.group_edit.setText("" if ext.extension_group_id is None else str(ext.extension_group_id))
        self.extra_edit.setText(ext.extra_params or "")
        self.created_edit.setText(ext.create_date)
        account = " · ".join(p for p in (str(ext.client_id or ""), ext.domain) if p)
        self.account_edit.setText(account)
        self.record_check.setChecked(ext.record)
        self.did_edit.setText(ext.did or "")
        self.forward_edit.setText(ext.forward_to or "")
        self.agents_edit.setText(", ".join(ext.agents))
        self.strategy_combo.setCurrentIndex(max(0, self.strategy_combo.findData(ext.strategy)))
        self.ring_spin.setValue(ext.ring_time)
        self.route_combo.setEditText(ext.route or "")
        self.menu_spin.setValue(ext.menu_time)

    def _type_changed(self, *_args: object) -> None:
        t = self.ext_type
        for key in ("agents", "strategy", "ring_time"):
            self.set_row_visible(key, t is ExtensionType.QUEUE)
        for key in ("route", "menu_time"):
            self.set_row_visible(key, t is ExtensionType.IVR)
        self.revalidate()

    @property
    def ext_type(self) -> ExtensionType:
        return ExtensionType(self.type_combo.currentData())

    # -- the rules -----------------------------------------------------------------------------
    def _normalise(self, text: str) -> str:
        name = text.strip()
        if "*" not in name and name.isdigit():
            name = f"{self.prefix}*{name}"
        return name

    def _name_problem(self, text: str) -> str:
        if not text.strip():
            return self.tr("A name is required, e.g. {0}*105").format(self.prefix)
        try:
            name = validate_extension_name(text, prefix=self.prefix)
        except ValidationError:
            name = self._normalise(text)
            if _FULL_NAME.match(name):
                return self.tr("The name must carry this PBX's client prefix: {0}*{1}").format(
                    self.prefix, name.split("*", 1)[1]
                )
            return self.tr("Use <client prefix>*<short number>, e.g. {0}*105 (or just 105)").format(
                self.prefix
            )
        clash = next((e for e in self.others if e.name == name), None)
        if clash is not None:
            return self.tr("{0} is already the name of extension {1}").format(name, clash.id)
        return ""

    def _id_problem(self, text: str) -> str:
        if self.account is not None and self.original is None:
            return ""  # the PBX assigns it
        text = text.strip()
        if not text:
            return self.tr("An id is required")
        if not text.isdigit() or int(text) <= 0:
            return self.tr("The id must be a positive whole number")
        clash = next((e for e in self.others if e.id == int(text)), None)
        if clash is not None:
            return self.tr("Id {0} is taken by {1}").format(text, clash.name)
        return ""

    def _type_problem(self) -> str:
        t = self.ext_type
        for sub in self.subscriptions:
            try:
                check_event_allowed(t, sub.event_type)
            except ValidationError:
                return self.tr(
                    "This extension has {0} subscriptions: message events exist only on phone extensions"
                ).format(sub.event_type.value)
        if self.original is not None and t is not ExtensionType.PHONE:
            queue = next((e for e in self.others if self.original.name in e.agents), None)
            if queue is not None:
                return self.tr("It is an agent of queue {0}: queue agents must be phones").format(queue.name)
        return ""

    def _agents(self) -> list[str]:
        return [self._normalise(a) for a in self.agents_edit.text().split(",") if a.strip()]

    def _agents_problem(self) -> str:
        if self.ext_type is not ExtensionType.QUEUE:
            return ""
        agents = self._agents()
        if not agents:
            return self.tr("A queue needs at least one agent")
        by_name = {e.name: e for e in self.others}
        for agent in agents:
            target = by_name.get(agent)
            if target is None:
                return self.tr("There is no extension {0}").format(agent)
            if target.type is not ExtensionType.PHONE:
                return self.tr("{0} is not a phone (its type: {1}): queue agents must be phones").format(
                    agent, target.type.value
                )
        if len(set(agents)) != len(agents):
            return self.tr("An agent is listed twice")
        return ""

    def _route_problem(self) -> str:
        if self.ext_type is not ExtensionType.IVR:
            return ""
        route = self._normalise(self.route_combo.currentText())
        if not route:
            return self.tr("An IVR needs a route: where callers go after the menu")
        me = self._normalise(self.name_edit.text())
        by_name = {e.name: e for e in self.others}
        seen = [me]
        hop_name: str | None = route
        while hop_name is not None:
            if hop_name in seen:
                return self.tr("Route loop: {0}").format(" → ".join([*seen, hop_name]))
            hop = by_name.get(hop_name)
            if hop is None:
                return self.tr("There is no extension {0}").format(hop_name)
            if hop.type is not ExtensionType.IVR:
                break
            seen.append(hop_name)
            hop_name = hop.route
        return ""

    def _number_problem(self, text: str) -> str:
        text = text.strip()
        if text and not _NUMBER.match(text):
            return self.tr("Digits only (a leading + is fine), e.g. 78123332301")
        return ""

    def _group_problem(self, text: str) -> str:
        text = text.strip()
        if text and (not text.isdigit() or int(text) <= 0):
            return self.tr("A group id is a positive whole number")
        return ""

    def _extra_problem(self, text: str) -> str:
        if not text.strip():
            return ""
        try:
            json.loads(text)
        except ValueError:
            return self.tr('Extra parameters are JSON text, e.g. {"crm_user": 5}')
        return ""

    def validate(self) -> dict[str, str]:
        errors = {
            "extension_group_id": self._group_problem(self.group_edit.text()),
            "extra_params": self._extra_problem(self.extra_edit.text()),
            "id": self._id_problem(self.id_edit.text()),
            "name": self._name_problem(self.name_edit.text()),
            "type": self._type_problem(),
            "did": self._number_problem(self.did_edit.text()),
            "forward_to": self._number_problem(self.forward_edit.text()),
            "agents": self._agents_problem(),
            "route": self._route_problem(),
        }
        if (
            self.account is not None
            and self.original is not None
            and account_edit.remote_extension_id(self.profile, self.original.id) is None
        ):
            errors["live"] = self.tr(
                "{0} is only in this profile, not on the PBX account: push it with PBX → Sync with "
                "account…, or edit it in Simulated mode"
            ).format(self.original.name)
        did = self.did_edit.text().strip()
        if did and not errors["did"]:
            clash = next((e for e in self.others if e.did == did), None)
            if clash is not None:
                errors["did"] = self.tr("{0} is already routed to {1}").format(did, clash.name)
        return errors

    # -- result ----------------------------------------------------------------------------------
    def extension(self) -> Extension:
        """The extension the form describes (call when it validates)."""
        t = self.ext_type
        return Extension(
            id=int(self.id_edit.text().strip()),
            name=self._normalise(self.name_edit.text()),
            type=t,
            status=ExtensionStatus(self.status_combo.currentData()),
            label=self.label_edit.text().strip(),
            caller_id_name=self.caller_id_edit.text().strip(),
            extension_group_id=int(group) if (group := self.group_edit.text().strip()) else None,
            extra_params=self.extra_edit.text().strip() or None,
            # set by the PBX: kept as they were
            create_date=self.original.create_date if self.original else "",
            client_id=self.original.client_id if self.original else None,
            domain=self.original.domain if self.original else "",
            record=self.record_check.isChecked(),
            did=self.did_edit.text().strip() or None,
            forward_to=self.forward_edit.text().strip() or None,
            agents=tuple(self._agents()) if t is ExtensionType.QUEUE else (),
            strategy=str(self.strategy_combo.currentData()),
            route=(self._normalise(self.route_combo.currentText()) or None)
            if t is ExtensionType.IVR
            else None,
            menu_time=self.menu_spin.value(),
            ring_time=self.ring_spin.value(),
        )

    def accept(self) -> None:
        if not self.revalidate():
            return
        ext = self.extension()
        if self.account is not None:
            self._save_on_account(self.account, ext)
            return
        try:
            if self.original is None:
                self.profile.add_extension(ext)
            else:
                self.profile.update_extension(ext)
        except PbxDeskError as exc:
            self.show_form_error(str(exc))
            return
        self.saved = ext
        super().accept()

    def _save_on_account(self, account: AccountConnection, ext: Extension) -> None:
        save = account_edit.create_extension if self.original is None else account_edit.update_extension

        async def work() -> Extension:
            client = await account.connect_saved()
            return await save(client, self.profile, ext)

        def done(saved: Extension) -> None:
            self.saved = saved
            QDialog.accept(self)

        self.run_busy(self.tr("Saving to the PBX…"), work(), done)
