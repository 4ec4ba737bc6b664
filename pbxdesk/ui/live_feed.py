"""The feed selector's "Live: PBX account" entry and the PBX menu's "Sync with account…".

Choosing Live connects the account (with what is saved, else by asking); while Live is
chosen and connected, the extension and subscription dialogs change the account through its
API. Start then monitors an extension (the live monitor's dialog, prefilled), Stop removes
the monitor's subscriptions again. Choosing another feed goes back to local edits.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QMenu, QWidget

from pbxdesk.domain import PbxDeskError
from pbxdesk.store.profile import Profile
from pbxdesk.ui.account import AccountConnection, AccountDialog
from pbxdesk.ui.dialogs.sync_dialog import SyncDialog
from pbxdesk.ui.error_text import error_text
from pbxdesk.ui.live_monitor import LiveMonitor

log = logging.getLogger(__name__)

LIVE_FEED = "<live>"


class LiveFeed(QObject):
    """Follows ``feed_combo``'s Live entry; connects ``account``; Start hands over to the live
    ``monitor``. ``mode_changed`` when Live mode comes or goes (the side panel marks what is
    not on the account), ``config_edited`` when a sync changed the profile, status texts on
    ``message``."""

    mode_changed = Signal()
    config_edited = Signal()
    message = Signal(str, int)  # text, milliseconds to show it (0: until the next)

    def __init__(
        self,
        feed_combo: QComboBox,
        account: AccountConnection,
        monitor: LiveMonitor,
        profile: Profile,
        pbx_menu: QMenu,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.feed_combo = feed_combo
        self.account = account
        self.monitor = monitor
        self.profile = profile
        self._parent = parent  # the connect and sync dialogs'
        self.dialog: AccountDialog | None = None  # the connect dialog while open (tests reach it)
        self.sync_dialog: SyncDialog | None = None
        self._connecting: asyncio.Task[None] | None = None
        self.sync_action = QAction(self.tr("S&ync with account…"), parent)
        self.sync_action.setToolTip(
            self.tr("Compare this profile with the PBX account, then push or pull the difference")
        )
        self.sync_action.triggered.connect(self.open_sync)
        pbx_menu.addSeparator()
        pbx_menu.addAction(self.sync_action)
        self.account.changed.connect(self._account_changed)

    # -- state -----------------------------------------------------------------------------------
    @property
    def selected(self) -> bool:
        return self.feed_combo.currentData() == LIVE_FEED

    @property
    def active(self) -> bool:
        """Live mode: the dialogs change the account."""
        return self.selected and self.account.connected

    def _account_changed(self) -> None:
        self.mode_changed.emit()

    # -- the feed selector -----------------------------------------------------------------------
    def chosen(self, previous_index: int) -> None:
        """Live was chosen: connect with what is saved, else ask; cancelled, back to ``previous_index``."""
        if self.account.connected:
            self.mode_changed.emit()
            return
        self._connecting = asyncio.ensure_future(self._connect_saved(previous_index))

    async def _connect_saved(self, previous_index: int) -> None:
        _base_url, client_id = self.account.saved()
        problem = ""
        if client_id and self.account.saved_secret():
            self.message.emit(self.tr("Connecting to the PBX account…"), 0)
            try:
                await self.account.connect_saved()
            except PbxDeskError as exc:
                problem = error_text(exc)
            else:
                self.message.emit(
                    self.tr("Connected to {0}: edits now go to the PBX account").format(self.account.label),
                    8000,
                )
                return
            finally:
                self._connecting = None
        self.ask_connect(previous_index, problem)

    def ask_connect(self, previous_index: int, problem: str = "") -> AccountDialog:
        dialog = AccountDialog(self.account, self._parent, problem=problem)
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            if not result and self.selected and not self.account.connected:
                self.feed_combo.setCurrentIndex(previous_index)
                self.mode_changed.emit()

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def left(self) -> None:
        """Another feed was chosen: edits are local again (a running monitor keeps its client)."""
        if not self.monitor.active:
            asyncio.ensure_future(self.account.disconnect())
        self.mode_changed.emit()

    def start(self) -> None:
        """Start in Live mode: monitor an extension (the dialog says what failed, in place)."""
        self.monitor.ask()

    # -- sync ------------------------------------------------------------------------------------
    def open_sync(self) -> SyncDialog:
        dialog = SyncDialog(self.profile, self.account, parent=self._parent)
        dialog.config_changed.connect(self.config_edited)
        self.sync_dialog = dialog
        dialog.finished.connect(lambda _r: setattr(self, "sync_dialog", None))
        dialog.open()
        dialog.refresh()
        return dialog
