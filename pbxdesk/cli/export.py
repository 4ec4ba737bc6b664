"""`pbxdesk export`: a profile's history as CSV, JSON or HAR 1.2 (see pbxdesk.store.history_export)."""

from __future__ import annotations

import argparse

from pbxdesk.cli.exit_codes import ExitCode
from pbxdesk.domain import PbxDeskError
from pbxdesk.store.paths import check_profile_name, profile_path


def add_commands(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    export = sub.add_parser(
        "export",
        help="write a profile's events, deliveries and attempts to a CSV, JSON or HAR 1.2 file, "
        "or a call as a scenario that replays it (.toml)",
    )
    export.add_argument("out", metavar="OUT", help="the file to write (its extension picks the format)")
    export.add_argument("--profile", default=argparse.SUPPRESS, help="profile name")
    # No argparse choices: they would import the exporter (and sqlite3, csv...) for --help.
    export.add_argument("--format", help="csv, json, har or scenario (default: from OUT's extension)")
    export.add_argument("--call-id", metavar="ID", help="only the events of this call")
    export.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from pbxdesk.store.history_export import FORMATS, export_file, format_for

    name = check_profile_name(args.profile)
    path = profile_path(name)
    if not path.exists():
        raise PbxDeskError(f"no profile named {name!r} ({path})")
    if args.format is not None and args.format not in FORMATS:
        raise PbxDeskError(f"--format: {args.format!r} is not one of {', '.join(FORMATS)}")
    fmt = args.format or format_for(args.out)
    if fmt is None:
        raise PbxDeskError(f"{args.out}: name it .csv, .json, .har or .toml, or say --format")
    if fmt == "scenario" and not args.call_id:
        raise PbxDeskError("--format scenario saves one call: say which with --call-id ID")
    result = export_file(path, args.out, fmt, call_id=args.call_id, profile_name=name)
    if args.call_id and not result.events:
        raise PbxDeskError(f"profile {name!r} has no events of call {args.call_id!r}")
    print(
        f"{result.events} events, {result.deliveries} deliveries, {result.attempts} attempts "
        f"written to {result.path} ({fmt})"
    )
    return ExitCode.OK
