"""Command line: `pbxdesk` (the GUI), `pbxdesk run SCENARIO`, `pbxdesk --version`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import sys
from collections.abc import Sequence

from pbxdesk import __version__
from pbxdesk.cli.export import add_export_commands, cmd_export
from pbxdesk.cli.live import LIVE_COMMANDS, add_live_commands, cmd_live
from pbxdesk.cli.outbox import add_outbox_commands, cmd_outbox
from pbxdesk.cli.profile import add_profile_commands, cmd_profile
from pbxdesk.cli.contract import add_test_command, cmd_test
from pbxdesk.domain import PbxDeskError
from pbxdesk.domain.validation import validate_url
from pbxdesk.store.paths import DEFAULT_PROFILE, check_profile_name, profile_path
from pbxdesk.store.writer import WriterFailed

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code is 2 as well
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"pbxdesk: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pbxdesk", description="Cloud-PBX webhook workbench.")
    parser.add_argument("--version", action="version", version=f"pbxdesk {__version__}")
    parser.add_argument("--profile", default=DEFAULT_PROFILE, help="profile name (default: %(default)s)")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation (no display needed, no user data touched) and exit",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    gui = sub.add_parser("gui", help="start the desktop app (the default)")
    gui.add_argument("--profile", default=argparse.SUPPRESS, help="profile name")

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
    add_profile_commands(sub, _Parser)
    add_outbox_commands(sub, _Parser)
    add_live_commands(sub, _Parser)
    add_export_commands(sub, _Parser)
    add_test_command(sub, _Parser)
    return parser


def _fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def cmd_run(args: argparse.Namespace) -> int:
    from pbxdesk.engine.headless import check_calls, profile_policy, run_scenario
    from pbxdesk.engine.scenario import load_scenario
    from pbxdesk.progress import RunProgress

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
    return EXIT_OK if summary.all_delivered else EXIT_FAILED


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        from pbxdesk.ui.app import run_app
    except ImportError as exc:  # Qt's system libraries missing, most often
        raise PbxDeskError(
            f"the desktop app cannot start: {exc}. On Debian/Ubuntu install the Qt system "
            "libraries listed in the README (Quick start)."
        ) from None
    return run_app(check_profile_name(args.profile))


_DAMAGE_WORDS = ("malformed", "corrupt", "not a database")


def _damage_found(args: argparse.Namespace, exc: BaseException) -> str | None:
    """After an SQLite error that smells of damage, the full check of the profile (on first
    error, as `pbxdesk profile check` would): its refusal, or None if the file is sound."""
    from pbxdesk.store.check import ProfileRefused, check_file

    if not any(word in str(exc).lower() for word in _DAMAGE_WORDS):
        return None
    name = getattr(args, "name", None) if args.command == "profile" else getattr(args, "profile", None)
    if not name:
        return None
    try:
        check_file(profile_path(check_profile_name(name)), deep=True, count_events=False)
    except ProfileRefused as refused:
        return str(refused)
    except PbxDeskError:
        return None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    from pbxdesk.logs import setup_logging

    args = build_parser().parse_args(argv)
    if args.self_test:  # before logging: the self-test writes nothing to the user's data dir
        from pbxdesk.selftest import run_self_test

        return run_self_test()
    setup_logging()
    try:
        if args.command == "profile":
            return cmd_profile(args)
        if args.command == "outbox":
            return cmd_outbox(args)
        if args.command == "export":
            return cmd_export(args)
        if args.command in LIVE_COMMANDS:
            return cmd_live(args)
        if args.command == "run":
            return cmd_run(args)
        if args.command == "test":
            return cmd_test(args)
        return cmd_gui(args)
    except WriterFailed as exc:  # pbxdesk's own failure, not the user's input...
        damage = _damage_found(args, exc)
        if damage is not None:  # ...unless the file turns out damaged: the check says so
            print(f"pbxdesk: error: {damage}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"pbxdesk: internal error: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except PbxDeskError as exc:
        print(f"pbxdesk: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except sqlite3.DatabaseError as exc:  # met mid-way: a damaged profile, or our bug
        damage = _damage_found(args, exc)
        if damage is not None:
            print(f"pbxdesk: error: {damage}", file=sys.stderr)
            return EXIT_BAD_INPUT
        logging.getLogger("pbxdesk").exception("internal error")
        print(f"pbxdesk: internal error: {type(exc).__name__}: {exc} (details in the log)", file=sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # a bug: one line here, the traceback in the log
        logging.getLogger("pbxdesk").exception("internal error")
        print(f"pbxdesk: internal error: {type(exc).__name__}: {exc} (details in the log)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
