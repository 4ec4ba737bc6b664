"""`pbxdesk test`: play a scenario against a handler, then check what it answered.

The scenario runs as `pbxdesk run` runs it (virtual clock unless ``real_time``), into a
profile of its own, with one attempt per delivery: a contract test judges the handler's
answer, not the retry policy's patience. The expectations and the probes then read that
profile, so a report shows exactly the requests sent and the answers received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pbxdesk.engine.contract.expectations import (
    DEFAULT_EXPECTATION,
    ExpectationResult,
    check_expectations,
)
from pbxdesk.engine.contract.probes import ProbeResult, run_probes
from pbxdesk.engine.headless import check_calls, run_scenario
from pbxdesk.engine.policy import DeliveryPolicy
from pbxdesk.engine.run import RunSummary
from pbxdesk.engine.scenario import Scenario
from pbxdesk.store.connection import connect
from pbxdesk.store.history_export import Event, iter_events


@dataclass(slots=True)
class ScenarioReport:
    source: str
    summary: RunSummary
    events: list[Event]
    expectations: list[ExpectationResult] = field(default_factory=list)
    probes: list[ProbeResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.expectations) and all(p.passed for p in self.probes)


async def run_contract(
    scenario: Scenario, profile: Path, *, target: str | None = None, real_time: bool = False
) -> ScenarioReport:
    check_calls(scenario)
    summary = await run_scenario(
        scenario,
        profile,
        target_url=target,
        instant=not real_time,
        policy=DeliveryPolicy().with_attempts(1),
        retry_horizon=0.0,
    )
    conn = connect(profile, readonly=True)
    try:
        events = list(iter_events(conn))
    finally:
        conn.close()
    report = ScenarioReport(scenario.source, summary, events)
    report.expectations = check_expectations(scenario.expect or (DEFAULT_EXPECTATION,), events)
    if scenario.test.probes:
        report.probes = await run_probes(scenario.test.probes, events, target=target, settings=scenario.test)
    return report
