"""The live tail's inbox: the engine's callbacks only append here (cheap, on the event loop);
the model's drain timer takes the lot at most 30 times a second."""

from __future__ import annotations

from dataclasses import dataclass, field

from pbxdesk.engine.outbox import DeliveryResult
from pbxdesk.ui.timeline.rows import TimelineRow

DRAIN_MS = 34  # the tail's model updates: under 30 a second


@dataclass(slots=True)
class TailBatch:
    rows: list[TimelineRow] = field(default_factory=list)
    results: list[DeliveryResult] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rows or self.results)


# A busy tail is drained less often: each drain inserts rows, scrolls and repaints the table (a
# few thousand data() calls), on the loop that also sends the deliveries. Above ~300 events and
# results a second nobody reads single rows as they pass; 10 updates a second look as live and
# leave the sender the time. Measured in bench/soak.py (500 events/s): see the commit.
BUSY_DRAIN_MS = 100
BUSY_ITEMS_PER_S = 300


def drain_interval(items: int, seconds: float) -> int:
    """The next drain's interval (ms), from the ``items`` the last one took after ``seconds``."""
    if seconds <= 0:
        return DRAIN_MS
    return BUSY_DRAIN_MS if items / seconds > BUSY_ITEMS_PER_S else DRAIN_MS
