"""One test per event-generation rule: the exact events each extension gets, in order.

Every scenario is a small TOML text built with ``parse_scenario`` and played with
``CallSimulator(scenario.pbx, scenario.extensions).simulate(plan, base_us)``, so the tests go
through the same path as a scenario file. The rules are those of the PBX manual
(``pbx-events.md``) plus the ASSUMPTIONs documented in ``pbxdesk/domain/rules.py`` and
``pbxdesk/engine/simulator.py``.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from pbxdesk.domain import CallFlow, CallStatus, EventData, EventType, ValidationError
from pbxdesk.engine.scenario import Scenario, parse_scenario
from pbxdesk.engine.simulator import DEFAULT_RING_SECONDS, US, CallSimulator

T0 = 1_700_000_000_000_000  # µs since the epoch
DOMAIN = "sip.example.test"

E = EventType
IN, OUT = CallFlow.IN, CallFlow.OUT
CALLING, ANSWER = CallStatus.CALLING, CallStatus.ANSWER

PBX = f"""
[pbx]
client_prefix = "000"
domain = "{DOMAIN}"
seed = 5
"""


def phone(ext_id: int, short: str, **extra: object) -> str:
    return _ext(ext_id, short, "phone", **extra)


def _ext(ext_id: int, short: str, ext_type: str, **extra: object) -> str:
    lines = ["[[extensions]]", f"id = {ext_id}", f'name = "{short}"', f'type = "{ext_type}"']
    lines += [f"{key} = {_toml(value)}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def call(**keys: object) -> str:
    """A [[calls]] table; ``from_`` stands for the TOML key ``from``."""
    if "from_" in keys:
        keys["from"] = keys.pop("from_")
    return "[[calls]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in keys.items())


def table(name: str, **keys: object) -> str:
    return f"[[{name}]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in keys.items())


def scenario(*parts: str) -> Scenario:
    return parse_scenario(PBX + "\n".join(parts))


def play(sc: Scenario) -> list[list[EventData]]:
    """The events of each call, callback and message of ``sc``, one list per plan."""
    sim = CallSimulator(sc.pbx, sc.extensions)
    plans = sorted([*sc.calls, *sc.callbacks, *sc.messages], key=lambda p: p.at)
    return [sim.simulate(plan, T0 + int(plan.at * US)) for plan in plans]


def play_one(*parts: str) -> list[EventData]:
    (events,) = play(scenario(*parts))
    return events


def of(events: list[EventData], ext_id: int) -> list[EventData]:
    return [e for e in events if e.extension_id == ext_id]


def steps(events: list[EventData]) -> list[tuple[EventType, CallFlow | None, CallStatus | None]]:
    return [(e.event_type, e.call_flow, e.call_status) for e in events]


def at(ev: EventData) -> float:
    """Seconds from the call's start (the tests put every call at T0 + its ``at``)."""
    return (ev.event_time - T0) / US


def legs(events: list[EventData]) -> dict[str, list[EventData]]:
    out: dict[str, list[EventData]] = defaultdict(list)
    for e in events:
        out[e.sub_call_id or ""].append(e)
    return out


def addr(short: str) -> str:
    return f"000*{short}@{DOMAIN}"


ANSWERED_CALL = [(E.DIAL_IN, IN, CALLING), (E.ANSWER, IN, ANSWER), (E.HANGUP, IN, ANSWER)]
ANSWERED_OUT = [(E.DIAL_OUT, OUT, CALLING), (E.ANSWER, OUT, ANSWER), (E.HANGUP, OUT, ANSWER)]


# -- rule 1: phone ----------------------------------------------------------------------------


def test_phone_dialling_outside_gets_dial_out_answer_hangup() -> None:
    events = play_one(
        phone(1, "101", label="Anna"),
        call(from_="000*101", to="+79817654321", answer_after=2, talk=3),
    )
    assert {e.extension_id for e in events} == {1}
    assert steps(events) == ANSWERED_OUT
    assert [at(e) for e in events] == [0.0, 2.0, 5.0]
    for e in events:
        f = e.to_fields()
        assert f["CallerIDNum"] == "000*101" and f["CallerIDName"] == "Anna"
        assert f["CallerExtension"] == addr("101") and f["CallerExtensionID"] == "1"
        assert f["CalledNumber"] == "+79817654321"
        # An outside callee: no CalledExtension; no DID was dialled: no CalledDID.
        for absent in ("CalledDID", "CalledExtension", "CalledExtensionID", "Transfered", "Bridged"):
            assert absent not in f
        assert ("Duration" in f) == (e.event_type is E.HANGUP)
    assert events[-1].duration == 3 * US  # talk time: answer (2 s) -> hangup (5 s)


def test_internal_call_gives_caller_dial_out_and_callee_dial_in() -> None:
    events = play_one(
        phone(1, "101"),
        phone(2, "102", did="78120000002"),
        call(from_="000*101", to="102", answer_after=1, talk=4),  # short number
    )
    assert steps(of(events, 1)) == ANSWERED_OUT
    assert steps(of(events, 2)) == ANSWERED_CALL
    # One leg, each side with its own SubCallID: the caller's hex is the CallID.
    call_id = events[0].call_id
    assert {e.sub_call_id for e in of(events, 1)} == {f"1-{call_id}"}
    (callee_sub,) = {e.sub_call_id for e in of(events, 2)}
    assert callee_sub.startswith("2-") and callee_sub != f"2-{call_id}"
    for e in events:
        f = e.to_fields()
        assert f["CallerExtension"] == addr("101") and f["CallerExtensionID"] == "1"
        assert f["CalledExtension"] == addr("102") and f["CalledExtensionID"] == "2"
        # dial-out: the number as dialled; dial-in: the extension's full name
        assert f["CalledNumber"] == ("102" if e.extension_id == 1 else "000*102")
        # 102 has a DID, but this call did not come in on it.
        assert "CalledDID" not in f


def test_external_call_on_a_did_carries_called_did_and_no_caller_extension() -> None:
    events = play_one(
        phone(2, "102", did="78120000002"),
        call(from_="+79817654321", to="78120000002", answer_after=3, talk=2),
    )
    assert steps(events) == ANSWERED_CALL
    assert [at(e) for e in events] == [0.0, 3.0, 5.0]
    for e in events:
        f = e.to_fields()
        assert f["CalledDID"] == "78120000002"
        assert f["CalledNumber"] == "000*102"
        assert f["CallerIDNum"] == "+79817654321" and f["CallerIDName"] == "+79817654321"
        assert "CallerExtension" not in f and "CallerExtensionID" not in f
        assert f["CalledExtension"] == addr("102") and f["CalledExtensionID"] == "2"


def test_external_call_dialled_by_extension_name_has_no_called_did() -> None:
    events = play_one(
        phone(2, "102", did="78120000002"),
        call(from_="+79817654321", to="000*102", answer_after=1),
    )
    assert steps(events) == ANSWERED_CALL
    assert all(e.called_did is None and e.caller_extension is None for e in events)


@pytest.mark.parametrize(
    ("record", "answer_after", "has_rec"),
    [(True, 1, True), (True, None, False), (False, 1, False)],
)
def test_rec_id_only_on_the_hangup_of_an_answered_leg_with_recording(
    record: bool, answer_after: int | None, has_rec: bool
) -> None:
    keys = {"answer_after": answer_after} if answer_after is not None else {}
    events = play_one(
        phone(1, "101", record=record),
        phone(2, "102", record=record),
        call(from_="000*101", to="000*102", **keys),
    )
    for ext_id in (1, 2):
        mine = of(events, ext_id)
        assert [e.rec_id is not None for e in mine[:-1]] == [False] * (len(mine) - 1)
        assert mine[-1].event_type is E.HANGUP
        assert (mine[-1].rec_id is not None) is has_rec
    if has_rec:  # one recording per extension view
        assert of(events, 1)[-1].rec_id != of(events, 2)[-1].rec_id


@pytest.mark.parametrize("status", ["BUSY", "NOANSWER", "CANCEL", "CONGESTION", "CHANUNAVAIL"])
def test_unanswered_call_ends_with_its_status_and_no_answer(status: str) -> None:
    events = play_one(
        phone(1, "101", record=True),
        phone(2, "102", record=True),
        call(from_="000*101", to="000*102", hangup=status),
    )
    expected = CallStatus(status)
    assert steps(of(events, 1)) == [(E.DIAL_OUT, OUT, CALLING), (E.HANGUP, OUT, expected)]
    assert steps(of(events, 2)) == [(E.DIAL_IN, IN, CALLING), (E.HANGUP, IN, expected)]
    ring_us = int(DEFAULT_RING_SECONDS[expected] * US)
    for e in events:
        assert e.rec_id is None
        assert e.duration is None  # never answered: no talk time
        if e.event_type is E.HANGUP:
            assert e.event_time == T0 + ring_us


# -- rule 2: ivr ------------------------------------------------------------------------------


@pytest.mark.parametrize(("answer_after", "bridged"), [(2, "yes"), (None, "no")])
def test_ivr_gets_only_dial_in_and_hangup_with_bridged(answer_after: int | None, bridged: str) -> None:
    keys = {"answer_after": answer_after} if answer_after is not None else {}
    events = play_one(
        phone(1, "101"),
        _ext(30, "300", "ivr", route="101", did="78120000030", menu_time=4),
        call(from_="+79817654321", to="78120000030", talk=6, ring=10, **keys),
    )
    ivr = of(events, 30)
    assert steps(ivr) == [(E.DIAL_IN, IN, CALLING), (E.HANGUP, IN, ANSWER)]
    assert ivr[0].bridged is None and ivr[1].bridged == bridged
    assert ivr[0].called_extension == addr("300") and ivr[0].called_number == "000*300"
    assert all(e.duration is None for e in ivr)  # an ivr never reports answer: no talk time
    # The phone is rung after the menu, on its own leg of the same call.
    ph = of(events, 1)
    if answer_after is not None:
        assert steps(ph) == ANSWERED_CALL
        assert [at(e) for e in ph] == [4.0, 6.0, 12.0]
        assert at(ivr[1]) == 12.0
    else:
        assert steps(ph) == [(E.DIAL_IN, IN, CALLING), (E.HANGUP, IN, CallStatus.NOANSWER)]
        assert [at(e) for e in ph] == [4.0, 14.0]
        assert at(ivr[1]) == 14.0
    assert ph[0].sub_call_id != ivr[0].sub_call_id
    assert {e.call_id for e in events} == {ivr[0].call_id}
    assert all(e.called_did == "78120000030" for e in events)
    assert all(e.bridged is None for e in ph)


@pytest.mark.parametrize("caller", ["000*200", "000*300"])
@pytest.mark.parametrize("kind", ["calls", "callbacks", "traffic"])
def test_an_ivr_or_queue_never_places_a_call(caller: str, kind: str) -> None:
    """Rules 2-3: an ivr never dials out or answers, nor does a queue's `in` thread; so a
    scenario cannot make either the calling party (it would give them dial-out and answer)."""
    parts = [phone(1, "101"), _ext(20, "200", "queue", agents=["101"]), _ext(30, "300", "ivr", route="101")]
    entry = {
        "calls": call(from_=caller, to="000*101", answer_after=1),
        "callbacks": table("callbacks", extension="101", src_num=[caller], dst_num="+79817654321"),
        "traffic": table("traffic", to="000*101", rate=1, duration=5, **{"from": [caller]}),
    }[kind]
    key = "src_num" if kind == "callbacks" else "from"
    with pytest.raises(ValidationError, match="cannot place calls") as info:
        scenario(*parts, entry)
    assert info.value.where == f"<scenario>: {kind}[0].{key}"


# -- rule 3: queue ----------------------------------------------------------------------------

QUEUE_PHONES = [phone(1, "101"), phone(2, "102"), phone(3, "103")]


def _queue(strategy: str, **extra: object) -> str:
    agents = ["101", "102", "103"]
    return _ext(20, "200", "queue", agents=agents, strategy=strategy, **extra)


def test_queue_ringall_in_thread_and_out_thread_per_agent() -> None:
    events = play_one(
        *QUEUE_PHONES,
        _queue("ringall"),
        call(from_="+79817654321", to="000*200", answer_after=3, talk=5, answered_by="000*102"),
    )
    queue = of(events, 20)
    in_thread = [e for e in queue if e.call_flow is IN]
    out_thread = [e for e in queue if e.call_flow is OUT]
    # `in`: dial-in when the call enters the queue, hangup when it ends; never an answer.
    assert steps(in_thread) == [(E.DIAL_IN, IN, CALLING), (E.HANGUP, IN, ANSWER)]
    assert in_thread[-1].bridged == "yes"
    assert [at(e) for e in in_thread] == [0.0, 8.0]
    assert in_thread[0].called_number == "000*200"
    # `out`: per agent rung a dial-in; the answerer's leg has answer; the others end CANCEL.
    by_leg = legs(out_thread)
    assert len(by_leg) == 3
    agent_of = {leg[0].called_extension_id: leg for leg in by_leg.values()}
    assert steps(agent_of[2]) == [(E.DIAL_IN, OUT, CALLING), (E.ANSWER, OUT, ANSWER), (E.HANGUP, OUT, ANSWER)]
    for loser in (1, 3):
        assert steps(agent_of[loser]) == [(E.DIAL_IN, OUT, CALLING), (E.HANGUP, OUT, CallStatus.CANCEL)]
        assert [at(e) for e in agent_of[loser]] == [0.0, 3.0]
        # the agent's own view of that leg
        assert steps(of(events, loser)) == [(E.DIAL_IN, IN, CALLING), (E.HANGUP, IN, CallStatus.CANCEL)]
    assert steps(of(events, 2)) == ANSWERED_CALL
    assert [at(e) for e in of(events, 2)] == [0.0, 3.0, 8.0]
    assert all(e.bridged is None for e in out_thread)
    assert not any(e.event_type is E.ANSWER and e.call_flow is IN for e in queue)
    assert not any(e.event_type is E.DIAL_OUT for e in events)


def test_queue_sequential_rings_each_agent_in_turn() -> None:
    events = play_one(
        *QUEUE_PHONES,
        _queue("sequential", ring_time=10),
        call(from_="+79817654321", to="000*200", answer_after=4, talk=5, answered_by="000*102"),
    )
    # 101 rings 0-10 s and gives up (NOANSWER), 102 rings from 10 s and answers at 14 s.
    assert steps(of(events, 1)) == [(E.DIAL_IN, IN, CALLING), (E.HANGUP, IN, CallStatus.NOANSWER)]
    assert [at(e) for e in of(events, 1)] == [0.0, 10.0]
    assert of(events, 1)[-1].duration is None
    assert steps(of(events, 2)) == ANSWERED_CALL
    assert [at(e) for e in of(events, 2)] == [10.0, 14.0, 19.0]
    # 103 comes after the answerer: never rung.
    assert of(events, 3) == []
    queue = of(events, 20)
    # At 10 s the next agent's dial-in and the last one's hangup share a timestamp: the
    # simulator sends starts before ends at equal times.
    assert [(e.event_type, e.call_flow, e.call_status, e.called_extension_id, at(e)) for e in queue] == [
        (E.DIAL_IN, IN, CALLING, 20, 0.0),
        (E.DIAL_IN, OUT, CALLING, 1, 0.0),
        (E.DIAL_IN, OUT, CALLING, 2, 10.0),
        (E.HANGUP, OUT, CallStatus.NOANSWER, 1, 10.0),
        (E.ANSWER, OUT, ANSWER, 2, 14.0),
        (E.HANGUP, IN, ANSWER, 20, 19.0),
        (E.HANGUP, OUT, ANSWER, 2, 19.0),
    ]
    assert queue[5].bridged == "yes"


@pytest.mark.parametrize("strategy", ["ringall", "sequential"])
def test_unanswered_queue_call(strategy: str) -> None:
    events = play_one(
        *QUEUE_PHONES,
        _queue(strategy, ring_time=5),
        call(from_="000*101", to="000*200", hangup="CANCEL", ring=12),
    )
    queue = of(events, 20)
    in_thread = [e for e in queue if e.call_flow is IN]
    assert steps(in_thread) == [(E.DIAL_IN, IN, CALLING), (E.HANGUP, IN, ANSWER)]
    assert in_thread[-1].bridged == "no"
    assert not any(e.event_type is E.ANSWER for e in queue)
    assert not any(e.event_type is E.ANSWER for e in events if e.extension_id in (2, 3))
    if strategy == "ringall":
        # every agent rings from the start until the caller gives up
        for agent in (2, 3):
            assert steps(of(events, agent)) == [(E.DIAL_IN, IN, CALLING), (E.HANGUP, IN, CallStatus.CANCEL)]
            assert [at(e) for e in of(events, agent)] == [0.0, 12.0]
        assert at(in_thread[-1]) == 12.0
    else:
        # each agent rings its 5 s turn and ends NOANSWER; the call ends after the last turn
        for i, agent in enumerate((2, 3), start=1):
            assert steps(of(events, agent)) == [(E.DIAL_IN, IN, CALLING), (E.HANGUP, IN, CallStatus.NOANSWER)]
            assert [at(e) for e in of(events, agent)] == [5.0 * i, 5.0 * (i + 1)]
        assert at(in_thread[-1]) == 15.0
    # the caller (an agent of the queue too) dialled the queue: its dial-out leg is separate
    caller_out = [e for e in of(events, 1) if e.call_flow is OUT]
    assert caller_out[0].event_type is E.DIAL_OUT and caller_out[-1].event_type is E.HANGUP


# -- rule 4: forwarding outside -----------------------------------------------------------------


def test_forward_outside_on_a_phone_is_a_transfered_dial_out() -> None:
    events = play_one(
        phone(1, "101"),
        phone(2, "102", forward_to="+79990001122"),
        call(from_="000*101", to="000*102", answer_after=2, talk=3),
    )
    fwd = of(events, 2)
    assert steps(fwd) == ANSWERED_OUT  # the forwarding phone: dial-out, answer, hangup
    for e in fwd:
        assert e.transfered == "yes"
        assert e.called_number == "+79990001122"
        assert e.called_extension is None
    caller = of(events, 1)
    assert steps(caller) == ANSWERED_OUT
    assert all(e.transfered is None for e in caller)
    assert caller[0].sub_call_id != fwd[0].sub_call_id  # two legs...
    assert len({e.call_id for e in events}) == 1  # ...of one call
    assert [at(e) for e in fwd] == [0.0, 2.0, 5.0]


def test_forward_outside_on_an_ivr_has_no_answer() -> None:
    events = play_one(
        phone(1, "101"),
        _ext(30, "300", "ivr", route="101", did="78120000030", forward_to="+79990001122"),
        call(from_="+79817654321", to="78120000030", answer_after=2, talk=3),
    )
    ivr = of(events, 30)
    # Forwarded before it rings: no dial-in; rule 2: never an answer.
    assert steps(ivr) == [(E.DIAL_OUT, OUT, CALLING), (E.HANGUP, OUT, ANSWER)]
    assert all(e.transfered == "yes" and e.called_number == "+79990001122" for e in ivr)
    assert all(e.called_did == "78120000030" for e in ivr)
    assert of(events, 1) == []  # the menu never routed anyone
    assert [at(e) for e in ivr] == [0.0, 5.0]
    assert ivr[-1].duration is None  # no answer event on an ivr: no Duration


def test_forward_outside_keeps_the_call_id_unanswered() -> None:
    events = play_one(
        phone(1, "101"),
        phone(2, "102", forward_to="+79990001122"),
        call(from_="000*101", to="000*102", hangup="BUSY"),
    )
    assert steps(of(events, 2)) == [(E.DIAL_OUT, OUT, CALLING), (E.HANGUP, OUT, CallStatus.BUSY)]
    assert all(e.transfered == "yes" for e in of(events, 2))
    assert len({e.call_id for e in events}) == 1


def test_sequential_queue_with_a_forwarding_agent_keeps_turns() -> None:
    """An agent that forwards outside rings (outside) during its turn only; agents after
    the answerer are never rung, forwarding or not."""
    events = play_one(
        phone(1, "101", forward_to="+79990001111"),
        phone(2, "102"),
        phone(3, "103", forward_to="+79990003333"),
        _queue("sequential", ring_time=10),
        call(from_="+79817654321", to="000*200", answer_after=4, talk=5, answered_by="000*102"),
    )
    first = of(events, 1)
    assert steps(first) == [(E.DIAL_OUT, OUT, CALLING), (E.HANGUP, OUT, CallStatus.NOANSWER)]
    assert [at(e) for e in first] == [0.0, 10.0]
    assert all(e.transfered == "yes" for e in first)
    assert steps(of(events, 2)) == ANSWERED_CALL
    assert [at(e) for e in of(events, 2)] == [10.0, 14.0, 19.0]
    assert of(events, 3) == []
    queue_out = [e for e in of(events, 20) if e.call_flow is OUT]
    assert [(e.event_type, e.called_extension_id, e.call_status, at(e)) for e in queue_out] == [
        (E.DIAL_IN, 1, CALLING, 0.0),
        (E.DIAL_IN, 2, CALLING, 10.0),
        (E.HANGUP, 1, CallStatus.NOANSWER, 10.0),
        (E.ANSWER, 2, ANSWER, 14.0),
        (E.HANGUP, 2, ANSWER, 19.0),
    ]
    for e in events:  # nothing ends before it starts
        assert e.duration is None or e.duration >= 0


# -- blind transfer ---------------------------------------------------------------------------


def test_blind_transfer_remote_number_only_on_the_targets_dial_in() -> None:
    events = play_one(
        phone(1, "101", did="78120000001"),
        phone(2, "102"),
        call(
            from_="+79817654321",
            to="78120000001",
            answer_after=1,
            talk=4,
            transfer_to="000*102",
            transfer_after=3,
            transfer_answer_after=2,
        ),
    )
    # 101 answers, talks 3 s, transfers: its part ends (hangup), no dial-out for the transfer.
    first = of(events, 1)
    assert steps(first) == ANSWERED_CALL
    assert [at(e) for e in first] == [0.0, 1.0, 4.0]
    assert first[-1].duration == 3 * US
    target = of(events, 2)
    assert steps(target) == ANSWERED_CALL
    assert [at(e) for e in target] == [4.0, 6.0, 10.0]
    assert target[0].remote_number == "+79817654321"
    assert [e for e in events if e.remote_number is not None] == [target[0]]
    assert target[0].sub_call_id != first[0].sub_call_id
    assert len({e.call_id for e in events}) == 1
    assert not any(e.event_type is E.DIAL_OUT for e in events)


# -- rule 5: API callback ---------------------------------------------------------------------


def test_callback_from_the_owner_only_gives_its_dial_out_to_dst() -> None:
    events = play_one(
        phone(1, "200", record=True),
        table("callbacks", extension="200", src_num=["200"], dst_num="+79817654321", answer_after=2, talk=3),
    )
    assert {e.extension_id for e in events} == {1}
    assert steps(events) == ANSWERED_OUT
    # no dial-in 200<-200 and no dial-out 200->200: every event is the leg to dst_num
    assert {e.called_number for e in events} == {"+79817654321"}
    call_id = events[0].call_id
    assert {e.sub_call_id for e in events} == {f"1-{call_id}"}
    # the recorded callback: CallBackID = CallID, CallAPIID "cb-<10 digits>-<CallID>"
    assert {e.callback_id for e in events} == {call_id}
    assert all(re.fullmatch(rf"cb-\d{{10}}-{call_id}", e.call_api_id or "") for e in events)
    # the source answers after 1 s (default), then dst rings 2 s and talks 3 s
    assert [at(e) for e in events] == [1.0, 3.0, 6.0]
    assert events[-1].duration == 3 * US and events[-1].rec_id == events[-1].sub_call_id


def test_callback_with_another_source_carries_callback_id() -> None:
    events = play_one(
        phone(1, "200"),
        phone(2, "201"),
        table("callbacks", extension="200", src_num=["201"], dst_num="+79817654321", answer_after=2),
    )
    assert of(events, 1) == []  # the owner only asked for the call
    src = of(events, 2)
    assert [(e.event_type, e.call_flow) for e in src] == [
        (E.DIAL_IN, IN),  # the PBX rings the source...
        (E.DIAL_OUT, OUT),  # ...which then dials dst_num
        (E.ANSWER, IN),
        (E.ANSWER, OUT),
        (E.HANGUP, IN),
        (E.HANGUP, OUT),
    ]
    assert {e.callback_id for e in events} == {events[0].call_id}
    assert len({e.call_id for e in events}) == 1


# -- rule 6: messages -------------------------------------------------------------------------


def test_messages_between_phones() -> None:
    events = play_one(
        phone(1, "101"),
        phone(2, "102"),
        table("messages", **{"from": "000*101", "to": "000*102", "text": "hi"}),
    )
    assert [(e.extension_id, e.event_type, e.call_flow) for e in events] == [
        (1, E.MESSAGE_OUT, OUT),
        (2, E.MESSAGE_IN, IN),
    ]
    assert events[0].call_id == events[1].call_id
    assert all(e.call_status is None and e.duration is None for e in events)


def test_message_to_outside_only_gives_message_out() -> None:
    events = play_one(
        phone(1, "101"),
        table("messages", **{"from": "000*101", "to": "+79817654321"}),
    )
    assert [(e.extension_id, e.event_type) for e in events] == [(1, E.MESSAGE_OUT)]


@pytest.mark.parametrize("key", ["from", "to"])
@pytest.mark.parametrize("other", ["200", "300"])
def test_scenario_refuses_messages_to_or_from_a_queue_or_ivr(key: str, other: str) -> None:
    parts = [
        *QUEUE_PHONES,
        _queue("ringall"),
        _ext(30, "300", "ivr", route="101"),
    ]
    ends = {"from": "000*101", "to": "000*102"}
    ends[key] = f"000*{other}"
    with pytest.raises(ValidationError, match=r"messages\[0\]\." + key + ".*only for phone"):
        scenario(*parts, table("messages", **ends))


# -- voicemail ------------------------------------------------------------------------------------


def test_voicemail_after_an_unanswered_call() -> None:
    events = play_one(
        phone(1, "101"),
        call(from_="+79817654321", to="000*101", ring=20, voicemail=8),
    )
    assert [(e.event_type, e.call_flow, e.call_status) for e in events] == [
        (E.DIAL_IN, IN, CALLING),
        (E.HANGUP, IN, CallStatus.NOANSWER),
        (E.VOICEMAIL, IN, None),
    ]
    assert [at(e) for e in events] == [0.0, 20.0, 28.0]
    assert events[-1].duration == 8 * US
    assert events[-1].sub_call_id == events[0].sub_call_id
    assert events[-1].called_extension_id == 1


def test_no_voicemail_when_the_call_is_answered_or_not_asked() -> None:
    sc = scenario(
        phone(1, "101"),
        call(from_="+79817654321", to="000*101", voicemail=8, answer_after=1),
        call(at=100, from_="+79817654321", to="000*101"),
    )
    for events in play(sc):
        assert not any(e.event_type is E.VOICEMAIL for e in events)


# -- times ------------------------------------------------------------------------------------

CALL_CENTRE = [
    phone(1, "101", record=True),
    phone(2, "102", forward_to="+79990002222"),
    phone(3, "103", did="78120000003"),
    _ext(20, "200", "queue", agents=["101", "102", "103"], strategy="ringall"),
    _ext(21, "201", "queue", agents=["101", "103"], strategy="sequential", ring_time=7),
    _ext(30, "300", "ivr", route="200", did="78120000030", menu_time=2.5),
    _ext(31, "301", "ivr", route="201", did="78120000031"),
    call(at=0, from_="+79817654321", to="78120000030", answer_after=4, talk=30, answered_by="000*103"),
    call(at=1, from_="+79817654322", to="78120000031", answer_after=3, talk=9, answered_by="000*103"),
    call(at=2, from_="000*101", to="000*103", answer_after=1, talk=5, transfer_to="000*102"),
    call(at=3, from_="+79817654323", to="78120000030", hangup="CANCEL", ring=6),
    call(at=4, from_="000*103", to="+79817654324", hangup="BUSY"),
    call(at=5, from_="+79817654325", to="78120000003", voicemail=4),
    table("callbacks", at=6, extension="101", src_num=["101"], dst_num="+79817654326", answer_after=2),
    table("callbacks", at=7, extension="101", src_num=["103", "102"], dst_num="000*101", answer_after=2),
]


def test_event_time_is_non_decreasing_within_every_call() -> None:
    for events in play(scenario(*CALL_CENTRE)):
        assert events
        times = [e.event_time for e in events]
        assert times == sorted(times)
        assert len({e.call_id for e in events}) == 1


def test_duration_on_each_hangup_is_its_answer_to_hangup() -> None:
    """The public record: Duration = hangup EventTime - answer EventTime of the same
    SubCallID (talk time, µs); absent when that SubCallID was never answered."""
    checked = 0
    for events in play(scenario(*CALL_CENTRE)):
        starts: dict[tuple[int, str | None, CallFlow | None], int] = {}
        answers: dict[tuple[int, str | None, CallFlow | None], int] = {}
        for e in events:
            key = (e.extension_id, e.sub_call_id, e.call_flow)
            if e.event_type in (E.DIAL_IN, E.DIAL_OUT):
                assert key not in starts
                starts[key] = e.event_time
            elif e.event_type is E.ANSWER:
                answers[key] = e.event_time
            elif e.event_type is E.HANGUP:
                starts.pop(key)
                if key in answers:
                    assert e.duration == e.event_time - answers.pop(key)
                    checked += 1
                else:
                    assert e.duration is None
        assert starts == {}  # every view that started was hung up
    assert checked > 10


def test_caller_id_name_and_domain_come_from_the_extension_resource() -> None:
    events = play_one(
        phone(1, "101", label="Anna", caller_id_name="Sales desk", domain="sipproxy.telphin.ru"),
        call(from_="000*101", to="+79817654321", answer_after=1),
    )
    for e in events:
        assert e.caller_id_name == "Sales desk"  # the resource's caller_id_name before the label
        assert e.caller_extension == "000*101@sipproxy.telphin.ru"
