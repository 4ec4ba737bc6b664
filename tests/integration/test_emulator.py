"""The PBX emulator's own behaviour over real HTTP: auth, validation, admin endpoints, the
callback through the simulator, and no secret in any log."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

import httpx
import pytest

from pbxdesk.engine.scenario import parse_scenario
from pbxdesk.pbx.emulator import PbxEmulator

CID, SECRET = "emu-app", "emu-Secret-xyz"
SCENARIO = """\
[pbx]
seed = 9
domain = "pbx.test"

[[extensions]]
id = 200
name = "200"
type = "phone"
label = "Sales desk"

[[extensions]]
id = 201
name = "201"
type = "phone"
label = "Ivan"

[[extensions]]
id = 300
name = "300"
type = "ivr"
route = "000*200"
"""


@pytest.fixture
async def emu():
    e = PbxEmulator(CID, SECRET, scenario=parse_scenario(SCENARIO), speed=20.0)
    await e.start()
    yield e
    await e.stop()


@pytest.fixture
async def http(emu):
    async with httpx.AsyncClient(base_url=emu.base_url) as c:
        token = (
            await c.post(
                "/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": CID,
                    "client_secret": SECRET,
                    "scope": "all",
                },
            )
        ).json()
        assert token["token_type"] == "Bearer" and token["expires_in"] == 3600 and token["scope"] == "all"
        c.headers["Authorization"] = f"Bearer {token['access_token']}"
        c.token = token["access_token"]  # type: ignore[attr-defined]
        yield c


async def test_api_needs_a_valid_token(emu) -> None:
    async with httpx.AsyncClient(base_url=emu.base_url) as c:
        r = await c.get("/api/ver1.0/client/@me/extension/")
        assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
        r = await c.get("/api/ver1.0/client/@me/extension/", headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
        r = await c.post(
            "/oauth/token", data={"grant_type": "password", "client_id": CID, "client_secret": SECRET}
        )
        assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


async def test_paths_with_or_without_the_slash_and_validation_messages(http) -> None:
    assert (await http.get("/api/ver1.0/extension/@200")).json()["id"] == 200
    r = await http.post(
        "/api/ver1.0/extension/200/event/", json={"url": "ftp://x", "method": "GET", "event_type": "hangup"}
    )
    assert r.status_code == 400 and "is not an http(s) URL" in r.json()["message"]
    r = await http.post("/api/ver1.0/extension/200/event/", json={"url": "http://x/"})
    assert r.status_code == 400
    assert r.json() == {"message": "required: method, event_type", "status": "invalid_data"}
    r = await http.post("/api/ver1.0/extension/200/event/", content=b"\xff not json")
    assert r.status_code == 400 and "JSON object" in r.json()["message"]
    r = await http.post(
        "/api/ver1.0/extension/200/event/",
        json={"url": "http://x/", "method": "GET", "event_type": "message-in"},
    )
    assert r.status_code == 201
    # A phone with a message subscription cannot become an ivr: the model's rule holds.
    r = await http.put("/api/ver1.0/extension/200/", json={"type": "ivr"})
    assert r.status_code == 400 and "only available on 'phone'" in r.json()["message"]
    r = await http.put("/api/ver1.0/extension/200/", json={"status": "paused"})
    assert r.status_code == 400 and "status" in r.json()["message"]
    r = await http.get("/api/ver1.0/client/someone-else/extension/")
    assert r.status_code == 404 and r.json()["status"] == "client_not_found"


async def test_admin_endpoints(emu, http) -> None:
    r = await http.post("/admin/faults", json=[{"status": 502, "count": 1}, {"latency": 0.01}])
    assert [f["status"] for f in r.json()["faults"]] == [502, None]
    assert (await http.get("/api/ver1.0/extension/200/")).status_code == 502
    assert (await http.get("/api/ver1.0/extension/200/")).status_code == 200  # count 1 used up
    assert len((await http.get("/admin/faults")).json()["faults"]) == 1
    assert (await http.delete("/admin/faults")).json() == {"cleared": 1}
    r = await http.post("/admin/faults", json={"status": "boom"})
    assert r.status_code == 400 and "fault.status" in r.json()["message"]
    state = (await http.get("/admin/state")).json()
    assert (
        state["extensions"] == 3
        and state["stats"]["token requests"] == 1
        and state["stats"]["fault 502"] == 1
    )


async def test_callback_for_another_source_rings_it_and_carries_callbackid(emu, http, recorder) -> None:
    for ext in (200, 201):
        for et in ("dial-in", "dial-out", "answer", "hangup"):
            await http.post(
                f"/api/ver1.0/extension/{ext}/event/",
                json={"url": f"{recorder.base_url}/h/{ext}?myid={ext}", "method": "GET", "event_type": et},
            )
    r = await http.post(
        "/api/ver1.0/extension/@200/callback/", json={"dst_num": "+79112223344", "src_num": "201"}
    )
    assert r.status_code == 201
    assert await emu.wait_calls_done(10)
    seen = [(rq.path, dict(rq.query)) for rq in recorder.requests]
    # 201 is rung (dial-in, answer), then calls out on 200's behalf (dial-out, answer, hangup);
    # the owner 200 takes no part in the call, so gets nothing.
    assert {p for p, _q in seen} == {"/h/201"}
    assert sorted(q["EventType"] for _p, q in seen) == [
        "answer",
        "answer",
        "dial-in",
        "dial-out",
        "hangup",
        "hangup",
    ]
    assert seen[0][1]["EventType"] == "dial-in"
    assert all(q["CallBackID"] and q["CallID"] == r.json()["call_id"] for _p, q in seen)
    assert [ev.to_fields() for ev in emu.events] == [
        {k: v for k, v in q.items() if k != "myid"} for _p, q in seen
    ]


async def test_callback_refusals(http) -> None:
    r = await http.post("/api/ver1.0/extension/@200/callback/", json={"dst_num": "+7911", "src_num": []})
    assert r.status_code == 400 and "src_num" in r.json()["message"]
    r = await http.post(
        "/api/ver1.0/extension/@200/callback/", json={"dst_num": "000*999", "src_num": ["200"]}
    )
    assert r.status_code == 400 and "unknown extension '000*999'" in r.json()["message"]
    await http.put("/api/ver1.0/extension/@201/", json={"status": "blocked"})
    r = await http.post("/api/ver1.0/extension/@201/callback/", json={"dst_num": "+7911", "src_num": ["201"]})
    assert r.status_code == 400 and "blocked" in r.json()["message"]
    # An ivr made through the API has no route: callers hear the menu and hang up (allowed);
    # a queue made through the API has no agents: the emulator says so instead of guessing.
    await http.post("/api/ver1.0/client/@me/extension/", json={"name": "301", "type": "ivr"})
    r = await http.post("/api/ver1.0/extension/@200/callback/", json={"dst_num": "301", "src_num": ["200"]})
    assert r.status_code == 201
    made = (
        await http.post("/api/ver1.0/client/@me/extension/", json={"name": "302", "type": "queue"})
    ).json()
    r = await http.post("/api/ver1.0/extension/@200/callback/", json={"dst_num": "302", "src_num": ["200"]})
    assert r.status_code == 400 and f"queue {made['name']} has no agents" in r.json()["message"]
    r = await http.post("/api/ver1.0/extension/@200/callback/", json={"dst_num": "300", "src_num": ["200"]})
    assert r.status_code == 201  # the scenario's ivr routes to 200


async def test_no_secret_or_token_in_any_log(emu, http, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(base_url=emu.base_url) as c:
        await c.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": CID, "client_secret": "guess"},
        )
        await c.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET},
        )
    await http.get("/api/ver1.0/client/@me/extension/")
    logged = caplog.text + repr(list(emu.log))
    assert SECRET not in logged and "guess" not in logged and http.token not in logged
    assert ("POST", "/oauth/token", 401) in emu.log


async def test_scenario_calls_play_on_start_to_the_scenarios_subscriptions(recorder) -> None:
    text = (
        SCENARIO
        + f"""
[[subscriptions]]
extension = 200
event_type = "dial-in"
method = "POST"
url = "{recorder.base_url}/crm"

[[calls]]
at = 0.0
from = "+79990001122"
to = "000*200"
answer_after = 0.5
talk = 0.5
"""
    )
    emu = PbxEmulator(CID, SECRET, scenario=parse_scenario(text), speed=20.0)
    await emu.start()
    try:
        assert await emu.wait_calls_done(10)
    finally:
        await emu.stop()
    assert len(recorder.requests) == 1
    got = dict(parse_qsl(recorder.requests[0].body.decode(), keep_blank_values=True))
    assert got["EventType"] == "dial-in" and got["CallerIDNum"] == "+79990001122"
    assert got == emu.events[0].to_fields()
