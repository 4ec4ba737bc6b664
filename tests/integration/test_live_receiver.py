"""The live receiver over real HTTP on 127.0.0.1: what it stores, flags, refuses and relays.

The receiver runs in the test's loop with a real profile, writer and delivery engine; its
relay goes to a real recording server (the developer's handler).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from pbxdesk.domain import EventType, Extension, ExtensionType, HttpMethod, Subscription
from pbxdesk.engine.live_receiver import LiveSession
from pbxdesk.engine.policy import DeliveryPolicy
from pbxdesk.store.profile import Profile

FIELDS = {
    "EventType": "dial-out",
    "CallID": "0f6f1d4b-8a65-4b5e-9f38-0c5d1f9f2a10",
    "SubCallID": "a1b2c3d4e5f60718",
    "CallerIDNum": "000*099",
    "CallerIDName": "Анна",
    "CallerExtension": "000*099@sip.example.test",
    "CallerExtensionID": "175",
    "CalledNumber": "00010005",
    "CallStatus": "CALLING",
    "CallFlow": "out",
    "CallAPIID": "3456789012",
    "EventTime": "1700000000000000",
}
POLICY = DeliveryPolicy(schedule=(0.0, 0.05), jitter=0.0, timeout=2.0, pause_after=0)


@pytest.fixture
async def live(tmp_path: Path, recorder):
    """A LiveSession on a profile with extension 175 relaying dial-out/hangup to ``recorder``."""
    path = tmp_path / "live.sqlite"
    with Profile.open(path) as p:
        p.replace_config(
            [Extension(175, "000*099", ExtensionType.PHONE, record=True)],
            [
                Subscription(175, EventType.DIAL_OUT, HttpMethod.GET, f"{recorder.base_url}/crm?myid=175"),
                Subscription(175, EventType.HANGUP, HttpMethod.POST, f"{recorder.base_url}/crm/hangup"),
            ],
        )
    profile = Profile.open(path)
    requests: list = []
    session = LiveSession(profile, port=0, policy=POLICY, on_request=requests.append)
    await session.open()
    session.requests = requests  # type: ignore[attr-defined]
    yield session
    await session.close()
    profile.close()


def _rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def _relayed(recorder, n: int, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if len(recorder.requests) >= n:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{len(recorder.requests)} relayed, expected {n}")


async def test_get_event_is_stored_then_relayed_with_exactly_its_fields(live, recorder) -> None:
    rx = live.receiver
    url = rx.url_for(175)
    async with httpx.AsyncClient() as http:
        resp = await http.get(url, params={**FIELDS, "NewField": "kept"})
    assert resp.status_code == 200 and resp.text == "ok\n"
    # Durable before the answer: the raw row is committed (read without flushing the writer).
    rows = _rows(live.profile.path, "SELECT id, method, path, query, body, event_id, flag FROM raw_requests")
    assert len(rows) == 1
    raw_id, method, path, query, body, event_id, flag = rows[0]
    assert (method, path, body, flag) == ("GET", "/<token>/175", b"", None)
    assert dict(parse_qsl(query)) == {**FIELDS, "NewField": "kept"}
    assert event_id is not None

    await _relayed(recorder, 1)
    got = recorder.requests[0]
    assert got.path == "/crm"
    # The handler gets the subscription's own query, then the event's fields: all of them,
    # the unknown one included, as the PBX sent them.
    assert got.query[0] == ("myid", "175")
    assert dict(got.query[1:]) == {**FIELDS, "NewField": "kept"}
    assert live.requests[0].event_id == event_id and live.requests[0].flag is None

    await live.close()
    (data,) = _rows(live.profile.path, f"SELECT data FROM events WHERE id = {event_id}")[0]
    assert json.loads(data)["NewField"] == "kept"
    (src,) = _rows(live.profile.path, f"SELECT source FROM events WHERE id = {event_id}")[0]
    assert src == "live"
    # The token is in no byte of the profile (path masked; no URL holding it stored).
    blob = b"".join(p.read_bytes() for p in live.profile.path.parent.glob("live.sqlite*"))
    assert rx.token.encode() not in blob


async def test_post_form_event_is_relayed_as_a_form(live, recorder) -> None:
    fields = {**FIELDS, "EventType": "hangup", "CallStatus": "ANSWER", "Duration": "3000000", "RecID": "ab12"}
    async with httpx.AsyncClient() as http:
        resp = await http.post(live.receiver.url_for(175), data=fields)
    assert resp.status_code == 200
    await _relayed(recorder, 1)
    got = recorder.requests[0]
    assert got.method == "POST" and got.path == "/crm/hangup"
    assert dict(parse_qsl(got.body.decode())) == fields


async def test_receiver_behind_a_tunnel_path_prefix(live, recorder) -> None:
    url = live.receiver.url_for(175, f"http://127.0.0.1:{live.receiver.port}/pbx/hooks")
    async with httpx.AsyncClient() as http:
        assert (await http.get(url, params=FIELDS)).status_code == 200
    await _relayed(recorder, 1)


async def test_wrong_or_missing_token_is_403_and_not_stored(live) -> None:
    rx = live.receiver
    async with httpx.AsyncClient() as http:
        for url in (
            f"{rx.base_url}/{'x' * len(rx.token)}/175",
            f"{rx.base_url}/175",
            f"{rx.base_url}/",
            f"{rx.base_url}/{rx.token[:-1]}/175",
        ):
            resp = await http.get(url, params=FIELDS)
            assert resp.status_code == 403, url
            assert "token" in resp.text
        resp = await http.put(rx.url_for(175), content=b"EventType=hangup")
        assert resp.status_code == 405 and "GET or POST" in resp.text
    await asyncio.to_thread(live.writer.flush)
    assert _rows(live.profile.path, "SELECT COUNT(*) FROM raw_requests") == [(0,)]
    assert rx.stats["refused 403"] == 4 and rx.stats["refused 405"] == 1


async def test_a_10_mb_body_is_refused_413_with_the_limit(live) -> None:
    rx = live.receiver
    async with httpx.AsyncClient(timeout=10) as http:
        resp = await http.post(rx.url_for(175), content=b"A" * (10 * 1024 * 1024))
        assert resp.status_code == 413
        assert "1048576 byte limit" in resp.text

        async def chunks():  # no Content-Length: the limit is counted while reading
            for _ in range(40):
                yield b"B" * 65536

        resp = await http.post(rx.url_for(175), content=chunks())
        assert resp.status_code == 413
        # Just under the limit is fine (stored; flagged: not an event).
        resp = await http.post(rx.url_for(175), content=b"x=" + b"C" * (1024 * 1024 - 2))
        assert resp.status_code == 200
    await asyncio.to_thread(live.writer.flush)
    assert _rows(live.profile.path, "SELECT length(body), event_id FROM raw_requests") == [
        (1024 * 1024, None)
    ]


async def test_non_utf8_bytes_are_kept_raw_flagged_and_relayed(live, recorder) -> None:
    body = urlencode({**FIELDS, "EventType": "hangup"}).encode() + b"&CallerIDName=\xcf\xf0\xe8\xe2\xe5\xf2"
    body = body.replace(b"CallerIDName=%D0%90%D0%BD%D0%BD%D0%B0&", b"")  # cp1251, not UTF-8
    async with httpx.AsyncClient() as http:
        resp = await http.post(
            live.receiver.url_for(175),
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert resp.status_code == 200
        resp = await http.get(live.receiver.url_for(175) + "?" + urlencode(FIELDS) + "&Note=%FF%FE")
        assert resp.status_code == 200
    rows = _rows(live.profile.path, "SELECT body, flag, event_id FROM raw_requests ORDER BY id")
    assert rows[0][0] == body  # the bytes exactly as received
    assert "non-UTF-8" in rows[0][1] and rows[0][2] is not None
    assert "non-UTF-8" in rows[1][1] and rows[1][2] is not None
    await _relayed(recorder, 2)
    by_path = {r.path: r for r in recorder.requests}
    relayed = dict(parse_qsl(by_path["/crm/hangup"].body.decode()))
    assert relayed["CallerIDName"] == "\ufffd" * 6
    assert dict(by_path["/crm"].query)["Note"] == "\ufffd\ufffd"


async def test_unknown_event_type_and_missing_fields_are_stored_flagged_not_relayed(live, recorder) -> None:
    rx = live.receiver
    async with httpx.AsyncClient() as http:
        r1 = await http.get(rx.url_for(175), params={**FIELDS, "EventType": "extension-call-status"})
        r2 = await http.post(rx.url_for(175), data={"EventType": "hangup", "CallerIDNum": "+79817654321"})
        r3 = await http.get(f"{rx.base_url}/{rx.token}", params=FIELDS)  # no extension in the URL
        r4 = await http.get(rx.url_for(175), params={**FIELDS, "EventTime": "yesterday"})
        r5 = await http.get(rx.url_for(175))  # nothing at all
    assert [r.status_code for r in (r1, r2, r3, r4, r5)] == [200] * 5  # the PBX must not retry these
    assert "not relayed" in r1.text
    rows = _rows(rx.profile_path, "SELECT method, body, event_id, flag FROM raw_requests ORDER BY id")
    assert [r[2] for r in rows] == [None] * 5
    flags = [r[3] for r in rows]
    assert flags[0] == "unknown EventType 'extension-call-status'"
    assert flags[1] == "required fields missing: CallID, EventTime"
    assert rows[1][1] == b"EventType=hangup&CallerIDNum=%2B79817654321"  # stored raw
    assert flags[2] == "the URL does not name the extension (expected /<token>/<extension id>)"
    assert flags[3] == "EventTime 'yesterday' is not microseconds since the epoch"
    assert flags[4] == "required fields missing: EventType, CallID, EventTime"
    assert _rows(rx.profile_path, "SELECT COUNT(*) FROM events") == [(0,)]
    # "Not relayed" shown by an event, not a sleep: a good request after them is relayed,
    # and it is the only one the CRM gets.
    async with httpx.AsyncClient() as http:
        good = await http.get(rx.url_for(175), params=FIELDS)
    assert good.status_code == 200
    await _relayed(recorder, 1)
    assert [r.path for r in recorder.requests] == ["/crm"]
    assert rx.stats["flagged"] == 5 and rx.stats["relayed"] == 1


async def test_bound_to_a_non_loopback_address_it_warns(tmp_path: Path) -> None:
    with Profile.open(tmp_path / "w.sqlite") as profile:
        session = LiveSession(profile, host="0.0.0.0", port=0)
        rx = await session.open()
        try:
            assert rx.warning and "reachable from other machines" in rx.warning and "token" in rx.warning
            async with httpx.AsyncClient() as http:
                assert (await http.get(f"http://127.0.0.1:{rx.port}/175", params=FIELDS)).status_code == 403
        finally:
            await session.close()
        session = LiveSession(profile, port=0)
        rx = await session.open()
        assert rx.warning is None
        await session.close()


async def test_relay_never_loops_back_into_the_receiver(tmp_path: Path, recorder) -> None:
    path = tmp_path / "loop.sqlite"
    profile = Profile.open(path)
    session = LiveSession(profile, port=0, token="t" * 24, policy=POLICY)
    rx = await session.open()
    try:
        profile.replace_config(
            [Extension(175, "000*099", ExtensionType.PHONE)],
            [
                Subscription(175, EventType.DIAL_OUT, HttpMethod.GET, rx.url_for(175)),  # would loop
                Subscription(175, EventType.DIAL_OUT, HttpMethod.GET, f"{recorder.base_url}/crm"),
            ],
        )
        session.refresh_subscriptions()
        async with httpx.AsyncClient() as http:
            assert (await http.get(rx.url_for(175), params=FIELDS)).status_code == 200
        await session.engine.wait_idle(5)
        assert rx.stats["stored"] == 1 and len(recorder.requests) == 1
    finally:
        await session.close()
        profile.close()
