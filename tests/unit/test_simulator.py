"""The call simulator: the exact events a subscriber would receive, field by field."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbxdesk.domain import (
    CallFlow,
    CallStatus,
    EventData,
    EventType,
    Extension,
    ExtensionType,
    ValidationError,
)
from pbxdesk.domain.ids import CALL_API_ID_RE, CALL_ID_RE, dashed
from pbxdesk.engine.run import event_stream
from pbxdesk.engine.scenario import CallPlan, PbxSettings, parse_scenario
from pbxdesk.engine.simulator import DEFAULT_RING_SECONDS, CallSimulator, simulate_calls

T0 = 1_700_000_000_000_000  # µs since the epoch
DOMAIN = "sip.example.test"
PBX = PbxSettings(client_prefix="000", domain=DOMAIN, seed=1)
SEED_EXT = Extension(id=175, name="000*099", type=ExtensionType.PHONE, record=True)


def seed_call(**over: object) -> CallPlan:
    plan = {"at": 0.0, "from_": "000*099", "to": "00010005", "answer_after": 1.0, "talk": 2.0}
    plan.update(over)
    return CallPlan(**plan)  # type: ignore[arg-type]


# -- (a) the seed's worked example ----------------------------------------------------------


def test_seed_worked_example_exact_events() -> None:
    sim = CallSimulator(PBX, [SEED_EXT])
    events = sim.simulate(seed_call(), T0)

    assert [e.event_type for e in events] == [EventType.DIAL_OUT, EventType.ANSWER, EventType.HANGUP]
    dial_out, answer, hangup = (e.to_fields() for e in events)
    call_id, sub_call_id, api_id = dial_out["CallID"], dial_out["SubCallID"], dial_out["CallAPIID"]
    # The record's formats: CallID 32 lower-case hex; the extension that started the call has
    # SubCallID "<its id>-<CallID>"; CallAPIID "<10 digits>-<CallID as a dashed UUID>".
    assert CALL_ID_RE.fullmatch(call_id)
    assert sub_call_id == f"175-{call_id}"
    assert CALL_API_ID_RE.fullmatch(api_id) and api_id.endswith("-" + dashed(call_id))

    common = {
        "CallID": call_id,
        "SubCallID": sub_call_id,
        "CallerIDNum": "000*099",
        "CallerIDName": "000*099",  # no label or caller-id name: its name (ASSUMPTION)
        "CallerExtension": f"000*099@{DOMAIN}",
        "CallerExtensionID": "175",
        "CalledNumber": "00010005",
        "CallFlow": "out",
        "CallAPIID": api_id,
    }
    assert dial_out == {**common, "EventType": "dial-out", "CallStatus": "CALLING", "EventTime": str(T0)}
    assert answer == {
        **common,
        "EventType": "answer",
        "CallStatus": "ANSWER",
        "EventTime": str(T0 + 1_000_000),
    }
    # Duration: talk time (answer -> hangup); RecID: the hangup's SubCallID.
    assert hangup == {
        **common,
        "EventType": "hangup",
        "CallStatus": "ANSWER",
        "EventTime": str(T0 + 3_000_000),
        "Duration": "2000000",
        "RecID": sub_call_id,
    }
    # Absent on the wire, not sent empty.
    for f in (dial_out, answer, hangup):
        assert "CalledExtension" not in f and "CalledDID" not in f and "CalledExtensionID" not in f
        assert "Transfered" not in f and "Bridged" not in f
    assert all(e.extension_id == 175 for e in events)
    times = [e.event_time for e in events]
    assert times == sorted(times)


def test_seed_example_without_recording_has_no_rec_id() -> None:
    ext = Extension(id=175, name="000*099", type=ExtensionType.PHONE, record=False)
    hangup = CallSimulator(PBX, [ext]).simulate(seed_call(), T0)[-1]
    assert hangup.event_type is EventType.HANGUP
    assert "RecID" not in hangup.to_fields()


def test_seed_example_from_scenario_file(seed_scenario) -> None:
    sc = parse_scenario(seed_scenario("https://somehost.com"))
    events = CallSimulator(sc.pbx, sc.extensions).simulate(sc.calls[0], T0)
    assert [(e.event_type.value, e.call_status.value, e.event_time - T0) for e in events] == [
        ("dial-out", "CALLING", 0),
        ("answer", "ANSWER", 1_000_000),
        ("hangup", "ANSWER", 3_000_000),
    ]
    assert len({e.call_id for e in events}) == 1


# -- (b) an outside caller reaching a phone through its DID ----------------------------------

DID_PHONE = Extension(id=200, name="000*200", type=ExtensionType.PHONE, did="74951230000", label="Sales")


def test_external_caller_via_did_exact_events() -> None:
    sim = CallSimulator(PBX, [DID_PHONE, SEED_EXT])
    plan = CallPlan(at=0, from_="+79817654321", to="74951230000", answer_after=4, talk=10)
    events = sim.simulate(plan, T0)

    assert [e.event_type for e in events] == [EventType.DIAL_IN, EventType.ANSWER, EventType.HANGUP]
    fields = [e.to_fields() for e in events]
    first = fields[0]
    common = {
        "CallID": first["CallID"],
        "SubCallID": first["SubCallID"],
        "CallerIDNum": "+79817654321",
        "CallerIDName": "+79817654321",  # an outside caller's name repeats its number
        "CalledDID": "74951230000",
        "CalledExtension": f"000*200@{DOMAIN}",
        "CalledExtensionID": "200",
        "CalledNumber": "000*200",  # a dial-in names the extension reached, in full
        "CallFlow": "in",
        "CallAPIID": first["CallAPIID"],
    }
    assert fields[0] == {**common, "EventType": "dial-in", "CallStatus": "CALLING", "EventTime": str(T0)}
    assert fields[1] == {
        **common,
        "EventType": "answer",
        "CallStatus": "ANSWER",
        "EventTime": str(T0 + 4_000_000),
    }
    assert fields[2] == {
        **common,
        "EventType": "hangup",
        "CallStatus": "ANSWER",
        "EventTime": str(T0 + 14_000_000),
        "Duration": "10000000",
    }
    assert first["SubCallID"].startswith("200-") and first["SubCallID"] != f"200-{first['CallID']}"
    for f in fields:
        assert "CallerExtension" not in f and "CallerExtensionID" not in f
    assert all(e.extension_id == 200 for e in events)


def test_internal_call_gives_both_sides_their_view() -> None:
    sim = CallSimulator(PBX, [SEED_EXT, DID_PHONE])
    events = sim.simulate(CallPlan(at=0, from_="000*099", to="200", answer_after=2, talk=3), T0)
    by_ext: dict[int, list[EventData]] = defaultdict(list)
    for e in events:
        by_ext[e.extension_id].append(e)
    assert [e.event_type for e in by_ext[175]] == [EventType.DIAL_OUT, EventType.ANSWER, EventType.HANGUP]
    assert [e.event_type for e in by_ext[200]] == [EventType.DIAL_IN, EventType.ANSWER, EventType.HANGUP]
    assert {e.call_flow for e in by_ext[175]} == {CallFlow.OUT}
    assert {e.call_flow for e in by_ext[200]} == {CallFlow.IN}
    # Each side its own SubCallID, prefixed with its extension id; the caller's hex is the CallID.
    assert {e.sub_call_id for e in by_ext[175]} == {f"175-{events[0].call_id}"}
    (callee_sub,) = {e.sub_call_id for e in by_ext[200]}
    assert callee_sub.startswith("200-") and callee_sub != f"200-{events[0].call_id}"
    f = by_ext[200][0].to_fields()
    assert f["CallerExtension"] == f"000*099@{DOMAIN}"
    assert f["CalledExtension"] == f"000*200@{DOMAIN}"
    assert f["CalledNumber"] == "000*200"  # the dial-in: the extension's full name
    assert by_ext[175][0].called_number == "200"  # the dial-out: the number as dialled
    assert "CalledDID" not in f
    # The caller records (record=true), the callee does not.
    assert by_ext[175][-1].rec_id and by_ext[200][-1].rec_id is None


# -- (c) unanswered calls ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "ring", "duration"),
    [
        (CallStatus.NOANSWER, None, 30_000_000),  # ASSUMPTION defaults in the simulator
        (CallStatus.BUSY, None, 1_000_000),
        (CallStatus.CANCEL, None, 10_000_000),
        (CallStatus.CONGESTION, None, 1_000_000),
        (CallStatus.CHANUNAVAIL, None, 500_000),
        (CallStatus.NOANSWER, 7.5, 7_500_000),
        (CallStatus.BUSY, 2, 2_000_000),
    ],
)
def test_unanswered_call_has_no_answer_and_the_right_hangup(
    status: CallStatus, ring: float | None, duration: int
) -> None:
    if ring is None:
        assert DEFAULT_RING_SECONDS[status] * 1_000_000 == duration
    sim = CallSimulator(PBX, [SEED_EXT, DID_PHONE])
    plan = CallPlan(at=0, from_="000*099", to="00010005", hangup=status, ring=ring)
    events = sim.simulate(plan, T0)
    assert [e.event_type for e in events] == [EventType.DIAL_OUT, EventType.HANGUP]
    hangup = events[-1].to_fields()
    assert hangup["CallStatus"] == status.value
    assert "Duration" not in hangup  # talk time: never answered, no Duration
    assert hangup["EventTime"] == str(T0 + duration)
    assert "RecID" not in hangup  # nothing was recorded: nobody talked


def test_unanswered_incoming_call_on_a_phone() -> None:
    sim = CallSimulator(PBX, [DID_PHONE])
    plan = CallPlan(at=0, from_="+79817654321", to="74951230000", hangup=CallStatus.BUSY)
    events = sim.simulate(plan, T0)
    assert [(e.event_type, e.call_status) for e in events] == [
        (EventType.DIAL_IN, CallStatus.CALLING),
        (EventType.HANGUP, CallStatus.BUSY),
    ]


# -- (d) determinism -------------------------------------------------------------------------


def _many_calls() -> list[CallPlan]:
    return [
        seed_call(),
        CallPlan(at=0.5, from_="+79817654321", to="74951230000", answer_after=1, talk=1),
        CallPlan(at=1.0, from_="000*099", to="000*200", hangup=CallStatus.BUSY),
    ]


def _run(seed: int | None) -> list[EventData]:
    sim = CallSimulator(PBX, [SEED_EXT, DID_PHONE], seed=seed)
    return list(simulate_calls(sim, _many_calls(), T0))


def test_same_seed_same_stream() -> None:
    assert _run(5) == _run(5)
    assert _run(None) == _run(PBX.seed)  # without a seed, the PBX's own is used


def test_without_any_seed_every_run_has_new_ids() -> None:
    unseeded = PbxSettings(client_prefix="000", domain=DOMAIN)  # a scenario without [pbx] seed
    runs = [
        list(simulate_calls(CallSimulator(unseeded, [SEED_EXT, DID_PHONE]), _many_calls(), T0))
        for _ in range(2)
    ]
    for key in ("call_id", "sub_call_id", "call_api_id"):
        assert {getattr(e, key) for e in runs[0]}.isdisjoint({getattr(e, key) for e in runs[1]})


def test_different_seed_different_ids() -> None:
    a, b = _run(5), _run(6)
    assert {e.call_id for e in a}.isdisjoint({e.call_id for e in b})
    assert {e.sub_call_id for e in a}.isdisjoint({e.sub_call_id for e in b})
    # ...but the same calls: only ids differ.
    strip = ("CallID", "SubCallID", "CallAPIID", "RecID")
    assert [{k: v for k, v in e.to_fields().items() if k not in strip} for e in a] == [
        {k: v for k, v in e.to_fields().items() if k not in strip} for e in b
    ]


def test_every_call_gets_its_own_call_id() -> None:
    events = _run(1)
    assert len({e.call_id for e in events}) == 3


def test_calls_merge_in_time_order() -> None:
    events = _run(1)
    times = [e.event_time for e in events]
    assert times == sorted(times)
    # The second call (at 0.5 s) starts between the first call's dial-out and answer.
    assert [e.event_type.value for e in events[:3]] == ["dial-out", "dial-in", "answer"]
    # event_stream (used by a run) produces the same stream as simulate_calls.
    sim = CallSimulator(PBX, [SEED_EXT, DID_PHONE], seed=1)
    plans = sorted(_many_calls(), key=lambda p: p.at)
    assert list(event_stream(sim, plans, T0)) == events


# -- queues, ivrs and forwarding ----------------------------------------------------------------

ROUTED = """\
[pbx]
domain = "sip.example.test"

[[extensions]]
id = 201
name = "201"
type = "phone"

[[extensions]]
id = 202
name = "202"
type = "phone"

[[extensions]]
id = 300
name = "300"
type = "queue"
agents = ["201", "202"]
did = "74950000300"

[[extensions]]
id = 301
name = "301"
type = "queue"
agents = ["201", "202"]
strategy = "sequential"
ring_time = 10

[[extensions]]
id = 400
name = "400"
type = "ivr"
route = "300"
menu_time = 3
did = "74950000400"

[[extensions]]
id = 500
name = "500"
type = "phone"
did = "74950000500"
forward_to = "+79990000000"
"""


@pytest.fixture
def routed() -> CallSimulator:
    sc = parse_scenario(ROUTED)
    return CallSimulator(sc.pbx, sc.extensions)


def _of(events: list[EventData], ext_id: int) -> list[tuple[str, str, str]]:
    return [
        (e.event_type.value, e.call_flow.value, e.call_status.value)
        for e in events
        if e.extension_id == ext_id
    ]


def test_queue_ringall_in_and_out_threads(routed: CallSimulator) -> None:
    plan = CallPlan(
        at=0, from_="+79817654321", to="74950000300", answer_after=2, talk=5, answered_by="000*202"
    )
    events = routed.simulate(plan, T0)
    queue = [e for e in events if e.extension_id == 300]
    in_thread = [e for e in queue if e.call_flow is CallFlow.IN]
    out_thread = [e for e in queue if e.call_flow is CallFlow.OUT]
    # `in`: dial-in when queued, hangup when the call ends; never answer.
    assert [(e.event_type.value, e.call_status.value) for e in in_thread] == [
        ("dial-in", "CALLING"),
        ("hangup", "ANSWER"),
    ]
    assert in_thread[-1].bridged == "yes"
    assert in_thread[-1].event_time == T0 + 7_000_000
    # `out`: a dial-in per agent rung, answer from the agent who answered, a hangup per leg.
    legs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for e in out_thread:
        legs[e.called_extension].append((e.event_type.value, e.call_status.value))
        assert e.bridged is None
    assert legs == {
        f"000*201@{DOMAIN}": [("dial-in", "CALLING"), ("hangup", "CANCEL")],
        f"000*202@{DOMAIN}": [("dial-in", "CALLING"), ("answer", "ANSWER"), ("hangup", "ANSWER")],
    }
    # The agents' own phones see the call as incoming.
    assert _of(events, 202) == [
        ("dial-in", "in", "CALLING"),
        ("answer", "in", "ANSWER"),
        ("hangup", "in", "ANSWER"),
    ]
    assert _of(events, 201) == [("dial-in", "in", "CALLING"), ("hangup", "in", "CANCEL")]
    assert len({e.call_id for e in events}) == 1
    assert all(e.called_did == "74950000300" for e in events)


def test_queue_unanswered_reports_not_bridged(routed: CallSimulator) -> None:
    plan = CallPlan(at=0, from_="+79817654321", to="74950000300", ring=20)
    events = routed.simulate(plan, T0)
    in_hangup = [
        e
        for e in events
        if e.extension_id == 300 and e.call_flow is CallFlow.IN and e.event_type is EventType.HANGUP
    ]
    assert len(in_hangup) == 1 and in_hangup[0].bridged == "no"
    assert EventType.ANSWER not in {e.event_type for e in events}
    assert _of(events, 201)[-1] == ("hangup", "in", "NOANSWER")


def test_sequential_queue_rings_agents_in_turn(routed: CallSimulator) -> None:
    plan = CallPlan(at=0, from_="+7999", to="000*301", answer_after=3, talk=4, answered_by="000*202")
    events = routed.simulate(plan, T0)
    dial_ins = [
        (e.extension_id, e.event_time - T0)
        for e in events
        if e.event_type is EventType.DIAL_IN and e.extension_id in (201, 202)
    ]
    assert dial_ins == [(201, 0), (202, 10_000_000)]  # the second agent after ring_time
    assert _of(events, 201) == [("dial-in", "in", "CALLING"), ("hangup", "in", "NOANSWER")]
    answer = [e for e in events if e.extension_id == 202 and e.event_type is EventType.ANSWER]
    assert answer[0].event_time == T0 + 13_000_000


def test_answered_by_someone_not_rung_is_refused(routed: CallSimulator) -> None:
    plan = CallPlan(at=0, from_="+7999", to="74950000300", answer_after=1, answered_by="000*500")
    with pytest.raises(ValidationError) as info:
        routed.simulate(plan, T0)
    assert info.value.where == "answered_by"
    assert "000*201" in str(info.value) and "000*202" in str(info.value)


@pytest.mark.parametrize("answered", [True, False])
def test_ivr_only_dial_in_and_hangup(routed: CallSimulator, answered: bool) -> None:
    plan = CallPlan(
        at=0, from_="+79817654321", to="74950000400", answer_after=2 if answered else None, talk=5, ring=6
    )
    events = routed.simulate(plan, T0)
    ivr = [e for e in events if e.extension_id == 400]
    assert [(e.event_type.value, e.call_flow.value) for e in ivr] == [("dial-in", "in"), ("hangup", "in")]
    assert ivr[-1].bridged == ("yes" if answered else "no")
    assert ivr[-1].event_time == max(e.event_time for e in events)  # released at the end
    # After the menu (3 s) the caller reaches the queue.
    queued = [
        e
        for e in events
        if e.extension_id == 300 and e.event_type is EventType.DIAL_IN and e.call_flow is CallFlow.IN
    ]
    assert queued[0].event_time == T0 + 3_000_000


def test_ivr_with_internal_caller_still_never_answers_or_dials_out(routed: CallSimulator) -> None:
    plan = CallPlan(at=0, from_="000*201", to="400", answer_after=1, answered_by="000*202")
    events = routed.simulate(plan, T0)
    ivr_types = {e.event_type for e in events if e.extension_id == 400}
    assert ivr_types == {EventType.DIAL_IN, EventType.HANGUP}


def test_forward_outside_is_a_transfered_dial_out(routed: CallSimulator) -> None:
    plan = CallPlan(at=0, from_="+79817654321", to="74950000500", answer_after=2, talk=3)
    events = routed.simulate(plan, T0)
    assert [(e.extension_id, e.event_type.value, e.call_flow.value, e.transfered) for e in events] == [
        (500, "dial-out", "out", "yes"),
        (500, "answer", "out", "yes"),
        (500, "hangup", "out", "yes"),
    ]
    assert {e.called_number for e in events} == {"+79990000000"}
    assert events[-1].to_fields()["Transfered"] == "yes"


# -- properties over many plans ------------------------------------------------------------------

_status = st.sampled_from(sorted(DEFAULT_RING_SECONDS, key=str))
_seconds = st.floats(min_value=0, max_value=120, allow_nan=False).map(lambda x: round(x, 3))


@settings(max_examples=150, deadline=None)
@given(
    target=st.sampled_from(["74950000300", "74950000400", "74950000500", "000*201", "301", "+79990001122"]),
    caller=st.sampled_from(["+79817654321", "000*202"]),
    answer_after=st.none() | _seconds,
    talk=_seconds,
    ring=st.none() | _seconds,
    hangup=_status,
)
def test_every_call_is_well_formed(target, caller, answer_after, talk, ring, hangup) -> None:
    sc = parse_scenario(ROUTED)
    sim = CallSimulator(sc.pbx, sc.extensions)
    plan = CallPlan(
        at=0, from_=caller, to=target, answer_after=answer_after, talk=talk, hangup=hangup, ring=ring
    )
    events = sim.simulate(plan, T0)

    if caller.startswith("+") and target.startswith("+"):
        assert events == []  # outside to outside: no extension of this PBX sees it
        return
    assert len({e.call_id for e in events}) == 1
    assert [e.event_time for e in events] == sorted(e.event_time for e in events)
    assert all(e.event_time >= T0 for e in events)
    # Each view of a leg (extension, SubCallID, flow) starts once and hangs up once, in order.
    views: dict[tuple, list[EventData]] = defaultdict(list)
    for e in events:
        views[(e.extension_id, e.sub_call_id, e.call_flow)].append(e)
    for seq in views.values():
        kinds = [e.event_type for e in seq]
        assert kinds[0] in (EventType.DIAL_IN, EventType.DIAL_OUT)
        assert seq[0].call_status is CallStatus.CALLING
        assert kinds[-1] is EventType.HANGUP and Counter(kinds)[EventType.HANGUP] == 1
        assert kinds.count(EventType.ANSWER) <= 1
        if EventType.ANSWER in kinds:  # Duration: this SubCallID's answer -> hangup
            answer_ev = seq[kinds.index(EventType.ANSWER)]
            assert seq[-1].duration == seq[-1].event_time - answer_ev.event_time
        else:
            assert seq[-1].duration is None
        answered = EventType.ANSWER in kinds
        assert (seq[-1].call_status is CallStatus.ANSWER) == answered or (
            seq[-1].extension_id in (300, 301, 400)  # queue/ivr pick up without `answer`
        )
    for e in events:
        ext = sc.extension(e.extension_id)
        assert ext is not None
        if ext.type is ExtensionType.IVR:
            assert e.event_type in (EventType.DIAL_IN, EventType.HANGUP)
        if e.event_type is not EventType.HANGUP:
            assert e.duration is None and e.rec_id is None and e.bridged is None
        if e.bridged is not None:
            assert ext.type in (ExtensionType.IVR, ExtensionType.QUEUE)
            assert e.call_flow is CallFlow.IN
        if e.call_status is CallStatus.CALLING:
            assert e.event_type in (EventType.DIAL_IN, EventType.DIAL_OUT)
        if e.event_type is EventType.ANSWER:
            assert e.call_status is CallStatus.ANSWER
    # Only a queue or ivr picks up an unanswered call (ASSUMPTION `answers_at_once`): nobody
    # else answers, and a phone never reports answer on a leg that rang it.
    for e in events:
        if e.event_type is EventType.ANSWER and answer_after is None:
            assert e.called_extension_id in (300, 301, 400)
            assert e.call_flow is CallFlow.OUT


# -- callbacks (rule 5) and messages (rule 6), now that the simulator models them ---------------

CALLBACK_PBX = """\
[[extensions]]
id = 200
name = "200"
type = "phone"

[[extensions]]
id = 201
name = "201"
type = "phone"

[[extensions]]
id = 300
name = "300"
type = "queue"
agents = ["201"]

[[callbacks]]
extension = "200"
src_num = ["200"]
dst_num = "+79817654321"
answer_after = 1
talk = 2
"""


def test_callback_owner_as_source_gets_only_its_dial_out_leg() -> None:
    sc = parse_scenario(CALLBACK_PBX)
    sim = CallSimulator(sc.pbx, sc.extensions)
    events = sim.simulate_callback(sc.callbacks[0], T0)
    # Only the dial-out from 200 to +79817654321 and that leg's answer/hangup.
    assert [(e.extension_id, e.event_type.value, e.call_flow.value) for e in events] == [
        (200, "dial-out", "out"),
        (200, "answer", "out"),
        (200, "hangup", "out"),
    ]
    assert {e.called_number for e in events} == {"+79817654321"}
    assert events[-1].call_status is CallStatus.ANSWER
    # A callback: CallBackID is the CallID, CallAPIID "cb-<10 digits>-<CallID>".
    call_id = events[0].call_id
    assert {e.sub_call_id for e in events} == {f"200-{call_id}"}
    assert {e.callback_id for e in events} == {call_id}
    assert {e.call_api_id for e in events} == {events[0].call_api_id}
    assert CALL_API_ID_RE.fullmatch(events[0].call_api_id)
    assert events[0].call_api_id.startswith("cb-") and events[0].call_api_id.endswith(call_id)
    # Nothing about 200 calling itself.
    assert not any(e.event_type is EventType.DIAL_IN for e in events)
    assert not any(e.called_number in ("200", "000*200") for e in events)


def test_message_events_only_on_phones() -> None:
    sc = parse_scenario(CALLBACK_PBX + '[[messages]]\nfrom = "000*200"\nto = "000*201"\n')
    sim = CallSimulator(sc.pbx, sc.extensions)
    events = sim.simulate_message(sc.messages[0], T0)
    assert [(e.extension_id, e.event_type) for e in events] == [
        (200, EventType.MESSAGE_OUT),
        (201, EventType.MESSAGE_IN),
    ]
    assert len({e.call_id for e in events}) == 1
    with pytest.raises(ValidationError) as info:
        parse_scenario(CALLBACK_PBX + '[[messages]]\nfrom = "000*200"\nto = "000*300"\n')
    assert info.value.where == "<scenario>: messages[0].to"
    assert "only for phone extensions" in str(info.value)
