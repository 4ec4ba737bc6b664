"""Running a scenario without a window: what `pbxdesk run` does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from pbxdesk.domain import ValidationError
from pbxdesk.engine.clock import now_us
from pbxdesk.engine.outbox import DeliveryEngine, DeliveryListener
from pbxdesk.engine.policy import POLICY_SETTING, DeliveryPolicy
from pbxdesk.engine.run import FeedPlayer, RunSummary
from pbxdesk.engine.scenario import CallbackPlan, CallPlan, Scenario
from pbxdesk.engine.simulator import CallSimulator, event_stream
from pbxdesk.engine.traffic import scenario_plans
from pbxdesk.store.profile import Profile
from pbxdesk.store.writer import BatchWriter, WriterFailed


def check_calls(scenario: Scenario) -> None:
    """Simulate every call once, so a plan the PBX could not carry out fails before any IO."""
    sim = CallSimulator(scenario.pbx, scenario.extensions)
    groups: dict[str, Sequence[CallPlan | CallbackPlan]] = {
        "calls": scenario.calls, "callbacks": scenario.callbacks
    }  # fmt: skip
    for key, plans in groups.items():
        for i, plan in enumerate(plans):
            try:
                sim.simulate(plan, 0)
            except ValidationError as exc:
                raise exc.located(f"{scenario.source}: {key}[{i}]") from None


def engine_failure_text(engine: DeliveryEngine, profile_path: Path | None) -> str:
    """What a stopped run says when its writer failed: why, and that nothing is lost."""
    return (
        f"{profile_path}: the profile's writer failed ({engine.failure}); no attempt was started "
        f"after that; {engine.open_count} deliveries stay in the outbox "
        "(`pbxdesk outbox resume` sends them)"
    )


def profile_policy(profile_path: Path | None) -> DeliveryPolicy:
    if profile_path is None:
        return DeliveryPolicy()
    with Profile.open(profile_path) as profile:
        return DeliveryPolicy.from_json(profile.get_setting(POLICY_SETTING))


async def run_scenario(
    scenario: Scenario,
    profile_path: Path | None,
    *,
    target_url: str | None = None,
    instant: bool = False,
    base_us: int | None = None,
    policy: DeliveryPolicy | None = None,
    retry_horizon: float = 30.0,
    on_delivery: DeliveryListener | None = None,
    on_tick: Callable[[DeliveryEngine, FeedPlayer], None] | None = None,
) -> RunSummary:
    """Play ``scenario``, deliver its events and wait for the outcome.

    Retries due within ``retry_horizon`` seconds are waited for; later ones stay in the
    profile's outbox (counted as ``retrying``) and go out when the profile is next run.
    """
    base = now_us() if base_us is None else base_us
    policy = policy or profile_policy(profile_path)
    sim = CallSimulator(scenario.pbx, scenario.extensions)
    writer: BatchWriter | None = None
    first_event, first_delivery = 1, 1
    if profile_path is not None:
        with Profile.open(profile_path) as profile:
            ev_max, dl_max = profile.max_ids()
        first_event, first_delivery = ev_max + 1, dl_max + 1
        writer = BatchWriter(profile_path)
    engine = DeliveryEngine(
        scenario.subscriptions,
        policy=policy,
        writer=writer,
        profile_path=profile_path,
        names={e.id: e.name for e in scenario.extensions},
        target_url=target_url,
        first_event_id=first_event,
        first_delivery_id=first_delivery,
        on_delivery=on_delivery,
    )
    engine.set_subscriptions(scenario.subscriptions, phone_ids=scenario.phone_ids())
    player = FeedPlayer(
        event_stream(sim, scenario_plans(scenario, sim.seed), base), engine, base_us=base, instant=instant
    )
    try:
        await engine.start(resume=False)
        if on_tick is None:
            await player.play()
        else:
            await _with_ticks(player, engine, on_tick)
        await engine.wait_idle(until_due_within=retry_horizon)
        if engine.failure is not None:
            raise WriterFailed(engine_failure_text(engine, profile_path))
        return RunSummary.of(engine)
    finally:
        await engine.stop()
        if writer is not None:
            try:
                await asyncio.to_thread(writer.flush)
            except WriterFailed:
                if engine.failure is None:  # failed in this last flush: say so
                    raise
                # else the WriterFailed raised above says it, with what stays in the outbox
            finally:
                writer.close()


async def _with_ticks(
    player: FeedPlayer, engine: DeliveryEngine, on_tick: Callable[[DeliveryEngine, FeedPlayer], None]
) -> None:
    task = asyncio.ensure_future(player.play())
    while not task.done():
        on_tick(engine, player)
        await asyncio.wait([task], timeout=0.1)
    on_tick(engine, player)
    await task
