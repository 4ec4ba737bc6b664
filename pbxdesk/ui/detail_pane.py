"""The selected event in detail: its fields, each request exactly as its subscriber got it,
and every attempt of every delivery (from the profile's ``attempts`` table).

Three panes side by side: the fields; the deliveries, each with its attempts under it; the
exchange of the selected attempt (request line, headers and body; response status, headers,
the first bytes of the body; latency, error class). "Copy as curl" puts a command on the
clipboard that sends the selected delivery's request again, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import logging
import shlex
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QBrush, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.domain import HttpMethod
from pbxdesk.domain.wire import FORM_CONTENT_TYPE, USER_AGENT, build_request
from pbxdesk.store import queries
from pbxdesk.ui import units
from pbxdesk.ui.timeline import TimelineRow
from pbxdesk.ui.timeline.states import look_colour, state_label, state_look

log = logging.getLogger(__name__)

BODY_PREVIEW_BYTES = 2048  # of a response body, in the exchange pane
_ROLE = Qt.ItemDataRole.UserRole


@dataclass(slots=True)
class SentRequest:
    """A delivery's request as its subscriber received it."""

    method: str
    url: str  # with the query (GET: the event's fields added to the subscription URL's own)
    headers: dict[str, str]
    body: bytes

    def curl(self) -> str:
        """A curl command sending exactly this request."""
        parts = ["curl"]
        if self.method != "GET" or self.body:
            parts += ["-X", self.method]
        parts.append(shlex.quote(self.url))
        for k, v in self.headers.items():
            parts += ["-H", shlex.quote(f"{k}: {v}")]
        if self.body:
            parts += ["--data-raw", shlex.quote(self.body.decode("utf-8", "replace"))]
        return " ".join(parts)

    def text(self) -> str:
        lines = [f"{self.method} {self.url}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        if self.body:
            lines += ["", self.body.decode("utf-8", "replace")]
        return "\n".join(lines)


@dataclass(slots=True)
class DeliveryView:
    """One delivery of the event, as the pane shows it."""

    id: int
    method: str
    url: str  # the subscription's URL (or the target's)
    state: str
    attempts_made: int
    request: SentRequest
    attempts: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = ""
    latency_ms: float | None = None


def sent_request(
    method: str, url: str, fields: dict[str, str], headers: dict[str, str] | None = None
) -> SentRequest:
    """The request a delivery sends: the event's fields as the PBX encodes them, the headers
    the attempt recorded (or those the engine sets), and the client's User-Agent."""
    m = HttpMethod(method)
    req = build_request(m, url, fields)
    h = {"User-Agent": USER_AGENT}
    if headers:
        h.update(headers)
    elif m is HttpMethod.POST:
        h["Content-Type"] = FORM_CONTENT_TYPE
    return SentRequest(m.value, req.url, h, req.body)


def _time(us: int | None) -> str:
    if not us:
        return ""
    t = dt.datetime.fromtimestamp(us / 1_000_000)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"


# The module's functions (no QObject) translate in DetailPane's context, spelled out in full
# (QCoreApplication.translate("DetailPane", ...)) so that lupdate finds the texts.
def _attempt_outcome(a: dict[str, Any]) -> str:
    if a["status_code"] is not None:
        text = f"HTTP {a['status_code']}"
        if a["error"] and a["error"] != "non-2xx status":
            text += f" · {a['error']}"
        return text
    return a["error"] or QCoreApplication.translate("DetailPane", "no answer")


def attempt_text(a: dict[str, Any], request: SentRequest) -> str:
    """One attempt's exchange: the request, then what came back."""
    req_headers = {"User-Agent": USER_AGENT, **(a["request_headers"] or {})}
    sent = SentRequest(request.method, request.url, req_headers, request.body)
    head = QCoreApplication.translate("DetailPane", "Attempt {0} · started {1} · {2} ms")
    lines = [head.format(a["n"], _time(a["started_at"]), f"{a['latency_ms'] or 0:.1f}"), ""]
    lines += [
        QCoreApplication.translate("DetailPane", "Request"),
        *[f"  {x}" for x in sent.text().splitlines()],
        "",
    ]
    if a["status_code"] is None:
        none = QCoreApplication.translate("DetailPane", "Response: none — {0}")
        lines.append(none.format(a["error"] or QCoreApplication.translate("DetailPane", "no answer")))
        if a["error_detail"]:
            lines.append(f"  {a['error_detail']}")
        return "\n".join(lines)
    lines.append(
        QCoreApplication.translate("DetailPane", "Response: HTTP {0}").format(a["status_code"])
        + (
            QCoreApplication.translate("DetailPane", " · error class: {0}").format(a["error"])
            if a["error"]
            else ""
        )
    )
    lines += [f"  {k}: {v}" for k, v in (a["response_headers"] or {}).items()]
    body: bytes = a["response_body"] or b""
    if body:
        shown = body[:BODY_PREVIEW_BYTES].decode("utf-8", "replace")
        more = len(body) > BODY_PREVIEW_BYTES or a["response_truncated"]
        lines += ["", *[f"  {x}" for x in shown.splitlines()]]
        if more:
            shown_n = min(len(body), BODY_PREVIEW_BYTES)
            # DetailPane.tr, not translate(): lupdate sees a plural only in tr() (see ui/i18n.py).
            lines.append("  " + DetailPane.tr("… (first %Ln byte(s) shown)", "", shown_n))
    else:
        lines.append("  " + QCoreApplication.translate("DetailPane", "(empty body)"))
    return "\n".join(lines)


class DetailPane(QWidget):
    """Fields | deliveries and attempts | the selected attempt's exchange, with Copy as curl."""

    def __init__(self, conn: Callable[[], sqlite3.Connection | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._conn = conn
        self.row: TimelineRow | None = None
        self.deliveries: list[DeliveryView] = []
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)

        self.title = QLabel(self.tr("Select an event to see its fields and deliveries"))
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_curl_button = QPushButton(self.tr("Copy as curl"))
        self.copy_curl_button.setToolTip(
            self.tr("Copy a curl command that sends the selected delivery's request again")
        )
        self.copy_curl_button.clicked.connect(self.copy_curl)
        self.copy_curl_button.setEnabled(False)
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 2)
        top.addWidget(self.title, 1)
        top.addWidget(self.copy_curl_button)

        self.fields = QTreeWidget()
        self.fields.setHeaderLabels([self.tr("Field"), self.tr("Value")])
        self.fields.setRootIsDecorated(False)
        self.fields.setAlternatingRowColors(True)
        self.fields.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.fields.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Delivery / attempt"), self.tr("Result"), self.tr("Latency")])
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.currentItemChanged.connect(lambda cur, _prev: self._show_exchange(cur))

        self.exchange = QPlainTextEdit()
        self.exchange.setReadOnly(True)
        self.exchange.setFont(mono)
        self.exchange.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.exchange.setPlaceholderText(self.tr("The selected attempt's request and response"))

        self.split = QSplitter(Qt.Orientation.Horizontal)
        self.split.addWidget(self.fields)
        self.split.addWidget(self.tree)
        self.split.addWidget(self.exchange)
        self.split.setSizes([330, 330, 560])
        self.split.setStretchFactor(2, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.split, 1)

    # -- content -------------------------------------------------------------------------------------------
    def clear(self) -> None:
        self.row = None
        self.deliveries = []
        self.title.setText(self.tr("Select an event to see its fields and deliveries"))
        self.fields.clear()
        self.tree.clear()
        self.exchange.clear()
        self.copy_curl_button.setEnabled(False)

    def show_event(self, row: TimelineRow | None) -> None:
        """Show ``row`` (reading its deliveries and attempts from the profile)."""
        if row is None:
            self.clear()
            return
        same = self.row is not None and self.row.event_id == row.event_id
        self.row = row
        if not same:
            self._fill_fields(row)
        self.refresh(keep_selection=same)

    def refresh(self, *, keep_selection: bool = True) -> None:
        """Read the event's deliveries and attempts again (new attempts since)."""
        row = self.row
        if row is None:
            return
        selected = self._selected_key() if keep_selection else None
        deliveries = self._read_deliveries(row)
        if [(d.id, d.state, len(d.attempts)) for d in deliveries] == [
            (d.id, d.state, len(d.attempts)) for d in self.deliveries
        ] and keep_selection:
            return  # nothing new: keep the user's place
        self.deliveries = deliveries
        t = dt.datetime.fromtimestamp(row.event_time / 1_000_000)
        when = t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"
        self.title.setText(
            self.tr("<b>{0}</b> on <b>{1}</b> · CallID {2} · event #{3} · {4}").format(
                row.event_type, row.extension, row.call_id, row.event_id, when
            )
        )
        self._fill_tree(selected)

    def _fill_fields(self, row: TimelineRow) -> None:
        self.fields.clear()
        for k, v in row.fields.items():
            item = QTreeWidgetItem([k, v])
            item.setToolTip(1, v)
            self.fields.addTopLevelItem(item)

    def _read_deliveries(self, row: TimelineRow) -> list[DeliveryView]:
        stored: list[dict[str, Any]] = []
        conn = self._conn()
        if conn is not None:
            try:
                stored = queries.event_deliveries(conn, row.event_id)
            except sqlite3.Error as exc:
                log.warning("reading deliveries of event %s failed: %s", row.event_id, exc)
        out: list[DeliveryView] = []
        seen: set[int] = set()
        for d in stored:
            attempts = d["attempts_list"]
            headers = attempts[-1]["request_headers"] if attempts else None
            view = DeliveryView(
                id=d["id"], method=d["method"], url=d["url"], state=d["state"] or "",
                attempts_made=d["attempts"] or len(attempts),
                request=sent_request(d["method"], d["url"], row.fields, headers), attempts=attempts,
                outcome=str(d["status_code"]) if d["status_code"] is not None else (d["error"] or ""),
                latency_ms=d["latency_ms"],
            )  # fmt: skip
            live = row.deliveries.get(d["id"])
            if live is not None and live["attempt"] > len(attempts):  # the store is a moment behind
                view.state, view.outcome, view.latency_ms = live["state"], live["outcome"], live["latency_ms"]
            out.append(view)
            seen.add(d["id"])
        for delivery_id, live in row.deliveries.items():
            if delivery_id in seen or delivery_id < 0:
                continue
            # Known from the engine's callback only (not committed yet): its full URL is the request's.
            m = HttpMethod(live["method"])
            body = b"" if m is HttpMethod.GET else build_request(m, live["url"], row.fields).body
            headers = {"User-Agent": USER_AGENT} | ({"Content-Type": FORM_CONTENT_TYPE} if body else {})
            out.append(
                DeliveryView(
                    id=delivery_id,
                    method=m.value,
                    url=live["url"],
                    state=live["state"],
                    attempts_made=live["attempt"],
                    request=SentRequest(m.value, live["url"], headers, body),
                    outcome=live["outcome"],
                    latency_ms=live["latency_ms"],
                )  # fmt: skip
            )
        return out

    def _fill_tree(self, selected: tuple[int, int] | None) -> None:
        self.tree.blockSignals(True)
        self.tree.clear()
        pick: QTreeWidgetItem | None = None
        if not self.deliveries:
            text = self.tr("No subscription listens to this event.")
            item = QTreeWidgetItem([text])
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            item.setToolTip(0, text)
            self.tree.addTopLevelItem(item)
            item.setFirstColumnSpanned(True)  # the whole width: the first column alone clipped it
        for d in self.deliveries:
            n = len(d.attempts)
            state = state_label(d.state)
            top = QTreeWidgetItem(
                [f"#{d.id} {d.method} {d.url}", f"{state} · {d.outcome}" if d.outcome else state,
                 "" if d.latency_ms is None else units.ms(f"{d.latency_ms:.1f}")]
            )  # fmt: skip
            top.setData(0, _ROLE, (d.id, 0))
            top.setToolTip(0, d.request.url)
            top.setForeground(1, QBrush(look_colour(state_look(d.state, d.attempts_made))))
            for a in d.attempts:
                child = QTreeWidgetItem(
                    [self.tr("attempt {0} · {1}").format(a["n"], _time(a["started_at"])), _attempt_outcome(a),
                     units.ms(f"{a['latency_ms'] or 0:.1f}")]
                )  # fmt: skip
                child.setData(0, _ROLE, (d.id, a["n"]))
                ok = a["status_code"] is not None and 200 <= a["status_code"] < 300 and not a["error"]
                child.setForeground(1, QBrush(look_colour("ok" if ok else "failed")))
                top.addChild(child)
                if selected == (d.id, a["n"]):
                    pick = child
            if n == 0 and d.attempts_made == 0:
                top.addChild(QTreeWidgetItem([self.tr("no attempt yet (queued)")]))
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
            if selected == (d.id, 0):
                pick = top
        if pick is None and self.deliveries:
            # The delivery that went worst, at its last attempt: what the user came to see.
            worst = next((d for d in self.deliveries if d.state not in ("delivered",)), self.deliveries[0])
            top = self.tree.topLevelItem(self.deliveries.index(worst))
            pick = top.child(top.childCount() - 1) if top.childCount() and worst.attempts else top
        self.tree.blockSignals(False)
        if pick is not None:
            self.tree.setCurrentItem(pick)
        else:
            self._show_exchange(None)
        self.copy_curl_button.setEnabled(bool(self.deliveries))

    def _selected_key(self) -> tuple[int, int] | None:
        item = self.tree.currentItem()
        return item.data(0, _ROLE) if item is not None else None

    def selected_delivery(self) -> DeliveryView | None:
        key = self._selected_key()
        if key is None:
            return self.deliveries[0] if self.deliveries else None
        return next((d for d in self.deliveries if d.id == key[0]), None)

    def _show_exchange(self, item: QTreeWidgetItem | None) -> None:
        key = item.data(0, _ROLE) if item is not None else None
        if not key:
            self.exchange.clear()
            return
        d = next((x for x in self.deliveries if x.id == key[0]), None)
        if d is None:
            self.exchange.clear()
            return
        if key[1]:
            a = next(a for a in d.attempts if a["n"] == key[1])
            self.exchange.setPlainText(attempt_text(a, d.request))
        else:
            text = [
                self.tr("Delivery #{0} · {1}").format(d.id, state_label(d.state))
                + " · "
                + self.tr("%Ln attempt(s)", "", d.attempts_made),
                "",
                self.tr("Request (as the subscriber received it)"),
                *[f"  {x}" for x in d.request.text().splitlines()],
            ]
            self.exchange.setPlainText("\n".join(text))

    # -- actions --------------------------------------------------------------------------------------
    def curl_command(self) -> str | None:
        d = self.selected_delivery()
        return d.request.curl() if d is not None else None

    def copy_curl(self) -> None:
        """Copy the command, and say so on the button for a moment (it gave no sign before)."""
        command = self.curl_command()
        if command:
            QGuiApplication.clipboard().setText(command)
            button = self.copy_curl_button
            button.setText(self.tr("Copied ✓"))
            QTimer.singleShot(1500, button, lambda: button.setText(self.tr("Copy as curl")))

    def toPlainText(self) -> str:  # noqa: N802 - reads like the QPlainTextEdit it replaces
        """Everything the pane shows, as text (fields, each request, every attempt)."""
        row = self.row
        if row is None:
            return ""
        head = self.tr("{0} on {1} · CallID {2} · event #{3}")
        lines = [head.format(row.event_type, row.extension, row.call_id, row.event_id), ""]
        width = max((len(k) for k in row.fields), default=0)
        lines += [f"  {k.ljust(width)}  {v}" for k, v in row.fields.items()]
        lines.append("")
        if not self.deliveries:
            lines.append(self.tr("No subscription listens to this event."))
        for d in self.deliveries:
            lines.append(f"→ {d.request.method} {d.request.url}")
            line = self.tr("delivery #{0} · {1}").format(d.id, state_label(d.state))
            lines.append("  " + line + " · " + self.tr("%Ln attempt(s)", "", d.attempts_made))
            if d.request.body:
                lines.append(f"  {d.request.body.decode('utf-8', 'replace')}")
            for a in d.attempts:
                lines += [f"    {x}" for x in attempt_text(a, d.request).splitlines()]
            lines.append("")
        return "\n".join(lines)
