"""The main window: extensions on the left, the timeline in the centre, details below."""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTableView,
    QTabWidget,
    QToolBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.domain import EventData, HttpMethod, PbxDeskError
from pbxdesk.engine.outbox import DeliveryResult
from pbxdesk.engine.request import build_request
from pbxdesk.engine.session import FeedSession
from pbxdesk.engine.stats import LiveStats
from pbxdesk.store.profile import Profile
from pbxdesk.ui.call_flow import CallFlowView, FlowStep
from pbxdesk.ui.icons import app_icon, extension_icon
from pbxdesk.ui.stats_view import StatsView
from pbxdesk.ui.timeline_model import TimelineModel, TimelineRow, row_from_event, row_from_stored

log = logging.getLogger(__name__)

SPEEDS = (("0.5×", 0.5), ("1×", 1.0), ("2×", 2.0), ("5×", 5.0), ("10×", 10.0))


class MainWindow(QMainWindow):
    def __init__(self, profile: Profile, profile_name: str) -> None:
        super().__init__()
        self.profile = profile
        self.profile_name = profile_name
        self._extensions = profile.extensions()
        self.names = {e.id: e.name for e in self._extensions}
        self.session = FeedSession(profile, on_event=self._on_event, on_delivery=self._on_delivery)
        self.model = TimelineModel(self)
        self.stats = LiveStats()
        self._follow = True
        self._closing = False
        self.setWindowTitle(self.tr("pbxdesk — {0}").format(profile_name))
        self.setWindowIcon(app_icon())
        self.resize(1280, 780)
        self._build_actions()
        self._build_central()
        self._build_status()
        self.model.rows_appended.connect(self._after_append)
        self.model.load([row_from_stored(r) for r in profile.recent_events(500)])
        self._fill_extensions()
        self._update_empty_state()
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(250)
        self._status_timer.timeout.connect(self._refresh_status)
        self._status_timer.start()
        self._restore_state()

    # -- building ------------------------------------------------------------------------------
    def _build_actions(self) -> None:
        bar = QToolBar(self.tr("Feed"), self)
        bar.setObjectName("feed_toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        style = self.style()
        bar.addWidget(QLabel(self.tr(" Profile: ")))
        profile_label = QLabel(f"<b>{self.profile_name}</b>  ")
        bar.addWidget(profile_label)
        bar.addSeparator()
        bar.addWidget(QLabel(self.tr(" Feed: ")))
        self.feed_combo = QComboBox()
        self.feed_combo.addItem(self.tr("Simulated PBX (demo traffic)"))
        self.feed_combo.setToolTip(self.tr("Where events come from"))
        bar.addWidget(self.feed_combo)
        bar.addSeparator()
        self.start_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), self.tr("Start"), self
        )
        self.start_action.setShortcut(QKeySequence("F5"))
        self.start_action.triggered.connect(self.start_feed)
        self.pause_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaPause), self.tr("Pause"), self
        )
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self._pause_toggled)
        self.stop_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaStop), self.tr("Stop"), self
        )
        self.stop_action.setShortcut(QKeySequence("Shift+F5"))
        self.stop_action.triggered.connect(lambda: asyncio.ensure_future(self.stop_feed()))
        for action in (self.start_action, self.pause_action, self.stop_action):
            bar.addAction(action)
        bar.addSeparator()
        bar.addWidget(QLabel(self.tr(" Speed: ")))
        self.speed_combo = QComboBox()
        for label, _ in SPEEDS:
            self.speed_combo.addItem(label)
        self.speed_combo.setCurrentIndex(1)
        self.speed_combo.setToolTip(self.tr("Applies from the next Start"))
        bar.addWidget(self.speed_combo)
        self._set_running(False)

    def _build_central(self) -> None:
        self.ext_tree = QTreeWidget()
        self.ext_tree.setHeaderLabels([self.tr("Extension"), self.tr("Details")])
        self.ext_tree.setMinimumWidth(260)
        self.ext_tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        for col, width in enumerate((100, 80, 80, 130, 130, 95)):
            self.table.setColumnWidth(col, width)
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_detail(cur.row()))

        self.empty_label = QLabel(self.tr("No events yet — press Start"))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: palette(mid); font-size: 16px;")
        self.timeline_stack = QStackedWidget()
        self.timeline_stack.addWidget(self.empty_label)
        self.timeline_stack.addWidget(self.table)

        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.detail.setFont(mono)
        self.detail.setPlaceholderText(self.tr("Select an event to see its fields and deliveries"))

        self.flow = CallFlowView()
        flow_scroll = QScrollArea()
        flow_scroll.setWidget(self.flow)
        flow_scroll.setWidgetResizable(False)
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.addTab(self.detail, self.tr("Details"))
        self.bottom_tabs.addTab(flow_scroll, self.tr("Call flow"))
        self.stats_view = StatsView(self.stats)
        self.bottom_tabs.addTab(self.stats_view, self.tr("Stats"))
        self.bottom_tabs.currentChanged.connect(lambda _i: self._show_flow())

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.timeline_stack)
        right.addWidget(self.bottom_tabs)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(self.ext_tree)
        self.main_split.addWidget(right)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([300, 980])
        self.right_split = right
        container = QWidget()
        layout = QVBoxLayout(container)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.main_split)
        self.setCentralWidget(container)

    def _build_status(self) -> None:
        self.counts_label = QLabel()
        self.receiver_label = QLabel()
        self.statusBar().addWidget(self.counts_label, 1)
        self.statusBar().addPermanentWidget(self.receiver_label)

    def _fill_extensions(self) -> None:
        self.ext_tree.clear()
        subs_by_ext: dict[int, list] = {}
        for sub in self.profile.subscriptions():
            subs_by_ext.setdefault(sub.extension_id, []).append(sub)
        for ext in self.profile.extensions():
            detail = ext.label or ext.type.value
            item = QTreeWidgetItem([ext.name, detail])
            item.setIcon(0, extension_icon(ext.type.value))
            item.setToolTip(0, f"{ext.type.value} · id {ext.id}")
            for sub in subs_by_ext.get(ext.id, []):
                child = QTreeWidgetItem([sub.event_type.value, f"{sub.method.value} {sub.url}"])
                child.setToolTip(1, sub.url)
                item.addChild(child)
            self.ext_tree.addTopLevelItem(item)
        self.ext_tree.expandAll()

    # -- feed control --------------------------------------------------------------------------
    async def start_session(self, *, autostart: bool = True) -> None:
        await self.session.open()
        if autostart:
            self.start_feed()

    def start_feed(self) -> None:
        try:
            speed = SPEEDS[self.speed_combo.currentIndex()][1]
            self.session.start(speed=speed)
        except PbxDeskError as exc:
            self.statusBar().showMessage(str(exc), 10_000)
            return
        self.pause_action.setChecked(False)
        self._set_running(True)

    async def stop_feed(self) -> None:
        await self.session.stop()
        self._set_running(False)

    def _pause_toggled(self, paused: bool) -> None:
        self.session.pause(paused)

    def _set_running(self, running: bool) -> None:
        self.start_action.setEnabled(not running)
        self.pause_action.setEnabled(running)
        self.stop_action.setEnabled(running)

    # -- engine callbacks (cheap: the model batches) ----------------------------------------
    def _on_event(self, event_id: int, ev: EventData) -> None:
        self.stats.record_event()
        self.model.push_event(
            row_from_event(event_id, ev, self.names.get(ev.extension_id, str(ev.extension_id)))
        )

    def _on_delivery(self, result: DeliveryResult) -> None:
        self.stats.record_result(result)
        self.model.push_result(result)

    # -- view behaviour -------------------------------------------------------------------------
    def _scrolled(self, value: int) -> None:
        bar = self.table.verticalScrollBar()
        self._follow = value >= bar.maximum() - 2  # the user scrolled up: stop following

    def _after_append(self, _count: int) -> None:
        self._update_empty_state()
        if self._follow:
            self.table.scrollToBottom()

    def _update_empty_state(self) -> None:
        self.timeline_stack.setCurrentIndex(1 if self.model.rows else 0)

    def _refresh_status(self) -> None:
        m = self.model
        state = self.tr("running") if self.session.running else self.tr("stopped")
        self.counts_label.setText(
            self.tr("Feed {0} · {1} events · {2} delivered · {3} retrying · {4} failed").format(
                state, len(m.rows), m.delivered, self._open_retries(), m.failed
            )
        )
        rec = self.session.receiver
        if self.session.receiver_error:
            self.receiver_label.setText(f"⚠ {self.session.receiver_error}")
        elif rec.port:
            self.receiver_label.setText(
                self.tr("Test receiver {0} · {1} requests").format(rec.base_url, rec.count)
            )
        if self.table.currentIndex().isValid():
            self._show_detail(self.table.currentIndex().row(), refresh_only=True)

    def _open_retries(self) -> int:
        engine = self.session.engine
        return len(engine.retrying()) if engine is not None else 0

    def _show_detail(self, row_index: int, refresh_only: bool = False) -> None:
        if not 0 <= row_index < len(self.model.rows):
            self.detail.clear()
            return
        text = detail_text(self.model.rows[row_index])
        if not (refresh_only and text == self.detail.toPlainText()):
            self.detail.setPlainText(text)
        self._show_flow()

    def _show_flow(self) -> None:
        """Draw the selected event's call, when the Call flow tab is showing."""
        if self.bottom_tabs.currentIndex() != 1:
            return
        index = self.table.currentIndex()
        if not index.isValid() or not 0 <= index.row() < len(self.model.rows):
            self.flow.clear()
            return
        call_id = self.model.rows[index.row()].call_id
        steps = [
            FlowStep(r.event_time, r.event_type, r.extension, r.fields, r.delivery_state)
            for r in self.model.rows
            if r.call_id == call_id
        ]
        kinds = {e.name: e.type.value for e in self._extensions}
        self.flow.set_call(call_id, steps, kinds)

    # -- state ---------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        settings = QSettings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        for key, splitter in (("main/split", self.main_split), ("main/right_split", self.right_split)):
            value = settings.value(key)
            if value is not None:
                splitter.restoreState(value)

    def closeEvent(self, event: QCloseEvent) -> None:
        settings = QSettings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/split", self.main_split.saveState())
        settings.setValue("main/right_split", self.right_split.saveState())
        super().closeEvent(event)


def detail_text(row: TimelineRow) -> str:
    """The selected event as an integrator reads it: fields, then each request and its answer."""
    lines = [f"{row.event_type} on {row.extension} · CallID {row.call_id}", ""]
    width = max((len(k) for k in row.fields), default=0)
    lines += [f"  {k.ljust(width)}  {v}" for k, v in row.fields.items()]
    lines.append("")
    if not row.deliveries:
        lines.append("No subscription of this extension listens to this event type.")
    for d in row.deliveries.values():
        method = HttpMethod(d["method"])
        lines.append(f"→ {method.value} {d['url']}")
        if method is HttpMethod.POST:
            body = build_request(method, "http://x/", row.fields).body.decode()
            lines.append(f"  Content-Type: application/x-www-form-urlencoded\n  {body}")
        lines.append(f"  ← {d['outcome']} in {d['latency_ms']:.1f} ms · {d['state']}, attempt {d['attempt']}")
    return "\n".join(lines)
