"""File → Export…: the timeline's rows (all, or the selected ones) as CSV, JSON or HAR 1.2.

The file is chosen in a QFileDialog opened window-modal (no nested event loop); the export
itself (pbxdesk.store.history_export, reading the profile with SQL) runs in a worker thread,
so the window stays live while a large history is written.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QTableView, QWidget

from pbxdesk.domain import PbxDeskError
from pbxdesk.engine.session import FeedSession
from pbxdesk.store import history_export
from pbxdesk.store.history_export import ExportResult
from pbxdesk.ui.timeline import TimelineModel

log = logging.getLogger(__name__)


def timeline_event_ids(table: QTableView, *, selected_only: bool) -> list[int]:
    """The event ids of the timeline's rows (or of its selected rows), in row order. A selected
    call header (grouped view) stands for every event of its call."""
    model = table.model()
    assert isinstance(model, TimelineModel)
    if not selected_only:
        return [int(i) for i in model.event_ids]  # the model holds ids; rows are read on demand
    selection = table.selectionModel()
    rows = sorted({i.row() for i in selection.selectedRows()}) if selection is not None else []
    if selection is not None and not rows and table.currentIndex().isValid():
        rows = [table.currentIndex().row()]
    out: list[int] = []
    for r in rows:
        event_id = model.event_id_at(r)
        if event_id is not None:
            out.append(int(event_id))
            continue
        call_id = model.call_id_at(r)
        if call_id:
            out.extend(row.event_id for row in model.call_rows(call_id))
    return list(dict.fromkeys(out))


class TimelineExporter(QObject):
    """Exports what ``table`` shows from the session's profile; says how it went on ``message``
    (the window's status bar) and on ``finished``/``failed``."""

    finished = Signal(object)  # ExportResult
    failed = Signal(str)
    message = Signal(str, int)  # text, milliseconds to show it (0: until the next)

    def __init__(self, table: QTableView, session: FeedSession, profile_name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self._table = table
        self._session = session
        self._profile_name = profile_name
        self._parent = parent  # the file dialogs are window-modal to it
        self.file_dialog: QFileDialog | None = None
        self.task: asyncio.Future[Any] | None = None
        self.native_dialog = QGuiApplication.platformName() not in ("offscreen", "minimal")
        self.filters = {
            "csv": self.tr("CSV — one row per event (*.csv)"),
            "json": self.tr("JSON — events, deliveries and attempts (*.json)"),
            "har": self.tr("HAR 1.2 — one entry per HTTP attempt (*.har)"),
        }

    def ask(self, *, selected_only: bool = False) -> None:
        """Choose a file, then export; says in the status bar when there is nothing to export."""
        ids = timeline_event_ids(self._table, selected_only=selected_only)
        if not ids:
            self.message.emit(
                self.tr("Select rows in the timeline first")
                if selected_only
                else self.tr("The timeline is empty: nothing to export"),
                6000,
            )
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(
            Path.home()
        )
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        dialog = QFileDialog(self._parent, self.tr("Export %Ln event(s)", "", len(ids)), folder)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilters(list(self.filters.values()))
        dialog.setDefaultSuffix("csv")
        if not self.native_dialog:
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.selectFile(f"pbxdesk-{self._profile_name}-{stamp}.csv")
        dialog.filterSelected.connect(lambda f: self._filter_changed(dialog, f))
        dialog.fileSelected.connect(lambda path: self._chosen(dialog, path, ids))
        self.file_dialog = dialog
        dialog.open()

    def ask_scenario(self, call_id: str, ids: list[int]) -> QFileDialog:
        """Save one call as a scenario that replays it (`pbxdesk export --format scenario`):
        choose the file in a window-modal dialog, then write it in a worker thread."""
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(
            Path.home()
        )
        dialog = QFileDialog(self._parent, self.tr("Save the call as a scenario"), folder)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilters([self.tr("Scenario that replays the call (*.toml)")])
        dialog.setDefaultSuffix("toml")
        if not self.native_dialog:
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.selectFile(f"call-{call_id[:12]}.toml")

        def chosen(path: str) -> None:
            self.file_dialog = None
            dialog.deleteLater()
            if not path.lower().endswith(".toml"):
                path = f"{path}.toml"
            self.task = asyncio.ensure_future(self.export(path, ids, "scenario"))

        dialog.fileSelected.connect(chosen)
        dialog.rejected.connect(lambda: setattr(self, "file_dialog", None))
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def _format_of_filter(self, name_filter: str) -> str:
        return next((fmt for fmt, text in self.filters.items() if text == name_filter), "csv")

    def _filter_changed(self, dialog: QFileDialog, name_filter: str) -> None:
        dialog.setDefaultSuffix(self._format_of_filter(name_filter))

    def _chosen(self, dialog: QFileDialog, path: str, ids: list[int]) -> None:
        self.file_dialog = None
        fmt = history_export.format_for(path)
        if fmt is None:
            fmt = self._format_of_filter(dialog.selectedNameFilter())
            path = f"{path}.{fmt}"
        dialog.deleteLater()
        self.task = asyncio.ensure_future(self.export(path, ids, fmt))

    async def export(self, path: str | Path, ids: list[int], fmt: str) -> ExportResult | None:
        """Write the file in a worker thread (after the history writer has committed what the
        timeline shows); the outcome goes to the status bar and the finished/failed signals."""
        session = self._session
        self.message.emit(self.tr("Exporting %Ln event(s) to {0}…", "", len(ids)).format(path), 0)
        try:
            writer = session.writer
            if writer is not None:
                if session.engine is not None:
                    session.engine.hand_over()
                await asyncio.to_thread(writer.flush)
            result = await asyncio.to_thread(
                history_export.export_file,
                session.profile.path,
                path,
                fmt,
                event_ids=ids,
                profile_name=self._profile_name,
            )
        except PbxDeskError as exc:
            self.message.emit(self.tr("Export failed: {0}").format(exc), 15_000)
            self.failed.emit(str(exc))
            return None
        except Exception as exc:  # noqa: BLE001 - reported, with the traceback in the log
            log.exception("export failed")
            self.message.emit(self.tr("Export failed: {0}").format(exc), 15_000)
            self.failed.emit(str(exc))
            return None
        self.message.emit(
            self.tr("Exported {0}, {1} to {2}").format(
                self.tr("%Ln event(s)", "", result.events),
                self.tr("%Ln delivery attempt(s)", "", result.attempts),
                result.path,
            ),
            10_000,
        )
        self.finished.emit(result)
        return result
