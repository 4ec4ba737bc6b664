"""Every example scenario shipped in resources/scenarios loads and plays."""

from pathlib import Path

import pytest

from pbxdesk.domain import EventType
from pbxdesk.engine.headless import check_calls
from pbxdesk.engine.run import event_stream
from pbxdesk.engine.scenario import load_scenario
from pbxdesk.engine.simulator import CallSimulator
from pbxdesk.engine.traffic import scenario_plans

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "resources" / "scenarios").glob("*.toml"))


def _events(path: Path):
    scenario = load_scenario(path)
    check_calls(scenario)
    sim = CallSimulator(scenario.pbx, scenario.extensions)
    return scenario, list(event_stream(sim, scenario_plans(scenario), 0))


def test_the_examples_are_all_there():
    names = {p.stem for p in SCENARIOS}
    assert {"seed-example", "call-centre", "callback", "forwarding", "messages", "traffic"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenario_plays(path):
    scenario, events = _events(path)
    assert events, f"{path.name} produces no events"
    subscribed = {(s.extension_id, s.event_type) for s in scenario.subscriptions}
    assert any((e.extension_id, e.event_type) in subscribed for e in events), (
        f"no event of {path.name} reaches any of its subscriptions"
    )


def test_traffic_example_is_generated_and_deterministic():
    path = next(p for p in SCENARIOS if p.stem == "traffic")
    _, first = _events(path)
    _, second = _events(path)
    calls = {e.call_id for e in first}
    assert 200 <= len(calls) <= 400  # 5 calls/s for 60 s, Poisson
    assert [e.to_fields() for e in first] == [e.to_fields() for e in second]
    assert sum(e.event_type is EventType.HANGUP for e in first) > len(calls)
