"""Steering deliveries by hand, and the engine pausing an endpoint by itself.

Redeliver one delivery, replay a call, send events elsewhere, cancel, pause and resume an
endpoint, auto-pause after N exhausted deliveries in a row: each against real loopback
servers and a real profile, checked on the wire and in the profile's rows.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from urllib.parse import parse_qsl

import pytest
from fixtures.waiting import marker_passes, until

from pbxdesk.domain import EventType, HttpMethod, PbxDeskError, Subscription

TYPES = ("dial-in", "answer", "hangup")


def _subs(url: str, types=TYPES) -> list[Subscription]:
    return [Subscription(175, EventType(t), HttpMethod.GET, url, id=i) for i, t in enumerate(types, 1)]


def _two_endpoints(recorder, receiver) -> list[Subscription]:
    """Hangups to two subscribers on two endpoints (host:port)."""
    return [
        Subscription(175, EventType.HANGUP, HttpMethod.GET, f"{server.base_url}/hook", id=i)
        for i, server in enumerate((recorder, receiver), 1)
    ]


def _seen(recorder, path: str = "/hook") -> list[tuple[str, str]]:
    """(CallID, EventType) of each request to ``path``, in arrival order."""
    out = []
    for r in recorder.requests:
        if r.path == path:
            fields = dict(r.query) if r.method == "GET" else dict(parse_qsl(r.body.decode()))
            out.append((fields["CallID"], fields["EventType"]))
    return out


# -- redeliver, replay, send elsewhere ---------------------------------------------------------


async def test_redeliver_one_delivery(recorder, outbox, call_events) -> None:
    url = f"{recorder.base_url}/hook?myid=175"
    box = await outbox(_subs(url))
    for ev in call_events("c-1"):
        box.engine.submit(ev)
    assert await box.settle()
    first_answer = recorder.requests[1]

    new_id = await box.engine.redeliver(2)
    assert new_id == 4
    assert await box.settle()
    assert _seen(recorder) == [("c-1", "dial-in"), ("c-1", "answer"), ("c-1", "hangup"), ("c-1", "answer")]
    assert recorder.requests[3].path_qs == first_answer.path_qs  # the same request, byte for byte
    rows = await box.rows(
        "SELECT id, event_id, subscription_id, method, url, state, attempts, redelivery_of, ordered "
        "FROM deliveries ORDER BY id"
    )
    assert rows[3] == (4, 2, 2, "GET", url, "delivered", 1, 2, 0)
    assert rows[1][5:8] == ("delivered", 1, None)  # the original is left as it was
    assert await box.rows("SELECT delivery_id, n, status_code FROM attempts WHERE delivery_id = 4") == [
        (4, 1, 200)
    ]
    with pytest.raises(PbxDeskError, match="#99"):
        await box.engine.redeliver(99)


async def test_redeliver_a_failed_delivery_once_the_subscriber_is_fixed(
    recorder, outbox, call_events
) -> None:
    broken = True
    recorder.respond = lambda _r: (500, b"bug\n", 0.0) if broken else (200, b"fixed\n", 0.0)
    box = await outbox(_subs(f"{recorder.base_url}/hook", types=("hangup",)))
    box.engine.submit(call_events("c-1", types=("hangup",))[0])
    assert await box.settle()
    assert await box.rows("SELECT state, attempts FROM deliveries") == [("failed", 3)]
    broken = False
    await box.engine.redeliver(1)
    assert await box.settle()
    assert await box.rows("SELECT id, state, status_code, response_body, redelivery_of FROM deliveries") == [
        (1, "failed", 500, "bug\n", None),
        (2, "delivered", 200, "fixed\n", 1),
    ]


async def test_replay_a_call_sends_its_events_again_in_order(recorder, outbox, call_events) -> None:
    box = await outbox(_subs(f"{recorder.base_url}/hook?myid=175"))
    for ev in [*call_events("c-1"), *call_events("c-2")]:
        box.engine.submit(ev)
    assert await box.settle()
    before = len(recorder.requests)
    # On the replay the subscriber is slow on dial-in: answer and hangup still wait for it.
    recorder.respond = lambda r: (200, b"ok\n", 0.2 if ("EventType", "dial-in") in r.query else 0.0)

    created = await box.engine.replay_call("c-1")
    assert created == [7, 8, 9]
    assert await box.settle()
    replayed = recorder.requests[before:]
    assert _seen(recorder)[before:] == [("c-1", t) for t in TYPES]
    assert replayed[1].arrived - replayed[0].arrived >= 0.19
    originals = [r for r in recorder.requests[:before] if ("CallID", "c-1") in r.query]
    assert [r.path_qs for r in replayed] == [r.path_qs for r in originals]  # the same requests
    rows = await box.rows(
        "SELECT id, event_id, subscription_id, state, ordered FROM deliveries WHERE id >= 7"
    )
    assert rows == [(7, 1, 1, "delivered", 1), (8, 2, 2, "delivered", 1), (9, 3, 3, "delivered", 1)]
    with pytest.raises(PbxDeskError, match="no-such-call"):
        await box.engine.replay_call("no-such-call")


async def test_replay_goes_to_todays_subscriptions(recorder, receiver, outbox, call_events) -> None:
    box = await outbox(_subs(f"{recorder.base_url}/hook"))
    for ev in call_events("c-1"):
        box.engine.submit(ev)
    assert await box.settle()
    # The CRM moved: only hangups are subscribed now, at the new address.
    box.engine.set_subscriptions(
        [Subscription(175, EventType.HANGUP, HttpMethod.POST, f"{receiver.base_url}/new", id=9)]
    )
    assert await box.engine.replay_call("c-1") == [4]
    assert await box.settle()
    [req] = receiver.requests
    assert (req.method, req.path_qs, dict(parse_qsl(req.body.decode()))["EventType"]) == (
        "POST",
        "/new",
        "hangup",
    )
    assert len(recorder.requests) == 3


async def test_send_a_call_to_another_url(recorder, receiver, outbox, call_events) -> None:
    box = await outbox(_subs(f"{recorder.base_url}/hook"))
    for ev in [*call_events("c-1"), *call_events("c-2")]:
        box.engine.submit(ev)
    assert await box.settle()
    other = f"{receiver.base_url}/elsewhere?token=t"

    created = await box.engine.send_to([4, 5, 6], other, HttpMethod.POST)  # all of call c-2
    assert created == [7, 8, 9]
    assert await box.settle()
    assert [(r.method, r.path_qs) for r in receiver.requests] == [("POST", "/elsewhere?token=t")] * 3
    forms = [dict(parse_qsl(r.body.decode())) for r in receiver.requests]
    assert [(f["CallID"], f["EventType"]) for f in forms] == [("c-2", t) for t in TYPES]
    rows = await box.rows(
        "SELECT event_id, subscription_id, method, url, state FROM deliveries WHERE id >= 7"
    )
    assert rows == [(e, None, "POST", other, "delivered") for e in (4, 5, 6)]

    # One event, as a GET: its fields join the URL's own query.
    [one] = await box.engine.send_to([2], other, HttpMethod.GET)
    assert await box.settle()
    last = receiver.requests[-1]
    assert last.method == "GET" and last.path_qs.startswith("/elsewhere?token=t&EventType=answer&CallID=c-1&")
    assert await box.rows("SELECT state FROM deliveries WHERE id = ?", (one,)) == [("delivered",)]
    assert len(recorder.requests) == 6  # the subscriptions' own URL got nothing more
    with pytest.raises(PbxDeskError, match="#77"):
        await box.engine.send_to([77], other, HttpMethod.POST)


async def test_manual_commands_see_what_was_just_submitted(recorder, outbox, call_events) -> None:
    """A replay right after the events came in (same loop turn): they are in the profile."""
    box = await outbox(_subs(f"{recorder.base_url}/hook"))
    for ev in call_events("c-now"):
        box.engine.submit(ev)
    assert len(await box.engine.replay_call("c-now")) == 3
    assert len(await box.engine.send_to([1], f"{recorder.base_url}/other", HttpMethod.POST)) == 1
    assert await box.settle()
    assert len(recorder.requests) == 7


# -- cancel ------------------------------------------------------------------------------------


async def test_cancel_pending_deliveries(recorder, outbox, call_events) -> None:
    """A dial-in waits 30 s for its retry, with the call's answer and hangup queued behind it:
    cancelled, none of them is ever sent."""
    recorder.respond = lambda r: (
        (500, b"down\n", 0.0) if ("EventType", "dial-in") in r.query else (200, b"ok\n", 0)
    )
    box = await outbox(_subs(f"{recorder.base_url}/hook"), schedule=(0.0, 30.0))
    for ev in call_events("c-1"):
        box.engine.submit(ev)
    assert not await box.settle(until_due_within=5)
    assert await box.rows("SELECT id, state, attempts FROM deliveries ORDER BY id") == [
        (1, "pending", 1), (2, "pending", 0), (3, "pending", 0)
    ]  # fmt: skip

    assert box.engine.cancel(delivery_ids=[2, 3]) == 2
    assert box.engine.cancel(delivery_ids=[2]) == 0  # already final
    assert box.engine.open_count == 1
    assert box.engine.cancel(endpoint=f"127.0.0.1:{recorder.port}") == 1  # the retry too
    assert await box.settle(timeout=2)  # nothing left open: no 30 s wait
    assert await box.rows("SELECT id, state, attempts FROM deliveries ORDER BY id") == [
        (1, "cancelled", 1), (2, "cancelled", 0), (3, "cancelled", 0)
    ]  # fmt: skip
    assert box.engine.stats.cancelled == 3
    # Cancelled is final: a later event of the call goes out at once. It is also the check
    # that nothing cancelled went out: the engine went past them, and only it came after.
    box.engine.submit(call_events("c-1", types=("hangup",))[0])
    assert await box.settle()
    assert _seen(recorder) == [("c-1", "dial-in"), ("c-1", "hangup")]


async def test_cancel_leaves_the_attempt_in_flight_alone(recorder, outbox, call_events) -> None:
    recorder.respond = lambda _r: (200, b"slow\n", 0.3)
    box = await outbox(_subs(f"{recorder.base_url}/hook", types=("hangup",)))
    box.engine.submit(call_events("c-1", types=("hangup",))[0])
    await until(lambda: len(recorder.requests) == 1)
    assert box.engine.cancel(delivery_ids=[1]) == 0
    assert await box.settle()
    assert await box.rows("SELECT state FROM deliveries") == [("delivered",)]


async def test_cancel_by_endpoint_spares_other_endpoints(recorder, receiver, outbox, call_events) -> None:
    subs = _two_endpoints(recorder, receiver)
    box = await outbox(subs)
    box.engine.pause_endpoint(f"127.0.0.1:{recorder.port}")
    box.engine.pause_endpoint(f"127.0.0.1:{receiver.port}")
    box.engine.submit(call_events("c-1", types=("hangup",))[0])
    assert not await box.settle(timeout=0.5)
    assert box.engine.cancel(endpoint=f"127.0.0.1:{recorder.port}") == 1
    box.engine.resume_endpoint(f"127.0.0.1:{recorder.port}")
    box.engine.resume_endpoint(f"127.0.0.1:{receiver.port}")
    assert await box.settle()
    assert await box.rows("SELECT subscription_id, state FROM deliveries ORDER BY id") == [
        (1, "cancelled"), (2, "delivered")
    ]  # fmt: skip
    assert (len(recorder.requests), receiver.count) == (0, 1)


# -- pause and resume --------------------------------------------------------------------------


async def test_pause_and_resume_an_endpoint(recorder, receiver, outbox, call_events) -> None:
    endpoint = f"127.0.0.1:{recorder.port}"
    box = await outbox(_subs(f"{recorder.base_url}/hook"))
    box.engine.pause_endpoint(endpoint)
    for ev in [*call_events("c-1"), *call_events("c-2")]:
        box.engine.submit(ev)
    # Paused deliveries are not a retry to wait for: a run would end here, keeping them.
    assert not await box.settle(timeout=5, until_due_within=1)
    # Each call's first delivery is parked; the rest wait behind it in their call's lane.
    assert await box.rows("SELECT id, state, attempts FROM deliveries ORDER BY id") == [
        (1, "paused", 0), (2, "pending", 0), (3, "pending", 0),
        (4, "paused", 0), (5, "pending", 0), (6, "pending", 0),
    ]  # fmt: skip
    assert await box.rows("SELECT endpoint, paused, reason FROM endpoints") == [
        (endpoint, 1, "paused by the user")
    ]
    await marker_passes(box.engine, receiver)
    assert recorder.requests == []

    assert box.engine.resume_endpoint(endpoint) == 2
    assert await box.settle()
    assert await box.rows("SELECT DISTINCT state FROM deliveries") == [("delivered",)]
    seen = _seen(recorder)
    assert sorted(seen) == sorted([(c, t) for c in ("c-1", "c-2") for t in TYPES])
    for call in ("c-1", "c-2"):
        assert [t for c, t in seen if c == call] == list(TYPES)
    assert await box.rows("SELECT endpoint, paused, reason, exhausted_in_row FROM endpoints") == [
        (endpoint, 0, None, 0)
    ]


async def test_pausing_one_endpoint_does_not_hold_up_another(recorder, receiver, outbox, call_events) -> None:
    subs = _two_endpoints(recorder, receiver)
    box = await outbox(subs)
    box.engine.pause_endpoint(f"127.0.0.1:{recorder.port}", "CRM maintenance")
    box.engine.submit(call_events("c-1", types=("hangup",))[0])
    await until(lambda: receiver.count == 1)
    assert not await box.settle(timeout=0.3)
    assert recorder.requests == []
    assert await box.rows("SELECT subscription_id, state FROM deliveries ORDER BY id") == [
        (1, "paused"), (2, "delivered")
    ]  # fmt: skip
    assert await box.rows("SELECT reason FROM endpoints WHERE paused = 1") == [("CRM maintenance",)]


# -- auto-pause --------------------------------------------------------------------------------


async def test_auto_pause_after_n_exhausted_deliveries_in_a_row(recorder, outbox, call_events) -> None:
    endpoint = f"127.0.0.1:{recorder.port}"
    recorder.respond = lambda _r: (500, b"down\n", 0.0)
    box = await outbox(
        _subs(f"{recorder.base_url}/hook", types=("hangup",)), schedule=(0.0, 0.05), pause_after=3
    )
    for i in range(3):
        box.engine.submit(call_events(f"c-{i}", types=("hangup",))[0])
    assert await box.settle()
    assert await box.rows("SELECT state, attempts FROM deliveries") == [("failed", 2)] * 3
    assert len(recorder.requests) == 6
    [(paused, reason, in_row)] = await box.rows(
        "SELECT paused, reason, exhausted_in_row FROM endpoints WHERE endpoint = ?", (endpoint,)
    )
    assert (paused, in_row) == (1, 3)
    assert "3 deliveries in a row failed every attempt" in reason
    assert box.engine.paused_endpoints == {endpoint: reason}

    # Later deliveries to it are parked, not sent (and not failed).
    for i in range(3, 5):
        box.engine.submit(call_events(f"c-{i}", types=("hangup",))[0])
    assert not await box.settle(timeout=5, until_due_within=1)
    await asyncio.sleep(0.2)
    assert len(recorder.requests) == 6
    assert await box.rows("SELECT id, state, attempts FROM deliveries WHERE id > 3") == [
        (4, "paused", 0), (5, "paused", 0)
    ]  # fmt: skip

    # Once the subscriber is fixed and the endpoint resumed, they go out.
    recorder.respond = lambda _r: (200, b"ok\n", 0.0)
    assert box.engine.resume_endpoint(endpoint) == 2
    assert await box.settle()
    assert await box.rows("SELECT id, state FROM deliveries WHERE id > 3") == [
        (4, "delivered"),
        (5, "delivered"),
    ]
    assert await box.rows("SELECT paused, exhausted_in_row FROM endpoints") == [(0, 0)]


async def test_a_success_resets_the_auto_pause_count(recorder, outbox, call_events) -> None:
    # Two exhausted, one delivered, two exhausted: never three in a row.
    recorder.respond = lambda r: (200, b"ok\n", 0) if ("CallID", "c-2") in r.query else (500, b"x", 0)
    box = await outbox(_subs(f"{recorder.base_url}/hook", types=("hangup",)), schedule=(0.0,), pause_after=3)
    for i in range(5):
        box.engine.submit(call_events(f"c-{i}", types=("hangup",))[0])
        assert await box.settle()  # one at a time: "in a row" is the order they finish
    assert [s for (s,) in await box.rows("SELECT state FROM deliveries ORDER BY id")] == [
        "failed", "failed", "delivered", "failed", "failed"
    ]  # fmt: skip
    assert box.engine.paused_endpoints == {}
    assert await box.rows("SELECT COUNT(*) FROM endpoints WHERE paused = 1") == [(0,)]


# -- delivery settings changed while the engine runs (Preferences) -------------------------------


async def test_a_new_timeout_applies_to_the_next_attempt(recorder, outbox, call_events) -> None:
    """The subscriber answers in 0.8 s: past the 0.5 s timeout, within the 3 s one applied."""
    recorder.respond = lambda _r: (200, b"ok\n", 0.8)
    box = await outbox(_subs(f"{recorder.base_url}/hook", types=("hangup",)))
    box.engine.apply_policy(replace(box.engine.policy, timeout=3.0, schedule=(0.0,)))
    box.engine.submit(call_events("c-1", types=("hangup",))[0])
    assert await box.settle()
    assert [(r.state, r.error) for r in box.results] == [("delivered", None)]


async def test_more_concurrency_applies_at_once_and_nothing_in_flight_is_lost(
    recorder, outbox, call_events
) -> None:
    recorder.respond = lambda _r: (200, b"ok\n", 0.4)
    hook = f"{recorder.base_url}/hook"
    box = await outbox(_subs(hook, types=("hangup",)), max_concurrency=1, per_endpoint=1)
    calls = [call_events(f"c-{i}", types=("hangup",))[0] for i in range(5)]
    box.engine.submit(calls[0])
    await until(lambda: len(recorder.requests) == 1)  # one attempt under way under the old policy
    for ev in calls[1:]:
        box.engine.submit(ev)
    box.engine.apply_policy(replace(box.engine.policy, max_concurrency=8, per_endpoint=8))
    # The four new ones go out together while the first is still under way.
    await until(lambda: len(recorder.requests) == 5, timeout=0.35)
    assert await box.settle()
    assert sorted(r.state for r in box.results) == ["delivered"] * 5
    assert len(recorder.requests) == 5  # the attempt under way was neither lost nor sent twice
    rows = await box.rows("SELECT state, attempts FROM deliveries")
    assert rows == [("delivered", 1)] * 5
