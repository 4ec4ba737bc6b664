"""`pbxdesk profile ...`: list, create, rename, copy, delete, export, import, vacuum, prune,
retention. Errors are PbxDeskError (exit code 2, one line naming the profile or file)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from pbxdesk.cli.exit_codes import ExitCode
from pbxdesk.domain import PbxDeskError
from pbxdesk.store.paths import DEFAULT_PROFILE, profile_path

if TYPE_CHECKING:
    from pbxdesk.store.profile import Profile


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def add_commands(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    prof = sub.add_parser(
        "profile", help="manage profiles: list, create, rename, copy, delete, export, import..."
    )
    cmds = prof.add_subparsers(dest="profile_command", parser_class=parser_class, required=True)

    ls = cmds.add_parser("list", help="the profiles, their size and number of events")
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    ls.set_defaults(func=_list)
    create = cmds.add_parser("create", help="a new empty profile")
    create.add_argument("name")
    create.set_defaults(func=_create)
    ren = cmds.add_parser("rename", help="rename a profile (it must not be open)")
    ren.add_argument("name")
    ren.add_argument("new_name")
    ren.set_defaults(func=_rename)
    cp = cmds.add_parser("copy", help="copy a profile, history included (it may be open)")
    cp.add_argument("name")
    cp.add_argument("new_name")
    cp.set_defaults(func=_copy)
    rm = cmds.add_parser("delete", help="delete a profile and its history (it must not be open)")
    rm.add_argument("name")
    rm.add_argument("--yes", action="store_true", help="really delete it")
    rm.set_defaults(func=_delete)
    ex = cmds.add_parser("export", help="write a profile to one file (no secrets are ever in it)")
    ex.add_argument("name")
    ex.add_argument("file")
    ex.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    ex.set_defaults(func=_export)
    im = cmds.add_parser("import", help="import an exported profile (checked before anything changes)")
    im.add_argument("file")
    im.add_argument(
        "--as", dest="as_name", metavar="NAME", help="the new profile's name (default: the exported one's)"
    )
    im.add_argument("--replace", action="store_true", help="overwrite an existing profile of that name")
    im.set_defaults(func=_import)
    chk = cmds.add_parser(
        "check", help="read the whole profile (SQLite's integrity_check): is it damaged? (changes nothing)"
    )
    chk.add_argument("name")
    chk.set_defaults(func=_check)
    vac = cmds.add_parser("vacuum", help="give the space of deleted history back to the disk")
    vac.add_argument("name")
    vac.set_defaults(func=_vacuum)
    pr = cmds.add_parser("prune", help="delete history the retention setting does not keep (now)")
    pr.add_argument("name")
    pr.add_argument("--days", type=float, help="keep the last DAYS days (default: the profile's setting)")
    pr.add_argument("--events", type=int, help="keep the last EVENTS events (default: the profile's setting)")
    pr.set_defaults(func=_prune)
    ret = cmds.add_parser("retention", help="show or set how much history a profile keeps")
    ret.add_argument("name")
    ret.add_argument("--days", help="keep the last N days, or 'off'")
    ret.add_argument("--events", help="keep the last N events, or 'off'")
    ret.set_defaults(func=_retention)


def _opt_number(value: str | None, what: str, kind: type) -> tuple[bool, Any]:
    """(given, value): 'off' clears a limit."""
    if value is None:
        return False, None
    if value.lower() in ("off", "none"):
        return True, None
    try:
        return True, kind(value)
    except ValueError:
        raise PbxDeskError(f"--{what}: {value!r} is not a number (or 'off')") from None


def _list(args: argparse.Namespace) -> int:
    from pbxdesk.store import manager

    infos = manager.list_profiles()
    if args.json:
        for i in infos:
            print(json.dumps({
                "name": i.name, "path": str(i.path), "size_bytes": i.size_bytes,
                "schema_version": i.schema_version, "events": i.events, "problem": i.problem or None,
                "default": i.name == DEFAULT_PROFILE,
            }))  # fmt: skip
        return ExitCode.OK
    if not infos:
        print("no profiles yet (the app creates 'default' on its first start)")
    for i in infos:
        mark = "*" if i.name == DEFAULT_PROFILE else " "
        if i.ok:
            print(f"{mark} {i.name:24} {i.events:>10,} events  {_mib(i.size_bytes):>10}  "
                  f"{i.modified:%Y-%m-%d %H:%M}")  # fmt: skip
        else:
            print(f"{mark} {i.name:24} unusable: {i.problem} ({i.path})")
    return ExitCode.OK


def _create(args: argparse.Namespace) -> int:
    from pbxdesk.store import manager

    print(f"created profile {args.name} ({manager.create_profile(args.name)})")
    return ExitCode.OK


def _rename(args: argparse.Namespace) -> int:
    from pbxdesk.store import manager

    path = manager.rename_profile(args.name, args.new_name)
    print(f"renamed profile {args.name} to {args.new_name} ({path})")
    return ExitCode.OK


def _copy(args: argparse.Namespace) -> int:
    from pbxdesk.store import manager

    path = manager.copy_profile(args.name, args.new_name)
    print(f"copied profile {args.name} to {args.new_name} ({path})")
    return ExitCode.OK


def _delete(args: argparse.Namespace) -> int:
    from pbxdesk.store import manager

    path = profile_path(args.name)
    if not path.exists():
        raise PbxDeskError(f"{args.name}: no such profile ({path})")
    if not args.yes:
        raise PbxDeskError(f"{args.name}: deleting a profile loses its history; add --yes to delete {path}")
    manager.delete_profile(args.name)
    print(f"deleted profile {args.name}")
    return ExitCode.OK


def _export(args: argparse.Namespace) -> int:
    from pbxdesk.store import manager

    dest = manager.export_profile(args.name, args.file, overwrite=args.force)
    print(f"exported profile {args.name} to {dest} ({_mib(dest.stat().st_size)})")
    return ExitCode.OK


def _import(args: argparse.Namespace) -> int:
    from pbxdesk.store import manager

    name, path = manager.import_profile(args.file, args.as_name, replace=args.replace)
    print(f"imported {args.file} as profile {name} ({path})")
    return ExitCode.OK


def _vacuum(args: argparse.Namespace) -> int:
    from pbxdesk.store import manager

    before, after = manager.vacuum_profile(args.name)
    print(f"vacuumed profile {args.name}: {_mib(before)} -> {_mib(after)}")
    return ExitCode.OK


def _check(args: argparse.Namespace) -> int:
    """`profile check NAME`: the profiles' one check, reading every page; refusal -> exit 2."""
    from pbxdesk.store.check import check_file

    name = args.name
    path = profile_path(name)
    facts = check_file(path, deep=True)
    state = f"schema version {facts.version}, {facts.events:,} events"
    if facts.new:
        state = "a new, empty profile"
    print(f"{name}: ok (integrity_check passed; {state}) ({path})")
    return ExitCode.OK


def _open_existing(name: str) -> Profile:
    from pbxdesk.store.profile import Profile

    return Profile.open(profile_path(name), create=False)


def _prune(args: argparse.Namespace) -> int:
    from pbxdesk.store import retention

    with _open_existing(args.name) as profile:
        policy = retention.load_policy(profile)
    if args.days is not None or args.events is not None:
        policy = retention.RetentionPolicy(
            days=args.days if args.days is not None else policy.days,
            events=args.events if args.events is not None else policy.events,
        )
    if not policy.active:
        print(f"profile {args.name} keeps everything (set a limit with `pbxdesk profile retention`)")
        return ExitCode.OK
    result = retention.prune(profile_path(args.name), policy)
    kept = f"; {result.kept_open} kept for open deliveries" if result.kept_open else ""
    print(f"pruned {result.events:,} events from profile {args.name} ({policy.describe()}){kept}")
    return ExitCode.OK


def _retention(args: argparse.Namespace) -> int:
    from pbxdesk.store import retention

    with _open_existing(args.name) as profile:
        policy = retention.load_policy(profile)
        set_days, days = _opt_number(args.days, "days", float)
        set_events, events = _opt_number(args.events, "events", int)
        if set_days or set_events:
            policy = retention.RetentionPolicy(
                days=days if set_days else policy.days, events=events if set_events else policy.events
            )
            retention.save_policy(profile, policy)
    print(f"profile {args.name}: {policy.describe()}")
    return ExitCode.OK
