"""The main window: extensions on the left, the timeline in the centre, details below.

The window is composition: it builds the widgets and the controllers, hands each only what
it uses, and connects them with Qt signals; no controller holds the window.

- ``ProfileConfig`` (ui/profile_config.py): the profile's extensions and subscriptions;
  whoever changes them calls ``reload()``, and ``changed`` refreshes the side panel
  (``ExtensionsPanel``) and the running engine's subscriptions and names.
- ``PbxMenus`` (File, Edit, PBX; the side panel's actions), ``TimelineExporter``,
  ``DeliveryActions`` (the timeline's context menu), ``LiveMonitor``, ``LiveFeed`` (the feed
  selector's Live entry, Sync) and ``ProfileSwitcher`` say what happened on signals:
  ``message`` (text, ms) to the status bar, and their own (``policy_saved``,
  ``language_saved``, ``mode_changed``, ``config_edited``, ``changed``, ``switch_requested``).
- Every controller and helper has the window as its Qt parent and goes with it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.domain import EventData, FeedEvent, PbxDeskError
from pbxdesk.engine.outbox import DeliveryResult
from pbxdesk.engine.policy import DeliveryPolicy
from pbxdesk.engine.session import FeedSession, receiver_port
from pbxdesk.engine.stats import LiveStats
from pbxdesk.resources_dir import resource
from pbxdesk.store.profile import Profile
from pbxdesk.ui.account import AccountConnection
from pbxdesk.ui.call_flow import CallFlowView, FlowStep
from pbxdesk.ui.delivery_actions import DeliveryActions
from pbxdesk.ui.detail_pane import DetailPane
from pbxdesk.ui.dialogs.menus import PbxMenus
from pbxdesk.ui.export import TimelineExporter
from pbxdesk.ui.extensions_panel import ExtensionsPanel
from pbxdesk.ui.filter_bar import FilterBar
from pbxdesk.ui.icons import app_icon, media_icon
from pbxdesk.ui.live_feed import LIVE_FEED, LiveFeed
from pbxdesk.ui.live_monitor import LiveMonitor
from pbxdesk.ui.profile_config import ProfileConfig
from pbxdesk.ui.profile_switcher import ProfileSwitcher
from pbxdesk.ui.scenario_feed import ScenarioBar
from pbxdesk.ui.stats_view import StatsView
from pbxdesk.ui.timeline import TimelineModel, row_from_event
from pbxdesk.ui.writer_banner import WriterFailedBanner

log = logging.getLogger(__name__)

OPEN_SCENARIO = "<open>"

SPEEDS = (("0.5×", 0.5), ("1×", 1.0), ("2×", 2.0), ("5×", 5.0), ("10×", 10.0))


def add_keyboard_context_menu(view: QAbstractItemView) -> None:
    """Shift+F10 opens ``view``'s context menu at its current item, as the Menu key does (Qt
    handles only that key): the usual keyboard way on Windows and Linux desktops."""
    action = QAction(view)
    action.setShortcut(QKeySequence("Shift+F10"))
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)

    def open_menu() -> None:
        index = view.currentIndex()
        rect = view.visualRect(index) if index.isValid() else view.viewport().rect()
        view.customContextMenuRequested.emit(rect.center() if index.isValid() else QPoint(4, 4))

    action.triggered.connect(open_menu)
    view.addAction(action)


class MainWindow(QMainWindow):
    # Preferences saved another language (its setting: "", "en", "ru"). The app reinstalls the
    # translators and reopens the window (ui/app.py): texts are set as widgets are built.
    language_changed = Signal(str)

    def __init__(self, profile: Profile, profile_name: str) -> None:
        super().__init__()
        self.profile = profile
        self.profile_name = profile_name
        # The profile's extensions and subscriptions; its ``changed`` refreshes the side panel
        # and the running engine, whoever changed them (the menus' dialogs, a delete, a sync).
        self.config = ProfileConfig(profile, profile_name, self)
        self.session = FeedSession(profile, on_event=self._on_event, on_delivery=self._on_delivery)
        self.model = TimelineModel(self, profile_path=profile.path)
        self.stats = LiveStats()
        self._follow = True
        self._closing = False
        self._reselect: int | None = None  # the event to select again after a re-filter
        self._feed_index = 0  # the feed chosen before the current one (Live cancelled: back to it)
        self._writer_failed = False  # for good: Start stays off (nothing could be recorded)
        self.account = AccountConnection(profile, profile_name, self)  # Live mode's PBX account
        self.setWindowTitle(self.tr("pbxdesk — {0}").format(profile_name))
        self.setWindowIcon(app_icon())
        self.resize(1280, 780)
        self._build_actions()
        self._build_central()
        self._build_status()
        self.exporter = TimelineExporter(self.table, self.session, profile_name, self)  # File → Export
        self.exporter.message.connect(self.statusBar().showMessage)
        # File, Edit, PBX menus; the extensions tree's actions
        self.menus = PbxMenus(
            self.menuBar(), self.ext_tree, self.config, self.account, self.live_account, self.exporter, self,
            file_actions=[self.open_scenario_action],
        )  # fmt: skip
        self.menus.message.connect(self.statusBar().showMessage)
        self.menus.policy_saved.connect(self._apply_policy)
        self.menus.language_saved.connect(self.language_changed)
        self.config.changed.connect(self._config_reloaded)
        # PBX → Monitor an extension (live mode)
        self.live = LiveMonitor(profile, profile_name, self.session, self.account, self.menus.pbx_menu, self)
        self.live.changed.connect(self._live_changed)
        self.live.message.connect(self.statusBar().showMessage)
        # the feed selector's Live entry, PBX → Sync
        self.live_feed = LiveFeed(
            self.feed_combo, self.account, self.live, profile, self.menus.pbx_menu, self
        )
        self.live_feed.mode_changed.connect(self.config_view_changed)
        self.live_feed.config_edited.connect(self.menus.config_changed)
        self.live_feed.message.connect(self.statusBar().showMessage)
        # the timeline's context menu
        self.delivery_actions = DeliveryActions(self.table, self.session, self.exporter, self)
        self.delivery_actions.message.connect(self.statusBar().showMessage)
        self.model.rows_appended.connect(self._after_append)
        self.model.rows_updated.connect(self._rows_updated)
        self.model.modelReset.connect(self._after_reset)
        self.model.filter_applied.connect(self._after_filter)
        self.model.query_failed.connect(
            lambda e: self.statusBar().showMessage(self.tr("Filter failed: {0}").format(e), 10_000)
        )
        self.model.reload(sync=True)  # the profile's events: ids only, rows read as they show
        self._count_history()
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
        # Each combo has a mnemonic on its label (Alt+R, Alt+D, Alt+S): reachable from the keyboard.
        profile_label = QLabel(self.tr(" P&rofile: "))
        bar.addWidget(profile_label)
        self.profiles = ProfileSwitcher(self.profile_name, self)  # the app reopens on the profile chosen
        profile_label.setBuddy(self.profiles.combo)
        bar.addWidget(self.profiles.combo)
        bar.addSeparator()
        feed_label = QLabel(self.tr(" Fee&d: "))
        bar.addWidget(feed_label)
        self.feed_combo = QComboBox()
        self.feed_combo.setObjectName("feed_combo")
        feed_label.setBuddy(self.feed_combo)
        self.feed_combo.addItem(self.tr("Simulated PBX (demo traffic)"), None)
        self.feed_combo.addItem(self.tr("Live: PBX account"), LIVE_FEED)
        for path in sorted(resource("scenarios").glob("*.toml")):
            self.feed_combo.addItem(self.tr("Scenario: {0}").format(path.stem), str(path))
        self.feed_combo.addItem(self.tr("Open scenario file…"), OPEN_SCENARIO)
        self.feed_combo.setToolTip(
            self.tr("Where events come from: the demo traffic on this profile's PBX, the real PBX account "
                    "(Live: edits go to the account, Start monitors an extension), or a scenario file "
                    "(its own extensions and subscriptions; see README, Scenario files)")
        )  # fmt: skip
        self.feed_combo.activated.connect(self._feed_chosen)
        # The strip above the timeline follows the chosen feed, however it was chosen.
        self.feed_combo.currentIndexChanged.connect(
            lambda i: self._show_scenario(self.feed_combo.itemData(i))
        )
        bar.addWidget(self.feed_combo)
        bar.addSeparator()
        self.start_action = QAction(self.tr("Start"), self)
        self.start_action.setShortcut(QKeySequence("F5"))
        self.start_action.triggered.connect(self.start_feed)
        self.pause_action = QAction(self.tr("Pause"), self)
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self._pause_toggled)
        self.stop_action = QAction(self.tr("Stop"), self)
        self._paint_media_icons()
        self.stop_action.setShortcut(QKeySequence("Shift+F5"))
        self.stop_action.triggered.connect(lambda: asyncio.ensure_future(self.stop_feed()))
        for action in (self.start_action, self.pause_action, self.stop_action):
            bar.addAction(action)
        # File → Open scenario file… (Ctrl+O): the feed selector's last entry, from the menu.
        self.open_scenario_action = QAction(self.tr("&Open scenario file…"), self)
        self.open_scenario_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_scenario_action.triggered.connect(self.open_scenario_file)
        self.find_action = QAction(self.tr("Find"), self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(lambda: self.filter_bar.focus_search())
        self.next_failure_action = QAction(self.tr("Next failure"), self)
        self.next_failure_action.setShortcut(QKeySequence("F3"))
        self.next_failure_action.triggered.connect(self.next_failure)
        self.addAction(self.find_action)
        self.addAction(self.next_failure_action)
        bar.addSeparator()
        speed_label = QLabel(self.tr(" &Speed: "))
        bar.addWidget(speed_label)
        self.speed_combo = QComboBox()
        speed_label.setBuddy(self.speed_combo)
        for label, _ in SPEEDS:
            self.speed_combo.addItem(label)
        self.speed_combo.setCurrentIndex(1)
        self.speed_combo.setToolTip(self.tr("Applies from the next Start"))
        bar.addWidget(self.speed_combo)
        self._set_running(False)

    def _paint_media_icons(self) -> None:
        """Start/Pause/Stop in the palette's button text colour (again when the theme changes)."""
        colour = self.palette().color(QPalette.ColorRole.ButtonText).name()
        self.start_action.setIcon(media_icon("play", colour))
        self.pause_action.setIcon(media_icon("pause", colour))
        self.stop_action.setIcon(media_icon("stop", colour))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        kinds = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)
        if event.type() in kinds and hasattr(self, "stop_action"):
            self._paint_media_icons()
        super().changeEvent(event)

    def _build_central(self) -> None:
        self.ext_tree = ExtensionsPanel()
        add_keyboard_context_menu(self.ext_tree)

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
        for col, width in enumerate((115, 90, 85, 125, 125, 95, 260, 280, 70, 80, 70)):
            self.table.setColumnWidth(col, width)
        for col in TimelineModel.HIDDEN_BY_DEFAULT:
            header.setSectionHidden(col, True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        header.setSectionsMovable(True)
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_detail(cur.row()))
        self.table.clicked.connect(self._table_clicked)
        self.table.doubleClicked.connect(lambda index: self.model.toggle(index.row()))
        self.table.installEventFilter(self)
        add_keyboard_context_menu(self.table)

        self.filter_bar = FilterBar()
        self.filter_bar.changed.connect(self.model.set_filter)
        self.group_button = QToolButton()
        self.group_button.setText(self.tr("Group by call"))
        self.group_button.setCheckable(True)
        self.group_button.setToolTip(self.tr("One row per call; click ▸ (or press →) to show its events"))
        self.group_button.toggled.connect(self.set_grouped)
        filter_row = QWidget()
        filter_layout = QHBoxLayout(filter_row)
        filter_layout.setContentsMargins(0, 0, 0, 0)
        filter_layout.addWidget(self.filter_bar, 1)
        self.filter_bar.top_row.insertWidget(1, self.group_button)  # beside the search, not the boxes
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(200)  # results arrive before the writer commits their attempt
        self._detail_timer.timeout.connect(self.detail_refresh)

        self.empty_label = QLabel(self.tr("No events yet — press Start"))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setStyleSheet("color: palette(mid); font-size: 16px;")
        self.timeline_stack = QStackedWidget()
        self.timeline_stack.addWidget(self.empty_label)
        self.timeline_stack.addWidget(self.table)
        timeline = QWidget()
        timeline_layout = QVBoxLayout(timeline)
        timeline_layout.setContentsMargins(0, 0, 0, 0)
        timeline_layout.setSpacing(2)
        self.writer_banner = WriterFailedBanner()  # hidden until the profile's writer fails for good
        timeline_layout.addWidget(self.writer_banner)
        self.scenario_bar = ScenarioBar(self._receiver_url)
        self.scenario_bar.changed.connect(self._fill_extensions)
        self.scenario_bar.remove_requested.connect(self._remove_scenario)
        timeline_layout.addWidget(self.scenario_bar)
        timeline_layout.addWidget(filter_row)
        timeline_layout.addWidget(self.timeline_stack, 1)

        self.detail = DetailPane(lambda: self.model.source.conn)

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
        right.addWidget(timeline)
        right.addWidget(self.bottom_tabs)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setSizes([470, 300])  # the detail pane needs room for a request and its answer
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
        """The side panel: the profile's extensions and subscriptions, or, while a scenario file
        is the feed, the scenario's own (its URLs where "Deliver to" sends them), read-only."""
        scenario = self.scenario_bar.playable() if self.scenario_bar.path is not None else None
        if scenario is not None:
            extensions, subscriptions = list(scenario.extensions), list(scenario.subscriptions)
        else:
            extensions, subscriptions = self.config.extensions, self.config.subscriptions()
        self.ext_tree.show_config(
            extensions, subscriptions, scenario=scenario is not None,
            live_profile=self.profile if self.live_mode else None,
        )  # fmt: skip
        self.filter_bar.set_extensions(extensions)

    @property
    def names(self) -> dict[int, str]:
        """Extension id -> name for the timeline's rows (a playing scenario's added at Start)."""
        return self.config.names

    def _config_reloaded(self) -> None:
        """The profile's extensions or subscriptions changed: the side panel shows them, and the
        running engine delivers to the new subscriptions under the new names from now on."""
        self._fill_extensions()
        engine = self.session.engine
        if engine is not None:
            engine.set_subscriptions(self.config.subscriptions())
            engine.names.clear()
            engine.names.update(self.config.names)

    def _apply_policy(self, policy: DeliveryPolicy) -> None:
        """Preferences saved delivery settings: the running engine takes them now."""
        engine = self.session.engine
        if engine is not None:
            engine.apply_policy(policy)

    # -- Live mode: the PBX account --------------------------------------------------------------
    @property
    def live_mode(self) -> bool:
        """Live is chosen and the account connected: the dialogs change the account."""
        return self.live_feed.active

    def live_account(self) -> AccountConnection | None:
        """The account the dialogs save to, None in Simulated mode (they save to the profile)."""
        return self.account if self.live_mode else None

    def config_view_changed(self) -> None:
        """Live mode came or went: the side panel marks what is not on the account."""
        self._fill_extensions()

    def _live_changed(self) -> None:
        if self.feed_combo.currentData() == LIVE_FEED:
            self._set_running(self.live.active)

    # -- feed control --------------------------------------------------------------------------
    async def close_session(self) -> None:
        """End what runs for this window: the live monitor (its subscriptions at the PBX
        removed), the PBX account's client, the feed, engine, receiver and writer."""
        await self.live.stop()
        await self.account.disconnect()
        await self.session.close()

    async def start_session(self, *, autostart: bool = True) -> None:
        await self.session.open()
        if self.scenario_bar.path is not None:
            self._fill_extensions()  # the receiver's real port, in the scenario's URLs
        # What exists now (Qt wrappers, modules, the profile's config) lives as long as the
        # window: frozen, a full garbage collection no longer walks it. Measured (bench/ui_load.py,
        # 500 events/s): the longest loop stall went from ~130 ms (a full collection) to ~30 ms.
        gc.collect()
        gc.freeze()
        if autostart:
            self.start_feed()

    def _feed_chosen(self, index: int) -> None:
        previous, data = self._feed_index, self.feed_combo.itemData(index)
        if data == LIVE_FEED:
            if previous != index:
                self.live_feed.chosen(previous)
            self._feed_index = index
            return
        if self.feed_combo.itemData(previous) == LIVE_FEED:
            self.live_feed.left()
        if data != OPEN_SCENARIO:
            self._feed_index = index
            return
        # Window-modal with open(), the answer on a signal: a static getOpenFileName ran a
        # nested event loop, and a non-native dialog's exec() re-entered the qasync loop.
        dialog = QFileDialog(
            self, self.tr("Open a scenario"), str(resource("scenarios")), self.tr("Scenarios (*.toml)")
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self._scenario_opened(index, path))
        dialog.rejected.connect(lambda: self._scenario_open_cancelled(previous))
        dialog.finished.connect(lambda _r: setattr(self, "open_dialog", None))
        self.open_dialog: QFileDialog | None = dialog
        dialog.open()

    def open_scenario_file(self) -> None:
        """File → Open scenario file…: as choosing "Open scenario file…" in the feed selector
        (the file dialog; the file chosen becomes the feed, validated at once)."""
        index = self.feed_combo.findData(OPEN_SCENARIO)
        if index < 0 or not self.feed_combo.isEnabled():
            return
        self.feed_combo.setCurrentIndex(index)
        self._feed_chosen(index)

    def _scenario_open_cancelled(self, previous: int) -> None:
        self.feed_combo.setCurrentIndex(previous)

    def _scenario_opened(self, index: int, path: str) -> None:
        """Put an opened file on the feed list (once), choose it and validate it now."""
        found = self.feed_combo.findData(path)
        if found < 0:
            self.feed_combo.insertItem(index, self.tr("Scenario: {0}").format(Path(path).stem), path)
            found = index
        if found == self.feed_combo.currentIndex():
            self._show_scenario(path)  # chosen again: checked again
        self.feed_combo.setCurrentIndex(found)
        self._feed_index = found

    def _show_scenario(self, data: object) -> None:
        """The scenario strip for a scenario feed (validated now; its error stays inline), none
        for the demo or Live feeds; the side panel follows."""
        if not isinstance(data, str) or data in (OPEN_SCENARIO, LIVE_FEED):
            if self.scenario_bar.path is not None:
                self.scenario_bar.show_path(None)
            return
        shipped = Path(data).parent == resource("scenarios")
        self.scenario_bar.show_path(data, removable=not shipped)

    def _receiver_url(self) -> str:
        """The built-in test receiver's address (the profile's port until it listens)."""
        rec = self.session.receiver
        if rec.port:
            return rec.base_url
        return f"http://127.0.0.1:{receiver_port(self.profile)}"

    def _remove_scenario(self, path: str) -> None:
        """Take a broken opened file off the feed list; the demo feed is chosen instead."""
        found = self.feed_combo.findData(path)
        if found >= 0:
            self.feed_combo.removeItem(found)
        self.feed_combo.setCurrentIndex(0)
        self._feed_index = 0

    def start_feed(self) -> None:
        if self.feed_combo.currentData() == LIVE_FEED:
            self.live_feed.start()  # the toolbar follows the monitor (_live_changed)
            return
        speed = SPEEDS[self.speed_combo.currentIndex()][1]
        scenario = None
        if self.scenario_bar.path is not None:
            # Checked again (the file may have changed); a bad file's error stays in the strip
            # above the timeline (file, entry, key) until it is fixed or removed.
            if not self.scenario_bar.check():
                return
            scenario = self.scenario_bar.playable()
            assert scenario is not None
            self.names.update({e.id: e.name for e in scenario.extensions})
        try:
            self.session.start(speed=speed, scenario=scenario)
        except PbxDeskError as exc:
            self.statusBar().showMessage(str(exc), 15_000)
            return
        self.pause_action.setChecked(False)
        self._set_running(True)

    async def stop_feed(self) -> None:
        if self.live.active:
            await self.live.stop()  # removes exactly the subscriptions it made at the PBX
        await self.session.stop()
        self._set_running(False)

    def _pause_toggled(self, paused: bool) -> None:
        self.session.pause(paused)

    def _set_running(self, running: bool) -> None:
        self.start_action.setEnabled(not running and not self._writer_failed)
        self.pause_action.setEnabled(running and self.feed_combo.currentData() != LIVE_FEED)  # a PBX plays on
        self.stop_action.setEnabled(running)
        self.feed_combo.setEnabled(not running)
        self.open_scenario_action.setEnabled(not running)  # as the feed selector

    # -- engine callbacks (cheap: the model batches) ----------------------------------------
    def _on_event(self, event_id: int, ev: EventData | FeedEvent) -> None:
        self.stats.record_event()
        row = row_from_event(event_id, ev, self.names.get(ev.extension_id, str(ev.extension_id)))
        engine = self.session.engine
        if engine is not None:
            row.expect(engine.matching(ev))  # "pending" until their first results come
        self.model.push_event(row)

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

    def _after_reset(self) -> None:
        # A reset puts the scroll bar at the top: keep following the tail if we were.
        follow = self._follow
        self._update_empty_state()
        if follow:
            self._follow = True
            QTimer.singleShot(0, lambda: self._follow and self.table.scrollToBottom())
        # The selected event stays selected if the new view has it (see _after_filter).
        self._reselect = self.detail.row.event_id if self.detail.row is not None and not follow else None
        self.detail.clear()
        self.flow.clear()

    def _after_filter(self) -> None:
        m = self.model
        self.filter_bar.show_result(
            m.event_count, not m.display_filter.is_empty, False, m.call_count if m.grouped else None
        )
        keep, self._reselect = self._reselect, None
        row = m.row_of_event(keep) if keep is not None else -1
        if row >= 0:
            index = m.index(row, 0)
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        elif self._follow:
            self.table.scrollToBottom()

    def _rows_updated(self, event_ids: set[int]) -> None:
        row = self.detail.row
        if row is not None and row.event_id in event_ids and not self._detail_timer.isActive():
            self._detail_timer.start()

    def detail_refresh(self) -> None:
        self.detail.refresh()

    def _update_empty_state(self) -> None:
        empty = self.model.event_count == 0 and self.model.display_filter.is_empty
        self.timeline_stack.setCurrentIndex(0 if empty else 1)

    # -- grouping, columns, F3 --------------------------------------------------------------------
    def set_grouped(self, grouped: bool) -> None:
        if self.group_button.isChecked() != grouped:
            self.group_button.setChecked(grouped)  # comes back here through toggled
            return
        self.model.set_grouped(grouped)

    def _table_clicked(self, index: QModelIndex) -> None:
        if index.column() == 0 and self.model.is_header(index.row()):
            self.model.toggle(index.row())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.table and event.type() == QEvent.Type.KeyPress and self.model.grouped:
            assert isinstance(event, QKeyEvent)
            row = self.table.currentIndex().row()
            call_id = self.model.call_id_at(row) if row >= 0 else None
            key = event.key()
            if call_id is not None and key in (Qt.Key.Key_Right, Qt.Key.Key_Left, Qt.Key.Key_Return):
                expanded = self.model.is_expanded(call_id)
                if key == Qt.Key.Key_Right and self.model.is_header(row) and not expanded:
                    self.model.expand_call(call_id)
                    return True
                if key == Qt.Key.Key_Left and expanded:
                    self.model.collapse_call(call_id)
                    header = self.model.header_row(call_id)
                    if header >= 0:
                        self.table.setCurrentIndex(self.model.index(header, 0))
                    return True
                if key == Qt.Key.Key_Return and self.model.is_header(row):
                    self.model.toggle(row)
                    return True
        return super().eventFilter(watched, event)

    def _column_menu(self, pos: QPoint) -> None:
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        for col, name in enumerate(TimelineModel.COLUMNS):
            action = menu.addAction(self.tr(name))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(col))
            action.toggled.connect(lambda on, c=col: self.set_column_visible(c, on))
        menu.popup(header.mapToGlobal(pos))
        self.column_menu = menu  # the open menu (tests look at it)

    def set_column_visible(self, col: int, visible: bool) -> None:
        header = self.table.horizontalHeader()
        if not visible and header.count() - header.hiddenSectionCount() <= 1:
            return  # keep one column
        header.setSectionHidden(col, not visible)
        QSettings().setValue("timeline/header", header.saveState())

    def next_failure(self) -> None:
        """F3: select the next event whose delivery failed (wrapping round)."""
        row = self.model.next_failure_row(self.table.currentIndex().row())
        if row is None:
            self.statusBar().showMessage(self.tr("No failed delivery in this view"), 5000)
            return
        index = self.model.index(row, 0)
        self._follow = False
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def writer_failed(self, reason: str) -> None:
        """The engine's writer failed and could not be restarted: say so in place, for good."""
        engine = self.session.engine
        waiting = engine.open_count if engine is not None else 0
        self.writer_banner.show_failure(reason, waiting, self.profile_name)
        self._writer_failed = True
        self.start_action.setEnabled(False)

    def _refresh_status(self) -> None:
        engine = self.session.engine
        if engine is not None and engine.failure is not None and self.writer_banner.reason is None:
            # The engine's own record of it (DeliveryEngine.failure, set on the loop when its
            # writer reports an error it could not recover from); read four times a second.
            self.writer_failed(engine.failure)
        if self.stop_action.isEnabled() and not self.session.running and not self.live.active:
            self._set_running(False)  # a scenario played to its end
        m = self.model
        # Monitoring a real PBX is the feed running too (it said "Feed stopped").
        running = self.session.running or self.live.active
        state = self.tr("running") if running else self.tr("stopped")
        # One count per tr(): each piece agrees with its own number.
        pieces = [
            self.tr("Feed {0}").format(state),
            self.tr("%Ln event(s)", "", m.total_events),
            self.tr("{0} delivered").format(m.delivered),
            self.tr("{0} retrying").format(self._open_retries()),
            self.tr("{0} failed").format(m.failed),
        ]
        self.counts_label.setText(" · ".join(pieces))
        self.filter_bar.show_result(
            m.event_count, not m.display_filter.is_empty, m.querying, m.call_count if m.grouped else None
        )
        rec = self.session.receiver
        if self.live.status:
            self.receiver_label.setText(self.live.status)
        elif self.live_mode:
            self.receiver_label.setText(
                self.tr("Live: {0} · edits go to the PBX account").format(self.account.label)
            )
        elif self.session.receiver_error:
            self.receiver_label.setText(f"⚠ {self.session.receiver_error}")
        elif rec.port:
            requests = self.tr("%Ln request(s)", "", rec.count)
            self.receiver_label.setText(self.tr("Test receiver {0}").format(rec.base_url) + " · " + requests)

    def _count_history(self) -> None:
        """The status bar's delivered and failed counts start from the profile's, as its event
        count does: after a language or profile switch they restarted at 0 beside the full event
        count. (An index on deliveries.state makes it a count of index entries.)"""
        conn = self.model.source.conn
        if conn is None:
            return
        sql = "SELECT state, count(*) FROM deliveries WHERE state IN ('delivered', 'failed') GROUP BY state"
        try:
            counts = dict(conn.execute(sql).fetchall())
        except sqlite3.Error as exc:  # a count is not worth failing the window for
            log.warning("could not count the profile's deliveries: %s", exc)
            return
        self.model.delivered = int(counts.get("delivered", 0))
        self.model.failed = int(counts.get("failed", 0))

    def _open_retries(self) -> int:
        engine = self.session.engine
        return len(engine.retrying()) if engine is not None else 0

    def _show_detail(self, row_index: int) -> None:
        row = self.model.row_at(row_index)
        if row is None and self.model.is_header(row_index):  # a call: its first event
            call_id = self.model.call_id_at(row_index)
            members = self.model.members(call_id) if call_id else []
            row = self.model.source.get(members[0]) if members else None
        self.detail.show_event(row)
        self._show_flow()

    def _show_flow(self) -> None:
        """Draw the selected event's call, when the Call flow tab is showing."""
        if self.bottom_tabs.currentIndex() != 1:
            return
        index = self.table.currentIndex()
        call_id = self.model.call_id_at(index.row()) if index.isValid() else None
        if not call_id:
            self.flow.clear()
            return
        steps = [
            FlowStep(r.event_time, r.event_type, r.extension, r.fields, r.delivery_state)
            for r in self.model.call_rows(call_id)
        ]
        kinds = {e.name: e.type.value for e in self.config.extensions}
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
        header_state = settings.value("timeline/header")
        if header_state is not None:
            self.table.horizontalHeader().restoreState(header_state)
        if settings.value("timeline/grouped", False, type=bool):
            self.set_grouped(True)

    def save_state(self) -> None:
        """Where the window is, its splitters and columns, as the next window restores them."""
        settings = QSettings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/split", self.main_split.saveState())
        settings.setValue("main/right_split", self.right_split.saveState())
        settings.setValue("timeline/header", self.table.horizontalHeader().saveState())
        settings.setValue("timeline/grouped", self.model.grouped)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.model.close()
        gc.unfreeze()
        super().closeEvent(event)
