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
