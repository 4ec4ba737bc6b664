"""Running a scenario without a window: what `pbxdesk run` does."""

from __future__ import annotations

from pathlib import Path

from pbxdesk.domain import ValidationError
from pbxdesk.engine.dispatcher import Dispatcher
from pbxdesk.engine.run import EngineRun, RunSummary, event_stream, now_us
from pbxdesk.engine.scenario import Scenario
from pbxdesk.engine.simulator import CallSimulator
from pbxdesk.engine.traffic import scenario_plans
from pbxdesk.store.profile import Profile
from pbxdesk.store.writer import BatchWriter


def check_calls(scenario: Scenario) -> None:
    """Simulate every call once, so a plan the PBX could not carry out fails before any IO."""
    sim = CallSimulator(scenario.pbx, scenario.extensions)
    for key, plans in (("calls", scenario.calls), ("callbacks", scenario.callbacks)):
        for i, plan in enumerate(plans):
            try:
                sim.simulate(plan, 0)
            except ValidationError as exc:
                raise exc.located(f"{scenario.source}: {key}[{i}]") from None


async def run_scenario(
    scenario: Scenario,
    profile_path: Path | None,
    *,
    target_url: str | None = None,
    instant: bool = False,
    base_us: int | None = None,
) -> RunSummary:
    base = now_us() if base_us is None else base_us
    sim = CallSimulator(scenario.pbx, scenario.extensions)
    writer: BatchWriter | None = None
    first_event, first_delivery = 1, 1
    if profile_path is not None:
        with Profile.open(profile_path) as profile:
            ev_max, dl_max = profile.max_ids()
        first_event, first_delivery = ev_max + 1, dl_max + 1
        writer = BatchWriter(profile_path)
    dispatcher = Dispatcher(scenario.subscriptions, target_url=target_url, first_delivery_id=first_delivery)
    try:
        run = EngineRun(
            event_stream(sim, scenario_plans(scenario), base),
            dispatcher,
            scenario.extensions,
            base_us=base,
            writer=writer,
            first_event_id=first_event,
            instant=instant,
        )
        return await run.run()
    finally:
        await dispatcher.aclose()
        if writer is not None:
            writer.close()
