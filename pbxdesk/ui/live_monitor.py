"""Live mode in the app: receive a real PBX's webhooks for an extension and relay them.

One action: the receiver starts in the app's loop (host and port from Preferences), the
extension gets subscriptions at the PBX for the chosen event types pointing at the public
URL the user gives (a tunnel to the receiver), and the profile's own subscriptions receive
every event as the PBX sent it. Stopping (or closing the app) removes exactly those
subscriptions again. The client secret goes to the OS keyring (or this session only).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.domain import CALL_EVENTS, EventType, PbxDeskError, ValidationError
from pbxdesk.domain.validation import validate_url
from pbxdesk.engine.live_receiver import DEFAULT_LIVE_PORT, LiveReceiver
from pbxdesk.engine.session import FeedSession
from pbxdesk.pbx import api
from pbxdesk.pbx.client import PbxClient
from pbxdesk.pbx.monitor import Monitor, monitor_extension
from pbxdesk.store import secrets
from pbxdesk.store.profile import Profile
from pbxdesk.ui.account import API_SETTING, AccountConnection
from pbxdesk.ui.dialogs.common import BusyRow
from pbxdesk.ui.error_text import error_text

log = logging.getLogger(__name__)

LIVE_SETTING = "live_receiver"  # {"host": ..., "port": ..., "public_url": ...}


@dataclass(frozen=True, slots=True)
class MonitorRequest:
    base_url: str
    client_id: str
    client_secret: str
    extension: str  # an id or @short
    public_url: str
    events: tuple[EventType, ...]
    remember_secret: bool = True


class MonitorDialog(QDialog):
    """Asks what to monitor; OK only when every field is valid, problems shown in place."""

    def __init__(
        self,
        profile: Profile,
        account: AccountConnection,
        parent: QWidget | None = None,
        submit: Callable[[MonitorRequest], object] | None = None,
    ) -> None:
        super().__init__(parent)
        self.submit = submit  # a coroutine function: the dialog stays open until it succeeds
        self._task: asyncio.Task[None] | None = None
        self.setWindowTitle(self.tr("Monitor an extension on the PBX"))
        self.setMinimumWidth(560)
        saved_api = profile.get_setting(API_SETTING, {}) or {}
        live = profile.get_setting(LIVE_SETTING, {}) or {}
        self.base_url = QLineEdit(saved_api.get("base_url", api.DEFAULT_BASE_URL))
        self.client_id = QLineEdit(saved_api.get("client_id", ""))
        self.secret = QLineEdit(account.saved_secret())
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.extension = QLineEdit()
        self.extension.setPlaceholderText(self.tr("an id (175) or a short number (@200)"))
        self.public_url = QLineEdit(live.get("public_url", ""))
        self.public_url.setPlaceholderText(self.tr("https://your-tunnel.example — forwards to the receiver"))
        self.event_boxes = {et: QCheckBox(et.value) for et in CALL_EVENTS}
        for box in self.event_boxes.values():
            box.setChecked(True)
        self.remember = QCheckBox(self.tr("Keep the secret ({0})").format(secrets.backend_description()))
        self.remember.setChecked(True)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #cf222e;")
        self.problem.setWordWrap(True)
        self.busy_row = BusyRow()
        form = QFormLayout()
        form.addRow(self.tr("API address:"), self.base_url)
        form.addRow(self.tr("Client id:"), self.client_id)
        form.addRow(self.tr("Client secret:"), self.secret)
        form.addRow(self.tr("Extension:"), self.extension)
        form.addRow(self.tr("Public URL of the receiver:"), self.public_url)
        boxes = QHBoxLayout()
        for box in self.event_boxes.values():
            boxes.addWidget(box)
        events = QWidget()
        events.setLayout(boxes)
        form.addRow(self.tr("Events:"), events)
        form.addRow("", self.remember)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Start monitoring"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.busy_row)
        layout.addWidget(self.buttons)
        for edit in (self.base_url, self.client_id, self.secret, self.extension, self.public_url):
            edit.textChanged.connect(self.validate)
        for box in self.event_boxes.values():
            box.toggled.connect(self.validate)
        self.validate()

    def request(self) -> MonitorRequest:
        """The form as a request; ValidationError naming the field at fault."""
        base = validate_url(self.base_url.text().strip(), where=self.tr("API address"))
        if not self.client_id.text().strip():
            raise ValidationError(self.tr("is required"), where=self.tr("Client id"))
        if not self.secret.text():
            raise ValidationError(self.tr("is required"), where=self.tr("Client secret"))
        ext = self.extension.text().strip()
        if not (ext.isdigit() or (ext.startswith("@") and ext[1:].isdigit())):
            raise ValidationError(
                self.tr("an id like 175 or a short number like @200"), where=self.tr("Extension")
            )
        public = validate_url(self.public_url.text().strip(), where=self.tr("Public URL"))
        events = tuple(et for et, box in self.event_boxes.items() if box.isChecked())
        if not events:
            raise ValidationError(self.tr("choose at least one"), where=self.tr("Events"))
        return MonitorRequest(base, self.client_id.text().strip(), self.secret.text(), ext, public, events,
                              self.remember.isChecked())  # fmt: skip

    def validate(self) -> None:
        try:
            self.request()
        except ValidationError as exc:
            self.problem.setText(str(exc))
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return
        self.problem.clear()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self._task is None)

    def accept(self) -> None:
        if self.submit is None:
            super().accept()
            return
        if self._task is not None:
            return
        try:
            req = self.request()
        except ValidationError as exc:
            self.problem.setText(str(exc))
            return
        self.problem.clear()
        self.busy_row.show_busy(self.tr("Connecting to the PBX and subscribing the extension…"))
        self.buttons.setEnabled(False)
        self._task = asyncio.ensure_future(self._submit(req))

    async def _submit(self, req: MonitorRequest) -> None:
        try:
            await self.submit(req)  # type: ignore[misc]
        except PbxDeskError as exc:
            self.problem.setText(error_text(exc))
            return
        except Exception as exc:  # noqa: BLE001 - said in the dialog, never a traceback
            log.exception("live monitoring failed to start")
            self.problem.setText(self.tr("Unexpected error: {0}").format(exc))
            return
        finally:
            self._task = None
            self.busy_row.show_busy(None)
            self.buttons.setEnabled(True)
        super().accept()

    def reject(self) -> None:
        if self._task is None:  # half-made subscriptions are undone by the start itself
            super().reject()


class LiveMonitor(QObject):
    """Owns the receiver, the API client and the monitor while live mode is on.

    It relays into the session's engine and writer, connects through the shared account and
    adds its actions to ``pbx_menu``; ``changed`` when monitoring starts or stops, status texts
    on ``message``. A QObject for self.tr(): lupdate sees a count's plural text only in tr()
    (see ui/i18n.py)."""

    changed = Signal()  # started or stopped (the window's toolbar follows)
    message = Signal(str, int)  # text, milliseconds to show it

    def __init__(
        self,
        profile: Profile,
        profile_name: str,
        session: FeedSession,
        account: AccountConnection,
        pbx_menu: QMenu,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.profile = profile
        self.profile_name = profile_name
        self.session = session
        self.account = account
        self._parent = parent  # the monitor dialog's
        self.receiver: LiveReceiver | None = None
        self.client: PbxClient | None = None
        self.monitor: Monitor | None = None
        self.dialog: MonitorDialog | None = None
        self.status = ""  # what the status bar shows
        self.start_action = QAction(
            QCoreApplication.translate("LiveMonitor", "&Monitor an extension on the PBX…"), parent
        )
        self.start_action.triggered.connect(self._ask)
        self.stop_action = QAction(QCoreApplication.translate("LiveMonitor", "Stop monitoring"), parent)
        self.stop_action.triggered.connect(lambda: asyncio.ensure_future(self.stop()))
        self.stop_action.setEnabled(False)
        pbx_menu.addSeparator()
        pbx_menu.addAction(self.start_action)
        pbx_menu.addAction(self.stop_action)

    @property
    def active(self) -> bool:
        return self.monitor is not None

    def _ask(self) -> None:
        self.ask()

    def ask(self) -> MonitorDialog:
        """The monitor dialog, prefilled; it stays open (progress, errors) until monitoring runs."""
        dialog = MonitorDialog(self.profile, self.account, self._parent, submit=self.start)
        dialog.setModal(True)
        self.dialog = dialog
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()
        return dialog

    async def start(self, req: MonitorRequest) -> None:
        """Start the receiver, subscribe the extension at the PBX; PbxDeskError on failure."""
        if self.active:
            await self.stop()
        session = self.session
        if session.engine is None or session.writer is None:
            raise PbxDeskError("the session is not open yet")
        profile = self.profile
        profile.set_setting(API_SETTING, {"base_url": req.base_url, "client_id": req.client_id})
        if req.remember_secret:
            secrets.set_secret(self.profile_name, secrets.CLIENT_SECRET, req.client_secret)
        live = profile.get_setting(LIVE_SETTING, {}) or {}
        live["public_url"] = req.public_url
        profile.set_setting(LIVE_SETTING, live)
        self.receiver = LiveReceiver(session.engine, session.writer)
        try:
            await self.receiver.start(live.get("host", "127.0.0.1"), int(live.get("port", DEFAULT_LIVE_PORT)))
        except OSError as exc:
            self.receiver = None
            raise PbxDeskError(f"the live receiver could not listen ({exc.strerror})") from None
        # Relay to the profile's subscriptions, never back to the receiver itself.
        session.engine.set_subscriptions(self.receiver.relay_subscriptions(profile.subscriptions()))
        try:
            # The account's shared client: the Live dialogs and sync use the same sign-in.
            self.client = await self.account.connect(req.base_url, req.client_id, req.client_secret)
            self.monitor = await monitor_extension(
                self.client,
                int(req.extension) if req.extension.isdigit() else req.extension,
                public_url=req.public_url,
                receiver=self.receiver,
                events=req.events,
                profile=profile,
            )
        except BaseException:
            await self._close_parts()
            raise
        warning = f" ⚠ {self.receiver.warning}" if self.receiver.warning else ""
        self.status = (
            QCoreApplication.translate("LiveMonitor", "Live: {0} → {1}").format(
                self.monitor.extension.name, self.monitor.shown_url
            )
            + warning
        )
        self.start_action.setEnabled(False)
        self.stop_action.setEnabled(True)
        log.info("monitoring extension %s", req.extension)
        self.changed.emit()

    async def stop(self) -> None:
        """Remove exactly the subscriptions made, stop the receiver."""
        if self.monitor is not None:
            try:
                results = await self.monitor.stop()
                failed = [r for r in results if not r.ok]
                if failed:
                    self.message.emit(
                        self.tr("%Ln subscription(s) could not be removed at the PBX", "", len(failed)),
                        15000,
                    )
            except PbxDeskError as exc:
                self.message.emit(error_text(exc), 15000)
            self.monitor = None
        await self._close_parts()
        self.status = ""
        self.start_action.setEnabled(True)
        self.stop_action.setEnabled(False)
        self.changed.emit()

    async def _close_parts(self) -> None:
        if self.receiver is not None:
            await self.receiver.stop()
            self.receiver = None
        self.client = None  # the account's: it stays connected for the Live dialogs
        engine = self.session.engine
        if engine is not None:
            engine.set_subscriptions(self.profile.subscriptions())
