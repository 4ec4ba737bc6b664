"""Generated traffic, and the time-ordered stream of everything a scenario plays."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator

from pbxdesk.engine.scenario import CallPlan, Scenario, TrafficSpec
from pbxdesk.engine.simulator import Plan, run_seed


def generate_traffic(spec: TrafficSpec, rng: random.Random) -> Iterator[CallPlan]:
    """Calls arriving as a Poisson process of ``spec.rate`` per second, lazily."""
    at = spec.start + rng.expovariate(spec.rate)
    end = spec.start + spec.duration
    while at < end:
        caller = rng.choice(spec.from_) if spec.from_ else f"+7{rng.randrange(10**9, 10**10)}"
        answered = rng.random() < spec.answer_probability
        yield CallPlan(
            at=at,
            from_=caller,
            to=spec.to,
            answer_after=rng.uniform(*spec.answer_after) if answered else None,
            talk=rng.uniform(*spec.talk),
            answered_by=rng.choice(spec.answered_by) if spec.answered_by else None,
            hangup=spec.hangup,
        )
        at += rng.expovariate(spec.rate)


def scenario_plans(scenario: Scenario, seed: int | None = None) -> Iterator[Plan]:
    """Calls, callbacks, messages and generated traffic of ``scenario``, ordered by start.

    Traffic comes from ``seed`` (a run's, see ``simulator.run_seed``), else from the
    scenario's ``[pbx] seed``; a scenario without one gets new traffic at every run.
    """
    if seed is None:
        seed = run_seed(scenario.pbx)
    fixed: list[Plan] = sorted(
        [
            *scenario.calls,
            *scenario.callbacks,
            *scenario.messages,
            *scenario.replays,
            *scenario.status_changes,
            *scenario.agent_changes,
        ],
        key=lambda p: p.at,
    )
    streams: list[Iterator[Plan]] = [iter(fixed)]
    for i, spec in enumerate(scenario.traffic):
        # Each traffic block has its own generator so adding one does not change the others.
        streams.append(generate_traffic(spec, random.Random(f"{seed}:{i}")))
    return heapq.merge(*streams, key=lambda p: p.at)
