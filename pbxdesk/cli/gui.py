"""`pbxdesk` / `pbxdesk gui`: the desktop app (the default command)."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    gui = sub.add_parser("gui", help="start the desktop app (the default)")
    gui.add_argument("--profile", default=argparse.SUPPRESS, help="profile name")
    gui.set_defaults(func=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    from pbxdesk.domain import PbxDeskError
    from pbxdesk.store.paths import check_profile_name

    try:
        from pbxdesk.ui.app import run_app
    except ImportError as exc:  # Qt's system libraries missing, most often
        raise PbxDeskError(
            f"the desktop app cannot start: {exc}. On Debian/Ubuntu install the Qt system "
            "libraries listed in the README (Quick start)."
        ) from None
    return run_app(check_profile_name(args.profile))
