"""Delivery over real HTTP on 127.0.0.1: the bytes a subscriber gets, and what the profile keeps."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl

from pbxdesk.domain import (
    CallFlow,
    CallStatus,
    EventData,
    EventType,
    Extension,
    ExtensionType,
    HttpMethod,
    Subscription,
)
from pbxdesk.engine.dispatcher import RESPONSE_KEEP_BYTES, Dispatcher
from pbxdesk.engine.headless import run_scenario
from pbxdesk.engine.scenario import parse_scenario

BASE_US = 1_700_000_000_000_000
DOMAIN = "sip.example.test"


def _rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# -- the seed's worked example, end to end --------------------------------------------------


async def test_seed_example_get_requests_carry_myid_and_every_field(
    recorder, seed_scenario, tmp_path: Path
) -> None:
    sc = parse_scenario(seed_scenario(recorder.base_url))
    profile = tmp_path / "seed.sqlite"
    summary = await run_scenario(sc, profile, instant=True, base_us=BASE_US)

    assert (summary.events, summary.deliveries, summary.delivered, summary.failed) == (3, 3, 3, 0)
    assert len(recorder.requests) == 3
    reqs = recorder.requests
    assert [r.method for r in reqs] == ["GET"] * 3
    assert [r.path for r in reqs] == ["/fordel/show.php"] * 3
    assert all(r.body == b"" for r in reqs)

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
        "CallerIDName": "",
        "CallerExtension": f"000*099@{DOMAIN}",
        "CallerExtensionID": "175",
        "CalledNumber": "00010005",
        "CallFlow": "out",
        "CallAPIID": api_id,
    }
    assert fields[0] == {**common, "EventType": "dial-out", "CallStatus": "CALLING",
                         "EventTime": str(BASE_US)}
    assert fields[1] == {**common, "EventType": "answer", "CallStatus": "ANSWER",
                         "EventTime": str(BASE_US + 1_000_000)}
    rec_id = fields[2].get("RecID")
    assert rec_id
    assert fields[2] == {**common, "EventType": "hangup", "CallStatus": "ANSWER",
                         "EventTime": str(BASE_US + 3_000_000), "Duration": "3000000",
                         "RecID": rec_id}
    # The query travels in the manual's field order, percent-encoded (the '*' and '@').
    assert reqs[0].path_qs.startswith("/fordel/show.php?myid=175&EventType=dial-out&CallID=")
    assert "CallerExtension=000%2A099%40sip.example.test" in reqs[0].path_qs

    # The profile recorded every event and every delivery.
    events = _rows(profile, "SELECT id, call_id, event_type, extension_id, extension_name, "
                            "event_time, source, data FROM events ORDER BY id")
    assert [(e[0], e[1], e[2], e[3], e[4], e[5], e[6]) for e in events] == [
        (1, call_id, "dial-out", 175, "000*099", BASE_US, "sim"),
        (2, call_id, "answer", 175, "000*099", BASE_US + 1_000_000, "sim"),
        (3, call_id, "hangup", 175, "000*099", BASE_US + 3_000_000, "sim"),
    ]
    for row, f in zip(events, fields, strict=True):
        assert json.loads(row[7]) == {k: v for k, v in f.items() if k != "myid"}

    deliveries = _rows(profile, "SELECT event_id, method, url, request_body, status_code, error, "
                                "latency_ms, response_body, started_at, finished_at "
                                "FROM deliveries ORDER BY id")
    assert [d[0] for d in deliveries] == [1, 2, 3]
    for d, r in zip(deliveries, reqs, strict=True):
        assert d[1] == "GET"
        assert d[2] == recorder.base_url + r.path_qs  # the URL exactly as requested
        assert d[3] == ""
        assert (d[4], d[5]) == (200, None)
        assert isinstance(d[6], float) and d[6] > 0
        assert d[7] == "ok\n"
        assert d[8] <= d[9]


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
    summary = await run_scenario(sc, tmp_path / "p.sqlite", instant=True, base_us=BASE_US)
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
        "CallerIDName": "",
        "CalledDID": "74951230000",
        "CalledExtension": f"000*200@{DOMAIN}",
        "CalledExtensionID": "200",
        "CalledNumber": "74951230000",
        "CallStatus": "CALLING",
        "CallFlow": "in",
        "CallAPIID": form["CallAPIID"],
        "EventTime": str(BASE_US),
    }
    assert req.body.startswith(b"EventType=dial-in&CallID=")
    assert b"CallerIDNum=%2B79817654321" in req.body  # '+' encoded, not turned into a space
    [(request_body, method)] = _rows(tmp_path / "p.sqlite",
                                     "SELECT request_body, method FROM deliveries")
    assert (request_body.encode(), method) == (req.body, "POST")


# -- the Dispatcher directly -----------------------------------------------------------------

EXT = Extension(id=175, name="000*099", type=ExtensionType.PHONE)


def _event(**over: object) -> EventData:
    fields = {"extension_id": 175, "event_type": EventType.HANGUP, "call_id": "c-1",
              "event_time": BASE_US, "sub_call_id": "s-1", "call_status": CallStatus.ANSWER,
              "call_flow": CallFlow.OUT, "duration": 3_000_000,
              "extra": {"X-Future-Field": "kept & sent"}}
    fields.update(over)
    return EventData(**fields)  # type: ignore[arg-type]


async def test_dispatcher_sends_get_and_post_for_the_same_event(recorder) -> None:
    subs = [
        Subscription(175, EventType.HANGUP, HttpMethod.GET, f"{recorder.base_url}/g?myid=175", id=1),
        Subscription(175, EventType.HANGUP, HttpMethod.POST, f"{recorder.base_url}/p", id=2),
        Subscription(175, EventType.ANSWER, HttpMethod.GET, f"{recorder.base_url}/other", id=3),
        Subscription(999, EventType.HANGUP, HttpMethod.GET, f"{recorder.base_url}/nobody", id=4),
    ]
    dispatcher = Dispatcher(subs)
    try:
        results = await dispatcher.deliver(7, _event())
    finally:
        await dispatcher.aclose()
    assert sorted(r.subscription_id for r in results) == [1, 2]
    assert all(r.ok and r.event_id == 7 and r.outcome == "200" for r in results)
    by_path = {r.path: r for r in recorder.requests}
    assert set(by_path) == {"/g", "/p"}  # only matching extension + event type
    expected = [("EventType", "hangup"), ("CallID", "c-1"), ("SubCallID", "s-1"),
                ("CallStatus", "ANSWER"), ("CallFlow", "out"), ("EventTime", str(BASE_US)),
                ("Duration", "3000000"), ("X-Future-Field", "kept & sent")]
    assert by_path["/g"].query == [("myid", "175"), *expected]
    assert "Content-Type" not in by_path["/g"].headers
    assert parse_qsl(by_path["/p"].body.decode(), keep_blank_values=True) == expected
    assert by_path["/p"].headers["Content-Type"] == "application/x-www-form-urlencoded"


async def test_no_matching_subscription_sends_nothing(recorder) -> None:
    dispatcher = Dispatcher([Subscription(175, EventType.ANSWER, HttpMethod.GET,
                                          recorder.base_url + "/")])
    try:
        assert await dispatcher.deliver(1, _event()) == []
    finally:
        await dispatcher.aclose()
    assert recorder.requests == []


async def test_target_url_overrides_every_subscription(recorder, receiver) -> None:
    subs = [Subscription(175, EventType.HANGUP, HttpMethod.GET, f"{recorder.base_url}/a?myid=1"),
            Subscription(175, EventType.HANGUP, HttpMethod.POST, f"{recorder.base_url}/b")]
    dispatcher = Dispatcher(subs, target_url=f"{receiver.base_url}/inbox")
    try:
        results = await dispatcher.deliver(1, _event())
    finally:
        await dispatcher.aclose()
    assert recorder.requests == []
    assert sorted(r.method for r in receiver.requests) == ["GET", "POST"]
    assert all(r.path_qs.startswith("/inbox") for r in receiver.requests)
    assert all(r.url.startswith(f"{receiver.base_url}/inbox") for r in results)


async def test_response_body_keeps_the_first_4_kib(recorder, tmp_path: Path) -> None:
    big = ("0123456789abcdef" * 1024).encode()  # 16 KiB
    recorder.respond = lambda _r: (200, big, 0.0)
    dispatcher = Dispatcher([Subscription(175, EventType.HANGUP, HttpMethod.GET,
                                          recorder.base_url + "/")])
    try:
        [result] = await dispatcher.deliver(1, _event())
    finally:
        await dispatcher.aclose()
    assert RESPONSE_KEEP_BYTES == 4096
    assert result.ok
    assert result.response_body == big[:4096].decode()


async def test_latency_is_measured(recorder) -> None:
    recorder.respond = lambda _r: (200, b"slow\n", 0.3)
    dispatcher = Dispatcher([Subscription(175, EventType.HANGUP, HttpMethod.GET,
                                          recorder.base_url + "/")])
    try:
        [result] = await dispatcher.deliver(1, _event())
    finally:
        await dispatcher.aclose()
    assert 300 <= result.latency_ms < 5000
    assert result.finished_at - result.started_at >= 300_000


async def test_connection_refused_is_named(closed_port: int) -> None:
    dispatcher = Dispatcher([Subscription(175, EventType.HANGUP, HttpMethod.GET,
                                          f"http://127.0.0.1:{closed_port}/hook")])
    try:
        [result] = await dispatcher.deliver(1, _event())
    finally:
        await dispatcher.aclose()
    assert not result.ok
    assert result.status_code is None
    assert result.error == "connection refused"
    assert result.outcome == "connection refused"


async def test_timeout_is_named(recorder) -> None:
    recorder.respond = lambda _r: (200, b"late\n", 1.0)
    dispatcher = Dispatcher([Subscription(175, EventType.HANGUP, HttpMethod.GET,
                                          recorder.base_url + "/")], timeout=0.2)
    try:
        [result] = await dispatcher.deliver(1, _event())
    finally:
        await dispatcher.aclose()
    assert (result.ok, result.status_code, result.error) == (False, None, "timeout")
    assert result.latency_ms < 900


async def test_redirect_is_not_followed_and_counts_as_failed(recorder) -> None:
    recorder.respond = lambda _r: (302, b"", 0.0)
    dispatcher = Dispatcher([Subscription(175, EventType.HANGUP, HttpMethod.GET,
                                          recorder.base_url + "/")])
    try:
        [result] = await dispatcher.deliver(1, _event())
    finally:
        await dispatcher.aclose()
    assert (result.ok, result.status_code) == (False, 302)
    assert len(recorder.requests) == 1


# -- failures recorded in the profile ----------------------------------------------------------


async def test_503_counts_as_failed_and_is_recorded(receiver, seed_scenario, tmp_path) -> None:
    sc = parse_scenario(seed_scenario(receiver.base_url, "/status/503?myid=175"))
    profile = tmp_path / "p.sqlite"
    summary = await run_scenario(sc, profile, instant=True, base_us=BASE_US)
    assert (summary.deliveries, summary.delivered, summary.failed) == (3, 0, 3)
    assert receiver.count == 3
    rows = _rows(profile, "SELECT status_code, error, response_body FROM deliveries")
    assert rows == [(503, None, "status 503 as asked\n")] * 3


async def test_refused_deliveries_are_recorded(seed_scenario, closed_port, tmp_path) -> None:
    sc = parse_scenario(seed_scenario(f"http://127.0.0.1:{closed_port}"))
    profile = tmp_path / "p.sqlite"
    summary = await run_scenario(sc, profile, instant=True, base_us=BASE_US)
    assert (summary.events, summary.deliveries, summary.failed) == (3, 3, 3)
    rows = _rows(profile, "SELECT status_code, error, response_body FROM deliveries")
    assert rows == [(None, "connection refused", "")] * 3
    assert _rows(profile, "SELECT COUNT(*) FROM events") == [(3,)]


async def test_flaky_receiver_mixed_results(receiver, seed_scenario, tmp_path) -> None:
    text = seed_scenario(receiver.base_url, "/flaky")
    # Five calls, three subscribed events each: every fifth request answers 500.
    call = text[text.index("[[calls]]"):]
    sc = parse_scenario(text + "".join(call.replace("at = 0", f"at = {i}") for i in range(1, 5)))
    profile = tmp_path / "p.sqlite"
    summary = await run_scenario(sc, profile, instant=True, base_us=BASE_US)
    assert (summary.deliveries, summary.delivered, summary.failed) == (15, 12, 3)
    codes = sorted(r[0] for r in _rows(profile, "SELECT status_code FROM deliveries"))
    assert codes == [200] * 12 + [500] * 3


async def test_a_calls_events_arrive_in_order_even_when_the_first_is_slow(
    recorder, seed_scenario, tmp_path
) -> None:
    # The subscriber takes its time over dial-out; answer and hangup must still come after it.
    recorder.respond = lambda r: (200, b"ok", 0.3 if ("EventType", "dial-out") in r.query else 0)
    sc = parse_scenario(seed_scenario(recorder.base_url))
    await run_scenario(sc, tmp_path / "p.sqlite", instant=True, base_us=BASE_US)
    dial_out, answer, hangup = recorder.requests
    assert [dict(r.query)["EventType"] for r in (dial_out, answer, hangup)] == [
        "dial-out", "answer", "hangup"]
    # answer was only sent once dial-out had been answered (0.3 s later).
    assert answer.arrived - dial_out.arrived >= 0.29


async def test_second_run_appends_to_the_same_profile(receiver, seed_scenario, tmp_path) -> None:
    sc = parse_scenario(seed_scenario(receiver.base_url))
    profile = tmp_path / "p.sqlite"
    await run_scenario(sc, profile, instant=True, base_us=BASE_US)
    await run_scenario(sc, profile, instant=True, base_us=BASE_US + 60_000_000)
    assert _rows(profile, "SELECT id FROM events ORDER BY id") == [(i,) for i in range(1, 7)]
    assert _rows(profile, "SELECT id, event_id FROM deliveries ORDER BY id") == [
        (i, i) for i in range(1, 7)]


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
    assert dict(receiver.requests[0].query)["Duration"] == "500000"
