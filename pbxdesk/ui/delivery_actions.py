"""The timeline's context menu: redeliver, replay a call, send to another URL, cancel, and
pause or resume an endpoint — the engine's manual controls, one right-click away."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from PySide6.QtCore import QCoreApplication, QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QTableView, QWidget

from pbxdesk.domain import HttpMethod, PbxDeskError, ValidationError
from pbxdesk.domain.validation import validate_url
from pbxdesk.engine.outbox import DeliveryEngine, endpoint_of
from pbxdesk.engine.session import FeedSession
from pbxdesk.ui.export import TimelineExporter
from pbxdesk.ui.timeline import TimelineModel, TimelineRow


class DeliveryActions(QObject):
    """The context menu of ``table`` (over a TimelineModel), acting on the session's engine;
    outcomes go out on ``message`` (the window's status bar)."""

    # A QObject for self.tr(): a count's text ("%n deliveries") is only seen as plural by lupdate
    # in a tr() call (see ui/i18n.py); the other texts keep their translate() calls.
    message = Signal(str, int)  # text, milliseconds to show it

    def __init__(
        self, table: QTableView, session: FeedSession, exporter: TimelineExporter, parent: QWidget
    ) -> None:
        super().__init__(parent)
        model = table.model()
        assert isinstance(model, TimelineModel)
        self._table = table
        self._model = model
        self._session = session
        self._exporter = exporter
        self._parent = parent  # menus and the URL question belong to it
        self.menu: QMenu | None = None  # the open menu (tests look at it)
        self.dialog: QInputDialog | None = None  # the open "another URL" question
        self._last_url = ""  # asked again, the URL given last time
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._open)

    # -- the menu ---------------------------------------------------------------------------------
    def _open(self, pos: QPoint) -> None:
        index = self._table.indexAt(pos)
        row = self._model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        if self.menu is not None:
            self.menu.deleteLater()  # the last one (a window open all day makes many)
        self.menu = self.build_menu(row)
        self.menu.popup(self._table.viewport().mapToGlobal(pos))

    def build_menu(self, row: TimelineRow) -> QMenu:
        engine = self._session.engine
        menu = QMenu(self._parent)
        for delivery_id, d in sorted(row.deliveries.items()):
            if delivery_id < 0:
                continue  # an old profile's delivery without an id
            action = menu.addAction(
                QCoreApplication.translate("DeliveryActions", "Redeliver #{0} to {1}").format(
                    delivery_id, d["url"][:60]
                )
            )
            action.triggered.connect(lambda _=False, i=delivery_id: self.run(self.redeliver(i)))
        menu.addAction(
            QCoreApplication.translate("DeliveryActions", "Replay this call to today's subscriptions"),
            lambda: self.run(self.replay(row.call_id)),
        )
        menu.addAction(
            QCoreApplication.translate("DeliveryActions", "&Send this call to another URL…"),
            lambda: self.ask_url(row),
        )
        save = menu.addAction(
            QCoreApplication.translate("DeliveryActions", "Save this call as a scenario…"),
            lambda: self.save_as_scenario(row),
        )
        save.setEnabled(bool(row.call_id))  # a status change or an agent's login is no call
        open_ids = [i for i, d in row.deliveries.items() if d["state"] in ("pending", "paused") and i >= 0]
        cancel = menu.addAction(
            QCoreApplication.translate("DeliveryActions", "Cancel this event's pending deliveries"),
            lambda: self.cancel(open_ids),
        )
        cancel.setEnabled(bool(open_ids))
        menu.addSeparator()
        for endpoint in sorted({endpoint_of(d["url"]) for d in row.deliveries.values()}):
            if engine is not None and endpoint in engine.paused_endpoints:
                text = QCoreApplication.translate("DeliveryActions", "Resume endpoint {0}").format(endpoint)
                menu.addAction(text, lambda e=endpoint: self.resume(e))
            else:
                text = QCoreApplication.translate("DeliveryActions", "Pause endpoint {0}").format(endpoint)
                menu.addAction(text, lambda e=endpoint: self.pause(e))
        if engine is None:
            for action in menu.actions():
                action.setEnabled(False)
        return menu

    # -- the actions ----------------------------------------------------------------------------------
    def run(self, job: Awaitable[str]) -> asyncio.Future[str]:
        """Run an action on the loop; its outcome (or error) goes to the status bar."""

        async def wrapped() -> str:
            try:
                message = await job
            except PbxDeskError as exc:
                message = str(exc)
            self.message.emit(message, 8000)
            return message

        return asyncio.ensure_future(wrapped())

    def _engine(self) -> DeliveryEngine:
        engine = self._session.engine
        if engine is None:
            raise PbxDeskError(
                QCoreApplication.translate("DeliveryActions", "the delivery engine is not running")
            )
        return engine

    async def redeliver(self, delivery_id: int) -> str:
        new_id = await self._engine().redeliver(delivery_id)
        return QCoreApplication.translate("DeliveryActions", "Delivery #{0} queued again as #{1}").format(
            delivery_id, new_id
        )

    async def replay(self, call_id: str) -> str:
        created = await self._engine().replay_call(call_id)
        return self.tr("Call replayed: %Ln delivery(ies) queued", "", len(created))

    def ask_url(self, row: TimelineRow) -> QInputDialog:
        """Ask where to send the call, window-modal with ``open()``: the answer arrives as a
        signal on a plain slot, and only then does the send run as a task. A static
        ``QInputDialog.getText`` inside the task ran a nested event loop: the feed's task could
        not be stepped while it waited ("Cannot enter into task"), and the feed stayed frozen
        for the rest of the session."""
        dialog = QInputDialog(self._parent)
        dialog.setWindowTitle(QCoreApplication.translate("DeliveryActions", "Send this call to another URL"))
        dialog.setLabelText(
            QCoreApplication.translate("DeliveryActions", "URL (the events go as a POST form):")
        )
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(self._last_url or self._default_url())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.resize(max(dialog.width(), 480), dialog.height())
        dialog.textValueSelected.connect(lambda url: self._url_chosen(row, url))
        dialog.rejected.connect(
            lambda: self.message.emit(QCoreApplication.translate("DeliveryActions", "Nothing sent"), 5000)
        )
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _default_url(self) -> str:
        """The app's own test receiver (it answers, and shows the request), not a guess."""
        receiver = self._session.receiver
        base = receiver.base_url if receiver.port else ""
        return f"{base}/elsewhere" if base else "http://127.0.0.1:8000/"

    def _url_chosen(self, row: TimelineRow, url: str) -> None:
        self._last_url = url.strip()
        self.run(self.send_call(row, url))

    async def send_call(self, row: TimelineRow, url: str) -> str:
        try:
            target = validate_url(url.strip(), where="URL")
        except ValidationError as exc:
            raise PbxDeskError(str(exc)) from None
        event_ids = [r.event_id for r in self._model.call_rows(row.call_id)]
        created = await self._engine().send_to(event_ids, target, HttpMethod.POST)
        return self.tr("%Ln event(s) of the call sent to {0}", "", len(created)).format(target)

    def save_as_scenario(self, row: TimelineRow) -> None:
        """Every event of the row's call, as a scenario whose [[replay]] sends them verbatim."""
        event_ids = [r.event_id for r in self._model.call_rows(row.call_id)]
        self._exporter.ask_scenario(row.call_id, event_ids)

    def cancel(self, delivery_ids: list[int]) -> int:
        n = self._engine().cancel(delivery_ids=delivery_ids)
        self.message.emit(self.tr("%Ln delivery(ies) cancelled", "", n), 8000)
        return n

    def pause(self, endpoint: str) -> None:
        self._engine().pause_endpoint(endpoint)
        self.message.emit(
            QCoreApplication.translate("DeliveryActions", "Endpoint {0} paused: its deliveries wait").format(
                endpoint
            ),
            8000,
        )

    def resume(self, endpoint: str) -> int:
        n = self._engine().resume_endpoint(endpoint)
        self.message.emit(
            self.tr("Endpoint {0} resumed: %Ln delivery(ies) go(es) out", "", n).format(endpoint),
            8000,
        )
        return n
