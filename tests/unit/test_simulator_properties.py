"""Property tests: invariants of the simulated event stream over random small PBXs.

Each example is a random scenario file (TOML, through ``parse_scenario``): two to four
phones (some recording, some with a DID, some forwarding outside), a queue of some of them
(ringall or sequential), an ivr routed to the queue or to a phone (perhaps forwarding
outside), and random calls, callbacks and messages between extensions, DIDs and outside
numbers.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbxdesk.domain import CALL_EVENTS, CallFlow, CallStatus, EventData, EventType, ExtensionType
from pbxdesk.domain.ids import CALL_API_ID_RE, CALL_ID_RE, SUB_CALL_ID_RE, dashed
from pbxdesk.domain.wire import encode_fields
from pbxdesk.engine.run import event_stream
from pbxdesk.engine.scenario import Scenario, parse_scenario
from pbxdesk.engine.simulator import US, CallSimulator
from pbxdesk.engine.traffic import scenario_plans

T0 = 1_700_000_000_000_000
E = EventType
STARTS = frozenset({E.DIAL_IN, E.DIAL_OUT})
UNANSWERED = ["BUSY", "NOANSWER", "CANCEL", "CONGESTION", "CHANUNAVAIL"]

PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

outside = st.integers(10**9, 10**10 - 1).map(lambda n: f"+7{n}")
seconds = st.floats(0.0, 30.0, allow_nan=False).map(lambda x: round(x, 2))


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def _table(name: str, keys: dict[str, object]) -> str:
    return f"[[{name}]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in keys.items() if v is not None)


@dataclass
class Generated:
    text: str
    n_plans: int


@st.composite
def scenarios(draw: st.DrawFn) -> Generated:
    parts = [f'[pbx]\nclient_prefix = "000"\ndomain = "sip.example.test"\nseed = {draw(st.integers(0, 9))}\n']
    n_phones = draw(st.integers(2, 4))
    shorts = [str(101 + i) for i in range(n_phones)]
    forwards: set[str] = set()
    dids: dict[str, str] = {}  # DID -> short number of the extension it reaches
    for i, short in enumerate(shorts):
        forward = draw(st.one_of(st.none(), st.none(), outside))
        did = f"7812000{short}" if draw(st.booleans()) else None
        if forward:
            forwards.add(short)
        if did:
            dids[did] = short
        keys = {"id": i + 1, "name": short, "type": "phone", "record": draw(st.booleans())}
        parts.append(_table("extensions", {**keys, "did": did, "forward_to": forward}))
    agents = draw(st.lists(st.sampled_from(shorts), min_size=1, max_size=n_phones, unique=True))
    strategy = draw(st.sampled_from(["ringall", "sequential"]))
    parts.append(
        _table(
            "extensions",
            {
                "id": 20,
                "name": "200",
                "type": "queue",
                "agents": agents,
                "strategy": strategy,
                "ring_time": draw(st.integers(1, 20)),
                "did": "78120000200",
            },
        )
    )
    dids["78120000200"] = "200"
    ivr_route = draw(st.sampled_from([None, "200", *shorts]))  # None: callers hear the menu only
    ivr_forward = draw(st.one_of(st.none(), st.none(), outside))
    parts.append(
        _table(
            "extensions",
            {
                "id": 30,
                "name": "300",
                "type": "ivr",
                "route": ivr_route,
                "did": "78120000300",
                "forward_to": ivr_forward,
                "menu_time": draw(st.sampled_from([0.5, 3.0, 7.25])),
            },
        )
    )
    dids["78120000300"] = "300"

    def reaches(number: str) -> str | None:
        """The short number of the extension a dialled number ends at, None outside."""
        short = dids.get(number) or (number[4:] if number.startswith("000*") else number)
        return short if short in (*shorts, "200", "300") else None

    targets = st.one_of(
        st.sampled_from(["000*200", "78120000300"]),  # the queue, directly or through the menu
        st.sampled_from([f"000*{s}" for s in (*shorts, "200", "300")]),
        st.sampled_from(shorts),  # short numbers
        st.sampled_from(sorted(dids)),
        outside,
    )
    callers = st.one_of(st.sampled_from([f"000*{s}" for s in shorts]), outside)
    n_plans = 0
    at = 0.0
    for _ in range(draw(st.integers(1, 5))):
        at = round(at + draw(st.floats(0.0, 20.0, allow_nan=False)), 2)
        to = draw(targets)
        answered = draw(st.booleans())
        short = reaches(to)
        keys: dict[str, object] = {
            "at": at,
            "from": draw(callers),
            "to": to,
            "answer_after": draw(seconds) if answered else None,
            "talk": draw(seconds),
            "hangup": draw(st.sampled_from(UNANSWERED)),
            "ring": draw(st.one_of(st.none(), seconds.map(lambda s: s + 0.5))),
            "diversion": draw(st.one_of(st.none(), st.none(), outside)),
        }
        if short == "300" and ivr_forward is None:
            short = ivr_route
        if answered and short == "200":
            keys["answered_by"] = draw(st.one_of(st.none(), st.sampled_from([f"000*{a}" for a in agents])))
        if answered and short is not None and draw(st.booleans()):
            keys["transfer_to"] = f"000*{draw(st.sampled_from(shorts))}"
            keys["transfer_after"] = draw(seconds)
        if not answered and reaches(to) in shorts and draw(st.booleans()):
            keys["voicemail"] = draw(seconds.map(lambda s: s + 1.0))
        parts.append(_table("calls", keys))
        n_plans += 1
    for _ in range(draw(st.integers(0, 2))):
        at = round(at + draw(st.floats(0.0, 20.0, allow_nan=False)), 2)
        owner = draw(st.sampled_from(shorts))
        src = draw(st.lists(st.one_of(st.sampled_from(shorts), outside), min_size=1, max_size=2, unique=True))
        answered = draw(st.booleans())
        keys = {
            "at": at,
            "extension": owner,
            "src_num": src,
            "dst_num": draw(st.one_of(outside, st.sampled_from([f"000*{s}" for s in shorts]))),
            "answer_after": draw(seconds) if answered else None,
            "talk": draw(seconds),
            "hangup": draw(st.sampled_from(UNANSWERED)),
        }
        parts.append(_table("callbacks", keys))
        n_plans += 1
    for _ in range(draw(st.integers(0, 2))):
        at = round(at + draw(st.floats(0.0, 5.0, allow_nan=False)), 2)
        ends = [f"000*{draw(st.sampled_from(shorts))}", draw(st.one_of(outside, st.sampled_from(shorts)))]
        if draw(st.booleans()):
            ends.reverse()
        parts.append(_table("messages", {"at": at, "from": ends[0], "to": ends[1]}))
        n_plans += 1
    return Generated("\n".join(parts), n_plans)


def play(sc: Scenario, base: int = T0) -> list[list[EventData]]:
    """Each plan's events, from one simulator, in the scenario's order."""
    sim = CallSimulator(sc.pbx, sc.extensions)
    return [sim.simulate(plan, base + int(plan.at * US)) for plan in scenario_plans(sc)]


def ext_types(sc: Scenario) -> dict[int, ExtensionType]:
    return {e.id: e.type for e in sc.extensions}


@PROPS
@given(scenarios())
def test_every_leg_view_that_starts_ends_with_exactly_one_hangup(gen: Generated) -> None:
    sc = parse_scenario(gen.text)
    calls = play(sc)
    assert len(calls) == gen.n_plans
    for events in calls:
        views: dict[tuple[int, str | None, object], list[EventData]] = defaultdict(list)
        for e in events:
            if e.event_type in CALL_EVENTS:
                views[(e.extension_id, e.sub_call_id, e.call_flow)].append(e)
        for view in views.values():
            kinds = [e.event_type for e in view]
            assert kinds[0] in STARTS, kinds
            assert sum(k in STARTS for k in kinds) == 1, kinds
            assert kinds.count(E.HANGUP) == 1 and kinds[-1] is E.HANGUP, kinds
            assert kinds.count(E.ANSWER) <= 1, kinds
            start, hangup = view[0], view[-1]
            assert start.call_status is CallStatus.CALLING
            assert hangup.event_time >= start.event_time
            if E.ANSWER in kinds:
                # Duration: this SubCallID's talk time, answer -> hangup, in µs.
                answer = view[kinds.index(E.ANSWER)]
                assert hangup.duration == hangup.event_time - answer.event_time >= 0
                assert hangup.call_status is CallStatus.ANSWER
            else:
                assert hangup.duration is None
                assert hangup.rec_id is None


@PROPS
@given(scenarios())
def test_ivr_never_answers_and_dials_out_only_when_forwarding(gen: Generated) -> None:
    sc = parse_scenario(gen.text)
    types = ext_types(sc)
    for events in play(sc):
        for e in events:
            t = types[e.extension_id]
            if t is ExtensionType.IVR:
                assert e.event_type is not E.ANSWER
                if e.event_type is E.DIAL_OUT:
                    assert e.transfered == "yes"
                if e.event_type is E.HANGUP and e.transfered is None:
                    assert e.bridged in ("yes", "no")
            if t is ExtensionType.QUEUE:
                assert e.event_type is not E.DIAL_OUT or e.transfered == "yes"
                assert not (e.event_type is E.ANSWER and e.call_flow.value == "in")
            if e.transfered is not None:
                assert e.transfered == "yes" and e.event_type is not E.DIAL_IN
            if e.remote_number is not None:
                assert e.event_type is E.DIAL_IN


@PROPS
@given(scenarios())
def test_message_events_only_on_phones(gen: Generated) -> None:
    sc = parse_scenario(gen.text)
    types = ext_types(sc)
    n_messages = 0
    for events in play(sc):
        messages = [e for e in events if e.event_type in (E.MESSAGE_IN, E.MESSAGE_OUT)]
        assert all(types[e.extension_id] is ExtensionType.PHONE for e in messages)
        if messages:  # a message is never mixed with call events
            assert len(messages) == len(events)
            n_messages += 1
    assert n_messages <= len(sc.messages)


@PROPS
@given(scenarios())
def test_call_id_constant_within_a_call_distinct_between_calls(gen: Generated) -> None:
    sc = parse_scenario(gen.text)
    call_ids = []
    for events in play(sc):
        ids = {e.call_id for e in events}
        if events:
            assert len(ids) == 1
            call_ids.append(ids.pop())
            assert len({e.call_api_id for e in events}) == 1
    assert len(call_ids) == len(set(call_ids))


@PROPS
@given(scenarios())
def test_event_time_non_decreasing_within_a_call(gen: Generated) -> None:
    sc = parse_scenario(gen.text)
    for plan, events in zip(scenario_plans(sc), play(sc), strict=True):
        times = [e.event_time for e in events]
        assert times == sorted(times)
        if times:
            assert times[0] >= T0 + int(plan.at * US)


@PROPS
@given(scenarios(), st.integers(0, 10**12))
def test_same_scenario_and_seed_give_the_same_stream(gen: Generated, shift: int) -> None:
    first = play(parse_scenario(gen.text))
    again = play(parse_scenario(gen.text))  # a new run: nothing carried over
    assert first == again
    # The start time only moves the EventTimes.
    moved = play(parse_scenario(gen.text), base=T0 + shift)
    expected = [[dataclasses.replace(e, event_time=e.event_time + shift) for e in evs] for evs in first]
    assert moved == expected
    sc = parse_scenario(gen.text)
    sim1 = CallSimulator(sc.pbx, sc.extensions)
    sim2 = CallSimulator(sc.pbx, sc.extensions)
    assert list(event_stream(sim1, scenario_plans(sc), T0)) == list(
        event_stream(sim2, scenario_plans(sc), T0)
    )


@PROPS
@given(scenarios())
def test_event_stream_is_globally_ordered_and_complete(gen: Generated) -> None:
    sc = parse_scenario(gen.text)
    stream = list(event_stream(CallSimulator(sc.pbx, sc.extensions), scenario_plans(sc), T0))
    times = [e.event_time for e in stream]
    assert times == sorted(times)
    per_call = play(sc)
    assert len(stream) == sum(len(evs) for evs in per_call)
    # Each call's events keep their order inside the merged stream.
    for events in per_call:
        if events:
            mine = [e for e in stream if e.call_id == events[0].call_id]
            assert mine == events


def test_event_stream_ends_cleanly_when_the_last_plans_give_no_events() -> None:
    """A call between two outside numbers concerns no extension: it gives no events, and
    the stream must simply end (it used to raise IndexError on an empty heap)."""
    sc = parse_scenario(
        '[[extensions]]\nid = 1\nname = "101"\ntype = "phone"\n'
        '[[calls]]\nfrom = "000*101"\nto = "+79990000001"\nanswer_after = 1\n'
        '[[calls]]\nat = 1\nfrom = "+79990000002"\nto = "+79990000003"\n'
        '[[callbacks]]\nat = 2\nextension = "101"\nsrc_num = ["+79990000004"]\ndst_num = "+79990000005"\n'
    )
    stream = list(event_stream(CallSimulator(sc.pbx, sc.extensions), scenario_plans(sc), T0))
    assert [e.event_type for e in stream] == [E.DIAL_OUT, E.ANSWER, E.HANGUP]
    only_outside = parse_scenario('[[calls]]\nfrom = "+79990000002"\nto = "+79990000003"\n')
    sim = CallSimulator(only_outside.pbx, only_outside.extensions)
    assert list(event_stream(sim, scenario_plans(only_outside), T0)) == []


CALL_KINDS = frozenset({E.DIAL_IN, E.DIAL_OUT, E.ANSWER, E.HANGUP, E.VOICEMAIL})


@PROPS
@given(scenarios())
def test_ids_and_caller_fields_have_the_records_forms(gen: Generated) -> None:
    """pbx-api-public.md 8.2: the id formats, CallerIDName never empty, `out` events name
    their own extension, CalledDID without `+`."""
    sc = parse_scenario(gen.text)
    callback_calls = 0
    for events in play(sc):
        for e in events:
            assert CALL_ID_RE.fullmatch(e.call_id)
            assert e.caller_id_name, e
            if e.event_type not in CALL_KINDS:
                continue
            assert e.sub_call_id is not None and SUB_CALL_ID_RE.fullmatch(e.sub_call_id)
            assert e.sub_call_id.split("-", 1)[0] == str(e.extension_id)
            assert e.call_api_id is not None and CALL_API_ID_RE.fullmatch(e.call_api_id)
            if e.callback_id is not None:
                assert e.callback_id == e.call_id
                assert e.call_api_id == e.call_api_id[:14] + e.call_id and e.call_api_id[:3] == "cb-"
            else:
                assert e.call_api_id.endswith("-" + dashed(e.call_id))
            if e.rec_id is not None:
                assert e.event_type is E.HANGUP and e.rec_id == e.sub_call_id
            if e.call_flow is CallFlow.OUT:
                assert e.caller_extension_id == e.extension_id
            else:
                assert e.transfered is None
            if e.called_did is not None:
                assert e.called_did.isdigit()
            if e.event_type in (E.DIAL_IN, E.VOICEMAIL):  # names the phone rung, in full
                rung_id = e.extension_id if e.call_flow is CallFlow.IN else e.called_extension_id
                rung = sc.extension(rung_id or 0)
                assert rung is not None and e.called_number == rung.name
            if e.caller_extension is None:  # an outside caller: the name repeats the number
                assert e.caller_id_num.startswith("+") and e.caller_id_name == e.caller_id_num
        callback_calls += any(e.callback_id for e in events)
    assert callback_calls <= len(sc.callbacks)


@PROPS
@given(scenarios())
def test_the_starting_extension_s_sub_call_id_carries_the_call_id(gen: Generated) -> None:
    sc = parse_scenario(gen.text)
    for events in play(sc):
        for e in events:
            if e.event_type is E.DIAL_OUT and e.transfered is None:  # the party that dialled
                assert e.sub_call_id == f"{e.extension_id}-{e.call_id}"
            elif e.sub_call_id is not None and e.event_type is E.DIAL_IN:
                assert e.sub_call_id != f"{e.extension_id}-{e.call_id}"


def _wire(sc: Scenario) -> list[str]:
    sim = CallSimulator(sc.pbx, sc.extensions)
    return [encode_fields(e.to_fields()) for e in event_stream(sim, scenario_plans(sc, sim.seed), T0)]


@PROPS
@given(scenarios())
def test_seeded_runs_are_byte_identical_unseeded_runs_share_no_id(gen: Generated) -> None:
    assert _wire(parse_scenario(gen.text)) == _wire(parse_scenario(gen.text))
    text = "\n".join(line for line in gen.text.splitlines() if not line.startswith("seed"))
    unseeded = parse_scenario(text)
    assert unseeded.pbx.seed is None
    ids = []
    for _ in range(2):
        sim = CallSimulator(unseeded.pbx, unseeded.extensions)
        events = list(event_stream(sim, scenario_plans(unseeded, sim.seed), T0))
        ids.append({v for e in events for v in (e.call_id, e.sub_call_id, e.call_api_id, e.rec_id) if v})
    assert ids[0].isdisjoint(ids[1])
