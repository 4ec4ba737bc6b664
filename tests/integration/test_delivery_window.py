"""The engine keeps at most ``memory_window`` deliveries in memory; the rest wait in the
outbox (the profile) and are loaded back in order as room frees up: each delivered once,
a call's events still in order, nothing lost, with a real profile and a real subscriber."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict

from pbxdesk.domain import EventType, HttpMethod, Subscription

TYPES = ("dial-in", "answer", "hangup")
WINDOW = 60
STATES = "SELECT state, COUNT(*) FROM deliveries GROUP BY state"


def _subs(url: str) -> list[Subscription]:
    return [Subscription(175, EventType(t), HttpMethod.GET, url, id=i) for i, t in enumerate(TYPES, 1)]


def _check_each_once_in_order(requests: list, calls: int) -> None:
    seen = Counter((dict(r.query)["CallID"], dict(r.query)["EventType"]) for r in requests)
    assert len(seen) == calls * 3 and set(seen.values()) == {1}
    order: dict[str, list[str]] = defaultdict(list)
    for r in requests:
        q = dict(r.query)
        order[q["CallID"]].append(q["EventType"])
    assert all(types == list(TYPES) for types in order.values())


async def test_a_burst_beyond_the_window_waits_in_the_outbox_and_goes_out_in_order(
    recorder, outbox, call_events
) -> None:
    recorder.respond = lambda _r: (200, b"ok\n", 0.005)
    box = await outbox(_subs(f"{recorder.base_url}/hook"), memory_window=WINDOW)
    engine = box.engine
    peak = 0

    def sample(_result: object) -> None:
        nonlocal peak
        peak = max(peak, len(engine._open))

    box.engine.on_delivery = sample
    calls = 300
    for n in range(calls):
        for ev in call_events(f"c-{n:03}"):
            engine.submit(ev)
    assert engine.backlog > 0 and engine.open_count == calls * 3
    assert len(engine._open) <= WINDOW
    assert await box.settle(60)
    assert engine.open_count == 0 and engine.backlog == 0
    assert peak <= WINDOW
    _check_each_once_in_order(recorder.requests, calls)
    assert await box.rows(STATES) == [("delivered", calls * 3)]


async def test_a_resumed_outbox_larger_than_the_window_is_loaded_as_room_frees_up(
    recorder, outbox, call_events
) -> None:
    recorder.respond = lambda _r: (503, b"not now\n", 0.0)
    url = f"{recorder.base_url}/hook"
    first = await outbox(_subs(url), memory_window=10_000)
    calls = 120
    first.engine.pause_endpoint(f"127.0.0.1:{recorder.port}")  # everything waits, paused
    for n in range(calls):
        for ev in call_events(f"r-{n:03}"):
            first.engine.submit(ev)
    await asyncio.sleep(0.2)
    await first.close()
    waiting = "SELECT COUNT(*) FROM deliveries WHERE state IN ('pending', 'paused')"
    assert await first.rows(waiting) == [(calls * 3,)]

    recorder.respond = lambda _r: (200, b"ok\n", 0.0)
    again = await outbox(_subs(url), path=first.path, resume=True, memory_window=WINDOW)
    assert again.engine.open_count == calls * 3 and len(again.engine._open) <= WINDOW
    again.engine.resume_endpoint(f"127.0.0.1:{recorder.port}")
    assert await again.settle(60)
    _check_each_once_in_order(recorder.requests, calls)
    assert await again.rows(STATES) == [("delivered", calls * 3)]


async def test_cancelling_an_endpoint_cancels_what_waits_in_the_outbox_too(
    recorder, outbox, call_events
) -> None:
    recorder.respond = lambda _r: (200, b"ok\n", 0.05)
    box = await outbox(_subs(f"{recorder.base_url}/hook"), memory_window=WINDOW)
    for n in range(100):
        for ev in call_events(f"x-{n:03}"):
            box.engine.submit(ev)
    assert box.engine.backlog > 0
    box.engine.cancel(endpoint=f"127.0.0.1:{recorder.port}")
    assert await box.settle(30)
    states = dict(await box.rows(STATES))
    assert states.get("cancelled", 0) >= 300 - WINDOW - len(recorder.requests)
    assert sum(states.values()) == 300 and set(states) <= {"cancelled", "delivered"}
    assert len(recorder.requests) <= WINDOW + 8


async def test_a_run_does_not_wait_on_a_backlog_behind_a_window_of_distant_retries(
    recorder, outbox, call_events
) -> None:
    """The window is full of retries due in an hour: wait_idle(until_due_within) returns and the
    backlog stays in the outbox (a run reports it as still open), instead of waiting forever."""
    recorder.respond = lambda _r: (503, b"down\n", 0.0)
    box = await outbox(_subs(f"{recorder.base_url}/hook"), schedule=(0.0, 3600.0), memory_window=WINDOW)
    for n in range(40):
        for ev in call_events(f"d-{n:03}", types=("dial-in",)):
            box.engine.submit(ev)
    assert box.engine.backlog == 0
    assert not await box.settle(10, until_due_within=30)  # every one now retries in an hour
    for n in range(40, 100):  # the window fills with them; 40 more wait in the outbox
        for ev in call_events(f"d-{n:03}", types=("dial-in",)):
            box.engine.submit(ev)
    assert not await asyncio.wait_for(box.engine.wait_idle(until_due_within=30), 20)
    assert box.engine.open_count == 100
    assert len(recorder.requests) == WINDOW  # one attempt each for those let in, no more
