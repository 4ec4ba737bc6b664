"""`pbxdesk run SCENARIO`: play a scenario headless and deliver its events."""

from __future__ import annotations

import argparse
import sys

from pbxdesk.cli.exit_codes import ExitCode


def add_commands(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run a scenario headless and deliver its events")
    run.add_argument("scenario", help="scenario file (TOML)")
    run.add_argument("--profile", default=argparse.SUPPRESS, help="profile to record into")
    run.add_argument("--target", metavar="URL", help="send every subscription's requests here instead")
    run.add_argument("--instant", action="store_true", help="virtual clock: run as fast as possible")
    run.add_argument("--json", action="store_true", help="end with a JSON summary line")
    run.add_argument(
        "--wait-retries",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="wait for retries due within this many seconds (default %(default)s); later ones stay queued",
    )
    run.add_argument(
        "--attempts",
        type=int,
        metavar="N",
        help="attempts per delivery for this run (1: no retries); default: the profile's retry policy",
    )
    run.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    run.set_defaults(func=cmd_run)


def _fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def cmd_run(args: argparse.Namespace) -> int:
    # Imported here: the engine and the HTTP clients are a third of a second that --help and
    # the other commands do not need.
    import asyncio
    import json

    from pbxdesk.domain import PbxDeskError
    from pbxdesk.domain.validation import validate_url
    from pbxdesk.engine.headless import check_calls, profile_policy, run_scenario
    from pbxdesk.engine.scenario import load_scenario
    from pbxdesk.progress import RunProgress
    from pbxdesk.store.paths import check_profile_name, profile_path

    scenario = load_scenario(args.scenario)
    check_calls(scenario)
    target = validate_url(args.target, where="--target") if args.target else None
    path = profile_path(check_profile_name(args.profile))
    policy = profile_policy(path)
    if args.attempts is not None:
        if args.attempts < 1:
            raise PbxDeskError(f"--attempts must be at least 1, not {args.attempts}")
        policy = policy.with_attempts(args.attempts)
    progress = RunProgress() if sys.stderr.isatty() and not args.no_progress else None
    try:
        summary = asyncio.run(
            run_scenario(
                scenario,
                path,
                target_url=target,
                instant=args.instant,
                policy=policy,
                retry_horizon=args.wait_retries,
                on_tick=progress.update if progress else None,
            )
        )
    finally:
        if progress is not None:
            progress.close()
    retrying = f", {summary.retrying} still retrying (kept in the outbox)" if summary.retrying else ""
    print(
        f"{summary.events} events, {summary.deliveries} deliveries: {summary.delivered} delivered, "
        f"{summary.failed} failed{retrying}; latency p50 {_fmt_ms(summary.percentile(50))}, "
        f"p95 {_fmt_ms(summary.percentile(95))}; {summary.attempts} attempts"
    )
    if args.json:
        print(json.dumps(summary.as_dict()))
    return ExitCode.OK if summary.all_delivered else ExitCode.FAILED
