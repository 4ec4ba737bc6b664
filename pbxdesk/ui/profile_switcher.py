"""The toolbar's profile selector: every profile on this machine, and "New profile…".

Choosing another profile asks the app (``ui/app.py``) to close this window's session and
reopen on that profile; nothing here opens a profile itself.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QComboBox, QInputDialog, QLineEdit, QWidget

from pbxdesk.domain import PbxDeskError
from pbxdesk.store.manager import create_profile, list_profiles
from pbxdesk.store.paths import check_profile_name

NEW_PROFILE = "\0new"  # the combo's data for "New profile…" (no profile name has a NUL)


class ProfileSwitcher(QObject):
    switch_requested = Signal(str)  # the profile name to reopen on

    def __init__(self, profile_name: str, parent: QWidget) -> None:
        """``profile_name`` is the one shown; ``parent`` (the window) owns the questions asked."""
        super().__init__(parent)
        self.profile_name = profile_name
        self._parent = parent
        self.combo = QComboBox(parent)
        self.combo.setObjectName("profile_combo")
        self.combo.setMinimumContentsLength(12)
        self.combo.setToolTip(
            self.tr("The profile shown: its PBX, subscriptions and history. Pick another to switch.")
        )
        self.combo.activated.connect(self._chosen)
        self.dialog: QInputDialog | None = None  # the last "New profile" question (tests reach it)
        self.fill()

    def fill(self) -> None:
        """List the profiles again (usable ones by name; a damaged one greyed, saying why)."""
        current = self.profile_name
        self.combo.clear()
        infos = {info.name: info for info in list_profiles()}
        for name in sorted(set(infos) | {current}):
            info = infos.get(name)
            self.combo.addItem(name, name)
            item = self.combo.model().item(self.combo.count() - 1)  # type: ignore[attr-defined]
            if info is None:
                continue
            if info.problem and name != current:
                item.setEnabled(False)
                item.setToolTip(self.tr("Cannot be opened: {0}").format(info.problem))
            elif info.events is not None:
                item.setToolTip(
                    self.tr("%Ln event(s), {0} MB", "", info.events).format(f"{info.size_bytes / 1e6:.1f}")
                )
        self.combo.insertSeparator(self.combo.count())
        self.combo.addItem(self.tr("New profile…"), NEW_PROFILE)
        self.combo.setCurrentIndex(self.combo.findData(current))

    def _chosen(self, index: int) -> None:
        data = self.combo.itemData(index)
        self.combo.setCurrentIndex(self.combo.findData(self.profile_name))  # until it switches
        if data == NEW_PROFILE:
            self._ask_new_name()
        elif data and data != self.profile_name:
            self.switch_requested.emit(str(data))

    def _ask_new_name(self, problem: str = "", typed: str = "") -> None:
        """Ask for the name; after a problem, again with what was typed (to correct, not retype)."""
        dialog = QInputDialog(self._parent)
        dialog.setWindowTitle(self.tr("New profile"))
        text = self.tr(
            "Name of the new profile (letters, digits, spaces, '.', '_', '-'); it starts with the demo PBX."
        )
        dialog.setLabelText(f"{problem}\n\n{text}" if problem else text)
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(typed)
        dialog.textValueSelected.connect(self.create_and_switch)
        self.dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def create_and_switch(self, name: str) -> bool:
        """Create profile ``name`` and ask to switch to it; a bad or taken name asks again,
        saying why (nothing is created then)."""
        try:
            create_profile(check_profile_name(name.strip()))
        except PbxDeskError as exc:
            self._ask_new_name(str(exc), typed=name)
            return False
        self.switch_requested.emit(name.strip())
        return True
