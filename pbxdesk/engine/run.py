"""A run of the engine: a stream of call plans -> simulated events -> deliveries -> history."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pbxdesk.domain import EventData, Extension
from pbxdesk.engine.dispatcher import DeliveryResult, Dispatcher
from pbxdesk.engine.simulator import US, CallSimulator, Plan
from pbxdesk.store.writer import BatchWriter, event_row

EventListener = Callable[[int, EventData], None]
DeliveryListener = Callable[[DeliveryResult], None]


@dataclass(slots=True)
class RunSummary:
    events: int = 0
    deliveries: int = 0
    delivered: int = 0
    failed: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, result: DeliveryResult) -> None:
        self.deliveries += 1
        if result.ok:
            self.delivered += 1
        else:
            self.failed += 1
        self.latencies_ms.append(result.latency_ms)

    def percentile(self, q: float) -> float | None:
        if not self.latencies_ms:
            return None
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return round(cuts[int(q) - 1], 3)

    def as_dict(self) -> dict[str, object]:
        return {
            "events": self.events,
            "deliveries": self.deliveries,
            "delivered": self.delivered,
            "failed": self.failed,
            "latency_p50_ms": self.percentile(50),
            "latency_p95_ms": self.percentile(95),
        }


def event_stream(sim: CallSimulator, plans: Iterable[Plan], base_us: int) -> Iterator[EventData]:
    """Events of ``plans`` (sorted by ``at``) in time order, holding only the calls under way."""
    heap: list[tuple[int, int, EventData]] = []
    seq = itertools.count()
    pending = iter(plans)
    nxt = next(pending, None)
    while heap or nxt is not None:
        while nxt is not None and (not heap or base_us + int(nxt.at * US) <= heap[0][0]):
            for ev in sim.simulate(nxt, base_us + int(nxt.at * US)):
                heapq.heappush(heap, (ev.event_time, next(seq), ev))
            nxt = next(pending, None)
        if not heap:  # the last plans gave no events (e.g. a call between two outside numbers)
            break
        yield heapq.heappop(heap)[2]


class EngineRun:
    """Plays events in real time (or at once with ``instant``), delivering each in call order."""

    def __init__(
        self,
        events: Iterable[EventData],
        dispatcher: Dispatcher,
        extensions: Iterable[Extension],
        *,
        base_us: int,
        writer: BatchWriter | None = None,
        first_event_id: int = 1,
        instant: bool = False,
        speed: float = 1.0,
        source: str = "sim",
        on_event: EventListener | None = None,
        on_delivery: DeliveryListener | None = None,
    ) -> None:
        self.events = events
        self.dispatcher = dispatcher
        self.names = {e.id: e.name for e in extensions}
        self.base_us = base_us
        self.writer = writer
        self.next_event_id = first_event_id
        self.instant = instant
        self.speed = speed
        self.source = source
        self.on_event = on_event
        self.on_delivery = on_delivery
        self.summary = RunSummary()
        self._stop = asyncio.Event()
        self._running = asyncio.Event()
        self._running.set()
        self._tail: dict[str, asyncio.Task[None]] = {}  # last delivery task of each call
        self._tasks: set[asyncio.Task[None]] = set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    def pause(self, paused: bool) -> None:
        if paused:
            self._running.clear()
        else:
            self._running.set()

    async def _wait_until(self, loop: asyncio.AbstractEventLoop, start: float, ev: EventData) -> None:
        due = start + (ev.event_time - self.base_us) / US / self.speed
        delay = due - loop.time()
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)

    async def run(self) -> RunSummary:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for ev in self.events:
            if not self.instant:
                await self._wait_until(loop, start, ev)
            if not self._running.is_set():
                paused_at = loop.time()
                await self._running.wait()
                start += loop.time() - paused_at
            if self._stop.is_set():
                break
            self._emit(ev)
            if self.instant and len(self._tasks) > 2048:
                await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            elif self.instant and self.summary.events % 256 == 0:
                await asyncio.sleep(0)  # let deliveries progress
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.writer is not None:
            await asyncio.to_thread(self.writer.flush)
        return self.summary

    def _emit(self, ev: EventData) -> None:
        event_id = self.next_event_id
        self.next_event_id += 1
        self.summary.events += 1
        if self.writer is not None:
            self.writer.add_event(event_row(event_id, ev, self.names.get(ev.extension_id, ""), self.source))
        if self.on_event is not None:
            self.on_event(event_id, ev)
        if not self.dispatcher.matching(ev):
            return
        previous = self._tail.get(ev.call_id)
        task = asyncio.ensure_future(self._deliver_after(previous, event_id, ev))
        self._tail[ev.call_id] = task
        self._tasks.add(task)
        task.add_done_callback(lambda t, cid=ev.call_id: self._done(t, cid))

    def _done(self, task: asyncio.Task[None], call_id: str) -> None:
        self._tasks.discard(task)
        if self._tail.get(call_id) is task:
            del self._tail[call_id]

    async def _deliver_after(self, previous: asyncio.Task[None] | None, event_id: int, ev: EventData) -> None:
        # A handler expects a call's events in order: wait for the call's previous delivery.
        if previous is not None:
            await asyncio.wait([previous])
        for result in await self.dispatcher.deliver(event_id, ev):
            self.summary.add(result)
            if self.writer is not None:
                self.writer.add_delivery(result.row())
            if self.on_delivery is not None:
                self.on_delivery(result)


def now_us() -> int:
    return time.time_ns() // 1000
