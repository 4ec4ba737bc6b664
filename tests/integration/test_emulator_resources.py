"""Every resource of the emulator over real HTTP, as the real API's clients call it: the shapes,
status codes and error bodies of the public record (pbx-api-public.md sections 1-7, 9)."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qsl

import httpx
import pytest

from pbxdesk.engine.scenario import parse_scenario
from pbxdesk.pbx.emulator import PbxEmulator

CID, SECRET = "app-telphin", "s3cret-xyz"
ACCOUNT = 4711
SCENARIO = """\
[pbx]
seed = 5
client_prefix = "7781"
domain = "sipproxy.test"

[[extensions]]
id = 101
name = "101"
type = "phone"
label = "Anna"
caller_id_name = "Anna Petrova"
record = true
did = "74951112233"

[[extensions]]
id = 102
name = "102"
type = "phone"

[[extensions]]
id = 200
name = "200"
type = "queue"
agents = ["7781*101", "7781*102"]

[[extensions]]
id = 300
name = "300"
type = "ivr"
route = "7781*101"
"""
EXT_FIELDS = {
    "id", "name", "domain", "type", "status", "label", "caller_id_name", "client_id", "extension_group_id",
    "create_date", "extra_params", "dial_rule_id", "dial_rule_limit", "message_did", "ani_rfc3325",
}  # fmt: skip


def _emu(**kw: object) -> PbxEmulator:
    return PbxEmulator(CID, SECRET, scenario=parse_scenario(SCENARIO), **kw)  # type: ignore[arg-type]


@pytest.fixture
async def emu():
    e = _emu(speed=20.0)
    await e.start()
    yield e
    await e.stop()


async def _token(c: httpx.AsyncClient) -> str:
    r = await c.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET}
    )
    return r.json()["access_token"]


async def _subscribe(http: httpx.AsyncClient, base_url: str, subs: list[tuple[int, str]]) -> None:
    """Subscribe each (extension, event type) by GET to ``base_url``/<extension>."""
    for ext, kind in subs:
        sub = {"url": f"{base_url}/{ext}", "method": "GET", "event_type": kind}
        assert (await http.post(f"/extension/{ext}/event/", json=sub)).status_code == 201


async def _answered_call(http: httpx.AsyncClient, ext: int) -> dict:
    """The first call under way on ``ext`` once it is answered (waits up to 4 s)."""
    for _ in range(200):
        calls = (await http.get(f"/extension/{ext}/current_calls/")).json()["call_list"]
        if calls and calls[0]["answer_time_gmt"]:
            return calls[0]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no answered call on extension {ext} within 4 s")


@pytest.fixture
async def http(emu):
    async with httpx.AsyncClient(base_url=emu.base_url + "/api/ver1.0") as c:
        async with httpx.AsyncClient(base_url=emu.base_url) as root:
            c.headers["Authorization"] = f"Bearer {await _token(root)}"
        yield c


async def test_token_from_a_form_the_query_string_multipart_or_basic(emu) -> None:
    creds = {"grant_type": "client_credentials", "client_id": CID, "client_secret": SECRET}
    async with httpx.AsyncClient(base_url=emu.base_url) as c:
        answers = [
            await c.post("/oauth/token", data=creds),
            await c.post("/oauth/token", params=creds),  # empty body (OrlovEvgeny, pavship)
            await c.post("/oauth/token", files={k: (None, v) for k, v in creds.items()}),  # multipart
            await c.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(CID, SECRET)),
            await c.post("/oauth/token", data={**creds, "scope": "all"}),
        ]
        for r in answers:
            body = r.json()
            assert r.status_code == 200, body
            assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"] == "all"
            assert len(body["access_token"]) == 32
        wrong = await c.post("/oauth/token", data={**creds, "client_secret": "nope"})
        assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
        grant = await c.post("/oauth/token", data={**creds, "grant_type": "password"})
        assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
        refresh = await c.post("/oauth/token", data={**creds, "grant_type": "refresh_token"})
        assert (refresh.status_code, refresh.json()["error"]) == (401, "invalid_grant")
        r = await c.get("/api/ver1.0/user/")
        assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
        # a multipart part whose header is not HTTP (found by schemathesis): 400, not 500
        bad = b'--XX\r\nContent-Disposition: form-data; name="a\x00\tb"\r\n\r\n1\r\n--XX--\r\n'
        r = await c.post(
            "/oauth/token", content=bad, headers={"Content-Type": "multipart/form-data; boundary=XX"}
        )
        assert (r.status_code, r.json()["error"]) == (400, "invalid_request")


async def test_user_client_and_the_numeric_client_id_on_every_client_path(http) -> None:
    user = (await http.get("/user/")).json()
    assert user["client_id"] == ACCOUNT and user["access"] == "full" and user["admin"] is False
    assert set(user) == {"id", "login", "client_id", "extension_id", "extension_group_id", "dealer_id",
                         "admin", "access", "timezone", "extra_params"}  # fmt: skip
    for cid in ("@me", str(ACCOUNT)):
        assert (await http.get(f"/client/{cid}/")).json()["prefix"] == "7781"
        assert (await http.get(f"/client/client_info/{cid}")).json()["id"] == ACCOUNT
        assert (await http.get(f"/client/{cid}/client/")).json()["prefix"] == "7781"
        assert len((await http.get(f"/client/{cid}/extension/")).json()) == 4
        assert (await http.get(f"/client/{cid}/limit/")).status_code == 200
    for wrong in ("4712", CID):  # the OAuth application id is not a client id
        r = await http.get(f"/client/{wrong}/extension/")
        assert r.status_code == 404 and r.json()["status"] == "client_not_found"


async def test_extension_list_filters_and_paging(http) -> None:
    async def names(**params: object) -> list[str]:
        r = await http.get("/client/@me/extension/", params=params)
        assert r.status_code == 200
        return [e["name"] for e in r.json()]

    assert await names() == ["7781*101", "7781*102", "7781*200", "7781*300"]  # no per_page: all
    assert await names(type="phone") == ["7781*101", "7781*102"]
    assert await names(name="7781*102") == ["7781*102"]  # exact: a client takes element [0]
    assert await names(name="7781*10") == []
    assert await names(status="blocked") == []
    assert await names(per_page=3) == ["7781*101", "7781*102", "7781*200"]
    assert await names(per_page=3, page=2) == ["7781*300"]
    r = await http.get("/client/@me/extension/", params={"per_page": "zero"})
    assert r.status_code == 400 and r.json()["status"] == "invalid_data"


async def test_extension_crud_under_both_paths(http) -> None:
    r = await http.post("/client/@me/extension/", json={"name": "150", "type": "phone", "label": "New"})
    assert r.status_code == 201
    made = r.json()
    assert set(made) == EXT_FIELDS
    assert made["name"] == "7781*150" and made["status"] == "blocked" and made["client_id"] == ACCOUNT
    assert made["domain"] == "sipproxy.test" and len(made["create_date"]) == 19
    one = f"/client/{ACCOUNT}/extension/{made['id']}"
    assert (await http.get(one)).json() == made
    r = await http.put(
        one, json={"caller_id_name": "Reception", "status": "active", "extra_params": '{"u": 1}'}
    )
    assert (
        r.status_code == 200 and r.json()["caller_id_name"] == "Reception" and r.json()["status"] == "active"
    )
    assert (await http.get(f"/extension/{made['id']}/")).json() == r.json()
    r = await http.put(one + "/", json={"name": "151"})
    assert r.status_code == 400 and "cannot be renamed" in r.json()["message"]
    assert (await http.delete(one)).status_code == 204
    assert (await http.get(one)).status_code == 404
    assert (await http.delete(f"/extension/{made['id']}/")).status_code == 404
    r = await http.post("/client/@me/extension/", json={"name": "101", "type": "phone"})
    assert r.status_code == 400 and "already exists" in r.json()["message"]


async def test_queue_ivr_and_ani_settings(http) -> None:
    q = (await http.get("/extension/200/queue/")).json()
    assert q["strategy"] == "ring-all" and q["agents"] == ["7781*101", "7781*102"]
    r = await http.put(
        "/extension/200/queue", json={"strategy": "sequentially-by-agent-order", "agents": ["102"]}
    )
    assert r.status_code == 200 and r.json()["agents"] == ["7781*102"]
    r = await http.put("/extension/200/queue/", json={"agents": ["200"]})
    assert r.status_code == 400 and "agents must be phones" in r.json()["message"]
    assert (await http.get("/extension/101/queue/")).status_code == 404
    ivr = (await http.get("/extension/300/ivr/")).json()
    assert ivr["route"] == "7781*101"
    r = await http.put("/extension/300/ivr/", json={"route": "102", "menu_time": 1.5})
    assert r.json()["route"] == "7781*102" and r.json()["menu_time"] == 1.5
    assert (await http.get("/extension/101/ani/")).json() == {"default": "74951112233", "ani_number": None}
    assert (await http.put("/extension/102/ani/", json={"ani_number": "74951112233"})).status_code == 200
    r = await http.put("/extension/102/ani/", json={"ani_number": "70000000000"})
    assert r.status_code == 400


async def test_subscriptions_global_feeds_statuses_agents_and_limits(emu, http, recorder) -> None:
    sub = {"url": f"{recorder.base_url}/x?myid=1", "method": "GET", "event_type": "hangup"}
    for _ in range(2):
        assert (await http.post("/extension/101/event/", json=sub)).status_code == 201
    assert len((await http.get("/extension/101/event")).json()) == 2
    assert (await http.delete("/extension/101/event/")).status_code == 204  # all of them
    assert (await http.get("/extension/101/event/")).json() == []
    # client-wide: extension-call-status, fired by setting a phone's status
    r = await http.post(
        "/client/@me/phone_events/",
        json={"url": f"{recorder.base_url}/status", "method": "POST", "event_type": "extension-call-status"},
    )
    assert r.status_code == 201 and set(r.json()) == {"id", "url", "method", "event_type"}
    feed_id = r.json()["id"]
    r = await http.post("/client/@me/phone_events/", json={**sub, "event_type": "agent-login"})
    assert r.status_code == 400
    status = (await http.post("/client/@me/extension/call_status/", json={"name": "Lunch"})).json()
    assert set(status) == {"id", "name", "property_list", "create_dt", "extra_params", "dealer_id"}
    r = await http.put("/extension/101/call_status/", json={"status_id": status["id"]})
    assert r.status_code == 200
    await http.put("/extension/101/call_status/", json={"status_id": status["id"]})  # no change: no event
    # agents: 101 is an agent of queue 200; logging out fires agent-logout
    agents = (await http.get("/client/@me/agent/local/")).json()
    assert [a["id"] for a in agents] == [101, 102] and agents[0]["queues"] == [200]
    assert (await http.get("/extension/200/agent/")).json() == agents
    assert (await http.get("/extension/101/agent/")).status_code == 404
    r = await http.post(
        "/client/@me/agent/local/101/event/",
        json={"url": f"{recorder.base_url}/agent", "method": "GET", "event_type": "agent-logout"},
    )
    assert r.status_code == 201
    assert (await http.put("/client/@me/agent/local/101/", json={"status": "logged_out"})).status_code == 200
    assert (await http.get("/client/@me/agent/local/300/")).status_code == 404
    limits = (await http.get("/client/@me/limit/")).json()
    assert limits["event_subscriptions_used"] == 2
    assert (limits["phone_events_used"], limits["agent_events_used"], limits["extension_events_used"]) == (
        1,
        1,
        0,
    )
    assert await emu.wait_calls_done(10)
    by_path = {rq.path: rq for rq in recorder.requests}
    assert len([rq for rq in recorder.requests if rq.path == "/status"]) == 1
    got = dict(parse_qsl(by_path["/status"].body.decode(), keep_blank_values=True))
    assert got["event_type"] == "call-status-change" and got["old_status_id"] == ""
    assert (got["new_status_id"], got["extension_id"], got["extension_name"]) == (
        str(status["id"]),
        "101",
        "7781*101",
    )
    assert got["client_id"] == str(ACCOUNT) and len(got["change_dt"]) == 19
    agent = dict(by_path["/agent"].query)
    assert agent == {"agent_id": "101", "agent_status": "logged_out", "agent_type": "local",
                     "extension_name": "7781*101@sipproxy.test", "event_source": "api"}  # fmt: skip
    assert (await http.delete(f"/client/{ACCOUNT}/phone_events/{feed_id}")).status_code == 204
    assert (await http.get("/client/@me/phone_events/")).json() == []


async def test_callback_current_calls_hang_up_and_history(recorder) -> None:
    emu = _emu(speed=1.0, callback_talk=60.0, callback_src_answer_after=0.1, callback_answer_after=0.1)
    await emu.start()
    try:
        async with httpx.AsyncClient(base_url=emu.base_url + "/api/ver1.0") as http:
            async with httpx.AsyncClient(base_url=emu.base_url) as root:
                http.headers["Authorization"] = f"Bearer {await _token(root)}"
            sub = {"url": f"{recorder.base_url}/h", "method": "GET", "event_type": "hangup"}
            await http.post("/extension/101/event/", json=sub)
            r = await http.post(
                "/extension/@101/callback/", json={"src_num": ["101"], "dst_num": "+79112223344"}
            )
            assert r.status_code == 201 and set(r.json()) == {"call_api_id", "call_id"}
            ids = r.json()
            # the record's formats: call_id is the CallID (32 hex), call_api_id "cb-<10 digits>-<CallID>"
            assert re.fullmatch(r"[0-9a-f]{32}", ids["call_id"])
            assert re.fullmatch(rf"cb-\d{{10}}-{ids['call_id']}", ids["call_api_id"])
            for _ in range(100):  # the call is answered after ~0.2 s
                calls = (await http.get("/client/@me/current_calls/")).json()["call_list"]
                if calls and calls[0]["answer_time_gmt"]:
                    break
                await asyncio.sleep(0.05)
            assert len(calls) == 1 and calls[0]["call_api_id"] == ids["call_api_id"]
            assert calls[0]["extension_id"] == 101 and calls[0]["call_flow"] == "out"
            one = f"/extension/101/current_calls/{ids['call_api_id']}"
            assert (await http.get(one)).json()["call_list"] == calls
            assert (await http.get("/extension/102/current_calls/")).json() == {"call_list": []}
            r = await http.put(one, json={"action": "hold"})
            assert r.status_code == 409 and r.json()["status"] == "not_supported"
            assert (await http.delete(one)).status_code == 204
            assert (await http.get(one)).status_code == 404
            assert await emu.wait_calls_done(10)
            hangups = [dict(rq.query) for rq in recorder.requests]
            assert len(hangups) == 1 and hangups[0]["CallStatus"] == "ANSWER"
            assert hangups[0]["CallID"] == ids["call_id"]
            # history: the same call, CallID upper-cased, found in any case
            hist = (await http.get("/client/@me/call_history/")).json()
            assert (hist["page"], hist["per_page"], hist["order"]) == (1, 50, "desc")
            [item] = hist["call_history"]
            assert item["call_uuid"] == ids["call_id"].upper() and item["result"] == "answered"
            assert item["hangup_cause"] == "NORMAL_CLEARING" and item["bridged_duration"] is not None
            again = (await http.get(f"/client/@me/call_history/{ids['call_id'].lower()}")).json()
            assert again == item
            assert (await http.get("/client/@me/call_history/FFFF")).status_code == 404
            assert (await http.get("/extension/101/cdr/")).json() == [item]
            assert (await http.get("/extension/102/cdr/")).json() == []
            # records: the hangup's RecID upper-cased, a storage url on the emulator, mp3 audio
            r = await http.get("/client/@me/record/")
            assert r.status_code == 400 and "start_datetime" in r.json()["message"]
            span = {"start_datetime": "2000-01-01 00:00:00", "end_datetime": "2100-01-01 00:00:00"}
            recs = (await http.get("/client/@me/record/", params=span)).json()
            rec_id = hangups[0]["RecID"]  # recording is on for 101
            assert [x["record_uuid"] for x in recs] == [rec_id.upper()]
            url = (await http.get(f"/client/@me/record/{rec_id}/storage_url/")).json()["record_url"]
            assert url.startswith(emu.base_url)
            audio = await http.get(url)
            assert audio.headers["content-type"] == "audio/mpeg" and audio.content[:2] == b"\xff\xfb"
            assert "attachment" in audio.headers["content-disposition"]
            assert (await http.get("/extension/101/record/", params=span)).json() == recs
            assert (await http.get("/extension/102/record/", params=span)).json() == []
            ext_url = (await http.get(f"/extension/101/record/{rec_id.lower()}/storage_url")).json()[
                "record_url"
            ]
            assert ext_url == url
            assert (await http.get(f"/extension/101/record/{rec_id}/")).content == audio.content
            assert (await http.get(f"/extension/102/record/{rec_id}/")).status_code == 404
            assert (await http.delete(f"/client/@me/record/{rec_id}")).status_code == 204
            assert (await http.get("/client/@me/record/", params=span)).json() == []
            assert (await http.delete(f"/client/@me/record/{rec_id}")).status_code == 404
            r = await http.get("/client/@me/record/NOPE/storage_url/")
            assert r.status_code == 404 and r.json()["message"] == "Record not found"
    finally:
        await emu.stop()


async def test_a_blind_transfer_hands_a_live_call_on_with_its_events(recorder) -> None:
    """PUT current_calls/{id} action=transfer: the phone's leg hangs up, the target's dial-in
    carries RemoteNumber (the outside caller), it answers and talks, and the ivr the call came
    through hangs up with it (Bridged=yes); the 200 lists the call where it is now."""
    call = """
[[calls]]
at = 0.0
from = "+79990001122"
to = "7781*300"
answer_after = 0.2
talk = 600
"""
    emu = PbxEmulator(
        CID, SECRET, scenario=parse_scenario(SCENARIO + call), speed=5.0,
        callback_answer_after=0.5, callback_talk=1.0,
    )  # fmt: skip
    await emu.start(play=False)
    try:
        async with httpx.AsyncClient(base_url=emu.base_url + "/api/ver1.0") as http:
            async with httpx.AsyncClient(base_url=emu.base_url) as root:
                http.headers["Authorization"] = f"Bearer {await _token(root)}"
            calls = [(ext, kind) for ext in (101, 102) for kind in ("dial-in", "answer", "hangup")]
            await _subscribe(http, recorder.base_url, [*calls, (300, "hangup")])
            emu.play_scenario()
            live = await _answered_call(http, 101)
            one = f"/extension/101/current_calls/{live['call_api_id']}"
            # the errors first: the call stays where it is
            r = await http.put(one, json={"action": "attended_transfer", "send_dst": "102"})
            assert r.status_code == 409 and r.json()["status"] == "not_supported"
            assert "blind transfer" in r.json()["message"]
            r = await http.put(one, json={"action": "transfer"})
            assert r.status_code == 400 and r.json()["status"] == "invalid_data"
            assert r.json()["message"].startswith("send_dst")
            for bad in ("7781*999", "12ab", "101"):
                r = await http.put(one, json={"action": "transfer", "send_dst": bad})
                assert r.status_code == 400 and "send_dst" in r.json()["message"], (bad, r.text)
            for elsewhere in ("+79115556677", "200"):  # outside, a queue: not carried out
                r = await http.put(one, json={"action": "transfer", "send_dst": elsewhere})
                assert r.status_code == 409 and r.json()["status"] == "not_supported", elsewhere
            r = await http.put(one, json={"action": "transfer", "send_dst": 102})
            assert r.status_code == 400  # send_dst is a string in the model
            nope = "/extension/101/current_calls/NOPE"
            r = await http.put(nope, json={"action": "transfer", "send_dst": "102"})
            assert r.status_code == 404 and "NOPE" in r.json()["message"]
            assert not recorder.requests or all(rq.path != "/102" for rq in recorder.requests)
            # the transfer: 200, the call now listed under 102 with the same call_api_id
            r = await http.put(
                f"/client/@me/extension/101/current_calls/{live['call_api_id']}/",
                json={"action": "transfer", "send_dst": "102"},
            )
            assert r.status_code == 200, r.text
            [moved] = r.json()["call_list"]
            assert moved["call_api_id"] == live["call_api_id"] and moved["extension_id"] == 102
            assert moved["caller_id_number"] == "+79990001122" and moved["answer_time_gmt"] is None
            assert (await http.get(one)).status_code == 404
            here = f"/extension/102/current_calls/{live['call_api_id']}"
            assert (await http.get(here)).json()["call_list"][0]["call_api_id"] == live["call_api_id"]
            for _ in range(300):  # 102 answers after 0.1 s, talks 0.2 s; the ivr hangs up with it
                if sum(1 for rq in recorder.requests if dict(rq.query)["EventType"] == "hangup") == 3:
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.1)
            got = [(rq.path, dict(rq.query)) for rq in recorder.requests]
            got.sort(key=lambda pq: int(pq[1]["EventTime"]))
            assert [(p, q["EventType"]) for p, q in got] == [
                ("/101", "dial-in"), ("/101", "answer"), ("/101", "hangup"),
                ("/102", "dial-in"), ("/102", "answer"), ("/102", "hangup"), ("/300", "hangup"),
            ]  # fmt: skip
            assert {q["CallID"] for _, q in got} == {live["call_api_id"].split("-", 1)[1].replace("-", "")}
            assert {q["CallAPIID"] for _, q in got} == {live["call_api_id"]}
            ev = {(p, q["EventType"]): q for p, q in got}
            gone = ev[("/101", "hangup")]
            assert gone["CallStatus"] == "ANSWER" and int(gone["Duration"]) > 0
            assert gone["RecID"] == gone["SubCallID"]  # 101 records
            ring = ev[("/102", "dial-in")]
            assert ring["RemoteNumber"] == "+79990001122" and ring["CallStatus"] == "CALLING"
            assert ring["CallerIDNum"] == ring["CallerIDName"] == "+79990001122"
            assert ring["CalledNumber"] == "7781*102" and ring["CalledExtensionID"] == "102"
            assert ring["CallerExtensionID"] == "300"  # it came through the ivr
            assert ring["SubCallID"].startswith("102-") and ring["CallFlow"] == "in"
            assert "RemoteNumber" not in ev[("/102", "answer")] and "RemoteNumber" not in gone
            end = ev[("/102", "hangup")]
            assert end["CallStatus"] == "ANSWER"
            assert int(end["Duration"]) == int(end["EventTime"]) - int(ev[("/102", "answer")]["EventTime"])
            ivr = ev[("/300", "hangup")]
            assert ivr["Bridged"] == "yes" and ivr["EventTime"] == end["EventTime"]
            assert ivr["CallStatus"] == "ANSWER"  # an ivr's leg of an answered call (no Duration)
            assert "Duration" not in ivr
            assert (await http.get("/client/@me/current_calls/")).json() == {"call_list": []}
            # history: one answered call, a cdr leg per SubCallID that hung up
            [item] = (await http.get("/client/@me/call_history/")).json()["call_history"]
            assert item["result"] == "answered" and len(item["cdr"]) == 3
    finally:
        await emu.stop()


async def test_a_transferred_callback_goes_on_and_hangs_up_on_its_new_phone(recorder) -> None:
    """A callback's dialling phone hands the called party on: the target's dial-in shows that
    party (CallerIDNum = RemoteNumber = the number dialled); a DELETE then ends the call there,
    and the transfer's planned events are not sent after it."""
    emu = _emu(speed=1.0, callback_talk=60.0, callback_src_answer_after=0.1, callback_answer_after=0.1)
    await emu.start()
    try:
        async with httpx.AsyncClient(base_url=emu.base_url + "/api/ver1.0") as http:
            async with httpx.AsyncClient(base_url=emu.base_url) as root:
                http.headers["Authorization"] = f"Bearer {await _token(root)}"
            for kind in ("dial-in", "answer", "hangup"):
                sub = {"url": f"{recorder.base_url}/102", "method": "POST", "event_type": kind}
                await http.post("/extension/102/event/", json=sub)
            ids = (await http.post(
                "/extension/@101/callback/", json={"src_num": ["101"], "dst_num": "+79112223344"}
            )).json()  # fmt: skip
            one = f"/client/{ACCOUNT}/extension/101/current_calls/{ids['call_api_id']}"
            for _ in range(100):
                calls = (await http.get(one)).json().get("call_list", [])
                if calls and calls[0]["answer_time_gmt"]:
                    break
                await asyncio.sleep(0.05)
            r = await http.put(one, json={"action": "transfer", "send_dst": "7781*102"})
            assert r.status_code == 200, r.text
            assert r.json()["call_list"][0]["extension_id"] == 102
            for _ in range(100):  # 102 answers after 0.1 s
                if len(recorder.requests) == 2:
                    break
                await asyncio.sleep(0.05)
            here = f"/extension/102/current_calls/{ids['call_api_id']}"
            assert (await http.delete(here)).status_code == 204
            await asyncio.sleep(0.3)
            got = [dict(parse_qsl(rq.body.decode())) for rq in recorder.requests]
            assert [g["EventType"] for g in got] == ["dial-in", "answer", "hangup"]
            ring = got[0]
            assert ring["CallerIDNum"] == ring["RemoteNumber"] == "+79112223344"
            assert ring["CallBackID"] == ids["call_id"] and ring["CallAPIID"] == ids["call_api_id"]
            assert "CallerExtension" not in ring  # the party handed on is outside the PBX
            assert got[2]["CallStatus"] == "ANSWER" and int(got[2]["Duration"]) > 0
            assert (await http.get("/client/@me/current_calls/")).json() == {"call_list": []}
            # the transfer's planned answer/hangup (60 s of talk) were dropped: nothing waits
            assert await emu.wait_calls_done(5)
            assert len(recorder.requests) == 3
    finally:
        await emu.stop()


async def test_a_transfer_by_a_queue_agent_ends_the_queues_thread_to_it(recorder) -> None:
    """Agent 101 of queue 200 answers, then transfers to 102: the queue's thread that rang 101
    hangs up with 101 (ANSWER), 102's dial-in names the queue as its caller extension, and the
    queue's own leg hangs up with 102 (ANSWER, Bridged=yes)."""
    call = '\n[[calls]]\nfrom = "+79990001122"\nto = "7781*200"\nanswer_after = 0.2\ntalk = 600\n'
    emu = PbxEmulator(
        CID, SECRET, scenario=parse_scenario(SCENARIO + call + 'answered_by = "7781*101"\n'),
        speed=5.0, callback_answer_after=0.5, callback_talk=1.0,
    )  # fmt: skip
    await emu.start(play=False)
    try:
        async with httpx.AsyncClient(base_url=emu.base_url + "/api/ver1.0") as http:
            async with httpx.AsyncClient(base_url=emu.base_url) as root:
                http.headers["Authorization"] = f"Bearer {await _token(root)}"
            await _subscribe(http, recorder.base_url, [(200, "hangup"), (102, "dial-in"), (101, "hangup")])
            emu.play_scenario()
            live = await _answered_call(http, 101)
            one = f"/extension/101/current_calls/{live['call_api_id']}"
            assert (await http.put(one, json={"action": "transfer", "send_dst": "102"})).status_code == 200
            for _ in range(200):
                if sum(1 for rq in recorder.requests if rq.path == "/200") == 3:  # 2 threads, its own
                    break
                await asyncio.sleep(0.02)
            got = [(rq.path, dict(rq.query)) for rq in recorder.requests]
            mine = [(p, q) for p, q in got if q["CallAPIID"] == live["call_api_id"]]
            by = {(p, q["EventType"], q["CallFlow"], q["CalledExtensionID"]): q for p, q in mine}
            agent_gone = by[("/101", "hangup", "in", "101")]
            thread = by[("/200", "hangup", "out", "101")]
            assert thread["EventTime"] == agent_gone["EventTime"] and thread["CallStatus"] == "ANSWER"
            ring = [q for p, q in mine if p == "/102" and "RemoteNumber" in q]
            assert len(ring) == 1 and ring[0]["CallerExtensionID"] == "200"
            assert ring[0]["RemoteNumber"] == "+79990001122"
            queue_leg = by[("/200", "hangup", "in", "200")]
            assert queue_leg["CallStatus"] == "ANSWER" and queue_leg["Bridged"] == "yes"
            assert int(queue_leg["EventTime"]) > int(agent_gone["EventTime"])
    finally:
        await emu.stop()


async def test_a_concurrent_history_request_gets_the_recorded_429() -> None:
    emu = _emu(history_delay=0.5)
    await emu.start()
    try:
        async with httpx.AsyncClient(base_url=emu.base_url + "/api/ver1.0") as http:
            async with httpx.AsyncClient(base_url=emu.base_url) as root:
                http.headers["Authorization"] = f"Bearer {await _token(root)}"
            first, second = await asyncio.gather(
                http.get("/client/@me/call_history/"),
                http.get("/client/@me/call_history/"),
            )
        codes = sorted([first.status_code, second.status_code])
        assert codes == [200, 429]
        refused = first if first.status_code == 429 else second
        assert refused.json() == {"message": "Stats request already exists, concurrent request not allowed"}
    finally:
        await emu.stop()


async def test_dids_list_get_and_bind(http) -> None:
    [did] = (await http.get("/client/@me/did/")).json()
    assert did["name"] == "74951112233" and did["extension_id"] == 101 and did["client_id"] == ACCOUNT
    r = await http.put(f"/client/@me/did/{did['id']}", json={"extension_id": 102})
    assert r.status_code == 200 and r.json()["extension_id"] == 102
    assert (await http.get(f"/client/@me/did/{did['id']}/")).json()["extension_id"] == 102
    assert (await http.get("/client/@me/did/99/")).status_code == 404


async def test_hourly_budget_headers_and_429() -> None:
    emu = _emu(hourly_limit=3)
    await emu.start()
    try:
        async with httpx.AsyncClient(base_url=emu.base_url) as c:
            token = await _token(c)  # 1
            h = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-www-form-urlencoded"}
            ok = await c.get("/api/ver1.0/user", headers=h)  # 2: Content-Type without a body: ignored
            assert ok.status_code == 200 and ok.headers["X-RateLimit-Remaining"] == "1"
            assert ok.headers["X-RateLimit-Limit"] == "3" and 0 < int(ok.headers["X-RateLimit-Reset"]) <= 3600
            await c.get("/api/ver1.0/user/", headers=h)  # 3
            r = await c.get("/api/ver1.0/user/", headers=h)
            assert r.status_code == 429 and r.json()["status"] == "rate_limit_exceeded"
            assert r.headers["X-RateLimit-Remaining"] == "0"
    finally:
        await emu.stop()


async def test_history_says_what_the_events_said(recorder) -> None:
    """Calls played to their end: history items carry the events' CallID (upper case), times and
    results; one cdr leg per SubCallID; a scenario call hung up through the API stops there."""
    calls = """
[[calls]]
at = 0.0
from = "+79990001122"
to = "74951112233"
answer_after = 0.5
talk = 1.0

[[calls]]
at = 0.1
from = "+79990003344"
to = "7781*102"
ring = 0.5
hangup = "NOANSWER"

[[calls]]
at = 0.2
from = "+79990005566"
to = "7781*102"
answer_after = 0.2
talk = 600
"""
    emu = PbxEmulator(CID, SECRET, scenario=parse_scenario(SCENARIO + calls), speed=5.0)
    await emu.start()
    try:
        async with httpx.AsyncClient(base_url=emu.base_url + "/api/ver1.0") as http:
            async with httpx.AsyncClient(base_url=emu.base_url) as root:
                http.headers["Authorization"] = f"Bearer {await _token(root)}"
            long_call = None
            for _ in range(200):
                current = (await http.get("/extension/102/current_calls/")).json()["call_list"]
                long_call = next((c for c in current if c["caller_id_number"] == "+79990005566"), None)
                if long_call and long_call["answer_time_gmt"] and len(emu.calls.finished) == 2:
                    break
                await asyncio.sleep(0.05)
            assert long_call is not None
            r = await http.delete(f"/extension/102/current_calls/{long_call['call_api_id']}/")
            assert r.status_code == 204
            hist = (await http.get("/client/@me/call_history/", params={"order": "asc"})).json()
            items = hist["call_history"]
            assert len(items) == 3
            by_caller = {i["from_username"]: i for i in items}
            for item in items:
                events = [e for e in emu.events if e.call_id.upper() == item["call_uuid"]]
                assert events, item["call_uuid"]
                assert item["init_time_gmt"] == _gmt(events[0].event_time)
                hangups = [e for e in events if e.event_type.value == "hangup"]
                assert item["hangup_time_gmt"] == _gmt(max(e.event_time for e in hangups))
                assert len(item["cdr"]) == len({(e.sub_call_id, e.extension_id) for e in hangups})
            assert by_caller["+79990001122"]["result"] == "answered"
            assert by_caller["+79990001122"]["did_number"] == "74951112233"
            assert by_caller["+79990003344"]["result"] == "not answered"
            assert by_caller["+79990003344"]["bridged_duration"] is None
            assert by_caller["+79990005566"]["result"] == "answered"
            # filters: flow, the extension, paging
            assert (
                len(
                    (await http.get("/client/@me/call_history/", params={"flow": "out"})).json()[
                        "call_history"
                    ]
                )
                == 0
            )
            only_102 = (await http.get("/client/@me/call_history/", params={"extension_id": 102})).json()
            assert {i["from_username"] for i in only_102["call_history"]} == {"+79990003344", "+79990005566"}
            page2 = (await http.get("/client/@me/call_history/", params={"per_page": 2, "page": 2})).json()
            assert (page2["page"], page2["per_page"], len(page2["call_history"])) == (2, 2, 1)
        await asyncio.sleep(0.3)
        cut = by_caller["+79990005566"]["call_uuid"].lower()
        assert [e.event_type.value for e in emu.events if e.call_id == cut][-1] == "hangup"
        assert sum(1 for e in emu.events if e.call_id == cut and e.event_type.value == "hangup") == len(
            {e.sub_call_id for e in emu.events if e.call_id == cut}
        )
    finally:
        await emu.stop()


def _gmt(us: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(us / 1_000_000, UTC).strftime("%Y-%m-%d %H:%M:%S")


async def test_phone_events_call_types_reach_every_phone(emu, http, recorder) -> None:
    """A client-wide hangup subscription gets the hangups of every phone, a phone made later
    through the API included, and not those of the ivr: like one subscription on each phone."""
    r = await http.post(
        "/client/@me/phone_events/",
        json={"url": f"{recorder.base_url}/all", "method": "GET", "event_type": "hangup"},
    )
    assert r.status_code == 201
    made = (
        await http.post("/client/@me/extension/", json={"name": "150", "type": "phone", "status": "active"})
    ).json()
    for src, dst in (("101", "+79112223344"), ("150", "102"), ("102", "300")):
        r = await http.post(f"/extension/@{src}/callback/", json={"src_num": [src], "dst_num": dst})
        assert r.status_code == 201, r.text
    assert await emu.wait_calls_done(10)
    got = [dict(rq.query) for rq in recorder.requests]
    assert {q["EventType"] for q in got} == {"hangup"}
    hangups = [e for e in emu.events if e.event_type.value == "hangup"]
    assert {e.extension_id for e in hangups} >= {101, made["id"], 102, 300}  # 300: the ivr
    phones = {101, 102, made["id"]}
    assert len(got) == sum(1 for e in hangups if e.extension_id in phones)


async def test_by_id_resources_of_feeds_statuses_and_agents(emu, http, recorder) -> None:
    hook = {"url": f"{recorder.base_url}/s", "method": "POST", "event_type": "extension-call-status"}
    feed = (await http.post(f"/client/{ACCOUNT}/phone_events", json=hook)).json()
    one = f"/client/@me/phone_events/{feed['id']}/"
    assert (await http.get(one)).json() == feed
    moved = (await http.put(one, json={**hook, "method": "GET"})).json()
    assert moved == {**feed, "method": "GET"}
    assert (await http.put(one, json={**hook, "event_type": "voicemail"})).status_code == 400
    assert (await http.get("/client/@me/phone_events/999/")).status_code == 404
    # statuses by id; deleting the status a phone is in takes the phone out of it (an event)
    st = (
        await http.post("/client/@me/extension/call_status/", json={"name": "Busy", "property_list": ["all"]})
    ).json()
    sid = f"/client/@me/extension/call_status/{st['id']}"
    assert (await http.get(sid)).json() == st
    renamed = (await http.put(sid, json={"name": "Away", "property_list": ["li", "lo"]})).json()
    assert (renamed["name"], renamed["property_list"]) == ("Away", ["li", "lo"])
    assert (await http.put(sid, json={"name": "x", "property_list": ["nope"]})).status_code == 400
    assert (await http.put("/extension/101/call_status/", json={"status_id": 999})).status_code == 400
    assert (await http.put("/extension/200/call_status/", json={"status_id": None})).status_code == 404
    await http.put("/extension/101/call_status/", json={"status_id": st["id"]})
    assert (await http.get("/extension/101/call_status/")).json() == {
        "extension_id": 101,
        "status_id": st["id"],
    }
    assert (await http.delete(sid)).status_code == 204
    assert (await http.get("/extension/101/call_status/")).json()["status_id"] is None
    # agent subscriptions by id
    path = "/client/@me/agent/local/102/event/"
    made = (await http.post(path, json={**hook, "event_type": "agent-login"})).json()
    assert (await http.get(path + str(made["id"]))).json() == made
    assert (
        await http.put(path + str(made["id"]), json={**hook, "event_type": "agent-logout"})
    ).status_code == 200
    assert (await http.get(f"/client/@me/agent/local/101/event/{made['id']}")).status_code == 404  # not 101's
    assert (await http.delete(path + str(made["id"]))).status_code == 204
    assert (await http.get(path)).json() == []
    await http.put("/client/@me/agent/local/102/", json={"status": "logged_out"})
    assert (await http.put("/client/@me/agent/local/102/", json={"status": "away"})).status_code == 400
    assert await emu.wait_calls_done(10)
    sent = [dict(rq.query) for rq in recorder.requests]  # the feed was moved to GET
    assert [(q["old_status_id"], q["new_status_id"]) for q in sent] == [
        ("", str(st["id"])),
        (str(st["id"]), ""),
    ]


async def test_a_scenarios_feeds_and_status_changes_are_the_emulators(recorder) -> None:
    """The scenario's phone_events / agent_events subscriptions, call statuses and status changes
    (played by the simulator) are the API's: listed, counted, and reflected in the state; the
    API's own status change goes out through the same engine, with the account's client id."""
    feeds = f"""
[[call_statuses]]
id = 7
name = "Lunch"

[[phone_events]]
event_type = "extension-call-status"
method = "POST"
url = "{recorder.base_url}/status"

[[agent_events]]
agent = "102"
event_type = "agent-logout"
method = "GET"
url = "{recorder.base_url}/agent"

[[status_changes]]
at = 0.1
extension = "101"
status = "Lunch"

[[agent_changes]]
at = 0.1
agent = "102"
status = "logged_out"
"""
    emu = PbxEmulator(CID, SECRET, scenario=parse_scenario(SCENARIO + feeds), speed=10.0, account_id=5150)
    await emu.start()
    try:
        async with httpx.AsyncClient(base_url=emu.base_url + "/api/ver1.0") as http:
            async with httpx.AsyncClient(base_url=emu.base_url) as root:
                http.headers["Authorization"] = f"Bearer {await _token(root)}"
            assert [f["event_type"] for f in (await http.get("/client/@me/phone_events/")).json()] == [
                "extension-call-status"
            ]
            assert len((await http.get("/client/@me/agent/local/102/event/")).json()) == 1
            assert (await http.get("/client/5150/extension/call_status/")).json()[0]["name"] == "Lunch"
            limits = (await http.get("/client/@me/limit/")).json()
            assert (limits["phone_events_used"], limits["agent_events_used"]) == (1, 1)
            assert await emu.wait_calls_done(10)
            assert (await http.get("/extension/101/call_status/")).json()["status_id"] == 7
            assert (await http.get("/client/@me/agent/local/102/")).json()["status"] == "logged_out"
            await http.put("/extension/101/call_status/", json={"status_id": None})  # through the API
            assert await emu.wait_calls_done(10)
    finally:
        await emu.stop()
    status = [
        dict(parse_qsl(rq.body.decode(), keep_blank_values=True))
        for rq in recorder.requests
        if rq.path == "/status"
    ]
    assert [(s["old_status_id"], s["new_status_id"]) for s in status] == [("", "7"), ("7", "")]
    assert {s["client_id"] for s in status} == {"5150"}  # the scenario's events and the API's alike
    [agent] = [dict(rq.query) for rq in recorder.requests if rq.path == "/agent"]
    assert agent["agent_status"] == "logged_out" and agent["agent_id"] == "102"
