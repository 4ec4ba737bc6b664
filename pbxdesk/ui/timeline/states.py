"""How a delivery's state looks, in one place: its words, colours, brushes and icons, used by
the timeline, the detail pane, the call flow, the filter bar and the Stats tab.

Two vocabularies meet here. The store's states (``pending``, ``in_flight``, ``delivered``,
``failed``, ``paused``, ``cancelled``; the values of ``domain.DeliveryState``) are what a
delivery *is*; a *look* is how the UI shows it: ``ok`` for delivered, ``retrying`` for a
pending delivery that has had an attempt, ``none`` for an event without a subscriber.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtGui import QBrush, QColor, QIcon

from pbxdesk.ui.icons import badge_icon

# A row takes the first of LOOK_ORDER its deliveries have (what needs attention first).
LOOK_ORDER = ("failed", "retrying", "paused", "in_flight", "pending", "cancelled", "ok")


def look_of(d: dict[str, Any]) -> str:
    """A delivery's look from its latest attempt (``state`` and ``attempt`` keys)."""
    return state_look(d["state"], d["attempt"])


def state_look(state: str, attempt: int) -> str:
    if state == "delivered":
        return "ok"
    if state == "pending":
        return "retrying" if attempt >= 1 else "pending"
    return state  # failed, in_flight, paused, cancelled


# Each look's colour (its icon's disc, the call flow's arrow, the detail pane's state text).
LOOK_COLOURS = {
    "ok": "#1a7f37",
    "failed": "#cf222e",
    "retrying": "#bf8700",
    "paused": "#8250df",
    "in_flight": "#1f6feb",
    "pending": "#6e7781",
    "cancelled": "#57606a",
    "none": "#afb8c1",
}
# Each look's sign on its icon.
LOOK_SIGNS = {
    "ok": "✓", "failed": "✕", "retrying": "↻", "paused": "‖", "in_flight": "→", "pending": "…",
    "cancelled": "⊘", "none": "–",
}  # fmt: skip
LOOK_ICONS = {look: (LOOK_COLOURS[look], LOOK_SIGNS[look]) for look in LOOK_COLOURS}

# The words, translated in the "TimelineModel" context wherever they are shown.
_CONTEXT = "TimelineModel"
# A delivery's state as the user reads it (the store's words are identifiers: in_flight...).
STATE_LABELS = {
    "pending": QT_TRANSLATE_NOOP("TimelineModel", "pending"),
    "in_flight": QT_TRANSLATE_NOOP("TimelineModel", "in flight"),
    "delivered": QT_TRANSLATE_NOOP("TimelineModel", "delivered"),
    "failed": QT_TRANSLATE_NOOP("TimelineModel", "failed"),
    "cancelled": QT_TRANSLATE_NOOP("TimelineModel", "cancelled"),
    "paused": QT_TRANSLATE_NOOP("TimelineModel", "paused"),
}
# A look in one word (the call flow's arrows).
LOOK_LABELS = {
    "ok": STATE_LABELS["delivered"],
    "failed": STATE_LABELS["failed"],
    "retrying": QT_TRANSLATE_NOOP("TimelineModel", "retrying"),
    "paused": STATE_LABELS["paused"],
    "in_flight": STATE_LABELS["in_flight"],
    "pending": STATE_LABELS["pending"],
    "cancelled": STATE_LABELS["cancelled"],
    "none": QT_TRANSLATE_NOOP("TimelineModel", "no subscriber"),
}
# The filter bar's choices of a delivery result (a choice in a list: capitalised; FilterBar's).
RESULT_FILTER_LABELS = {
    "delivered": QT_TRANSLATE_NOOP("FilterBar", "Delivered"),
    "retrying": QT_TRANSLATE_NOOP("FilterBar", "Retrying"),
    "failed": QT_TRANSLATE_NOOP("FilterBar", "Failed"),
    "paused": QT_TRANSLATE_NOOP("FilterBar", "Paused"),
    "none": QT_TRANSLATE_NOOP("FilterBar", "No subscriber"),
}


def state_label(state: str) -> str:
    """A store state in the user's language ("in_flight" is the store's identifier)."""
    return QCoreApplication.translate(_CONTEXT, str(STATE_LABELS.get(state, state.replace("_", " "))))


def look_label(look: str) -> str:
    return QCoreApplication.translate(_CONTEXT, str(LOOK_LABELS.get(look, look.replace("_", " "))))


def look_colour(look: str) -> QColor:
    return QColor(LOOK_COLOURS.get(look, LOOK_COLOURS["none"]))


EVENT_COLOURS = {
    "dial-in": "#1f6feb",
    "dial-out": "#8250df",
    "answer": "#1a7f37",
    "hangup": "#57606a",
    "message-in": "#bf8700",
    "message-out": "#bf8700",
    "voicemail": "#cf222e",
}
# The Stats tab's curves: events in the dial-in blue, results in their looks' colours.
EVENTS_CURVE_COLOUR = EVENT_COLOURS["dial-in"]

# Backgrounds: translucent, so that they read on the light and the dark theme.
_OK_BG = QColor(46, 160, 67, 40)
_FAIL_BG = QColor(248, 81, 73, 55)
_RETRY_BG = QColor(210, 153, 34, 60)
_PAUSED_BG = QColor(130, 80, 223, 45)
_HEADER_BG = QColor(128, 128, 128, 28)
_PENDING_BG = QColor(110, 119, 129, 40)
_IN_FLIGHT_BG = QColor(31, 111, 235, 45)
_CANCELLED_BG = QColor(110, 119, 129, 70)
# The whole row takes the colour of what needs attention; a row that is fine only its cell.
ROW_BRUSH = {
    "failed": QBrush(_FAIL_BG),
    "retrying": QBrush(_RETRY_BG),
    "paused": QBrush(_PAUSED_BG),
    "cancelled": QBrush(_CANCELLED_BG),
}
CELL_BRUSH = {"ok": QBrush(_OK_BG), "pending": QBrush(_PENDING_BG), "in_flight": QBrush(_IN_FLIGHT_BG)}
OK_BRUSH = CELL_BRUSH["ok"]
HEADER_BRUSH = QBrush(_HEADER_BG)
EVENT_BRUSH = {k: QBrush(QColor(v)) for k, v in EVENT_COLOURS.items()}
DEFAULT_FG = QBrush(QColor("#24292f"))
MISSING_BRUSH = QBrush(QColor("#8c959f"))


# Each look's icon in the Delivery cell: a disc of its colour with its sign, drawn once per
# look (lazily: a QPixmap needs the application), never per row.
def look_icon(look: str) -> QIcon:
    colour, sign = LOOK_ICONS[look]
    return badge_icon(colour, sign, disc=True, pixel_size=20)
