"""The main window's menus (File, Edit, PBX) and the extensions tree's double-click and
context menu, wired to the dialogs.

It is handed what it uses (the menu bar, the tree, the profile's configuration, the PBX
account, the exporter) and says what happened through signals; a saved change goes to the
configuration (``ProfileConfig.reload``), whose ``changed`` refreshes whoever shows it.

Dialogs open window-modal with ``open()`` (no nested event loop: the qasync loop keeps
running), and their result is applied when they finish.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QMessageBox, QTreeWidget, QTreeWidgetItem, QWidget

from pbxdesk.domain import Extension, PbxDeskError, Subscription
from pbxdesk.pbx import account_edit
from pbxdesk.ui.account import AccountConnection
from pbxdesk.ui.dialogs.extension_dialog import ExtensionDialog
from pbxdesk.ui.dialogs.preferences_dialog import PreferencesDialog
from pbxdesk.ui.dialogs.subscription_dialog import SubscriptionDialog
from pbxdesk.ui.error_text import error_text
from pbxdesk.ui.export import TimelineExporter
from pbxdesk.ui.extensions_panel import ID_ROLE
from pbxdesk.ui.profile_config import ProfileConfig

log = logging.getLogger(__name__)


class PbxMenus(QObject):
    """Owns the actions; keeps the dialog or question box that is open (tests reach it)."""

    message = Signal(str, int)  # text, milliseconds to show it (0: until the next)
    policy_saved = Signal(object)  # a DeliveryPolicy from Preferences: the engine applies it now
    language_saved = Signal(str)  # Preferences saved another language ("", "en", "ru")

    def __init__(
        self,
        menu_bar: QMenuBar,
        tree: QTreeWidget,
        config: ProfileConfig,
        account: AccountConnection,
        live_account: Callable[[], AccountConnection | None],
        exporter: TimelineExporter,
        parent: QWidget,
        *,
        file_actions: Sequence[QAction] = (),
    ) -> None:
        """``live_account`` says which account the dialogs save to: the connected one in Live
        mode, None when they save to the profile. ``parent`` (the window) owns the dialogs and
        is what Quit closes. ``file_actions`` (the window's own, such as Open scenario file) head
        the File menu."""
        super().__init__(parent)
        self.tree = tree
        self.config = config
        self.account = account
        self.live_account = live_account
        self._parent = parent
        self.dialog: ExtensionDialog | SubscriptionDialog | PreferencesDialog | None = None
        self.question: QMessageBox | None = None
        self.tree_menu: QMenu | None = None  # the side panel's last context menu
        self.pending: asyncio.Future[None] | None = None  # a delete on the PBX account under way
        self.exporter = exporter
        bar = menu_bar
        window = parent  # the actions' owner

        self.file_menu = bar.addMenu(self.tr("&File"))
        if file_actions:
            self.file_menu.addActions(list(file_actions))
            self.file_menu.addSeparator()
        self.export_action = QAction(self.tr("&Export…"), window)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setToolTip(self.tr("Save the timeline's rows as CSV, JSON or HAR"))
        self.export_action.triggered.connect(lambda: self.exporter.ask(selected_only=False))
        self.export_selected_action = QAction(self.tr("Export &selected rows…"), window)
        self.export_selected_action.triggered.connect(lambda: self.exporter.ask(selected_only=True))
        self.quit_action = QAction(self.tr("&Quit"), window)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(window.close)
        self.file_menu.addAction(self.export_action)
        self.file_menu.addAction(self.export_selected_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)

        self.edit_menu = bar.addMenu(self.tr("&Edit"))
        self.preferences_action = QAction(self.tr("&Preferences…"), window)
        self.preferences_action.setShortcut(QKeySequence("Ctrl+,"))
        self.preferences_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.preferences_action.triggered.connect(self.preferences)
        self.edit_menu.addAction(self.preferences_action)

        self.pbx_menu = bar.addMenu(self.tr("&PBX"))
        self.new_extension_action = QAction(self.tr("New &extension…"), window)
        self.new_extension_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.new_extension_action.triggered.connect(self.new_extension)
        self.edit_action = QAction(self.tr("&Edit…"), window)
        self.edit_action.setShortcut(QKeySequence("F2"))
        self.edit_action.triggered.connect(self.edit_current)
        self.delete_action = QAction(self.tr("&Delete"), window)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.triggered.connect(self.delete_current)
        tree.addAction(self.delete_action)  # Del works while the tree has focus
        self.new_subscription_action = QAction(self.tr("New &subscription…"), window)
        self.new_subscription_action.triggered.connect(self.new_subscription)
        for action in (self.new_extension_action, self.edit_action, self.delete_action):
            self.pbx_menu.addAction(action)
        self.pbx_menu.addSeparator()
        self.pbx_menu.addAction(self.new_subscription_action)

        tree.itemDoubleClicked.connect(lambda item, _col: self.edit_item(item))
        tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tree.customContextMenuRequested.connect(self.context_menu)
        tree.currentItemChanged.connect(lambda *_: self._update_actions())
        self._update_actions()

    # -- what is selected ------------------------------------------------------------------------
    def _update_actions(self) -> None:
        has = self.tree.currentItem() is not None
        self.edit_action.setEnabled(has)
        self.delete_action.setEnabled(has)

    @staticmethod
    def _kind(item: QTreeWidgetItem) -> str:
        return "extension" if item.parent() is None else "subscription"

    def _extension_of(self, item: QTreeWidgetItem | None) -> int | None:
        while item is not None and item.parent() is not None:
            item = item.parent()
        return None if item is None else item.data(0, ID_ROLE)

    def context_menu(self, pos: QPoint) -> QMenu:
        tree = self.tree
        item = tree.itemAt(pos)
        if self.tree_menu is not None:
            self.tree_menu.deleteLater()  # the last one (a window open all day makes many)
        menu = self.tree_menu = QMenu(tree)
        if item is None:
            menu.addAction(self.new_extension_action)
            menu.addAction(self.new_subscription_action)
        elif self._kind(item) == "extension":
            tree.setCurrentItem(item)
            menu.addAction(self.tr("Edit extension…"), lambda: self.edit_item(item))
            ext_id = item.data(0, ID_ROLE)
            menu.addAction(self.tr("New subscription…"), lambda: self.new_subscription(ext_id))
            menu.addSeparator()
            menu.addAction(self.tr("Delete extension"), lambda: self.delete_item(item))
        else:
            tree.setCurrentItem(item)
            menu.addAction(self.tr("Edit subscription…"), lambda: self.edit_item(item))
            menu.addSeparator()
            menu.addAction(self.tr("Delete subscription"), lambda: self.delete_item(item))
        menu.popup(tree.viewport().mapToGlobal(pos))
        return menu

    # -- opening the dialogs ---------------------------------------------------------------------
    def _open(self, dialog: ExtensionDialog | SubscriptionDialog | PreferencesDialog) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._saved(dialog))
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: object) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def new_extension(self) -> None:
        account = self.live_account()
        self._open(ExtensionDialog(self.config.profile, parent=self._parent, account=account))

    def new_subscription(self, extension_id: int | None = None) -> None:
        if extension_id is None or isinstance(extension_id, bool):  # triggered(bool) from a menu
            extension_id = self._extension_of(self.tree.currentItem())
        self._open(
            SubscriptionDialog(
                self.config.profile, extension_id=extension_id, parent=self._parent,
                account=self.live_account(),
            )
        )  # fmt: skip

    def preferences(self) -> None:
        self._open(PreferencesDialog(self.config.profile, parent=self._parent))

    def edit_current(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.edit_item(item)

    def _target(self, item: QTreeWidgetItem) -> Extension | Subscription | None:
        """The extension or subscription a side-panel item stands for: None for a playing
        scenario's item (the file is what changes it) or one deleted meanwhile."""
        item_id = item.data(0, ID_ROLE)
        if item_id is None:
            return None
        if self._kind(item) == "extension":
            return self.config.profile.extension(item_id)
        return self.config.profile.subscription(item_id)

    def edit_item(self, item: QTreeWidgetItem) -> None:
        target, profile, account = self._target(item), self.config.profile, self.live_account()
        if isinstance(target, Extension):
            self._open(ExtensionDialog(profile, target, parent=self._parent, account=account))
        elif target is not None:
            self._open(SubscriptionDialog(profile, target, parent=self._parent, account=account))

    # -- deleting --------------------------------------------------------------------------------
    def delete_current(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.delete_item(item)

    def delete_item(self, item: QTreeWidgetItem) -> None:
        """Ask first (a window-modal question), then delete (in Live mode on the account too)."""
        target, profile, account = self._target(item), self.config.profile, self.live_account()
        if isinstance(target, Extension):
            ext = target
            users = [e.name for e in profile.extensions() if ext.name in e.agents or e.route == ext.name]
            if users:
                self._tell(
                    self.tr("{0} cannot be deleted: {1} route calls to it. Change them first.").format(
                        ext.name, ", ".join(users)
                    )
                )
                return
            n = sum(1 for s in profile.subscriptions() if s.extension_id == ext.id)
            text = self.tr(
                "Delete extension {0} and its %Ln subscription(s)? Its history stays.", "", n
            ).format(ext.name)
            if account is None:
                self._ask(text, lambda: profile.delete_extension(ext.id))
                return
            text += "\n\n" + self._where(account_edit.remote_extension_id(profile, ext.id))
            self._ask(text, lambda: self._on_account(account_edit.delete_extension, ext.id))
        elif target is not None:
            sub, item_id = target, target.id
            text = self.tr("Delete the {0} subscription to {1} {2}?").format(
                sub.event_type.value, sub.method.value, sub.url
            )
            if account is None:
                self._ask(text, lambda: profile.delete_subscription(item_id))
                return
            text += "\n\n" + self._where(account_edit.remote_subscription_id(profile, item_id))
            self._ask(text, lambda: self._on_account(account_edit.delete_subscription, item_id))

    def _where(self, remote_id: int | None) -> str:
        account = self.account
        if remote_id is None:
            return self.tr("It is not on the PBX account: only this profile changes.")
        return self.tr("Live mode: it is deleted on the PBX account {0} too.").format(account.label)

    async def _on_account(self, delete: object, item_id: int) -> None:
        """A delete on the account, then in the profile; progress and failure in the status bar
        (the question is gone by then), the failure also in a message box."""
        self.message.emit(self.tr("Deleting on the PBX account…"), 0)
        try:
            client = await self.account.connect_saved()
            await delete(client, self.config.profile, item_id)  # type: ignore[operator]
        except PbxDeskError as exc:
            self.message.emit(self.tr("Not deleted: {0}").format(error_text(exc)), 15_000)
            self._tell(self.tr("Not deleted: {0}").format(error_text(exc)))
            return
        self.config_changed()
        self.message.emit(self.tr("Deleted on the PBX account and in this profile"), 8000)

    def _ask(self, text: str, action: object) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Delete"),
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self._parent,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Delete"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Cancel"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.question = box

        def done(result: int) -> None:
            self.question = None
            if result != QMessageBox.StandardButton.Yes:
                return
            try:
                result = action()  # type: ignore[operator]
            except PbxDeskError as exc:
                self.message.emit(error_text(exc), 10_000)
                return
            if inspect.isawaitable(result):  # Live mode: it reports and refreshes itself
                self.pending = asyncio.ensure_future(result)
                return
            self.config_changed()

        box.finished.connect(done)
        box.open()

    def _tell(self, text: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information, self.tr("pbxdesk"), text, QMessageBox.StandardButton.Ok,
            self._parent,
        )  # fmt: skip
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.question = box
        box.finished.connect(lambda _r: setattr(self, "question", None))
        box.open()

    # -- after a change --------------------------------------------------------------------------
    def _saved(self, dialog: object) -> None:
        if isinstance(dialog, ExtensionDialog | SubscriptionDialog):
            self.config_changed()
            if dialog.account is not None:
                self.message.emit(self.tr("Saved on the PBX account and in this profile"), 8000)
        elif isinstance(dialog, PreferencesDialog):
            if dialog.policy_saved is not None:
                self.policy_saved.emit(dialog.policy_saved)
            self.message.emit(self.tr("Preferences saved; the delivery settings apply now"), 5000)
            if dialog.language_saved is not None:
                self.language_saved.emit(dialog.language_saved)

    def config_changed(self) -> None:
        """The profile's extensions or subscriptions changed here (or in the sync dialog): the
        configuration reads them again and its listeners follow (the side panel, the running
        engine's subscriptions and names; the simulated feed takes new extensions at its next
        Start)."""
        self.config.reload()
        self._update_actions()
        self.message.emit(
            self.tr("Saved: deliveries follow it now; new extensions join the feed at its next Start"),
            8000,
        )
