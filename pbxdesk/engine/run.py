"""Playing a feed: a stream of call plans -> simulated events, in real time or at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from pbxdesk.domain import EventData, FeedEvent
from pbxdesk.engine.clock import now_us
from pbxdesk.engine.outbox import DeliveryEngine
from pbxdesk.engine.simulator import US, event_stream
from pbxdesk.engine.stats import percentile

__all__ = ["FeedPlayer", "RunSummary", "event_stream", "now_us"]  # event_stream, now_us: re-exported


@dataclass(slots=True)
class RunSummary:
    events: int = 0
    deliveries: int = 0
    delivered: int = 0
    failed: int = 0
    retrying: int = 0  # still open when the run ended: kept in the outbox for the next start
    cancelled: int = 0
    attempts: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, engine: DeliveryEngine) -> RunSummary:
        s = engine.stats
        return cls(
            events=s.events,
            deliveries=s.deliveries,
            delivered=s.delivered,
            failed=s.failed,
            retrying=engine.open_count,
            cancelled=s.cancelled,
            attempts=s.attempts,
            latencies_ms=list(s.latencies_ms),
        )

    @property
    def all_delivered(self) -> bool:
        return self.delivered == self.deliveries

    def percentile(self, q: float) -> float | None:
        return percentile(self.latencies_ms, q)

    def as_dict(self) -> dict[str, object]:
        return {
            "events": self.events,
            "deliveries": self.deliveries,
            "delivered": self.delivered,
            "failed": self.failed,
            "retrying": self.retrying,
            "cancelled": self.cancelled,
            "attempts": self.attempts,
            "latency_p50_ms": self.percentile(50),
            "latency_p95_ms": self.percentile(95),
        }


class FeedPlayer:
    """Hands events to the engine when they are due (or at once with ``instant``)."""

    def __init__(
        self,
        events: Iterable[EventData | FeedEvent],
        engine: DeliveryEngine,
        *,
        base_us: int,
        instant: bool = False,
        speed: float = 1.0,
        source: str = "sim",
        max_open: int = 20_000,
    ) -> None:
        self.events = events
        self.engine = engine
        self.base_us = base_us
        self.instant = instant
        self.speed = speed
        self.source = source
        self.max_open = max_open  # instant mode: do not run further ahead of the deliveries
        self.played = 0
        self._stop = asyncio.Event()
        self._running = asyncio.Event()
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    def pause(self, paused: bool) -> None:
        if paused:
            self._running.clear()
        else:
            self._running.set()

    def _engine_failed(self) -> bool:
        # What it submits to may be a stand-in with the engine's submit and open_count only
        # (the emulator's gate): no failure of its own then.
        return getattr(self.engine, "failure", None) is not None

    async def play(self) -> int:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for ev in self.events:
            if not self.instant:
                due = start + (ev.event_time - self.base_us) / US / self.speed
                delay = due - loop.time()
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), delay)
            if not self._running.is_set():
                paused_at = loop.time()
                await self._running.wait()
                start += loop.time() - paused_at
            if self._stop.is_set() or self._engine_failed():
                break  # a failed writer records nothing more: no new events either
            self.engine.submit(ev, source=self.source)
            self.played += 1
            if self.instant and self.played % 256 == 0:
                await asyncio.sleep(0)  # let deliveries progress
                while (
                    self.engine.open_count > self.max_open
                    and not self._stop.is_set()
                    and not self._engine_failed()
                ):
                    await asyncio.sleep(0.01)
        return self.played
