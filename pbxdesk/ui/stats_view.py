"""Live graphs: events/s and deliveries/s, success rate, latency percentiles per endpoint."""

from __future__ import annotations

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pbxdesk.engine.stats import LiveStats  # noqa: E402
from pbxdesk.ui.timeline.states import EVENTS_CURVE_COLOUR, LOOK_COLOURS  # noqa: E402


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


class StatsView(QWidget):
    REFRESH_MS = 500

    def __init__(self, stats: LiveStats, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stats = stats
        pg.setConfigOptions(antialias=True, background=None, foreground=self.palette().text().color())
        self.rates = pg.PlotWidget()
        self.rates.setLabel("left", self.tr("per second"))
        self.rates.setLabel("bottom", self.tr("seconds ago"))
        self.rates.addLegend(offset=(10, 5))
        self.rates.showGrid(x=True, y=True, alpha=0.2)
        events_pen = pg.mkPen(EVENTS_CURVE_COLOUR, width=2)
        self.events_curve = self.rates.plot(name=self.tr("events"), pen=events_pen)
        self.ok_curve = self.rates.plot(name=self.tr("delivered"), pen=pg.mkPen(LOOK_COLOURS["ok"], width=2))
        failed_pen = pg.mkPen(LOOK_COLOURS["failed"], width=2)
        self.failed_curve = self.rates.plot(name=self.tr("failed attempts"), pen=failed_pen)
        self.summary = QLabel()
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Endpoint"), self.tr("Attempts"), self.tr("Delivered"), self.tr("Failed"),
             self.tr("p50 ms"), self.tr("p95 ms"), self.tr("p99 ms")]
        )  # fmt: skip
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        side = QVBoxLayout()
        side.addWidget(self.summary)
        side.addWidget(self.table)
        layout = QHBoxLayout(self)
        layout.addWidget(self.rates, 3)
        layout.addLayout(side, 2)
        self._timer = QTimer(self)
        self._timer.setInterval(self.REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.refresh()

    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)  # type: ignore[arg-type]
        QTimer.singleShot(0, self.refresh)

    def refresh(self) -> None:
        if not self.isVisible():
            return  # drawing costs; nothing to do while hidden
        xs, events, ok, failed = self.stats.series()
        self.events_curve.setData(xs, events)
        self.ok_curve.setData(xs, ok)
        self.failed_curve.setData(xs, failed)
        rate = self.stats.success_rate
        self.summary.setText(
            " · ".join([
                self.tr("%Ln event(s)", "", self.stats.events_total),
                self.tr("%Ln attempt(s)", "", self.stats.attempts_total),
                self.tr("success rate {0}").format("–" if rate is None else f"{rate:.1%}"),
            ])
        )  # fmt: skip
        rows = self.stats.endpoints()
        self.table.setRowCount(len(rows))
        for i, e in enumerate(rows):
            values = [e.endpoint, str(e.attempts), str(e.delivered), str(e.failed),
                      _ms(e.p50_ms), _ms(e.p95_ms), _ms(e.p99_ms)]  # fmt: skip
            for col, value in enumerate(values):
                item = self.table.item(i, col)
                if item is None:
                    self.table.setItem(i, col, QTableWidgetItem(value))
                elif item.text() != value:
                    item.setText(value)
