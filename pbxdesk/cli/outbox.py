"""`pbxdesk outbox ...`: look at and steer a profile's deliveries from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from pbxdesk.cli.exit_codes import ExitCode
from pbxdesk.domain import HttpMethod, PbxDeskError
from pbxdesk.store.paths import check_profile_name, profile_path

# The profile, the clock and the engine are imported inside the functions: `pbxdesk --help`
# builds this parser and needs none of them.


def add_commands(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    outbox = sub.add_parser("outbox", help="see and steer a profile's deliveries (retry, cancel, pause...)")
    outbox.add_argument("--profile", default=argparse.SUPPRESS, help="profile name")
    cmds = outbox.add_subparsers(dest="outbox_command", required=True, parser_class=parser_class)
    cmds.add_parser("status", help="deliveries by state, paused endpoints")
    resume = cmds.add_parser("resume", help="send what is pending, in flight or due; wait for the result")
    resume.add_argument("--wait-retries", type=float, default=30.0, metavar="SECONDS")
    cancel = cmds.add_parser("cancel", help="cancel pending and paused deliveries")
    cancel.add_argument("--endpoint", metavar="HOST:PORT", help="only those to this endpoint")
    cancel.add_argument("--id", type=int, action="append", dest="ids", metavar="N", help="only delivery N")
    pause = cmds.add_parser("pause", help="pause an endpoint: its deliveries wait")
    pause.add_argument("endpoint", metavar="HOST:PORT")
    unpause = cmds.add_parser("unpause", help="resume a paused endpoint")
    unpause.add_argument("endpoint", metavar="HOST:PORT")
    redeliver = cmds.add_parser("redeliver", help="send one delivery again")
    redeliver.add_argument("delivery_id", type=int)
    replay = cmds.add_parser("replay", help="send every event of a call again to today's subscriptions")
    replay.add_argument("call_id")
    send = cmds.add_parser("send", help="send events to another URL")
    send.add_argument("url")
    send.add_argument("event_ids", type=int, nargs="+", metavar="EVENT_ID")
    send.add_argument("--method", default="POST", help="GET or POST (default %(default)s)")
    for p in (resume, redeliver, replay, send):
        p.add_argument("--json", action="store_true", help="end with a JSON summary line")
    for p in cmds.choices.values():  # `outbox resume --profile X` as well as `outbox --profile X resume`
        p.add_argument("--profile", default=argparse.SUPPRESS, help="profile name")
    cmds.choices["status"].set_defaults(func=lambda args: _status(_path(args)))
    for name in ("cancel", "pause", "unpause"):
        cmds.choices[name].set_defaults(func=lambda args: _steer(_path(args), args))
    for name in ("resume", "redeliver", "replay", "send"):
        cmds.choices[name].set_defaults(func=_run_engine)


def _path(args: argparse.Namespace) -> Path:
    path = profile_path(check_profile_name(args.profile))
    if not path.exists():
        raise PbxDeskError(f"no profile named {args.profile!r} ({path})")
    return path


def _run_engine(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(_with_engine(_path(args), args))


def _status(path: Path) -> int:
    from pbxdesk.engine.clock import now_us
    from pbxdesk.store.outbox_store import OutboxStore
    from pbxdesk.store.profile import Profile

    with Profile.open(path) as profile:
        store = OutboxStore(profile.conn)
        counts, paused, due = store.counts_by_state(), store.paused_endpoints(), store.next_retry_at()
    print(", ".join(f"{n} {state.replace('_', ' ')}" for state, n in counts.items()) or "no deliveries")
    if due:
        print(f"next retry in {max(0.0, (due - now_us()) / 1e6):.0f} s")
    for endpoint, reason in paused:
        print(f"paused: {endpoint} ({reason})")
    return ExitCode.OK


def _steer(path: Path, args: argparse.Namespace) -> int:
    """Cancel or (un)pause straight in the profile; the engine honours it when it next runs."""
    from pbxdesk.domain import DeliveryState
    from pbxdesk.engine.clock import now_us
    from pbxdesk.store.outbox_store import OutboxStore
    from pbxdesk.store.profile import Profile

    with Profile.open(path) as profile, profile.conn as conn:
        store = OutboxStore(conn)
        if args.outbox_command == "cancel":
            n = store.cancel(endpoint=args.endpoint, ids=args.ids)
            print(f"cancelled {n} deliveries")
            return ExitCode.OK
        pause = args.outbox_command == "pause"
        n = store.set_paused(args.endpoint, pause, at_us=now_us())
        new = DeliveryState.PAUSED if pause else DeliveryState.PENDING
        print(f"{'paused' if pause else 'resumed'} {args.endpoint}: {n} deliveries {new}")
    return ExitCode.OK


async def _with_engine(path: Path, args: argparse.Namespace) -> int:
    # Imported here: the HTTP clients take a third of a second to import, and the other
    # commands (and --help) need none of them.
    import asyncio
    import json

    from pbxdesk.domain.validation import parse_method, validate_url
    from pbxdesk.engine.headless import engine_failure_text
    from pbxdesk.engine.outbox import engine_for_profile
    from pbxdesk.engine.run import RunSummary
    from pbxdesk.store.profile import Profile
    from pbxdesk.store.writer import BatchWriter, WriterFailed

    with Profile.open(path) as profile:  # checked (and refused) before the writer opens it
        writer = BatchWriter(path)
        engine = engine_for_profile(profile, writer)
    try:
        resumed = await engine.start(resume=True)
        c = args.outbox_command
        if c == "redeliver":
            print(f"delivery #{await engine.redeliver(args.delivery_id)} queued")
        elif c == "replay":
            print(f"{len(await engine.replay_call(args.call_id))} deliveries queued")
        elif c == "send":
            url = validate_url(args.url, where="url")
            method: HttpMethod = parse_method(args.method, where="--method")
            print(f"{len(await engine.send_to(args.event_ids, url, method))} deliveries queued")
        elif resumed:
            print(f"resuming {resumed} open deliveries")
        await engine.wait_idle(until_due_within=getattr(args, "wait_retries", 30.0))
        if engine.failure is not None:
            raise WriterFailed(engine_failure_text(engine, path))
        summary = RunSummary.of(engine)
    finally:
        await engine.stop()
        try:
            await asyncio.to_thread(writer.flush)
        except WriterFailed:
            if engine.failure is None:
                raise
        finally:
            writer.close()
    print(
        f"{summary.attempts} attempts: {summary.delivered} delivered, {summary.failed} failed, "
        f"{summary.retrying} still open"
    )
    if args.json:
        print(json.dumps(summary.as_dict()))
    return ExitCode.OK if summary.failed == 0 and summary.retrying == 0 else ExitCode.FAILED
