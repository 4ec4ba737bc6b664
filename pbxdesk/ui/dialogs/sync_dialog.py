"""Sync with the PBX account: the difference first, then push it or pull the account's.

Nothing is sent before the user has seen what would change: opening the dialog connects and
compares (``sync.plan_push``); "Push to account" applies exactly the plan shown, each item
with its own result; "Pull from account" replaces the profile's configuration, after asking.
Every failure (credentials, network, the PBX refusing) is said in the dialog.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.domain import PbxDeskError
from pbxdesk.pbx import sync
from pbxdesk.store.profile import Profile
from pbxdesk.ui.dialogs.common import ERROR_COLOUR, OK_COLOUR, WARNING_COLOUR, BusyRow, MessageLabel
from pbxdesk.ui.error_text import error_text

if TYPE_CHECKING:
    from pbxdesk.ui.account import AccountConnection

log = logging.getLogger(__name__)

CTX = "SyncDialog"
KIND_TEXT = {
    sync.ADDED: QT_TRANSLATE_NOOP("SyncDialog", "Add"),
    sync.CHANGED: QT_TRANSLATE_NOOP("SyncDialog", "Change"),
    sync.REMOVED: QT_TRANSLATE_NOOP("SyncDialog", "Remove"),
}
KIND_COLOUR = {sync.ADDED: OK_COLOUR, sync.CHANGED: WARNING_COLOUR, sync.REMOVED: ERROR_COLOUR}
# sync.FIELD_LABELS's English, marked for translation (tests/unit/test_sync_text.py keeps them equal).
FIELD_TEXT = {
    "name": QT_TRANSLATE_NOOP("SyncDialog", "Name"),
    "type": QT_TRANSLATE_NOOP("SyncDialog", "Type"),
    "status": QT_TRANSLATE_NOOP("SyncDialog", "Status"),
    "label": QT_TRANSLATE_NOOP("SyncDialog", "Label"),
    "caller_id_name": QT_TRANSLATE_NOOP("SyncDialog", "Caller ID name"),
    "extension_group_id": QT_TRANSLATE_NOOP("SyncDialog", "Extension group"),
    "extra_params": QT_TRANSLATE_NOOP("SyncDialog", "Extra parameters"),
    "extension_id": QT_TRANSLATE_NOOP("SyncDialog", "Extension"),
    "event_type": QT_TRANSLATE_NOOP("SyncDialog", "Event"),
    "method": QT_TRANSLATE_NOOP("SyncDialog", "Method"),
    "url": QT_TRANSLATE_NOOP("SyncDialog", "URL"),
}
COL_CHANGE, COL_ITEM, COL_FIELD, COL_PBX, COL_LOCAL, COL_RESULT = range(6)


def _tr(text: str) -> str:
    return QCoreApplication.translate(CTX, text)


class SyncDialog(QDialog):
    config_changed = Signal()  # the profile's configuration or id pairs changed (the side panel)

    def __init__(self, profile: Profile, account: AccountConnection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self.account = account
        self.plan: sync.SyncPlan | None = None
        self.report: sync.PushReport | None = None
        self.question: QMessageBox | None = None  # the pull confirmation while open
        self._task: asyncio.Task[None] | None = None
        self._items: dict[int, QTreeWidgetItem] = {}  # id(change) -> its row
        self.setWindowTitle(self.tr("Sync with the PBX account"))
        self.resize(860, 480)

        self.account_label = QLabel()
        self.account_label.setObjectName("account_label")
        self.connect_button = QPushButton(self.tr("Connect…"))
        self.connect_button.setToolTip(self.tr("Connect with another API address, client id or secret"))
        self.connect_button.clicked.connect(self._ask_connect)
        top = QHBoxLayout()
        top.addWidget(self.account_label, 1)
        top.addWidget(self.connect_button)

        self.intro = QLabel(
            self.tr("What “Push to account” would change on the PBX to make it like this profile. "
                    "Nothing is sent until you press it.")
        )  # fmt: skip
        self.intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(
            [self.tr("Change"), self.tr("Item"), self.tr("Field"), self.tr("On the PBX"),
             self.tr("In this profile"), self.tr("Result")]
        )  # fmt: skip
        self.tree.setRootIsDecorated(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        for col, width in (
            (COL_CHANGE, 90),
            (COL_ITEM, 220),
            (COL_FIELD, 80),
            (COL_PBX, 150),
            (COL_LOCAL, 150),
        ):
            self.tree.setColumnWidth(col, width)
        header.setSectionResizeMode(COL_ITEM, QHeaderView.ResizeMode.Interactive)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.notes = MessageLabel("palette(mid)")
        self.notes.setObjectName("notes")
        self.error = MessageLabel(ERROR_COLOUR)
        self.error.setObjectName("sync_error")
        self.busy_row = BusyRow()

        self.buttons = QDialogButtonBox()
        self.compare_button = self.buttons.addButton(
            self.tr("Compare again"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.pull_button = self.buttons.addButton(
            self.tr("Pull from account…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.pull_button.setToolTip(
            self.tr("Replace this profile's extensions and subscriptions with the account's")
        )
        self.push_button = self.buttons.addButton(
            self.tr("Push to account"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.close_button = self.buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        self.push_button.setDefault(True)
        self.compare_button.clicked.connect(self.refresh)
        self.pull_button.clicked.connect(self.ask_pull)
        self.push_button.clicked.connect(self.push)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.notes)
        layout.addWidget(self.error)
        layout.addWidget(self.busy_row)
        layout.addWidget(self.buttons)
        self._show_account()
        self._update_buttons()

    # -- running things in the background ---------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._task is not None

    def _run(self, text: str, work: Callable[[], Awaitable[Any]], done: Callable[[Any], None]) -> None:
        if self.busy:
            return
        self.error.show_message(None)
        self.busy_row.show_busy(text)
        self._task = asyncio.ensure_future(self._runner(work, done))
        self._update_buttons()

    async def _runner(self, work: Callable[[], Awaitable[Any]], done: Callable[[Any], None]) -> None:
        try:
            result = await work()
        except PbxDeskError as exc:
            self._finish()
            self.error.show_message(error_text(exc))
            return
        except Exception as exc:  # noqa: BLE001 - said in the dialog, never a traceback
            log.exception("sync failed")
            self._finish()
            self.error.show_message(self.tr("Unexpected error: {0}").format(exc))
            return
        self._finish()
        done(result)

    def _finish(self) -> None:
        self._task = None
        self.busy_row.show_busy(None)
        self._show_account()
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self.busy
        connected = self.account.connected
        self.compare_button.setEnabled(idle)
        self.connect_button.setEnabled(idle)
        self.pull_button.setEnabled(idle and connected)
        self.push_button.setEnabled(idle and connected and self.plan is not None and not self.plan.empty
                                    and self.report is None)  # fmt: skip
        self.close_button.setEnabled(idle)

    def _show_account(self) -> None:
        if self.account.connected:
            self.account_label.setText(self.tr("Account: <b>{0}</b>").format(self.account.label))
        else:
            self.account_label.setText(self.tr("Not connected"))

    def reject(self) -> None:
        if not self.busy:  # half a push must finish: each item's result is kept
            super().reject()

    # -- compare -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Connect (with what is saved) and compare; the plan shows in the tree."""

        async def work() -> sync.SyncPlan:
            client = await self.account.connect_saved()
            self._show_account()
            self.busy_row.show_busy(self.tr("Comparing this profile with the account…"))
            return await sync.plan_push(client, self.profile)

        self._run(self.tr("Connecting to the PBX account…"), work, self._show_plan)

    def _ask_connect(self) -> None:
        from pbxdesk.ui.account import AccountDialog

        dialog = AccountDialog(self.account, self)
        dialog.accepted.connect(self.refresh)
        dialog.open()
        self.connect_dialog = dialog

    def _show_plan(self, plan: sync.SyncPlan) -> None:
        self.plan, self.report = plan, None
        self.tree.clear()
        self._items.clear()
        names = {e.id: e.name for e in self.profile.extensions()}
        for change in plan.changes:
            item = self._change_item(change, names)
            self._items[id(change)] = item
            self.tree.addTopLevelItem(item)
        self.tree.expandAll()
        for col in (COL_CHANGE, COL_FIELD):  # translated words differ in length
            self.tree.resizeColumnToContents(col)
        counts = plan.counts()
        if plan.empty:
            self.summary.setText(self.tr("The account matches this profile: nothing to push."))
        else:
            self.summary.setText(
                self.tr("{0} to add, {1} to change, {2} to remove on the account.").format(
                    counts[sync.ADDED], counts[sync.CHANGED], counts[sync.REMOVED]
                )
            )
        notes = [self.tr("Left alone by a push: {0}").format(self.sync_text(n)) for n in plan.notes]
        self.notes.show_message("\n".join(notes) or None)
        self._update_buttons()

    def _change_item(self, change: sync.Change, names: dict[int, str]) -> QTreeWidgetItem:
        side = change.after if change.after is not None else change.before
        assert side is not None
        if change.entity == sync.EXTENSION:
            what = self.tr("extension {0}").format(side["name"])
        else:
            ext = names.get(side["extension_id"], str(side["extension_id"]))
            what = self.tr("subscription {0} · {1}").format(ext, side["event_type"])
            if change.remote_id is not None:
                what += f" (#{change.remote_id})"
        item = QTreeWidgetItem([_tr(KIND_TEXT[change.kind]), what, "", "", "", ""])
        item.setForeground(COL_CHANGE, QBrush(QColor(KIND_COLOUR[change.kind])))
        font = item.font(COL_CHANGE)
        font.setBold(True)
        item.setFont(COL_CHANGE, font)
        keys = change.fields if change.kind == sync.CHANGED else list(side)
        for key in keys:
            before = self._value(key, change.before, names)
            after = self._value(key, change.after, names)
            child = QTreeWidgetItem(["", "", _tr(FIELD_TEXT.get(key, key)), before, after, ""])
            child.setToolTip(COL_PBX, before)
            child.setToolTip(COL_LOCAL, after)
            item.addChild(child)
        return item

    @staticmethod
    def _value(key: str, side: dict[str, Any] | None, names: dict[int, str]) -> str:
        if side is None:
            return "—"
        value = side.get(key)
        if key == "extension_id":
            return names.get(value, str(value))  # type: ignore[arg-type]
        return str(value) if value not in (None, "") else "“”"

    # -- push --------------------------------------------------------------------------------------
    def push(self) -> None:
        plan = self.plan
        if plan is None or plan.empty or self.busy:
            return
        total = len(plan.changes)
        done_count = [0]

        def on_result(result: sync.ItemResult) -> None:
            done_count[0] += 1
            self.busy_row.show_busy(
                self.tr("Pushing to the account… {0} of {1}").format(done_count[0], total)
            )
            self._show_result(result)

        async def work() -> sync.PushReport:
            client = await self.account.connect_saved()
            return await sync.push(client, self.profile, plan, on_result=on_result)

        self._run(self.tr("Pushing to the account… {0} of {1}").format(0, total), work, self._pushed)

    def _show_result(self, result: sync.ItemResult) -> None:
        item = self._items.get(id(result.change))
        if item is None:
            return
        if result.ok:
            item.setText(COL_RESULT, self.tr("✔ done"))
            item.setForeground(COL_RESULT, QBrush(QColor(OK_COLOUR)))
        else:
            message = self.sync_text(result.message)
            item.setText(COL_RESULT, self.tr("✘ {0}").format(message))
            item.setToolTip(COL_RESULT, message)
            item.setForeground(COL_RESULT, QBrush(QColor(ERROR_COLOUR)))
            # The whole reason on a row of its own: the Result column is too narrow for it.
            why = QTreeWidgetItem([message])
            why.setForeground(0, QBrush(QColor(ERROR_COLOUR)))
            why.setToolTip(0, message)
            item.insertChild(0, why)
            why.setFirstColumnSpanned(True)
            item.setExpanded(True)

    def sync_text(self, message: str) -> str:
        """A note or an item's result of pbx/sync.py (English there, for the CLI) in the user's
        language; a text of a kind this dialog does not know stays English."""
        if not isinstance(message, sync.SyncText):
            return message
        p = message.params
        if message.kind == sync.NOTE_REMOTE_EXTENSION:
            return self.tr("extension {0} (id {1}) is on the PBX only: pull to get it").format(
                p["name"], p["id"]
            )
        if message.kind == sync.NOTE_REMOTE_SUBSCRIPTION:
            return self.tr("subscription #{0} ({1} of extension {2}) is on the PBX only").format(
                p["id"], p["event_type"], p["extension_name"]
            )
        if message.kind == sync.RESULT_DONE:
            return self.tr("done")
        if message.kind == sync.RESULT_SKIPPED:
            return self.tr("skipped: extension {0} could not be created or changed on the PBX").format(
                self._extension_name(p["extension_id"])
            )
        if message.kind == sync.RESULT_NO_REMOTE_EXTENSION:
            return self.tr("extension {0} is not on the PBX: push or pull it first").format(
                self._extension_name(p["extension_id"])
            )
        if message.kind == sync.RESULT_ERROR:
            return error_text(p["error"])  # a PBX error gets a headline in the user's language
        return message.text

    def _extension_name(self, local_id: int) -> str:
        ext = self.profile.extension(local_id)
        return ext.name if ext is not None else str(local_id)

    def _pushed(self, report: sync.PushReport) -> None:
        self.report = report
        failed = len(report.failed)
        ok = len(report.results) - failed
        if failed:
            self.summary.setText(
                self.tr("Pushed: {0} done, {1} failed (see Result). The failed items stay in the next "
                        "comparison.").format(ok, failed)
            )  # fmt: skip
        else:
            self.summary.setText(
                self.tr("Pushed: {0} done. The account now matches this profile.").format(ok)
            )
        self.config_changed.emit()
        self._update_buttons()

    # -- pull --------------------------------------------------------------------------------------
    def ask_pull(self) -> QMessageBox:
        n_ext = len(self.profile.extensions())
        n_sub = len(self.profile.subscriptions())
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Pull from account"),
            self.tr("Replace this profile's {0} and {1} with the account's? "
                    "Local changes not pushed are lost; the history stays.").format(
                self.tr("%Ln extension(s)", "", n_ext), self.tr("%Ln subscription(s)", "", n_sub)
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )  # fmt: skip
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("Pull"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("Cancel"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.question = box

        def answered(result: int) -> None:
            self.question = None
            if result == QMessageBox.StandardButton.Yes:
                self.pull()

        box.finished.connect(answered)
        box.open()
        return box

    def pull(self) -> None:
        async def work() -> tuple[sync.PullReport, sync.SyncPlan]:
            client = await self.account.connect_saved()
            report = await sync.pull(client, self.profile)
            return report, await sync.plan_push(client, self.profile)

        self._run(self.tr("Pulling the account's configuration…"), work, self._pulled)

    def _pulled(self, result: tuple[sync.PullReport, sync.SyncPlan]) -> None:
        report, plan = result
        self.config_changed.emit()
        self._show_plan(plan)
        text = self.tr("Pulled {0} and {1} from the account.").format(
            self.tr("%Ln extension(s)", "", report.extensions),
            self.tr("%Ln subscription(s)", "", report.subscriptions),
        )
        if report.skipped_extensions:
            text += " " + self.tr(
                "Skipped %Ln extension(s) of types pbxdesk does not model.", "", report.skipped_extensions
            )
        self.summary.setText(text)
