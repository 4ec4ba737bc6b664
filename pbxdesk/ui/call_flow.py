"""The call flow: a ladder diagram of one call, like Wireshark's VoIP flow graph.

Lanes are the call's parties (outside numbers, extensions, ivr, queue, agents) in the order
they appear; each event is an arrow in time order, from the party that acted to the one it
concerns, coloured by what its subscribers answered. An integrator sees at a glance which
hangup never reached the CRM.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from pbxdesk.ui.timeline.states import look_colour, look_label

# Lane kinds, shown under each lane's name (translated when drawn).
LANE_KINDS = (
    QT_TRANSLATE_NOOP("CallFlowView", "outside"),
    QT_TRANSLATE_NOOP("CallFlowView", "extension"),
    QT_TRANSLATE_NOOP("CallFlowView", "phone"),
    QT_TRANSLATE_NOOP("CallFlowView", "queue"),
    QT_TRANSLATE_NOOP("CallFlowView", "ivr"),
    QT_TRANSLATE_NOOP("CallFlowView", "fax"),
)

LANE_W = 170
ROW_H = 30
TOP = 56
LEFT = 110


@dataclass(frozen=True, slots=True)
class FlowStep:
    """One event as the ladder draws it."""

    time_us: int
    event_type: str
    extension: str  # whose event it is
    fields: dict[str, str]
    state: str  # delivery state: ok, failed, retrying, paused, cancelled, none


def _party(value: str) -> str:
    return value.split("@", 1)[0]


def arrow_ends(step: FlowStep) -> tuple[str, str]:
    """(from lane, to lane) of an event's arrow."""
    f = step.fields
    me = step.extension
    caller = _party(f.get("CallerExtension", "")) or f.get("CallerIDNum", "") or "?"
    callee = _party(f.get("CalledExtension", "")) or f.get("CalledNumber", "") or "?"
    flow = f.get("CallFlow", "")
    et = step.event_type
    if et in ("dial-out", "message-out"):
        return me, callee if callee != me else f.get("CalledNumber", callee)
    if et == "message-in":
        return caller, me
    if et == "voicemail":
        return caller, me
    if flow == "out":  # made by `me`: a dial-out leg, or a queue ringing an agent
        target = callee if callee != me else f.get("CalledNumber", callee)
        if et == "dial-in":  # the queue's `out` thread
            return me, target
        if et == "answer":
            return target, me
        return me, target  # hangup
    # CallFlow in: the call reached `me`
    if et == "answer":
        return me, caller
    if et == "hangup":
        return caller, me
    return caller, me


class CallFlowView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps: list[FlowStep] = []
        self.lanes: list[str] = []
        self.lane_kinds: dict[str, str] = {}
        self.call_id = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(120)

    def set_call(self, call_id: str, steps: list[FlowStep], kinds: dict[str, str] | None = None) -> None:
        """Show ``steps`` (any order) of call ``call_id``; ``kinds`` maps extension -> type."""
        self.call_id = call_id
        self.steps = sorted(steps, key=lambda s: s.time_us)
        self.lane_kinds = dict(kinds or {})
        lanes: list[str] = []
        for step in self.steps:
            for party in arrow_ends(step):
                if party not in lanes:
                    lanes.append(party)
        self.lanes = lanes
        self.updateGeometry()
        self.resize(self.sizeHint())
        self.update()

    def clear(self) -> None:
        self.set_call("", [])

    def sizeHint(self) -> QSize:
        return QSize(LEFT + max(1, len(self.lanes)) * LANE_W + 40, TOP + max(1, len(self.steps)) * ROW_H + 60)

    def _lane_x(self, lane: str) -> float:
        return LEFT + self.lanes.index(lane) * LANE_W + LANE_W / 2

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        text_colour = pal.text().color()
        if not self.steps:
            p.setPen(pal.placeholderText().color())
            p.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("Select an event to see its call's flow")
            )
            return
        bold = QFont(self.font())
        bold.setBold(True)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() - 1))
        bottom = TOP + len(self.steps) * ROW_H + 10
        # lanes
        for lane in self.lanes:
            x = self._lane_x(lane)
            kind = self.lane_kinds.get(lane, "outside" if "*" not in lane else "extension")
            box = QRectF(x - LANE_W / 2 + 8, 8, LANE_W - 16, 36)
            p.setPen(QPen(QColor("#d0d7de"), 1))
            p.setBrush(pal.alternateBase())
            p.drawRoundedRect(box, 6, 6)
            p.setPen(text_colour)
            p.setFont(bold)
            p.drawText(box.adjusted(0, 2, 0, -14), Qt.AlignmentFlag.AlignCenter, lane)
            p.setFont(small)
            p.setPen(pal.placeholderText().color())
            p.drawText(box.adjusted(0, 18, 0, 0), Qt.AlignmentFlag.AlignCenter, self.tr(kind))
            p.setPen(QPen(QColor("#d0d7de"), 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(x, 44), QPointF(x, bottom))
        # arrows
        t0 = self.steps[0].time_us
        fm = QFontMetrics(small)
        for i, step in enumerate(self.steps):
            y = TOP + i * ROW_H + ROW_H / 2
            a, b = arrow_ends(step)
            colour = look_colour(step.state)
            p.setFont(small)
            p.setPen(pal.placeholderText().color())
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            offset = self.tr("+{0} s").format(f"{(step.time_us - t0) / 1e6:.3f}")
            p.drawText(QRectF(4, y - 10, LEFT - 10, 20), right, offset)
            x1, x2 = self._lane_x(a), self._lane_x(b)
            dashed = step.event_type == "hangup"
            p.setPen(QPen(colour, 2, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine))
            if a == b:  # an event about one party only: a small loop
                path = QPainterPath(QPointF(x1, y - 6))
                path.cubicTo(QPointF(x1 + 40, y - 14), QPointF(x1 + 40, y + 10), QPointF(x1 + 4, y + 6))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawPath(path)
                label_rect = QRectF(x1 + 44, y - 10, LANE_W, 20)
                align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            else:
                p.drawLine(QPointF(x1, y), QPointF(x2, y))
                direction = 1 if x2 > x1 else -1
                head = QPolygonF(
                    [QPointF(x2, y), QPointF(x2 - 9 * direction, y - 5), QPointF(x2 - 9 * direction, y + 5)]
                )
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(colour)
                p.drawPolygon(head)
                label_rect = QRectF(min(x1, x2), y - 17, abs(x2 - x1), 14)
                align = Qt.AlignmentFlag.AlignCenter
            status = step.fields.get("CallStatus", "")
            label = step.event_type + (f" {status}" if step.event_type == "hangup" and status else "")
            label += f" · {look_label(step.state)}"
            label = fm.elidedText(label, Qt.TextElideMode.ElideRight, int(max(label_rect.width(), 60)))
            p.setPen(colour)
            p.drawText(label_rect, align, label)
        p.end()
