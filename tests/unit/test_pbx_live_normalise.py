"""Normalising what the PBX sends into EventData: nothing dropped, bad requests explained."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pbxdesk.domain import WIRE_FIELDS, CallFlow, CallStatus, EventType
from pbxdesk.engine.live_receiver import normalise, parse_form
from pbxdesk.engine.scenario import load_scenario
from pbxdesk.engine.simulator import CallSimulator
from pbxdesk.engine.traffic import scenario_plans
from pbxdesk.resources_dir import resources_dir

BASE = {"EventType": "hangup", "CallID": "c-1", "EventTime": "1700000000000000"}


def _first(pairs: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in pairs:
        out.setdefault(k, v)
    return out


def test_every_simulated_event_round_trips_exactly() -> None:
    """What pbxdesk's simulator sends, the receiver reads back as the same EventData."""
    n = 0
    for path in sorted((resources_dir() / "scenarios").glob("*.toml")):
        sc = load_scenario(path)
        sim = CallSimulator(sc.pbx, sc.extensions)
        for i, plan in enumerate(scenario_plans(sc)):
            if i > 200:
                break
            for ev in sim.simulate(plan, 1_700_000_000_000_000):
                back, problems = normalise(list(ev.to_fields().items()), ev.extension_id)
                assert problems == [] and back == ev
                n += 1
    assert n > 100


def test_types_are_parsed_and_odd_values_kept_verbatim_in_extra() -> None:
    ev, problems = normalise(
        list(
            {
                **BASE,
                "CallStatus": "ANSWER",
                "CallFlow": "in",
                "Duration": "007",
                "CalledExtensionID": "",
                "CallerExtensionID": "101",
                "RecID": "r1",
                "Foo": "bar",
                "": "empty key",
            }.items()
        ),
        175,
    )
    assert problems == []
    assert ev is not None
    assert (ev.event_type, ev.call_status, ev.call_flow) == (EventType.HANGUP, CallStatus.ANSWER, CallFlow.IN)
    assert ev.caller_extension_id == 101 and ev.event_time == 1_700_000_000_000_000
    assert ev.duration is None and ev.called_extension_id is None
    assert ev.extra == {"Duration": "007", "CalledExtensionID": "", "Foo": "bar", "": "empty key"}
    ev2, _ = normalise(list({**BASE, "CallStatus": "RINGING", "CallFlow": "sideways"}.items()), 1)
    assert (
        ev2 is not None
        and ev2.call_status is None
        and ev2.extra == {"CallStatus": "RINGING", "CallFlow": "sideways"}
    )


def test_a_repeated_field_keeps_its_first_value() -> None:
    ev, _ = normalise([*BASE.items(), ("CallID", "c-2"), ("X", "1"), ("X", "2")], 1)
    assert ev is not None and ev.call_id == "c-1" and ev.extra == {"X": "1"}


def test_why_a_request_is_not_an_event() -> None:
    assert normalise([], 1)[1] == ["required fields missing: EventType, CallID, EventTime"]
    assert normalise(list({**BASE, "CallID": ""}.items()), 1)[1] == ["required fields missing: CallID"]
    assert normalise(list({**BASE, "EventType": "ring"}.items()), 1)[1] == ["unknown EventType 'ring'"]
    assert normalise(list({**BASE, "EventTime": "-1"}.items()), 1)[1] == [
        "EventTime '-1' is not microseconds since the epoch"
    ]
    too_big = "9" * 19  # beyond SQLite's 64-bit integers: not taken as a number
    assert "not microseconds" in normalise(list({**BASE, "EventTime": too_big}.items()), 1)[1][0]
    assert normalise(list(BASE.items()), None)[1] == [
        "the URL does not name the extension (expected /<token>/<extension id>)"
    ]


def test_parse_form_notes_non_utf8_and_too_many_fields() -> None:
    assert parse_form("a=1&b=%D0%90&c") == ([("a", "1"), ("b", "А"), ("c", "")], [])
    pairs, notes = parse_form("a=%FF")
    assert pairs == [("a", "\ufffd")] and notes == ["non-UTF-8 bytes in the fields (shown as U+FFFD)"]
    pairs, notes = parse_form("&".join(f"k{i}=v" for i in range(1500)))
    assert len(pairs) == 1000 and notes == ["more than 1000 fields"]
    # Lone surrogates (odd bytes decoded by an HTTP stack) come out encodable.
    pairs, _ = parse_form("a=\udcff")
    pairs[0][1].encode("utf-8")


keys = st.one_of(st.sampled_from(WIRE_FIELDS), st.text(max_size=12))
values = st.one_of(
    st.text(max_size=20),
    st.sampled_from([*(e.value for e in EventType), *(s.value for s in CallStatus), "in", "out", "0", "01"]),
    st.integers(min_value=-5, max_value=10**20).map(str),
)


@settings(max_examples=400)
@given(pairs=st.lists(st.tuples(keys, values), max_size=25), ext=st.one_of(st.none(), st.integers(0, 10**6)))
def test_nothing_is_dropped(pairs: list[tuple[str, str]], ext: int | None) -> None:
    """Any fields at all: either an event whose wire form holds every field as received (first
    value of each), or the reasons it is not an event. Never an exception."""
    ev, problems = normalise(pairs, ext)
    if ev is None:
        assert problems
    else:
        assert problems == []
        assert ev.to_fields() == _first(pairs)
