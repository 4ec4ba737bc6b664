"""The timeline: one row per event, with what its subscribers answered.

Engine callbacks only append to a pending list; a timer drains it at most ~30 times a
second, so a busy feed costs the view a handful of batched model updates per second.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from pbxdesk.domain import EventData
from pbxdesk.engine.outbox import DeliveryResult

_Index = QModelIndex | QPersistentModelIndex

MAX_ROWS = 200_000  # the in-memory tail; older rows stay in the profile


@dataclass(slots=True)
class TimelineRow:
    event_id: int
    event_time: int
    event_type: str
    extension: str
    caller: str
    called: str
    call_status: str
    call_id: str
    fields: dict[str, str]
    # delivery id -> its latest attempt: ok, state, outcome, latency_ms, url, method, attempt
    deliveries: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def delivery_state(self) -> str:
        """'none' (no subscriber), 'ok', 'failed', 'retrying', 'paused' or 'cancelled'."""
        if not self.deliveries:
            return "none"
        states = {d["state"] for d in self.deliveries.values()}
        for state, shown in (("failed", "failed"), ("pending", "retrying"), ("in_flight", "retrying"),
                             ("paused", "paused"), ("cancelled", "cancelled")):  # fmt: skip
            if state in states:
                return shown
        return "ok"

    def delivery_text(self) -> str:
        parts = []
        for d in self.deliveries.values():
            text = f"{d['outcome']} · {d['latency_ms']:.0f} ms"
            if d["state"] in ("pending", "in_flight"):
                text += f" (retrying, attempt {d['attempt']})"
            elif d["attempt"] > 1:
                text += f" (attempt {d['attempt']})"
            parts.append(text)
        return ",  ".join(parts)


def row_from_event(event_id: int, ev: EventData, ext_name: str) -> TimelineRow:
    f = ev.to_fields()
    return _row(event_id, ev.event_time, ev.event_type.value, ext_name, ev.call_id, f)


def row_from_stored(stored: dict[str, Any]) -> TimelineRow:
    row = _row(
        stored["id"],
        stored["event_time"],
        stored["event_type"],
        stored["extension_name"] or str(stored["extension_id"]),
        stored["call_id"],
        stored["fields"],
    )
    for i, d in enumerate(stored["deliveries"]):
        ok = d["status_code"] is not None and 200 <= d["status_code"] < 300
        state = d.get("state") or ("delivered" if ok else "failed")
        outcome = str(d["status_code"]) if d["status_code"] is not None else (d["error"] or state)
        row.deliveries[d.get("id", -1 - i)] = {
            "ok": ok, "state": state, "outcome": outcome, "latency_ms": d["latency_ms"] or 0.0,
            "url": d["url"], "method": d["method"], "attempt": d.get("attempts") or 1,
        }  # fmt: skip
    return row


def _row(event_id: int, t: int, et: str, ext: str, call_id: str, f: dict[str, str]) -> TimelineRow:
    caller = f.get("CallerIDNum", "")
    called = f.get("CalledExtension", "").split("@")[0] or f.get("CalledNumber", "")
    return TimelineRow(event_id, t, et, ext, caller, called, f.get("CallStatus", ""), call_id, f)


EVENT_COLOURS = {
    "dial-in": "#1f6feb",
    "dial-out": "#8250df",
    "answer": "#1a7f37",
    "hangup": "#57606a",
    "message-in": "#bf8700",
    "message-out": "#bf8700",
    "voicemail": "#cf222e",
}
_OK_BG = QColor(46, 160, 67, 40)
_FAIL_BG = QColor(248, 81, 73, 55)
_RETRY_BG = QColor(210, 153, 34, 60)
_PAUSED_BG = QColor(130, 80, 223, 45)


class TimelineModel(QAbstractTableModel):
    COLUMNS = ("Time", "Event", "Extension", "Caller", "Called", "Status", "Delivery")
    rows_appended = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[TimelineRow] = []
        self._by_event: dict[int, int] = {}  # event id -> row index
        self._offset = 0  # rows dropped from the front (keeps indexes stable in _by_event)
        self._pending_rows: list[TimelineRow] = []
        self._pending_results: list[DeliveryResult] = []
        self.delivered = 0
        self.failed = 0
        self.retries = 0
        self._timer = QTimer(self)
        self._timer.setInterval(33)  # <= 30 model updates a second
        self._timer.timeout.connect(self.drain)
        self._timer.start()

    # -- feeding (called from engine callbacks, cheap) ----------------------------------------
    def push_event(self, row: TimelineRow) -> None:
        self._pending_rows.append(row)

    def push_result(self, result: DeliveryResult) -> None:
        self._pending_results.append(result)

    def load(self, rows: list[TimelineRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._offset = 0
        self._by_event = {r.event_id: i for i, r in enumerate(self.rows)}
        self.endResetModel()

    def drain(self) -> None:
        rows, self._pending_rows = self._pending_rows, []
        results, self._pending_results = self._pending_results, []
        if rows:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            for r in rows:
                self._by_event[r.event_id] = len(self.rows) + self._offset
                self.rows.append(r)
            self.endInsertRows()
            self._trim()
        if results:
            touched: set[int] = set()
            for res in results:
                if res.state == "delivered":
                    self.delivered += 1
                elif res.state == "failed":
                    self.failed += 1
                elif not res.final:
                    self.retries += 1
                idx = self._by_event.get(res.event_id)
                if idx is None or idx - self._offset < 0:
                    continue
                i = idx - self._offset
                self.rows[i].deliveries[res.id] = {
                    "ok": res.ok, "state": res.state, "outcome": res.outcome, "latency_ms": res.latency_ms,
                    "url": res.url, "method": res.method, "attempt": res.attempt,
                }  # fmt: skip
                touched.add(i)
            if touched:
                col = len(self.COLUMNS) - 1
                self.dataChanged.emit(self.index(min(touched), 0), self.index(max(touched), col))
        if rows:
            self.rows_appended.emit(len(rows))

    def _trim(self) -> None:
        excess = len(self.rows) - MAX_ROWS
        if excess <= 0:
            return
        self.beginRemoveRows(QModelIndex(), 0, excess - 1)
        for r in self.rows[:excess]:
            self._by_event.pop(r.event_id, None)
        del self.rows[:excess]
        self._offset += excess
        self.endRemoveRows()

    # -- Qt model API ---------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section])
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, col)
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return QBrush(QColor(EVENT_COLOURS.get(row.event_type, "#24292f")))
        if role == Qt.ItemDataRole.BackgroundRole:
            state = row.delivery_state
            if state == "failed":
                return QBrush(_FAIL_BG)
            if state == "retrying":
                return QBrush(_RETRY_BG)
            if state in ("paused", "cancelled"):
                return QBrush(_PAUSED_BG)
            if state == "ok" and col == 6:
                return QBrush(_OK_BG)
        if role == Qt.ItemDataRole.ToolTipRole and col == 6 and row.deliveries:
            return "\n".join(
                f"{d['method']} {d['url']} → {d['outcome']} ({d['state']})" for d in row.deliveries.values()
            )
        return None

    @staticmethod
    def _display(row: TimelineRow, col: int) -> str:
        if col == 0:
            t = dt.datetime.fromtimestamp(row.event_time / 1_000_000)
            return t.strftime("%H:%M:%S.") + f"{t.microsecond // 1000:03d}"
        if col == 1:
            return row.event_type
        if col == 2:
            return row.extension
        if col == 3:
            return row.caller
        if col == 4:
            return row.called
        if col == 5:
            return row.call_status
        return row.delivery_text()
