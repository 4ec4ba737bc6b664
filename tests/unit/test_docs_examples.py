"""The example files the README points at are valid and play (nothing to send: no IO here)."""

from pathlib import Path

import pytest

from pbxdesk.engine.headless import check_calls
from pbxdesk.engine.scenario import load_scenario
from pbxdesk.engine.simulator import CallSimulator, event_stream
from pbxdesk.engine.traffic import scenario_plans

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "docs" / "examples").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_scenario_is_valid_and_plays(path: Path) -> None:
    scenario = load_scenario(path)
    check_calls(scenario)
    sim = CallSimulator(scenario.pbx, scenario.extensions)
    events = list(event_stream(sim, scenario_plans(scenario, sim.seed), 0))
    assert events and scenario.subscriptions


def test_the_contract_example_checks_something() -> None:
    scenario = load_scenario(EXAMPLES[0].with_name("contract-test.toml"))
    assert scenario.expect and scenario.test.probes


def test_the_ci_recipe_runs_pbxdesk_test_with_junit() -> None:
    yaml = pytest.importorskip("yaml")
    path = Path(__file__).resolve().parents[2] / "resources" / "ci" / "github-actions-pbxdesk-test.yml"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["contract"]["steps"]
    runs = " ".join(step.get("run", "") for step in steps)
    assert "pip install" in runs and "pbxdesk test" in runs and "--junit" in runs
    assert any(step.get("uses", "").startswith("actions/upload-artifact") for step in steps)
