"""End to end over real HTTP: emulator (the PBX) -> live receiver -> relay -> a local handler.

- a scenario played by the emulator reaches the developer's handler with exactly the fields
  the simulator produces for the same scenario;
- the callback rule through the REST API (POST /extension/@200/callback/);
- monitoring an extension registers its subscriptions and removes exactly those.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from pbxdesk.domain import EventType, ExtensionType, HttpMethod, Subscription
from pbxdesk.engine.live_receiver import LiveSession
from pbxdesk.engine.policy import DeliveryPolicy
from pbxdesk.engine.run import event_stream
from pbxdesk.engine.scenario import parse_scenario
from pbxdesk.engine.simulator import CallSimulator
from pbxdesk.engine.traffic import scenario_plans
from pbxdesk.pbx.client import PbxClient
from pbxdesk.pbx.emulator import PbxEmulator
from pbxdesk.pbx.errors import PbxValidationError
from pbxdesk.pbx.monitor import MONITOR_SETTING, cleanup_leftovers, monitor_extension
from pbxdesk.store.profile import Profile

CID, SECRET = "e2e-app", "e2e-secret"
BASE_US = 1_700_000_000_000_000
POLICY = DeliveryPolicy(schedule=(0.0, 0.05), jitter=0.0, timeout=2.0, pause_after=0)
DST = "+79817654321"

PBX_TOML = """\
[pbx]
client_prefix = "000"
domain = "sip.example.test"
seed = 11

[[extensions]]
id = 175
name = "099"
type = "phone"
record = true
label = "Anna"

[[extensions]]
id = 101
name = "101"
type = "phone"
label = "Boris"

[[extensions]]
id = 102
name = "102"
type = "phone"

[[extensions]]
id = 200
name = "200"
type = "queue"
agents = ["000*101", "000*102"]

[[extensions]]
id = 300
name = "300"
type = "ivr"
did = "78123332332"
route = "000*200"
menu_time = 1.0
"""

CALLS_TOML = """
[[calls]]
at = 0.0
from = "000*099"
to = "00010005"
answer_after = 1.0
talk = 2.0

[[calls]]
at = 0.5
from = "+79990001122"
to = "78123332332"
answer_after = 1.0
talk = 1.5
answered_by = "000*102"

[[calls]]
at = 1.0
from = "000*101"
to = "099"
hangup = "BUSY"

[[callbacks]]
at = 1.5
extension = "000*099"
src_num = ["099"]
dst_num = "+79817654321"
answer_after = 0.5
talk = 1.0

[[messages]]
at = 2.0
from = "000*099"
to = "+79112223344"
"""

ALLOWED = {
    ExtensionType.PHONE: list(EventType),
    ExtensionType.QUEUE: [EventType.DIAL_IN, EventType.ANSWER, EventType.HANGUP],
    ExtensionType.IVR: [EventType.DIAL_IN, EventType.HANGUP],
}


def _pbx_subscriptions(receiver, scenario) -> str:  # noqa: ANN001
    """The PBX side: every extension subscribed to every event it has, at the receiver."""
    out = []
    for i, ext in enumerate(scenario.extensions):
        for et in ALLOWED[ext.type]:
            method = "GET" if i % 2 == 0 else "POST"
            out.append(
                f'[[subscriptions]]\nextension = {ext.id}\nevent_type = "{et.value}"\nmethod = "{method}"\n'
                f'url = "{receiver.url_for(ext.id)}"\n'
            )
    return "\n".join(out)


async def _settle(check, timeout: float = 10.0) -> None:  # noqa: ANN001
    for _ in range(int(timeout / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


@pytest.fixture
async def profile(tmp_path: Path):
    p = Profile.open(tmp_path / "live.sqlite")
    yield p
    p.close()


async def test_scenario_through_the_emulator_reaches_the_handler_field_for_field(profile, recorder) -> None:
    scenario = parse_scenario(PBX_TOML + CALLS_TOML)
    # The developer's profile: local subscriptions to their handler (one path per extension).
    local = []
    for ext in scenario.extensions:
        for et in ALLOWED[ext.type]:
            method = HttpMethod.GET if et in (EventType.DIAL_IN, EventType.ANSWER) else HttpMethod.POST
            local.append(Subscription(ext.id, et, method, f"{recorder.base_url}/crm/{ext.id}?myid={ext.id}"))
    profile.replace_config(scenario.extensions, local)
    session = LiveSession(profile, port=0, policy=POLICY)
    rx = await session.open()
    pbx = parse_scenario(PBX_TOML + CALLS_TOML + _pbx_subscriptions(rx, scenario))
    emu = PbxEmulator(CID, SECRET, scenario=pbx, speed=40.0, base_us=BASE_US)
    try:
        await emu.start()
        assert await emu.wait_calls_done(20)
        expected = list(
            event_stream(CallSimulator(scenario.pbx, scenario.extensions), scenario_plans(scenario), BASE_US)
        )
        assert list(emu.events) == expected  # the emulator's PBX sent what the simulator makes
        assert len(expected) > 20
        await _settle(lambda: len(recorder.requests) >= len(expected))
        await session.engine.wait_idle(5)
    finally:
        await emu.stop()
        await session.close()

    want: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for ev in expected:
        want[(f"/crm/{ev.extension_id}", ev.call_id)].append(ev.to_fields())
    got: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for r in recorder.requests:
        if r.method == "GET":
            assert r.query[0] == ("myid", r.path.rsplit("/", 1)[1])  # the subscription's own query first
            fields = dict(r.query[1:])
        else:
            assert r.headers["Content-Type"] == "application/x-www-form-urlencoded"
            fields = dict(parse_qsl(r.body.decode(), keep_blank_values=True))
        got[(r.path, fields["CallID"])].append(fields)
    assert len(recorder.requests) == len(expected)
    assert got == want  # every event, every field, in each call's order

    flags = profile.conn.execute("SELECT COUNT(*), COUNT(flag), COUNT(event_id) FROM raw_requests").fetchone()
    assert flags == (len(expected), 0, len(expected))


async def test_callback_rule_through_the_rest_api(recorder) -> None:
    """POST /extension/@200/callback/ with the owner as the source: only 200's dial-out to the
    destination and that leg's answer and hangup; nothing for 200 ringing itself."""
    scenario = parse_scenario(
        '[pbx]\nseed = 5\n[[extensions]]\nid = 200\nname = "200"\ntype = "phone"\nlabel = "Sales desk"\n'
        '[[extensions]]\nid = 201\nname = "201"\ntype = "phone"\n'
    )
    emu = PbxEmulator(CID, SECRET, scenario=scenario, speed=20.0)
    await emu.start()
    try:
        async with PbxClient(CID, SECRET, base_url=emu.base_url) as client:
            for ext in (200, 201):
                for et in ("dial-in", "dial-out", "answer", "hangup"):
                    await client.create_subscription(ext, et, f"{recorder.base_url}/hook/{ext}", "POST")
            result = await client.callback("@200", DST, ["200"])
            assert await emu.wait_calls_done(10)
    finally:
        await emu.stop()
    events = [dict(parse_qsl(r.body.decode(), keep_blank_values=True)) for r in recorder.requests]
    assert [r.path for r in recorder.requests] == ["/hook/200"] * 3
    assert [e["EventType"] for e in events] == ["dial-out", "answer", "hangup"]
    for e in events:
        assert e["CalledNumber"] == DST
        assert e["CallerExtension"] == "000*200@sip.example.test" and e["CallerExtensionID"] == "200"
        assert e["CallFlow"] == "out" and e["CallID"] == result.call_id
        assert "CalledExtension" not in e
        # the recorded callback: CallBackID = CallID, CallAPIID "cb-<10 digits>-<CallID>"
        assert e["CallBackID"] == result.call_id
        assert re.fullmatch(rf"cb-\d{{10}}-{result.call_id}", e["CallAPIID"])
    assert events[1]["CallStatus"] == "ANSWER" and events[2]["CallStatus"] == "ANSWER"
    assert {e["SubCallID"] for e in events} == {f"200-{result.call_id}"}  # one leg, started by 200


async def test_monitor_subscribes_relays_and_removes_exactly_its_subscriptions(profile, recorder) -> None:
    scenario = parse_scenario(
        '[pbx]\nseed = 5\n[[extensions]]\nid = 200\nname = "200"\ntype = "phone"\n'
        '[[extensions]]\nid = 201\nname = "201"\ntype = "phone"\n'
    )
    profile.replace_config(
        scenario.extensions,
        [
            Subscription(200, et, HttpMethod.POST, f"{recorder.base_url}/crm")
            for et in (EventType.DIAL_OUT, EventType.ANSWER, EventType.HANGUP)
        ],
    )
    session = LiveSession(profile, port=0, policy=POLICY)
    rx = await session.open()
    emu = PbxEmulator(CID, SECRET, scenario=scenario, speed=20.0, subscription_limit=6)
    await emu.start()
    try:
        async with PbxClient(CID, SECRET, base_url=emu.base_url) as client:
            theirs = await client.create_subscription(200, "hangup", f"{recorder.base_url}/theirs")
            mon = await monitor_extension(
                client,
                "@200",
                public_url=rx.base_url,
                receiver=rx,
                events=["dial-out", "answer", "hangup"],
                method="POST",
                profile=profile,
            )
            assert [s.event_type.value for s in mon.subscriptions] == ["dial-out", "answer", "hangup"]
            assert all(s.url == rx.url_for(200, rx.base_url) for s in mon.subscriptions)
            assert "<token>" in mon.shown_url and rx.token not in mon.shown_url
            ids = {s.id for s in mon.subscriptions}
            assert profile.get_setting(MONITOR_SETTING)[0]["subscriptions"] == sorted(ids)

            await client.callback("@200", DST, ["200"])
            assert await emu.wait_calls_done(10)
            await _settle(lambda: len(recorder.requests) >= 4)
            assert sorted(r.path for r in recorder.requests) == ["/crm"] * 3 + ["/theirs"]
            relayed = [
                dict(parse_qsl(r.body.decode(), keep_blank_values=True))
                for r in recorder.requests
                if r.path == "/crm"
            ]
            assert [e["EventType"] for e in relayed] == ["dial-out", "answer", "hangup"]
            assert [ev.event_type.value for ev in emu.events] == ["dial-out", "answer", "hangup"]
            assert relayed == [ev.to_fields() for ev in emu.events]

            results = await mon.stop()
            assert [r.ok for r in results] == [True] * 3
            remaining = await client.list_subscriptions(200)
            assert remaining == [theirs]  # exactly ours removed; theirs kept
            assert profile.get_setting(MONITOR_SETTING) == []

            # All or nothing: the limit refuses the third; the two made are removed again.
            for et in ("dial-in", "dial-out", "answer"):
                await client.create_subscription(201, et, f"{recorder.base_url}/x")
            with pytest.raises(PbxValidationError, match="limit.*2 subscription.*removed"):
                await monitor_extension(
                    client,
                    200,
                    public_url=rx.base_url,
                    receiver=rx,
                    events=["dial-in", "dial-out", "answer"],
                    profile=profile,
                )
            assert await client.list_subscriptions(200) == [theirs]
            assert profile.get_setting(MONITOR_SETTING) == []

            # Message events exist only on phones: refused before asking the PBX.
            emu.extensions[201] = emu.extensions[201].__class__(201, "000*201", ExtensionType.FAX)
            with pytest.raises(Exception, match="only available on 'phone'"):
                await monitor_extension(
                    client, 201, public_url=rx.base_url, receiver=rx, events=["message-in"]
                )
    finally:
        await emu.stop()
        await session.close()


async def test_leftovers_of_a_crashed_monitor_are_removed_next_time(profile) -> None:
    scenario = parse_scenario('[[extensions]]\nid = 200\nname = "200"\ntype = "phone"\n')
    session = LiveSession(profile, port=0)
    rx = await session.open()
    emu = PbxEmulator(CID, SECRET, scenario=scenario)
    await emu.start()
    try:
        async with PbxClient(CID, SECRET, base_url=emu.base_url) as client:
            await monitor_extension(
                client, 200, public_url="https://tunnel.example", receiver=rx, profile=profile
            )
            assert len(emu.subscriptions) == 4
            # ... the app crashed here: nothing removed them. The next start does.
            results = await cleanup_leftovers(client, profile)
            assert len(results) == 4 and all(r.ok for r in results)
            assert emu.subscriptions == {}
            assert profile.get_setting(MONITOR_SETTING) == []
    finally:
        await emu.stop()
        await session.close()


async def test_a_call_received_live_saved_as_a_scenario_replays_byte_identical_bodies(
    profile, recorder, tmp_path: Path
) -> None:
    """`pbxdesk test`'s promise: the call seen live (the real PBX, here the emulator, through
    the monitor) becomes a scenario that gives the handler the very same bytes again."""
    from pbxdesk.engine.headless import run_scenario
    from pbxdesk.engine.scenario import load_scenario
    from pbxdesk.store.history_export import export_file

    scenario = parse_scenario('[[extensions]]\nid = 200\nname = "200"\ntype = "phone"\nrecord = true\n')
    profile.replace_config(
        scenario.extensions,
        [Subscription(200, et, HttpMethod.POST, f"{recorder.base_url}/crm") for et in
         (EventType.DIAL_OUT, EventType.ANSWER, EventType.HANGUP)],
    )  # fmt: skip
    session = LiveSession(profile, port=0, policy=POLICY)
    rx = await session.open()
    emu = PbxEmulator(CID, SECRET, scenario=scenario, speed=20.0)
    await emu.start()
    try:
        async with PbxClient(CID, SECRET, base_url=emu.base_url) as client:
            mon = await monitor_extension(
                client, "@200", public_url=rx.base_url, receiver=rx,
                events=["dial-out", "answer", "hangup"], method="POST", profile=profile,
            )  # fmt: skip
            result = await client.callback("@200", DST, ["200"])
            assert await emu.wait_calls_done(10)
            await _settle(lambda: len(recorder.requests) >= 3)
            await mon.stop()
        await session.engine.wait_idle(5)
    finally:
        await emu.stop()
        await session.close()
    live_bodies = [r.body for r in recorder.requests if r.path == "/crm"]
    assert len(live_bodies) == 3
    recorder.requests.clear()

    saved = tmp_path / "live-call.toml"
    export_file(profile.path, saved, call_id=result.call_id)
    replay = load_scenario(saved)
    summary = await run_scenario(replay, tmp_path / "replay.sqlite", instant=True)
    assert summary.delivered == summary.deliveries == 3
    assert [r.body for r in recorder.requests] == live_bodies  # byte for byte, in order
