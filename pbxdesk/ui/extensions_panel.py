"""The side panel: a tree of extensions with their subscriptions under them.

It shows what it is given (the profile's configuration, or a playing scenario's, read-only)
and in Live mode greys what is only in this profile, not on the PBX account. The menus
(ui/dialogs/menus.py) act on its items through the id each carries (none for a scenario's).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from pbxdesk.domain import Extension, ExtensionStatus, Subscription
from pbxdesk.pbx.account_edit import remote_extension_id, remote_subscription_id
from pbxdesk.store.profile import Profile
from pbxdesk.ui.icons import extension_icon

ID_ROLE = Qt.ItemDataRole.UserRole  # an extension's id (top level) or a subscription's (child)


class ExtensionsPanel(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels([self.tr("Extension"), self.tr("Details")])
        self.setMinimumWidth(200)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)

    def show_config(
        self,
        extensions: Sequence[Extension],
        subscriptions: Sequence[Subscription],
        *,
        scenario: bool,
        live_profile: Profile | None,
    ) -> None:
        """Show ``extensions`` with their ``subscriptions``. A ``scenario``'s items carry no id
        (its file is what changes them); with ``live_profile`` (Live mode), what that profile
        holds but the PBX account does not is greyed, saying why."""
        self.clear()
        self.setToolTip(
            self.tr("The scenario's extensions and subscriptions (edit the file to change them)")
            if scenario else ""
        )  # fmt: skip
        subs_by_ext: dict[int, list[Subscription]] = {}
        for sub in subscriptions:
            subs_by_ext.setdefault(sub.extension_id, []).append(sub)
        local_only = self.tr("Only in this profile, not on the PBX account (Sync with account… pushes it)")
        for ext in extensions:
            detail = ext.label or ext.type.value
            blocked = ext.status is ExtensionStatus.BLOCKED
            if blocked:
                detail = self.tr("blocked · {0}").format(detail)
            item = QTreeWidgetItem([ext.name, detail])
            item.setIcon(0, extension_icon(ext.type.value))
            status = self.tr("blocked") if blocked else self.tr("active")
            item.setToolTip(0, self.tr("{0} · id {1} · {2}").format(ext.type.value, ext.id, status))
            item.setData(0, ID_ROLE, None if scenario else ext.id)
            if blocked:
                item.setForeground(1, QBrush(Qt.GlobalColor.darkRed))
            if live_profile is not None and remote_extension_id(live_profile, ext.id) is None:
                _mark_local_only(item, local_only)
            for sub in subs_by_ext.get(ext.id, []):
                child = QTreeWidgetItem([sub.event_type.value, f"{sub.method.value} {sub.url}"])
                child.setToolTip(1, sub.url)
                child.setData(0, ID_ROLE, None if scenario else sub.id)
                if (
                    live_profile is not None
                    and sub.id is not None
                    and remote_subscription_id(live_profile, sub.id) is None
                ):
                    _mark_local_only(child, local_only)
                item.addChild(child)
            self.addTopLevelItem(item)
        self.expandAll()


def _mark_local_only(item: QTreeWidgetItem, why: str) -> None:
    """Greyed in Live mode: what the dialogs cannot change on the account."""
    for col in (0, 1):
        item.setForeground(col, QBrush(Qt.GlobalColor.gray))
        item.setToolTip(col, why)
