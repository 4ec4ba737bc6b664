"""`pbxdesk`'s argument parser and the one place its errors become exit codes.

Each command group's module (gui, run, profile, outbox, export, contract, live) adds its
parsers and names its function with ``set_defaults(func=...)``; ``main`` calls it. Those modules
import their engines inside the functions, so building the parser (and ``--help``) stays cheap.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from pbxdesk import __version__
from pbxdesk.cli import contract, export, gui, live, outbox, profile, run
from pbxdesk.cli.exit_codes import ExitCode
from pbxdesk.domain import PbxDeskError
from pbxdesk.store.paths import DEFAULT_PROFILE, check_profile_name, profile_path


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own code is 2 as well
        self.print_usage(sys.stderr)
        self.exit(ExitCode.BAD_INPUT, f"pbxdesk: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pbxdesk", description="Cloud-PBX webhook workbench.")
    parser.add_argument("--version", action="version", version=f"pbxdesk {__version__}")
    parser.add_argument("--profile", default=DEFAULT_PROFILE, help="profile name (default: %(default)s)")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation (no display needed, no user data touched) and exit",
    )
    parser.set_defaults(func=gui.cmd_gui)  # no command: the desktop app
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for group in (gui, run, profile, outbox, live, export, contract):
        group.add_commands(sub, _Parser)
    return parser


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


def _internal(exc: BaseException, *, log: bool = True) -> int:
    if log:  # the traceback goes to the log, one line to the user
        logging.getLogger("pbxdesk").exception("internal error")
        print(f"pbxdesk: internal error: {type(exc).__name__}: {exc} (details in the log)", file=sys.stderr)
    else:
        print(f"pbxdesk: internal error: {exc}", file=sys.stderr)
    return ExitCode.INTERNAL


def _bad_input(message: object) -> int:
    print(f"pbxdesk: error: {message}", file=sys.stderr)
    return ExitCode.BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.self_test:  # before logging: the self-test writes nothing to the user's data dir
        from pbxdesk.selftest import run_self_test

        return run_self_test()
    from pbxdesk.logs import setup_logging

    setup_logging()
    try:
        return int(args.func(args))
    except PbxDeskError as exc:
        from pbxdesk.store.writer import WriterFailed

        if not isinstance(exc, WriterFailed):
            return _bad_input(exc)
        # pbxdesk's own failure, not the user's input, unless the file turns out damaged
        damage = _damage_found(args, exc)
        return _bad_input(damage) if damage is not None else _internal(exc, log=False)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except Exception as exc:  # a bug, or a damaged profile met mid-way (sqlite3.DatabaseError)
        import sqlite3

        if isinstance(exc, sqlite3.DatabaseError):
            damage = _damage_found(args, exc)
            if damage is not None:
                return _bad_input(damage)
        return _internal(exc)


if __name__ == "__main__":
    sys.exit(main())
