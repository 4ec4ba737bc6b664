"""Delivery over real HTTP on 127.0.0.1: the bytes a subscriber gets, and what the profile keeps.

The first part runs scenarios end to end (``run_scenario``, what `pbxdesk run` does); the
second drives the DeliveryEngine directly on a real profile (the ``outbox`` fixture).
Faults, crash recovery and manual control have their own files (test_delivery_*.py).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from pbxdesk.domain import (
    CallFlow,
    CallStatus,
    EventData,
    EventType,
    HttpMethod,
    Subscription,
)
from pbxdesk.domain.wire import build_request
from pbxdesk.engine.headless import run_scenario
from pbxdesk.engine.scenario import parse_scenario
from pbxdesk.store.committer import KEEP_SUMMARY_BYTES

BASE_US = 1_700_000_000_000_000
DOMAIN = "sip.example.test"


def _rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# -- the seed's worked example, end to end --------------------------------------------------


async def test_seed_example_get_requests_carry_myid_and_every_field(
    recorder, seed_scenario, tmp_path: Path
) -> None:
    sc = parse_scenario(seed_scenario(recorder.base_url))
    profile = tmp_path / "seed.sqlite"
    results = []
    summary = await run_scenario(sc, profile, instant=True, base_us=BASE_US, on_delivery=results.append)

    assert (summary.events, summary.deliveries, summary.delivered, summary.failed) == (3, 3, 3, 0)
    assert summary.attempts == 3
    assert len(recorder.requests) == 3
    reqs = recorder.requests
    assert [r.method for r in reqs] == ["GET"] * 3
    assert [r.path for r in reqs] == ["/fordel/show.php"] * 3
    assert all(r.body == b"" for r in reqs)
    assert all("Content-Type" not in r.headers for r in reqs)

    # show.php's view: `myid` first (the subscription's own query), then the event fields.
    queries = [r.query for r in reqs]
    for q in queries:
        assert q[0] == ("myid", "175")
        assert len({k for k, _ in q}) == len(q)  # no field twice
    fields = [dict(q) for q in queries]
    call_id, sub_call_id = fields[0]["CallID"], fields[0]["SubCallID"]
    api_id = fields[0]["CallAPIID"]
    common = {
        "myid": "175",
        "CallID": call_id,
        "SubCallID": sub_call_id,
        "CallerIDNum": "000*099",
        "CallerIDName": "000*099",
        "CallerExtension": f"000*099@{DOMAIN}",
        "CallerExtensionID": "175",
        "CalledNumber": "00010005",
        "CallFlow": "out",
        "CallAPIID": api_id,
    }
    assert fields[0] == {**common, "EventType": "dial-out", "CallStatus": "CALLING",
                         "EventTime": str(BASE_US)}  # fmt: skip
    assert fields[1] == {**common, "EventType": "answer", "CallStatus": "ANSWER",
                         "EventTime": str(BASE_US + 1_000_000)}  # fmt: skip
    assert fields[2] == {**common, "EventType": "hangup", "CallStatus": "ANSWER",
                         "EventTime": str(BASE_US + 3_000_000), "Duration": "2000000",
                         "RecID": sub_call_id}  # fmt: skip
    # The query travels in the manual's field order, percent-encoded (the '*' and '@').
    assert reqs[0].path_qs.startswith("/fordel/show.php?myid=175&EventType=dial-out&CallID=")
    assert "CallerExtension=000%2A099%40sip.example.test" in reqs[0].path_qs
    # Listeners see the full request URL, exactly as requested.
    assert sorted(r.url for r in results) == sorted(recorder.base_url + r.path_qs for r in reqs)

    # The profile recorded every event and every delivery.
    events = _rows(profile, "SELECT id, call_id, event_type, extension_id, extension_name, "
                            "event_time, source, data FROM events ORDER BY id")  # fmt: skip
    assert [(e[0], e[1], e[2], e[3], e[4], e[5], e[6]) for e in events] == [
        (1, call_id, "dial-out", 175, "000*099", BASE_US, "sim"),
        (2, call_id, "answer", 175, "000*099", BASE_US + 1_000_000, "sim"),
        (3, call_id, "hangup", 175, "000*099", BASE_US + 3_000_000, "sim"),
    ]
    for row, f in zip(events, fields, strict=True):
        assert json.loads(row[7]) == {k: v for k, v in f.items() if k != "myid"}

    deliveries = _rows(profile, "SELECT id, event_id, method, url, state, attempts, status_code, error, "
                                "latency_ms, response_body, started_at, finished_at, call_id, endpoint, "
                                "ordered, next_attempt_at FROM deliveries ORDER BY id")  # fmt: skip
    assert [d[:2] for d in deliveries] == [(1, 1), (2, 2), (3, 3)]
    for d in deliveries:
        # The outbox row keeps the subscription's URL; the fields are added when sent.
        assert d[2:8] == ("GET", recorder.base_url + "/fordel/show.php?myid=175", "delivered", 1, 200, None)
        assert isinstance(d[8], float) and d[8] > 0
        assert d[9] == "ok\n"
        assert d[10] <= d[11]
        assert d[12:16] == (call_id, f"127.0.0.1:{recorder.port}", 1, None)
    attempts = _rows(profile, "SELECT delivery_id, n, status_code, error, response_body, response_truncated, "
                              "request_headers FROM attempts ORDER BY id")  # fmt: skip
    assert sorted(attempts) == [(i, 1, 200, None, b"ok\n", 0, None) for i in (1, 2, 3)]


async def test_post_subscription_gets_a_form_body(recorder, tmp_path: Path) -> None:
    sc = parse_scenario(f"""\
[[extensions]]
id = 200
name = "200"
type = "phone"
did = "74951230000"

[[subscriptions]]
extension = 200
event_type = "dial-in"
method = "POST"
url = "{recorder.base_url}/crm/hook?token=abc"

[[calls]]
from = "+79817654321"
to = "74951230000"
answer_after = 1
""")
    profile = tmp_path / "p.sqlite"
    summary = await run_scenario(sc, profile, instant=True, base_us=BASE_US)
    assert (summary.deliveries, summary.delivered) == (1, 1)
    [req] = recorder.requests
    assert req.method == "POST"
    assert req.path_qs == "/crm/hook?token=abc"  # the URL's own query is left alone
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    body = parse_qsl(req.body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    form = dict(body)
    assert len(form) == len(body)
    assert form == {
        "EventType": "dial-in",
        "CallID": form["CallID"],
        "SubCallID": form["SubCallID"],
        "CallerIDNum": "+79817654321",
        "CallerIDName": "+79817654321",
        "CalledDID": "74951230000",
        "CalledExtension": f"000*200@{DOMAIN}",
        "CalledExtensionID": "200",
        "CalledNumber": "000*200",
        "CallStatus": "CALLING",
        "CallFlow": "in",
        "CallAPIID": form["CallAPIID"],
        "EventTime": str(BASE_US),
    }
    assert req.body.startswith(b"EventType=dial-in&CallID=")
    assert b"CallerIDNum=%2B79817654321" in req.body  # '+' encoded, not turned into a space
    # The request is not stored twice: it is rebuilt, byte for byte, from the outbox row
    # (method + URL) and the event's recorded fields; the attempt keeps the headers sent.
    [(method, url, data, headers)] = _rows(
        profile,
        "SELECT d.method, d.url, e.data, a.request_headers FROM deliveries d "
        "JOIN events e ON e.id = d.event_id JOIN attempts a ON a.delivery_id = d.id",
    )
    rebuilt = build_request(HttpMethod(method), url, json.loads(data))
    assert (rebuilt.body, method) == (req.body, "POST")
    assert json.loads(headers) == {"Content-Type": "application/x-www-form-urlencoded"}


# -- the engine directly ---------------------------------------------------------------------


def _event(**over: object) -> EventData:
    fields = {"extension_id": 175, "event_type": EventType.HANGUP, "call_id": "c-1",
              "event_time": BASE_US, "sub_call_id": "s-1", "call_status": CallStatus.ANSWER,
              "call_flow": CallFlow.OUT, "duration": 3_000_000,
              "extra": {"X-Future-Field": "kept & sent"}}  # fmt: skip
    fields.update(over)
    return EventData(**fields)  # type: ignore[arg-type]


def _hangup_sub(url: str, method: HttpMethod = HttpMethod.GET, sub_id: int | None = None) -> Subscription:
    return Subscription(175, EventType.HANGUP, method, url, id=sub_id)


async def test_engine_sends_get_and_post_for_the_same_event(recorder, outbox) -> None:
    subs = [
        _hangup_sub(f"{recorder.base_url}/g?myid=175", sub_id=1),
        _hangup_sub(f"{recorder.base_url}/p", HttpMethod.POST, sub_id=2),
        Subscription(175, EventType.ANSWER, HttpMethod.GET, f"{recorder.base_url}/other", id=3),
        Subscription(999, EventType.HANGUP, HttpMethod.GET, f"{recorder.base_url}/nobody", id=4),
    ]
    box = await outbox(subs, first_event_id=7)
    assert box.engine.submit(_event()) == 7
    assert await box.settle()
    assert sorted(r.subscription_id for r in box.results) == [1, 2]
    assert all(r.ok and r.final and r.event_id == 7 and r.outcome == "200" for r in box.results)
    by_path = {r.path: r for r in recorder.requests}
    assert set(by_path) == {"/g", "/p"}  # only matching extension + event type
    expected = [("EventType", "hangup"), ("CallID", "c-1"), ("SubCallID", "s-1"),
                ("CallStatus", "ANSWER"), ("CallFlow", "out"), ("EventTime", str(BASE_US)),
                ("Duration", "3000000"), ("X-Future-Field", "kept & sent")]  # fmt: skip
    assert by_path["/g"].query == [("myid", "175"), *expected]
    assert by_path["/g"].path_qs == (
        "/g?myid=175&EventType=hangup&CallID=c-1&SubCallID=s-1&CallStatus=ANSWER&CallFlow=out"
        f"&EventTime={BASE_US}&Duration=3000000&X-Future-Field=kept+%26+sent"
    )
    assert "Content-Type" not in by_path["/g"].headers
    assert parse_qsl(by_path["/p"].body.decode(), keep_blank_values=True) == expected
    assert by_path["/p"].headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert by_path["/p"].path_qs == "/p"
    rows = await box.rows("SELECT event_id, subscription_id, method, state FROM deliveries ORDER BY id")
    assert rows == [(7, 1, "GET", "delivered"), (7, 2, "POST", "delivered")]


async def test_a_get_subscriptions_own_query_is_kept_byte_for_byte(recorder, outbox) -> None:
    own = "/show.php?myid=175&tag=a%2Fb&flag"
    box = await outbox([_hangup_sub(recorder.base_url + own)])
    box.engine.submit(_event())
    assert await box.settle()
    [req] = recorder.requests
    assert req.path_qs.startswith(own + "&EventType=hangup&CallID=c-1&")
    assert req.query[:3] == [("myid", "175"), ("tag", "a/b"), ("flag", "")]


async def test_no_matching_subscription_sends_nothing(recorder, outbox) -> None:
    box = await outbox([Subscription(175, EventType.ANSWER, HttpMethod.GET, recorder.base_url + "/")])
    box.engine.submit(_event())
    assert await box.settle()
    assert recorder.requests == []
    assert await box.rows("SELECT COUNT(*) FROM deliveries") == [(0,)]
    assert await box.rows("SELECT id, event_type FROM events") == [(1, "hangup")]  # still recorded


async def test_target_url_overrides_every_subscription(recorder, receiver, outbox) -> None:
    subs = [
        _hangup_sub(f"{recorder.base_url}/a?myid=1"),
        _hangup_sub(f"{recorder.base_url}/b", HttpMethod.POST),
    ]
    box = await outbox(subs, target_url=f"{receiver.base_url}/inbox")
    box.engine.submit(_event())
    assert await box.settle()
    assert recorder.requests == []
    assert sorted(r.method for r in receiver.requests) == ["GET", "POST"]
    assert all(r.path_qs.startswith("/inbox") for r in receiver.requests)
    assert all(r.url.startswith(f"{receiver.base_url}/inbox") for r in box.results)
    rows = await box.rows("SELECT method, url, endpoint, state FROM deliveries ORDER BY id")
    ep = f"127.0.0.1:{receiver.port}"
    assert rows == [("GET", f"{receiver.base_url}/inbox", ep, "delivered"),
                    ("POST", f"{receiver.base_url}/inbox", ep, "delivered")]  # fmt: skip


async def test_response_body_keeps_the_first_4_kib_as_its_summary(recorder, outbox) -> None:
    big = ("0123456789abcdef" * 1024).encode()  # 16 KiB
    recorder.respond = lambda _r: (200, big, 0.0)
    box = await outbox([_hangup_sub(recorder.base_url + "/")])
    box.engine.submit(_event())
    assert await box.settle()
    assert KEEP_SUMMARY_BYTES == 4096
    [result] = box.results
    assert result.ok
    assert await box.rows("SELECT state, response_body FROM deliveries") == [
        ("delivered", big[:4096].decode())
    ]
    # The attempt keeps more (up to keep_response_bytes, 64 KiB by default): here all of it.
    assert await box.rows("SELECT response_body, response_truncated FROM attempts") == [(big, 0)]


async def test_latency_is_measured(recorder, outbox) -> None:
    recorder.respond = lambda _r: (200, b"slow\n", 0.3)
    box = await outbox([_hangup_sub(recorder.base_url + "/")])
    box.engine.submit(_event())
    assert await box.settle()
    [result] = box.results
    assert 300 <= result.latency_ms < 5000
    assert result.finished_at - result.started_at >= 300_000
    [(latency, started, finished)] = await box.rows(
        "SELECT latency_ms, started_at, finished_at FROM attempts"
    )
    assert (latency, started, finished) == (result.latency_ms, result.started_at, result.finished_at)


async def test_connection_refused_is_named(closed_port: int, outbox) -> None:
    box = await outbox([_hangup_sub(f"http://127.0.0.1:{closed_port}/hook")], schedule=(0.0,))
    box.engine.submit(_event())
    assert await box.settle()
    [result] = box.results
    assert (result.ok, result.state, result.status_code) == (False, "failed", None)
    assert result.error == "connection refused"
    assert result.outcome == "connection refused"


async def test_timeout_is_named(recorder, outbox) -> None:
    recorder.respond = lambda _r: (200, b"late\n", 0.6)
    box = await outbox([_hangup_sub(recorder.base_url + "/")], schedule=(0.0,), timeout=0.2)
    box.engine.submit(_event())
    assert await box.settle()
    [result] = box.results
    assert (result.ok, result.status_code, result.error) == (False, None, "timeout")
    assert result.latency_ms < 900


async def test_redirect_is_not_followed_and_counts_as_failed(recorder, outbox) -> None:
    recorder.respond = lambda _r: (302, b"", 0.0)
    box = await outbox([_hangup_sub(recorder.base_url + "/")], schedule=(0.0,))
    box.engine.submit(_event())
    assert await box.settle()
    [result] = box.results
    assert (result.ok, result.status_code, result.error) == (False, 302, "non-2xx status")
    assert len(recorder.requests) == 1


# -- failures recorded in the profile ----------------------------------------------------------


async def test_503_counts_as_failed_and_is_recorded(receiver, seed_scenario, tmp_path, fast_policy) -> None:
    sc = parse_scenario(seed_scenario(receiver.base_url, "/status/503?myid=175"))
    profile = tmp_path / "p.sqlite"
    summary = await run_scenario(
        sc, profile, instant=True, base_us=BASE_US, policy=fast_policy.with_attempts(1)
    )
    assert (summary.deliveries, summary.delivered, summary.failed) == (3, 0, 3)
    assert receiver.count == 3
    rows = _rows(profile, "SELECT state, attempts, status_code, error, response_body FROM deliveries")
    assert rows == [("failed", 1, 503, "non-2xx status", "status 503 as asked\n")] * 3


async def test_503_is_retried_then_fails_after_every_attempt(
    receiver, seed_scenario, tmp_path, fast_policy
) -> None:
    sc = parse_scenario(seed_scenario(receiver.base_url, "/status/503?myid=175"))
    profile = tmp_path / "p.sqlite"
    summary = await run_scenario(sc, profile, instant=True, base_us=BASE_US, policy=fast_policy)
    assert (summary.deliveries, summary.failed, summary.attempts) == (3, 3, 9)
    assert receiver.count == 9
    assert _rows(profile, "SELECT state, attempts FROM deliveries") == [("failed", 3)] * 3
    assert _rows(profile, "SELECT delivery_id, n, status_code FROM attempts ORDER BY delivery_id, n") == [
        (d, n, 503) for d in (1, 2, 3) for n in (1, 2, 3)
    ]


async def test_refused_deliveries_are_recorded(seed_scenario, closed_port, tmp_path, fast_policy) -> None:
    sc = parse_scenario(seed_scenario(f"http://127.0.0.1:{closed_port}"))
    profile = tmp_path / "p.sqlite"
    summary = await run_scenario(
        sc, profile, instant=True, base_us=BASE_US, policy=fast_policy.with_attempts(1)
    )
    assert (summary.events, summary.deliveries, summary.failed) == (3, 3, 3)
    rows = _rows(profile, "SELECT state, status_code, error, response_body FROM deliveries")
    assert rows == [("failed", None, "connection refused", "")] * 3
    assert _rows(profile, "SELECT COUNT(*) FROM events") == [(3,)]


async def test_flaky_receiver_mixed_results(receiver, seed_scenario, tmp_path, fast_policy) -> None:
    text = seed_scenario(receiver.base_url, "/flaky")
    # Five calls, three subscribed events each: every fifth request answers 500.
    call = text[text.index("[[calls]]") :]
    sc = parse_scenario(text + "".join(call.replace("at = 0", f"at = {i}") for i in range(1, 5)))
    profile = tmp_path / "p.sqlite"
    summary = await run_scenario(
        sc, profile, instant=True, base_us=BASE_US, policy=fast_policy.with_attempts(1)
    )
    assert (summary.deliveries, summary.delivered, summary.failed) == (15, 12, 3)
    codes = sorted(r[0] for r in _rows(profile, "SELECT status_code FROM deliveries"))
    assert codes == [200] * 12 + [500] * 3


async def test_flaky_receiver_with_retries_delivers_everything(
    receiver, seed_scenario, tmp_path, fast_policy
) -> None:
    text = seed_scenario(receiver.base_url, "/flaky")
    call = text[text.index("[[calls]]") :]
    sc = parse_scenario(text + "".join(call.replace("at = 0", f"at = {i}") for i in range(1, 5)))
    profile = tmp_path / "p.sqlite"
    summary = await run_scenario(sc, profile, instant=True, base_us=BASE_US, policy=fast_policy)
    assert (summary.deliveries, summary.delivered, summary.failed) == (15, 15, 0)
    # Every fifth request failed and was tried again: 15 + 3 + (the retries' own fifths).
    assert summary.attempts == receiver.count and summary.attempts >= 18
    assert _rows(profile, "SELECT DISTINCT state FROM deliveries") == [("delivered",)]
    assert _rows(profile, "SELECT COUNT(*) FROM attempts WHERE status_code = 500") == [
        (summary.attempts - 15,)
    ]


async def test_a_calls_events_arrive_in_order_even_when_the_first_is_slow(
    recorder, seed_scenario, tmp_path
) -> None:
    # The subscriber takes its time over dial-out; answer and hangup must still come after it.
    recorder.respond = lambda r: (200, b"ok", 0.3 if ("EventType", "dial-out") in r.query else 0)
    sc = parse_scenario(seed_scenario(recorder.base_url))
    await run_scenario(sc, tmp_path / "p.sqlite", instant=True, base_us=BASE_US)
    dial_out, answer, hangup = recorder.requests
    assert [dict(r.query)["EventType"] for r in (dial_out, answer, hangup)] == [
        "dial-out",
        "answer",
        "hangup",
    ]
    # answer was only sent once dial-out had been answered (0.3 s later).
    assert answer.arrived - dial_out.arrived >= 0.29


async def test_order_holds_across_a_subscribers_subscriptions(recorder, outbox, call_events) -> None:
    """Profile subscriptions have ids, one per event type: a subscriber's URL still gets a
    call's events in order (a hangup never overtakes its dial-in)."""
    url = f"{recorder.base_url}/hook?myid=175"
    subs = [Subscription(175, EventType(t), HttpMethod.GET, url, id=i)
            for i, t in enumerate(("dial-in", "answer", "hangup"), 1)]  # fmt: skip
    recorder.respond = lambda r: (200, b"ok", 0.3 if ("EventType", "dial-in") in r.query else 0)
    box = await outbox(subs)
    for ev in call_events("c-order"):
        box.engine.submit(ev)
    assert await box.settle()
    assert [dict(r.query)["EventType"] for r in recorder.requests] == ["dial-in", "answer", "hangup"]
    assert recorder.requests[1].arrived - recorder.requests[0].arrived >= 0.29


async def test_second_run_appends_to_the_same_profile(receiver, seed_scenario, tmp_path) -> None:
    sc = parse_scenario(seed_scenario(receiver.base_url))
    profile = tmp_path / "p.sqlite"
    await run_scenario(sc, profile, instant=True, base_us=BASE_US)
    await run_scenario(sc, profile, instant=True, base_us=BASE_US + 60_000_000)
    assert _rows(profile, "SELECT id FROM events ORDER BY id") == [(i,) for i in range(1, 7)]
    assert _rows(profile, "SELECT id, event_id FROM deliveries ORDER BY id") == [(i, i) for i in range(1, 7)]
    assert _rows(profile, "SELECT delivery_id FROM attempts ORDER BY delivery_id") == [
        (i,) for i in range(1, 7)
    ]


async def test_run_target_overrides_every_subscription(recorder, receiver, seed_scenario, tmp_path) -> None:
    """`pbxdesk run --target URL`: every request goes to URL instead, method kept."""
    sc = parse_scenario(seed_scenario(recorder.base_url))
    profile = tmp_path / "p.sqlite"
    summary = await run_scenario(
        sc, profile, instant=True, base_us=BASE_US, target_url=f"{receiver.base_url}/inbox"
    )
    assert (summary.deliveries, summary.delivered) == (3, 3)
    assert recorder.requests == []
    assert [r.method for r in receiver.requests] == ["GET"] * 3
    # The target's own URL replaces the subscription's (its ?myid is not carried over).
    assert all(r.path_qs.startswith("/inbox?EventType=") for r in receiver.requests)
    assert [r.query["EventType"] for r in receiver.requests] == ["dial-out", "answer", "hangup"]
    assert _rows(profile, "SELECT DISTINCT url, endpoint FROM deliveries") == [
        (f"{receiver.base_url}/inbox", f"127.0.0.1:{receiver.port}")
    ]


async def test_real_time_run_paces_events(receiver, tmp_path) -> None:
    sc = parse_scenario(f"""\
[[extensions]]
id = 175
name = "099"
type = "phone"

[[subscriptions]]
extension = 175
event_type = "hangup"
url = "{receiver.base_url}/"

[[calls]]
from = "000*099"
to = "00010005"
answer_after = 0.2
talk = 0.3
""")
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    summary = await run_scenario(sc, None, instant=False)
    elapsed = loop.time() - t0
    assert summary.delivered == 1
    assert elapsed >= 0.45  # the hangup waited for the call's 0.5 s
    assert dict(receiver.requests[0].query)["Duration"] == "300000"  # talk time


async def test_instant_run_does_not_wait_for_the_call(receiver, seed_scenario, fast_policy) -> None:
    sc = parse_scenario(seed_scenario(receiver.base_url).replace("talk = 2", "talk = 30"))
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    summary = await run_scenario(sc, None, instant=True, policy=replace(fast_policy))
    assert summary.delivered == 3
    assert loop.time() - t0 < 5  # a 31 s call, delivered at once on the virtual clock


@pytest.mark.parametrize("client", ["aiohttp", "httpx"])
async def test_a_cookie_a_subscriber_sets_never_rides_on_later_deliveries(
    outbox, call_events, client
) -> None:
    """The PBX sends no cookies; a handler that sets one (a framework's session) must not see
    it come back on the next webhook, or a test run would not match the real PBX."""
    from aiohttp import web

    seen: list[str | None] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Cookie"))
        resp = web.Response(text="ok")
        resp.set_cookie("session", "abc123", path="/")
        return resp

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        subs = [Subscription(175, EventType(t), HttpMethod.POST, url, id=i)
                for i, t in enumerate(("dial-in", "answer", "hangup"), 1)]  # fmt: skip
        box = await outbox(subs, http_client=client)
        for ev in call_events("c-1"):
            box.engine.submit(ev)
        assert await box.settle()
        assert seen == [None, None, None]
    finally:
        await runner.cleanup()
