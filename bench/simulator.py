"""Simulator throughput: events of N call-centre calls on a virtual clock, no delivery.

Compares, in the same run, the simulator's event stream (scenario_plans -> event_stream ->
wire fields) with the floor: building the same number of plain dicts of the same size.
Prints one JSON object on its last line.

    python bench/simulator.py [--calls 1000000]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pbxdesk.engine.run import event_stream  # noqa: E402
from pbxdesk.engine.scenario import TrafficSpec, load_scenario  # noqa: E402
from pbxdesk.engine.simulator import CallSimulator  # noqa: E402
from pbxdesk.engine.traffic import scenario_plans  # noqa: E402

RATE = 20.0  # calls per second of virtual time: ~600 calls under way at once


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def simulate(calls: int) -> dict[str, float]:
    scenario = load_scenario(ROOT / "resources" / "scenarios" / "call-centre.toml")
    traffic = TrafficSpec(
        to="78123332332",
        rate=RATE,
        duration=calls / RATE,
        answer_probability=0.85,
        answer_after=(1.0, 12.0),
        talk=(10.0, 120.0),
        answered_by=("000*101", "000*102", "000*103"),
    )
    scenario = dataclasses.replace(scenario, calls=(), traffic=(traffic,))
    sim = CallSimulator(scenario.pbx, scenario.extensions)
    events = 0
    rss_samples = []
    t0 = time.perf_counter()
    for ev in event_stream(sim, scenario_plans(scenario, sim.seed), 1_700_000_000_000_000):
        ev.to_fields()  # what goes on the wire
        events += 1
        if events % 500_000 == 0:
            rss_samples.append(rss_mb())
    elapsed = time.perf_counter() - t0
    return {
        "events": events,
        "seconds": elapsed,
        "rss_first_mb": rss_samples[0] if rss_samples else rss_mb(),
        "rss_last_mb": rss_mb(),
    }


def floor(events: int) -> float:
    """Seconds to build ``events`` dicts like the wire fields of an event."""
    t0 = time.perf_counter()
    for i in range(events):
        {
            "EventType": "dial-in", "CallID": "c", "SubCallID": "s", "CallerIDNum": "+79817654321",
            "CallerIDName": "", "CalledDID": "78123332332", "CalledExtension": "000*101@x",
            "CalledExtensionID": "101", "CalledNumber": "000*101", "CallStatus": "CALLING",
            "CallFlow": "in", "CallAPIID": "123", "EventTime": str(i),
        }  # fmt: skip
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    args = parser.parse_args()
    sim = simulate(args.calls)
    floor_s = floor(int(sim["events"]))
    rate = sim["events"] / sim["seconds"]
    floor_rate = sim["events"] / floor_s
    print(
        json.dumps(
            {
                "bench": "simulator",
                "calls": args.calls,
                "events": sim["events"],
                "events_per_s": round(rate),
                "floor_dicts_per_s": round(floor_rate),
                "ratio_vs_floor": round(rate / floor_rate, 3),
                "rss_mb_at_first_sample": round(sim["rss_first_mb"], 1),
                "rss_mb_at_end": round(sim["rss_last_mb"], 1),
                "target_events_per_s": 50_000,
            }
        )
    )


if __name__ == "__main__":
    main()
