"""The feed selector's "Live: PBX account" entry and the PBX menu's "Sync with account…".

Choosing Live connects the account (with what is saved, else by asking); while Live is
chosen and connected, the extension and subscription dialogs change the account through its
API. Start then monitors an extension (the live monitor's dialog, prefilled), Stop removes
the monitor's subscriptions again. Choosing another feed goes back to local edits.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from pbxdesk.domain import PbxDeskError
from pbxdesk.ui.account import AccountConnection, AccountDialog
from pbxdesk.ui.dialogs.sync_dialog import SyncDialog
from pbxdesk.ui.error_text import error_text

if TYPE_CHECKING:
    from pbxdesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

LIVE_FEED = "<live>"


class LiveFeed(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.account: AccountConnection = window.account
        self.dialog: AccountDialog | None = None  # the connect dialog while open (tests reach it)
        self.sync_dialog: SyncDialog | None = None
        self._connecting: asyncio.Task[None] | None = None
        self.sync_action = QAction(self.tr("S&ync with account…"), window)
        self.sync_action.setToolTip(
            self.tr("Compare this profile with the PBX account, then push or pull the difference")
        )
        self.sync_action.triggered.connect(self.open_sync)
        menu = window.menus.pbx_menu
        menu.addSeparator()
        menu.addAction(self.sync_action)
        self.account.changed.connect(self._account_changed)

    # -- state -----------------------------------------------------------------------------------
    @property
    def selected(self) -> bool:
        return self.window.feed_combo.currentData() == LIVE_FEED

    @property
    def active(self) -> bool:
        """Live mode: the dialogs change the account."""
        return self.selected and self.account.connected

    def _account_changed(self) -> None:
        self.window.config_view_changed()

    # -- the feed selector -----------------------------------------------------------------------
    def chosen(self, previous_index: int) -> None:
        """Live was chosen: connect with what is saved, else ask; cancelled, back to ``previous_index``."""
        if self.account.connected:
            self.window.config_view_changed()
            return
        self._connecting = asyncio.ensure_future(self._connect_saved(previous_index))

    async def _connect_saved(self, previous_index: int) -> None:
        _base_url, client_id = self.account.saved()
        problem = ""
        if client_id and self.account.saved_secret():
            self.window.statusBar().showMessage(self.tr("Connecting to the PBX account…"))
            try:
                await self.account.connect_saved()
            except PbxDeskError as exc:
                problem = error_text(exc)
            else:
                self.window.statusBar().showMessage(
                    self.tr("Connected to {0}: edits now go to the PBX account").format(self.account.label),
                    8000,
                )
                return
            finally:
                self._connecting = None
        self.ask_connect(previous_index, problem)

    def ask_connect(self, previous_index: int, problem: str = "") -> AccountDialog:
        dialog = AccountDialog(self.account, self.window, problem=problem)
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            if not result and self.selected and not self.account.connected:
                self.window.feed_combo.setCurrentIndex(previous_index)
                self.window.config_view_changed()

        dialog.finished.connect(finished)
        dialog.open()
        return dialog

    def left(self) -> None:
        """Another feed was chosen: edits are local again (a running monitor keeps its client)."""
        if not self.window.live.active:
            asyncio.ensure_future(self.account.disconnect())
        self.window.config_view_changed()

    def start(self) -> None:
        """Start in Live mode: monitor an extension (the dialog says what failed, in place)."""
        self.window.live.ask()

    # -- sync ------------------------------------------------------------------------------------
    def open_sync(self) -> SyncDialog:
        dialog = SyncDialog(self.window.profile, self.account, parent=self.window)
        dialog.config_changed.connect(self.window.menus.config_changed)
        self.sync_dialog = dialog
        dialog.finished.connect(lambda _r: setattr(self, "sync_dialog", None))
        dialog.open()
        dialog.refresh()
        return dialog


def install_live_feed(window: MainWindow) -> LiveFeed:
    return LiveFeed(window)
