"""The delivery engine: a durable outbox, retried, ordered per call, concurrent and limited.

Every (event, subscription) delivery is written to the profile before its first attempt
(its row's commit is awaited through the writer's commit callback); each attempt is
recorded when it ends. States: pending -> in_flight -> delivered | failed (attempts
exhausted) | cancelled, and paused while its endpoint is paused. On start, deliveries left
pending, in flight or paused are picked up again (at least once, never silently dropped).

Order: deliveries of one call to one subscriber URL form a lane; only a lane's head is sent,
so a later event waits while an earlier one is retrying. Concurrency: a fixed set of
workers (the global limit), each with its own HTTP client, and a per-endpoint (host:port)
limit on top.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import sqlite3
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pbxdesk.domain import (
    DeliveryState,
    EventData,
    EventType,
    FeedEvent,
    FeedEventType,
    HttpMethod,
    PbxDeskError,
    Subscription,
    SubscriptionScope,
)
from pbxdesk.domain.wire import FORM_CONTENT_TYPE, build_request, encode_fields
from pbxdesk.engine.clock import now_us
from pbxdesk.engine.latencies import LatencyWindow
from pbxdesk.engine.policy import POLICY_SETTING, DeliveryPolicy
from pbxdesk.engine.senders import AttemptOutcome, Sender, make_senders
from pbxdesk.store import outbox_store
from pbxdesk.store.committer import EVENT, Op, attempt_ended_row
from pbxdesk.store.outbox_store import OutboxStore
from pbxdesk.store.profile import Profile
from pbxdesk.store.writer import EVENT_SQL, BatchWriter, compact_json, event_row_deferred

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# Short names for the states, used all through the engine.
PENDING, IN_FLIGHT, DELIVERED, FAILED, CANCELLED, PAUSED = (
    DeliveryState.PENDING,
    DeliveryState.IN_FLIGHT,
    DeliveryState.DELIVERED,
    DeliveryState.FAILED,
    DeliveryState.CANCELLED,
    DeliveryState.PAUSED,
)
FLUSH_DELAY_S = 0.002  # how long recorded statements may wait before going to the writer
LATENCY_WINDOW = 100_000
MARK_SWEEP_S = 0.25  # an attempt running one to two periods is recorded as in flight
# Deliveries held in memory at most (with a profile). Beyond it, new deliveries are written to
# the outbox only and loaded back, in order, as room frees up: when deliveries fall behind
# (a burst, a slow subscriber) the backlog grows in the profile, not in RAM.
MEMORY_WINDOW = 10_000
REFILL_FRACTION = 8

_FORM_HEADERS_JSON = json.dumps({"Content-Type": FORM_CONTENT_TYPE})


_response_headers_json: dict[tuple[tuple[str, str], ...], str] = {}


def _response_headers(headers: dict[str, str]) -> str:
    """A response's headers as JSON; a subscriber answers alike each time, so kept by value."""
    key = tuple(headers.items())
    text = _response_headers_json.get(key)
    if text is None:
        if len(_response_headers_json) >= 256:
            _response_headers_json.clear()
        text = _response_headers_json[key] = compact_json(headers)
    return text


def _headers_json(headers: dict[str, str]) -> str | None:
    if not headers:
        return None
    if headers.get("Content-Type") == FORM_CONTENT_TYPE and len(headers) == 1:
        return _FORM_HEADERS_JSON
    return json.dumps(headers)


_endpoints: dict[str, str] = {}
_known_urls: dict[str, str] = {}


TRIM_EVERY_S = 10.0
_trim: Callable[[int], int] | None = None
_trimmed_at = 0.0


def _give_back_memory() -> None:
    """Hand freed heap pages back to the system (glibc only), at most every TRIM_EVERY_S.

    Under a backlog the window is refilled every few seconds: rows read in a worker thread,
    deliveries built from them, sent and freed. glibc keeps what was freed in its heaps (one
    per thread that allocated) and RSS crept up some tens of MB an hour (bench/overload.py)
    with Python's own allocations flat (tracemalloc). malloc_trim returns the free pages.
    """
    global _trim, _trimmed_at
    now = time.monotonic()
    if now - _trimmed_at < TRIM_EVERY_S:
        return
    _trimmed_at = now
    if _trim is None:
        try:
            import ctypes
            import ctypes.util

            name = ctypes.util.find_library("c")
            _trim = ctypes.CDLL(name).malloc_trim if name else (lambda _pad: 0)
        except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to do
            _trim = lambda _pad: 0  # noqa: E731
    _trim(0)


def endpoint_of(url: str) -> str:
    """``host:port`` of a URL (kept per URL: the same few subscriber URLs come back all the time)."""
    endpoint = _endpoints.get(url)
    if endpoint is None:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if len(_endpoints) >= 1024:
            _endpoints.clear()
        endpoint = _endpoints[url] = f"{parts.hostname}:{port}"
    return endpoint


@dataclass(slots=True, eq=False)
class Delivery:
    id: int
    event_id: int
    subscription_id: int | None
    method: HttpMethod
    url: str  # the subscription's URL (or a target); the event's fields are added when sent
    fields: dict[str, str] | str  # the event's fields, or their JSON as stored (parsed when sent)
    call_id: str | None  # None: a status event (no call)
    endpoint: str
    ordered: bool
    created_at: int
    attempts: int = 0
    state: DeliveryState = PENDING
    redelivery_of: int | None = None
    next_attempt_at: int | None = None
    timer: asyncio.TimerHandle | None = None
    encoded: str | None = None  # the fields, form-encoded once for every attempt
    lane_key: tuple[str, str | None] | None = None  # set by __post_init__

    def __post_init__(self) -> None:
        # Per subscriber URL, not per subscription: a subscription is one event type, so a
        # call's dial-in, answer and hangup to one URL come through three of them.
        self.lane_key = (self.url, self.call_id) if self.ordered else None


@dataclass(slots=True)
class DeliveryResult:
    """One attempt's outcome, as listeners (timeline, progress, CLI summary) see it."""

    id: int  # the delivery's id
    event_id: int
    subscription_id: int | None
    method: str
    url: str  # the full request URL
    state: DeliveryState
    attempt: int
    status_code: int | None
    error: str | None
    latency_ms: float
    started_at: int
    finished_at: int
    next_attempt_at: int | None = None
    created_at: int = 0  # when the delivery was queued (the event's arrival)

    @property
    def ok(self) -> bool:
        return self.state == DELIVERED

    @property
    def final(self) -> bool:
        return self.state in (DELIVERED, FAILED, CANCELLED)

    @property
    def outcome(self) -> str:
        """Short text for a user: ``200``, ``503``, ``timeout``..."""
        if self.status_code is not None:
            return str(self.status_code)
        return self.error or self.state


@dataclass(slots=True)
class EngineStats:
    events: int = 0
    deliveries: int = 0
    delivered: int = 0
    failed: int = 0
    cancelled: int = 0
    attempts: int = 0
    retries_scheduled: int = 0
    # The latest attempts' latencies (a run's percentiles): bounded, a GUI session runs for days.
    latencies_ms: LatencyWindow = field(default_factory=lambda: LatencyWindow(LATENCY_WINDOW))


DeliveryListener = Callable[[DeliveryResult], None]
EventListener = Callable[[int, EventData | FeedEvent], None]
FailureListener = Callable[[str], None]  # why the writer failed for good


class DeliveryEngine:
    def __init__(
        self,
        subscriptions: Iterable[Subscription],
        *,
        policy: DeliveryPolicy | None = None,
        writer: BatchWriter | None = None,
        profile_path: Path | None = None,
        names: dict[int, str] | None = None,
        target_url: str | None = None,
        first_event_id: int = 1,
        first_delivery_id: int = 1,
        on_event: EventListener | None = None,
        on_delivery: DeliveryListener | None = None,
        rng: random.Random | None = None,
        memory_window: int = MEMORY_WINDOW,
        on_failure: FailureListener | None = None,
    ) -> None:
        self.policy = policy or DeliveryPolicy()
        self.memory_window = memory_window
        # In memory, the backlog is loaded below this, REFILL_FRACTION of the window at a time:
        # what is in memory stays within an eighth of the window (it swung by half, and RSS
        # with it, when half the window was read at once).
        self._refill_at = memory_window - max(1, memory_window // REFILL_FRACTION)
        self.writer = writer
        self.profile_path = profile_path
        self.names = names or {}
        self.target_url = target_url
        self.on_event = on_event
        self.on_delivery = on_delivery
        # Called once, on the loop, when the writer fails for good (``failure`` set): no attempt
        # starts from then on and open deliveries stay in the outbox. The app shows a banner.
        self.on_failure = on_failure
        self.rng = rng or random.Random()
        self.stats = EngineStats()
        self._subs: dict[tuple[int, EventType | FeedEventType], list[Subscription]] = defaultdict(list)
        # Global (`phone_events`) subscriptions: the event type on every phone extension.
        self._phone_subs: dict[EventType | FeedEventType, list[Subscription]] = defaultdict(list)
        self.phone_ids: frozenset[int] = frozenset()  # the phone extensions global ones cover
        self.set_subscriptions(subscriptions)
        self._next_event_id = first_event_id
        self._next_delivery_id = first_delivery_id
        self._open: dict[int, Delivery] = {}
        # The backlog: deliveries from this id up to the next one to be made are in the outbox
        # only (every delivery made while there is a backlog joins it, so order holds). None:
        # no backlog, every open delivery is in memory.
        self._backlog_from: int | None = None
        self._backlog_n = 0  # how many open deliveries the backlog holds
        self._refilling = False
        # A call's deliveries to one URL, in order. A list, not a deque: a lane holds a few
        # deliveries, and an empty deque costs 600 bytes, a list 56 (a lane per call in memory).
        self._lanes: dict[tuple[str, str | None], list[Delivery]] = {}
        self._ready: asyncio.Queue[Delivery] = asyncio.Queue()
        self._ep_active: dict[str, int] = defaultdict(int)
        self._ep_waiting: dict[str, deque[Delivery]] = defaultdict(deque)
        self._ep_exhausted: dict[str, int] = defaultdict(int)
        self.paused_endpoints: dict[str, str] = {}
        self._paused: dict[str, list[Delivery]] = defaultdict(list)
        self._awaiting_commit: list[Delivery] = []
        # Statements for the writer, handed over every FLUSH_DELAY_S (or with a commit the
        # outbox waits for): each hand-over wakes the writer thread, a GIL round trip.
        self._ops: list[Op] = []
        self._flush_due = False
        # delivery id -> (its attempt under way, the sweep it started in)
        self._in_flight_marks: dict[int, tuple[int, int]] = {}
        self._sweep_no = 0
        self._sweep_due = False
        self._workers: list[asyncio.Task[None]] = []
        self._senders: list[Sender] = []
        self._generation = 0  # of workers: apply_policy starts a new one, the old retires
        self._busy: set[asyncio.Task[Any]] = set()  # workers with an attempt under way
        self._retiring: list[asyncio.Task[None]] = []  # closing the old generation's clients
        self._old_workers: list[asyncio.Task[None]] = []
        self._idle = asyncio.Event()
        self._idle.set()
        self._loop: asyncio.AbstractEventLoop | None = None
        # Open while the writer takes attempts' records: no attempt starts that could not be
        # recorded. Closed the moment the writer process dies (until it is replaced), and for
        # good when the writer fails (``failure`` says why).
        self._writer_ok = asyncio.Event()
        self._writer_ok.set()
        self.failure: str | None = None

    # -- configuration --------------------------------------------------------------------------
    def set_subscriptions(self, subscriptions: Iterable[Subscription], phone_ids: Iterable[int] = ()) -> None:
        """The subscriptions to deliver to; ``phone_ids``: the PBX's phone extensions, which
        the global (scope PHONES) ones cover."""
        self._subs.clear()
        self._phone_subs.clear()
        self.phone_ids = frozenset(phone_ids)
        for sub in subscriptions:
            if sub.scope is SubscriptionScope.PHONES:
                self._phone_subs[sub.event_type].append(sub)
            else:  # an extension's, or an agent's (keyed by the agent's phone: its own types)
                self._subs[(sub.extension_id, sub.event_type)].append(sub)

    def matching(self, ev: EventData | FeedEvent) -> list[Subscription]:
        subs = self._subs.get((ev.extension_id, ev.event_type), [])
        if self._phone_subs and ev.extension_id in self.phone_ids:
            subs = [*subs, *self._phone_subs.get(ev.event_type, ())]
        return subs

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self, *, resume: bool = True) -> int:
        """Start the workers; with ``resume``, pick up deliveries the profile left open."""
        self._loop = asyncio.get_running_loop()
        if self.writer is not None:
            loop = self._loop

            def changed() -> None:  # from a writer thread
                loop.call_soon_threadsafe(self._writer_changed)

            self.writer.watch(changed)
        self._start_workers()
        if resume and self.profile_path is not None:
            return await self._resume()
        return 0

    def _writer_changed(self) -> None:
        """The writer became unable to take records, able again, or failed (on the loop)."""
        writer = self.writer
        if writer is None or self.failure is not None:
            return
        if writer.error is not None:
            self.failure = str(writer.error)
            self._writer_ok.clear()
            self._idle.set()  # wait_idle returns and says so
            log.error("no more attempts: the profile's writer failed (%s)", writer.error)
            if self.on_failure is not None:
                try:
                    self.on_failure(self.failure)
                except Exception:  # a listener's bug must not hide the failure itself
                    log.exception("writer failure listener failed")
        elif writer.healthy:
            if not self._writer_ok.is_set():
                log.info("the profile's writer is back; attempts go on")
            self._writer_ok.set()
        else:
            if self._writer_ok.is_set():
                log.warning("attempts held: the profile's writer stopped (%s)", writer.trouble)
            self._writer_ok.clear()

    def _start_workers(self) -> None:
        self._generation += 1
        gen = self._generation
        self._senders = make_senders(self.policy, self.policy.max_concurrency)
        self._workers = [
            asyncio.create_task(self._worker(sender, gen), name=f"delivery-worker-{gen}.{i}")
            for i, sender in enumerate(self._senders)
        ]

    def apply_policy(self, policy: DeliveryPolicy) -> None:
        """Deliver under ``policy`` from now on (Preferences, while the engine runs).

        New workers and HTTP clients take the new timeout, client, redirect rule and limits at
        once; an attempt under way ends under the old ones, then its worker retires. Retries
        scheduled from now on follow the new schedule (those already due keep their time).
        """
        self.policy = policy
        if not self._workers:  # not started: start() uses it
            return
        old_workers, old_senders = self._workers, self._senders
        self._start_workers()
        for task in old_workers:
            if task not in self._busy:
                task.cancel()  # waiting for work: no delivery in hand (Queue.get keeps items)
        for waiting in self._ep_waiting.values():  # a new per-host limit: workers check again
            while waiting:
                self._ready.put_nowait(waiting.popleft())
        self._old_workers.extend(old_workers)

        async def retire() -> None:
            await asyncio.gather(*old_workers, return_exceptions=True)
            for sender in {id(s): s for s in old_senders}.values():
                await sender.aclose()

        self._retiring.append(asyncio.create_task(retire()))
        log.info("delivery policy applied: %s", policy.to_json())

    async def stop(self) -> None:
        self._sweep_marks(everything=True)
        self._flush_ops()
        for d in self._open.values():
            if d.timer is not None:
                d.timer.cancel()
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers.clear()
        if self._retiring:
            for task in self._old_workers:
                task.cancel()
            await asyncio.gather(*self._retiring, return_exceptions=True)
            self._retiring.clear()
            self._old_workers.clear()
        for sender in {id(s): s for s in self._senders}.values():
            await sender.aclose()
        self._senders.clear()

    @property
    def open_count(self) -> int:
        """Open deliveries: in memory, and waiting in the outbox for room (``backlog``)."""
        return len(self._open) + self.backlog

    @property
    def backlog(self) -> int:
        """Deliveries waiting in the outbox (not in memory) until the window has room."""
        return 0 if self._backlog_from is None else self._backlog_n

    def retrying(self) -> list[Delivery]:
        return [d for d in self._open.values() if d.attempts > 0 and d.state == PENDING]

    async def wait_idle(self, timeout: float | None = None, *, until_due_within: float | None = None) -> bool:
        """Wait until no delivery is open (True), or ``timeout`` passes (False).

        ``until_due_within``: stop waiting as soon as every open delivery is a retry due later
        than that many seconds from now (a CLI run does not wait hours for a retry).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        self._flush_ops()  # what is recorded so far goes to the writer now, not in a moment
        while self._open or self._backlog_from is not None:
            if self.failure is not None or (self.writer is not None and self.writer.error is not None):
                self._writer_changed()
                return False
            if until_due_within is not None and self._only_distant_retries(until_due_within):
                return False
            remaining = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
            if remaining <= 0:
                return False
            self._idle.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), remaining)
        self._flush_ops()
        return True

    def _only_distant_retries(self, horizon_s: float) -> bool:
        limit = now_us() + int(horizon_s * 1_000_000)
        for d in self._open.values():
            if d.state == PAUSED:
                continue
            key = d.lane_key
            lane = self._lanes.get(key) if key is not None else None
            if lane and lane[0] is not d:
                continue  # waits behind its call's earlier delivery
            if d.next_attempt_at is None or d.next_attempt_at <= limit:
                return False
        if self._backlog_from is not None:  # due now, if the window has room for them
            if self._refilling:
                return False
            if self._in_window() < self.memory_window:
                self._refilling = True
                self._loop_or_running().create_task(self._refill(min_room=1))
                return False
        return True

    # -- intake ---------------------------------------------------------------------------------
    def submit(self, ev: EventData | FeedEvent, *, source: str = "sim") -> int:
        """Record ``ev`` and queue one delivery per matching subscription; returns its event id."""
        event_id = self._next_event_id
        self._next_event_id += 1
        self.stats.events += 1
        fields = ev.to_fields()
        if self.writer is not None:
            name = self.names.get(ev.extension_id, "")
            self._write(EVENT, EVENT_SQL, event_row_deferred(event_id, ev, name, source, fields))
        if self.on_event is not None:
            self.on_event(event_id, ev)
        subs = self.matching(ev)
        if subs:
            for sub in subs:
                self._create(
                    event_id,
                    fields,
                    ev.call_id,
                    sub.method,
                    self.target_url or sub.url,
                    sub.id,
                    ordered=self.policy.ordered,
                )
        _give_back_memory()  # at most every TRIM_EVERY_S: a long session's freed pages go back
        return event_id

    def _create(
        self,
        event_id: int,
        fields: dict[str, str],
        call_id: str | None,  # None: a status event (no call)
        method: HttpMethod,
        url: str,
        subscription_id: int | None,
        *,
        ordered: bool,
        redelivery_of: int | None = None,
    ) -> Delivery:
        d = Delivery(
            id=self._next_delivery_id,
            event_id=event_id,
            subscription_id=subscription_id,
            method=method,
            url=url,
            fields=fields,
            call_id=call_id,
            endpoint=endpoint_of(url),
            ordered=ordered,
            created_at=now_us(),
            redelivery_of=redelivery_of,
        )
        self._next_delivery_id += 1
        self.stats.deliveries += 1
        self._idle.clear()
        if self.writer is None:
            self._open[d.id] = d
            self._enqueue(d)
            return d
        self._write(*outbox_store.new_delivery_op(
            (d.id, event_id, subscription_id, method.value, url, call_id, d.endpoint, int(ordered),
             d.created_at, redelivery_of),
        ))  # fmt: skip
        if self._backlog_from is not None or (
            len(self._open) >= self.memory_window and self._in_window() >= self.memory_window
        ):
            if self._backlog_from is None:  # the window is full: the outbox holds the rest
                self._backlog_from, self._backlog_n = d.id, 0
                log.info("delivery backlog: %d in memory, the rest wait in the outbox", len(self._open))
            self._backlog_n += 1
            return d
        self._open[d.id] = d
        if not self._awaiting_commit:
            self._loop_or_running().call_soon(self._request_commit)
        self._awaiting_commit.append(d)
        return d

    def _loop_or_running(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def _request_commit(self) -> None:
        batch, self._awaiting_commit = self._awaiting_commit, []
        if not batch or self.writer is None:
            return
        loop = self._loop_or_running()
        ops = self._take_ops()

        # Rows are durable once this commit is done; only then may their first attempt start.
        def committed() -> None:  # from a writer thread
            loop.call_soon_threadsafe(self._committed, batch)

        self.writer.execute_all(ops, then=committed)

    def _committed(self, batch: list[Delivery]) -> None:
        for d in batch:
            if d.state == PENDING:
                self._enqueue(d)

    def _enqueue(self, d: Delivery) -> None:
        key = d.lane_key
        if key is None:
            self._make_ready(d)
            return
        lane = self._lanes.get(key)
        if lane is None:
            self._lanes[key] = [d]
            self._make_ready(d)
        else:
            lane.append(d)  # waits for the call's earlier deliveries to this subscription

    def _make_ready(self, d: Delivery) -> None:
        if d.endpoint in self.paused_endpoints:
            self._park(d)
            return
        delay = 0.0
        if d.next_attempt_at is not None:
            delay = (d.next_attempt_at - now_us()) / 1_000_000
        if delay > 0:
            d.timer = self._loop_or_running().call_later(delay, self._due, d)
        else:
            self._ready.put_nowait(d)

    def _due(self, d: Delivery) -> None:
        d.timer = None
        if d.state != PENDING:
            return
        if d.endpoint in self.paused_endpoints:
            self._park(d)
        else:
            self._ready.put_nowait(d)

    def _park(self, d: Delivery) -> None:
        d.state = PAUSED
        self._paused[d.endpoint].append(d)
        self._write(*outbox_store.set_state_op(d.id, PAUSED))
        if self._backlog_from is not None:
            self._maybe_refill()

    def _write(self, kind: int, sql: str, params: tuple[Any, ...]) -> None:
        if self.writer is None:
            return
        self._ops.append((kind, sql, params))
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_due:
            self._flush_due = True
            self._loop_or_running().call_later(FLUSH_DELAY_S, self._flush_timer)

    def _flush_timer(self) -> None:
        self._flush_due = False
        self._flush_ops()

    def _take_ops(self) -> list[Op]:
        ops, self._ops = self._ops, []
        return ops

    def _flush_ops(self) -> None:
        if self.writer is not None and self._ops:
            self.writer.execute_all(self._take_ops())

    def hand_over(self) -> None:
        """Give the writer every statement recorded so far now (they otherwise wait up to
        FLUSH_DELAY_S); ``writer.flush()`` after this makes them durable."""
        self._flush_ops()

    def _sweep_marks(self, *, everything: bool = False) -> None:
        """Write the in-flight marks of attempts running for a sweep period or more (all of
        them with ``everything``, on stop), after what is queued (the delivery's row and its
        earlier attempts' records come first)."""
        self._sweep_due = False
        marks = self._in_flight_marks
        old = [(d_id, n) for d_id, (n, sweep) in marks.items() if everything or sweep < self._sweep_no]
        for d_id, n in old:
            del marks[d_id]
            self._write(*outbox_store.mark_in_flight_op(d_id, n))
        self._sweep_no += 1
        if marks and not everything:
            self._sweep_due = True
            self._loop_or_running().call_later(MARK_SWEEP_S, self._sweep_marks)

    # -- sending ----------------------------------------------------------------------------------
    async def _worker(self, sender: Sender, generation: int) -> None:
        me = asyncio.current_task()
        assert me is not None
        while generation == self._generation:
            d = await self._ready.get()
            if not self._writer_ok.is_set():  # no attempt the writer could not record
                try:
                    await self._writer_ok.wait()
                except asyncio.CancelledError:  # stopped or retired: the delivery stays queued
                    self._ready.put_nowait(d)
                    raise
            if generation != self._generation:  # retired by apply_policy: a current worker takes it
                self._ready.put_nowait(d)
                return
            if d.state != PENDING:
                continue  # cancelled or paused while queued
            if d.endpoint in self.paused_endpoints:
                self._park(d)
                continue
            ep = d.endpoint
            if self._ep_active[ep] >= self.policy.per_endpoint:
                self._ep_waiting[ep].append(d)
                continue
            self._ep_active[ep] += 1
            self._busy.add(me)
            try:
                await self._attempt(d, sender)
            except Exception:  # a bug must not kill the worker; the delivery stays open
                log.exception("delivery %s: attempt crashed", d.id)
            finally:
                self._busy.discard(me)
                self._ep_active[ep] -= 1
                waiting = self._ep_waiting.get(ep)
                if waiting:
                    self._ready.put_nowait(waiting.popleft())

    async def _attempt(self, d: Delivery, sender: Sender) -> None:
        d.attempts += 1
        d.state = IN_FLIGHT
        self._mark_in_flight(d)
        if d.encoded is None:
            fields = d.fields
            d.encoded = encode_fields(json.loads(fields) if isinstance(fields, str) else fields)
        req = build_request(d.method, d.url, d.encoded)
        out = await sender.send(req)
        self.stats.attempts += 1
        self.stats.latencies_ms.append(out.latency_ms)
        if d.state == CANCELLED:  # cancelled while in flight: the answer is still recorded
            state = CANCELLED
        elif out.ok:
            state = DELIVERED
        elif d.attempts >= self.policy.max_attempts:
            state = FAILED
        else:
            state = PENDING
        next_at = None
        if state == PENDING:
            delay = self.policy.delay_before(d.attempts + 1, self.rng)
            if out.retry_after is not None:
                delay = out.retry_after
            next_at = now_us() + int(delay * 1_000_000)
            self.stats.retries_scheduled += 1
        d.state = state
        d.next_attempt_at = next_at
        self._record(d, req.headers, out)
        self._notify(d, req.url, out)
        if state == PENDING:
            self._make_ready(d)
        else:
            self._finish(d)
            self._count_endpoint(d)

    def _mark_in_flight(self, d: Delivery) -> None:
        """Record that attempt ``d.attempts`` has started, once it has run for a while.

        A mark per attempt was a fifth of the rows written under load, each overwritten
        moments later by the attempt's end. So the profile says "in flight" for an attempt
        running longer than one or two sweep periods (a slow or hanging subscriber, what a
        user watches), and for every attempt under way at a stop. An attempt killed younger
        than that leaves its delivery pending: it goes out again on the next start, as one in
        flight would (at least once either way).
        """
        if self.writer is None:
            return
        self._in_flight_marks[d.id] = (d.attempts, self._sweep_no)
        if not self._sweep_due:
            self._sweep_due = True
            self._loop_or_running().call_later(MARK_SWEEP_S, self._sweep_marks)

    def _record(self, d: Delivery, request_headers: dict[str, str], out: AttemptOutcome) -> None:
        if self.writer is None:
            return
        self._in_flight_marks.pop(d.id, None)
        self._write(
            *attempt_ended_row(
                d.id, d.attempts, out.started_at, out.finished_at, out.latency_ms, out.status_code,
                out.error, out.error_detail or None, _headers_json(request_headers),
                out.response_headers_json or _response_headers(out.response_headers), out.body,
                out.truncated, d.state.value, d.next_attempt_at,
            )
        )  # fmt: skip

    def _notify(self, d: Delivery, full_url: str, out: AttemptOutcome) -> None:
        if self.on_delivery is None:
            return
        self.on_delivery(
            DeliveryResult(
                id=d.id,
                event_id=d.event_id,
                subscription_id=d.subscription_id,
                method=d.method.value,
                url=full_url,
                state=d.state,
                attempt=d.attempts,
                status_code=out.status_code,
                error=out.error,
                latency_ms=out.latency_ms,
                started_at=out.started_at,
                finished_at=out.finished_at,
                next_attempt_at=d.next_attempt_at,
                created_at=d.created_at,
            )
        )

    def _finish(self, d: Delivery) -> None:
        """A final state: free the delivery's lane for the call's next event."""
        if d.state == DELIVERED:
            self.stats.delivered += 1
        elif d.state == FAILED:
            self.stats.failed += 1
        elif d.state == CANCELLED:
            self.stats.cancelled += 1
        self._open.pop(d.id, None)
        if self._backlog_from is not None:
            self._maybe_refill()
        key = d.lane_key
        lane = self._lanes.get(key) if key is not None else None
        if lane is not None and key is not None:
            if lane and lane[0] is d:
                del lane[0]
                if lane:
                    self._make_ready(lane[0])
            else:
                with contextlib.suppress(ValueError):
                    lane.remove(d)
            if not lane and key is not None:
                del self._lanes[key]
        if not self._open and self._backlog_from is None:
            self._idle.set()

    def _count_endpoint(self, d: Delivery) -> None:
        ep = d.endpoint
        if d.state == DELIVERED:
            self._ep_exhausted[ep] = 0
            return
        if d.state != FAILED:
            return
        self._ep_exhausted[ep] += 1
        n = self.policy.pause_after
        if n and self._ep_exhausted[ep] >= n and ep not in self.paused_endpoints:
            self.pause_endpoint(ep, f"paused automatically: {n} deliveries in a row failed every attempt")

    # -- manual control ---------------------------------------------------------------------------
    def pause_endpoint(self, endpoint: str, reason: str = "paused by the user") -> None:
        self.paused_endpoints[endpoint] = reason
        log.info("endpoint %s paused: %s", endpoint, reason)
        n, at = self._ep_exhausted[endpoint], now_us()
        op = outbox_store.endpoint_op(endpoint, paused=True, reason=reason, exhausted_in_row=n, at_us=at)
        self._write(*op)
        for d in list(self._ep_waiting.pop(endpoint, ())):
            self._park(d)

    def resume_endpoint(self, endpoint: str) -> int:
        """Resume an endpoint; returns how many parked deliveries go out again."""
        self.paused_endpoints.pop(endpoint, None)
        self._ep_exhausted[endpoint] = 0
        self._write(
            *outbox_store.endpoint_op(endpoint, paused=False, reason=None, exhausted_in_row=0, at_us=now_us())
        )
        parked = self._paused.pop(endpoint, [])
        for d in parked:
            if d.state == PAUSED:
                d.state = PENDING
                self._write(*outbox_store.set_state_op(d.id, PENDING))
                self._make_ready(d)
        return len(parked)

    def cancel(self, *, delivery_ids: Iterable[int] | None = None, endpoint: str | None = None) -> int:
        """Cancel open deliveries (not the attempt in flight); returns how many."""
        ids = set(delivery_ids) if delivery_ids is not None else None
        chosen = [
            d
            for d in list(self._open.values())
            if (ids is None or d.id in ids) and (endpoint is None or d.endpoint == endpoint)
        ]
        n = 0
        for d in chosen:
            if d.state == IN_FLIGHT:
                continue
            if d.timer is not None:
                d.timer.cancel()
                d.timer = None
            if d.state == PAUSED:
                parked = self._paused.get(d.endpoint, [])
                if d in parked:
                    parked.remove(d)
            d.state = CANCELLED
            self._write(*outbox_store.set_state_op(d.id, CANCELLED))
            self._finish(d)
            n += 1
        if self._backlog_from is not None:  # those waiting in the outbox too (committed before
            # the backlog's next read: its read flushes the writer first)
            self._write(*outbox_store.cancel_op(from_id=self._backlog_from, endpoint=endpoint, ids=ids))
        return n

    async def redeliver(self, delivery_id: int) -> int:
        """Send one delivery's event again to the same URL; returns the new delivery's id."""
        row = await self._read(lambda store: store.delivery_to_redeliver(delivery_id))
        if row is None:
            raise PbxDeskError(f"delivery #{delivery_id} is not in this profile")
        event_id, sub_id, method, url, call_id, data = row
        d = self._create(
            event_id, json.loads(data), call_id, HttpMethod(method), url, sub_id,
            ordered=False, redelivery_of=delivery_id,
        )  # fmt: skip
        return d.id

    async def replay_call(self, call_id: str) -> list[int]:
        """Send every event of a call again to the subscriptions that match it now, in order."""
        rows = await self._read(lambda store: store.call_events(call_id))
        if not rows:
            raise PbxDeskError(f"no events of call {call_id} in this profile")
        created = []
        for event_id, ext_id, event_type, data in rows:
            fields = json.loads(data)
            for sub in self._subs.get((ext_id, EventType(event_type)), []):
                d = self._create(event_id, fields, call_id, sub.method, self.target_url or sub.url, sub.id,
                                 ordered=True)  # fmt: skip
                created.append(d.id)
        return created

    async def send_to(self, event_ids: Iterable[int], url: str, method: HttpMethod) -> list[int]:
        """Send events (e.g. all of a call) to another URL, in order."""
        created = []
        for event_id in event_ids:
            row = await self._read(partial(OutboxStore.event, event_id=event_id))
            if row is None:
                raise PbxDeskError(f"event #{event_id} is not in this profile")
            d = self._create(event_id, json.loads(row[1]), row[0], method, url, None, ordered=True)
            created.append(d.id)
        return created

    # -- reading the profile ------------------------------------------------------------------------
    def _reader(self) -> sqlite3.Connection:
        if self.profile_path is None:
            raise PbxDeskError("this run keeps no profile, so past deliveries cannot be read")
        return sqlite3.connect(self.profile_path, timeout=5.0)

    async def _read(self, query: Callable[[OutboxStore], _T]) -> _T:
        """``query`` on the outbox, in a thread, once all recorded so far is committed."""
        if self.writer is not None:
            self._flush_ops()
            await asyncio.to_thread(self.writer.flush)

        def read() -> _T:
            conn = self._reader()
            try:
                return query(OutboxStore(conn))
            finally:
                conn.close()

        return await asyncio.to_thread(read)

    def _take_in(self, r: tuple[Any, ...]) -> None:
        """An open delivery read from the outbox, into memory and its lane. Its fields stay JSON
        text until it is sent (one string, not a dict of them), and its URL and endpoint
        are the texts already in memory for that URL (a few subscribers, thousands of rows)."""
        url = _known_urls.setdefault(r[4], r[4]) if len(_known_urls) < 1024 else r[4]
        d = Delivery(
            id=r[0], event_id=r[1], subscription_id=r[2], method=HttpMethod(r[3]), url=url,
            fields=r[12], call_id=r[5] or "", endpoint=endpoint_of(url),
            ordered=bool(r[7]), created_at=r[9] or now_us(), attempts=r[8] or 0,
            redelivery_of=r[10], next_attempt_at=r[11],
        )  # fmt: skip
        self._open[d.id] = d
        self._idle.clear()
        self._enqueue(d)

    def _in_window(self) -> int:
        """Deliveries that count against the memory window: those of a paused endpoint do not
        (else a paused endpoint with a large backlog would hold every other one up)."""
        n = len(self._open)
        if self._paused:
            n -= sum(len(parked) for parked in self._paused.values())
        return n

    def _maybe_refill(self) -> None:
        if not self._refilling and self._in_window() <= self._refill_at:
            self._refilling = True
            self._loop_or_running().create_task(self._refill())

    async def _refill(self, min_room: int = 0) -> None:
        """Load the backlog's next deliveries from the outbox, in id order, while there is room
        (reads of at least ``min_room``, by default 1/REFILL_FRACTION of the window)."""
        min_room = min_room or max(1, self.memory_window // REFILL_FRACTION)
        try:
            while self._backlog_from is not None and self.failure is None:
                room = self.memory_window - self._in_window()
                if room < min_room:
                    return  # _finish starts another refill when more room frees up
                start, upto = self._backlog_from, self._next_delivery_id
                take = partial(OutboxStore.open_rows, limit=room, from_id=start, below_id=upto)
                rows = await self._read(take)
                for r in rows:
                    self._take_in(r)
                # Everything below ``upto`` was committed before the read: what it did not
                # return (cancelled meanwhile, or beyond the limit) is settled or comes next.
                nxt = rows[-1][0] + 1 if len(rows) == room else upto
                if nxt >= self._next_delivery_id:
                    self._backlog_from, self._backlog_n = None, 0
                    break
                stored = await self._read(partial(OutboxStore.count_open, from_id=nxt, below_id=upto))
                self._backlog_from = nxt
                self._backlog_n = int(stored) + (self._next_delivery_id - upto)
            _give_back_memory()
            if self._backlog_from is None:
                log.info("delivery backlog loaded: every open delivery is in memory again")
                if not self._open:
                    self._idle.set()
        except Exception:  # the backlog stays in the outbox: the next start sends it
            log.exception("loading the delivery backlog failed")
        finally:
            self._refilling = False

    async def _resume(self) -> int:
        """Queue again what the profile left open: pending, in flight (at least once) or paused."""
        for endpoint, reason in await self._read(OutboxStore.paused_endpoints):
            self.paused_endpoints[endpoint] = reason
        n_open = await self._read(OutboxStore.count_open)
        rows = await self._read(lambda store: store.open_rows(self.memory_window))
        for r in rows:
            self._take_in(r)
        if n_open > len(rows):  # the rest waits in the outbox, loaded as room frees up
            self._backlog_from, self._backlog_n = rows[-1][0] + 1, n_open - len(rows)
            self._next_delivery_id = max(self._next_delivery_id, self._backlog_from)
        if rows:
            log.info("resumed %d open deliveries (%d in memory)", n_open, len(rows))
        return int(n_open)


def engine_for_profile(
    profile: Profile,
    writer: BatchWriter,
    *,
    subscriptions: Iterable[Subscription] | None = None,
    policy: DeliveryPolicy | None = None,
    on_event: EventListener | None = None,
    on_delivery: DeliveryListener | None = None,
    on_failure: FailureListener | None = None,
) -> DeliveryEngine:
    """A delivery engine recording into ``profile``: its policy, names and next ids."""
    ev_max, dl_max = profile.max_ids()
    return DeliveryEngine(
        profile.subscriptions() if subscriptions is None else subscriptions,
        policy=policy or DeliveryPolicy.from_json(profile.get_setting(POLICY_SETTING)),
        writer=writer,
        profile_path=profile.path,
        names={e.id: e.name for e in profile.extensions()},
        first_event_id=ev_max + 1,
        first_delivery_id=dl_max + 1,
        on_event=on_event,
        on_delivery=on_delivery,
        on_failure=on_failure,
    )
