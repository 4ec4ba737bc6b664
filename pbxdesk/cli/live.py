"""Live mode on the command line: `pbxdesk emulator`, `pbxdesk monitor`, `pbxdesk sync`."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from pbxdesk.cli.exit_codes import ExitCode
from pbxdesk.domain import PbxDeskError, ValidationError
from pbxdesk.store import secrets

if TYPE_CHECKING:
    import asyncio

    from pbxdesk.domain import Extension
    from pbxdesk.engine.live_receiver import LiveRequest
    from pbxdesk.engine.outbox import DeliveryResult
    from pbxdesk.store.profile import Profile

# The client secret is read through store.secrets only (keyring, session, $PBXDESK_CLIENT_SECRET).
SECRET_ENV = secrets.env_var(secrets.CLIENT_SECRET)


def add_commands(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]) -> None:
    from pbxdesk.engine.defaults import DEFAULT_LIVE_PORT, EMULATOR_PORT, EMULATOR_SUBSCRIPTION_LIMIT
    from pbxdesk.pbx.api import DEFAULT_BASE_URL
    from pbxdesk.pbx.assumptions import EMULATOR_ACCOUNT_ID

    emu = sub.add_parser("emulator", help="run a local PBX: its REST API, simulated calls and their webhooks")
    emu.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    emu.add_argument("--port", type=int, default=EMULATOR_PORT, help="port (default %(default)s)")
    emu.add_argument("--client-id", required=True, help="the API application's client id to accept")
    emu.add_argument("--client-secret", help=f"its secret (default: ${SECRET_ENV}); never printed or logged")
    emu.add_argument(
        "--scenario", metavar="FILE", help="extensions, subscriptions and calls (played at start)"
    )
    emu.add_argument("--subscription-limit", type=int, default=EMULATOR_SUBSCRIPTION_LIMIT, metavar="N")
    emu.add_argument(
        "--account-id",
        type=int,
        metavar="N",
        help="the account's numeric client id (GET /user/ -> client_id; default: the scenario's "
        f"[pbx] client_id, else {EMULATOR_ACCOUNT_ID})",
    )
    emu.add_argument(
        "--hourly-limit",
        type=int,
        metavar="N",
        help="answer 429 rate_limit_exceeded past N API requests an hour (default: no limit)",
    )
    emu.add_argument(
        "--token-ttl", type=float, default=3600.0, metavar="SECONDS", help="access token lifetime"
    )
    emu.add_argument(
        "--speed", type=float, default=1.0, help="play calls this many times faster than real time"
    )
    emu.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help='inject a fault, e.g. \'{"status": 429, "count": 2, "retry_after": 1}\' or \'{"latency": 0.5}\'',
    )
    emu.add_argument("--quiet", action="store_true", help="do not print each webhook sent")
    emu.set_defaults(func=cmd_emulator)

    def account(p: argparse.ArgumentParser) -> None:
        p.add_argument("--profile", default=argparse.SUPPRESS, help="profile name")
        p.add_argument("--base-url", help=f"the PBX API (default: the profile's, else {DEFAULT_BASE_URL})")
        p.add_argument("--client-id", help="the API application's client id (default: the profile's)")

    mon = sub.add_parser(
        "monitor",
        help="receive an extension's live events from the PBX and relay them to local subscriptions",
    )
    account(mon)
    mon.add_argument("--extension", required=True, help="extension id or @short (e.g. @200)")
    mon.add_argument(
        "--public-url", required=True, help="the URL the PBX can reach the receiver at (a tunnel)"
    )
    mon.add_argument(
        "--events", default="dial-in,dial-out,answer,hangup", help="event types (default %(default)s)"
    )
    mon.add_argument(
        "--method", default="GET", help="how the PBX sends them: GET or POST (default %(default)s)"
    )
    mon.add_argument("--listen-host", default="127.0.0.1", help="receiver address (default %(default)s)")
    mon.add_argument(
        "--listen-port", type=int, default=DEFAULT_LIVE_PORT, help="receiver port (default %(default)s)"
    )
    mon.add_argument(
        "--duration", type=float, metavar="SECONDS", help="stop after this long (default: Ctrl+C)"
    )
    mon.set_defaults(func=cmd_monitor)

    sync = sub.add_parser(
        "sync", help="pull the PBX account's extensions and subscriptions, or push local changes"
    )
    account(sync)
    sync.add_argument(
        "action", choices=("pull", "diff", "push"), help="pull | diff (what push would do) | push"
    )
    sync.add_argument("--yes", action="store_true", help="push without asking")
    sync.set_defaults(func=cmd_sync)


def _secret(profile_name: str | None) -> str:
    """The PBX client secret: $PBXDESK_CLIENT_SECRET (given for this command, so it wins), else
    the one the app keeps for the profile in the OS keyring (both through store.secrets), else
    a prompt on a terminal. The emulator has no profile: --client-secret or the environment."""
    value = secrets.from_environment(secrets.CLIENT_SECRET)
    if not value and profile_name is not None:
        value = secrets.get_secret(profile_name, secrets.CLIENT_SECRET)
    if value:
        return value
    if not sys.stdin.isatty():
        raise PbxDeskError(f"no client secret: set {SECRET_ENV} (it is never stored in the profile)")
    import getpass

    return getpass.getpass("PBX client secret: ")


def cmd_emulator(args: argparse.Namespace) -> int:
    return _run(_emulator(args))


def cmd_monitor(args: argparse.Namespace) -> int:
    with _open_profile(args) as profile:
        return _run(_monitor(args, profile))


def cmd_sync(args: argparse.Namespace) -> int:
    with _open_profile(args) as profile:
        return _run(_sync(args, profile))


def _open_profile(args: argparse.Namespace) -> Profile:
    from pbxdesk.store.paths import check_profile_name, profile_path
    from pbxdesk.store.profile import Profile

    return Profile.open(profile_path(check_profile_name(args.profile)))


def _run(coro: Coroutine[Any, Any, int]) -> int:
    import asyncio  # here: a fifth of --help's start time

    return asyncio.run(coro)


def _stop_event() -> asyncio.Event:
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if sys.platform != "win32":  # Windows event loops have no signal handlers
        with contextlib.suppress(RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, stop.set)
    return stop


async def _wait(stop: asyncio.Event, duration: float | None) -> None:
    import asyncio

    if duration is None:
        await stop.wait()
    else:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), duration)


# -- emulator -------------------------------------------------------------------------------------


async def _emulator(args: argparse.Namespace) -> int:
    import json
    from urllib.parse import urlsplit

    from pbxdesk.engine.scenario import load_scenario
    from pbxdesk.pbx.emulator import Fault, PbxEmulator

    secret = args.client_secret or _secret(None)
    scenario = load_scenario(args.scenario) if args.scenario else None
    extensions: tuple[Extension, ...] = ()
    if scenario is None:
        from pbxdesk.engine.demo import DEMO_EXTENSIONS

        extensions = DEMO_EXTENSIONS
    for flag, value in (("--speed", args.speed), ("--token-ttl", args.token_ttl)):
        if value <= 0:
            raise ValidationError(f"must be positive, not {value}", where=flag)
    if args.subscription_limit < 0:
        raise ValidationError("must not be negative", where="--subscription-limit")
    if args.account_id is not None and args.account_id <= 0:
        raise ValidationError("must be a positive number", where="--account-id")
    if args.hourly_limit is not None and args.hourly_limit <= 0:
        raise ValidationError("must be a positive number of requests", where="--hourly-limit")
    faults = []
    for i, text in enumerate(args.fault):
        try:
            faults.append(Fault.from_json(json.loads(text)))
        except ValueError as exc:
            raise ValidationError(f"not JSON ({exc})", where=f"--fault[{i}]") from None
    if scenario is not None:  # a plan the PBX could not carry out fails before anything listens
        from pbxdesk.engine.headless import check_calls

        check_calls(scenario)

    def show(r: DeliveryResult) -> None:
        parts = urlsplit(r.url)  # the path may hold a receiver's token: host and port only
        print(f"webhook {r.method} {parts.scheme}://{parts.netloc}/… -> {r.outcome}", flush=True)

    emu = PbxEmulator(
        args.client_id,
        secret,
        scenario=scenario,
        extensions=extensions,
        subscription_limit=args.subscription_limit,
        account_id=args.account_id,
        hourly_limit=args.hourly_limit,
        token_ttl=args.token_ttl,
        speed=args.speed,
        faults=faults,
        on_delivery=None if args.quiet else show,
    )
    stop = _stop_event()
    try:
        await emu.start(args.host, args.port)
    except OSError as exc:
        raise PbxDeskError(
            f"the emulator cannot listen on {args.host}:{args.port} ({exc.strerror})"
        ) from None
    try:
        print(
            f"PBX emulator on {emu.base_url} (API {emu.base_url}/api/ver1.0, "
            f"OpenAPI {emu.base_url}/openapi.json); "
            f"client id {args.client_id!r} (account {emu.account_id}); {len(emu.extensions)} extensions, "
            f"{len(emu.subscriptions)} subscriptions. Ctrl+C to stop.",
            flush=True,
        )
        await _wait(stop, None)
    finally:
        await emu.stop()
    return ExitCode.OK


# -- monitor --------------------------------------------------------------------------------------


def _account(args: argparse.Namespace, profile: Profile) -> tuple[str, str]:
    from pbxdesk.pbx.api import DEFAULT_BASE_URL

    saved = profile.get_setting("pbx_api", {}) or {}
    base_url = args.base_url or saved.get("base_url") or DEFAULT_BASE_URL
    client_id = args.client_id or saved.get("client_id")
    if not client_id:
        raise ValidationError("the API application's client id is required", where="--client-id")
    return base_url, client_id


def _remember_account(profile: Profile, base_url: str, client_id: str) -> None:
    # The secret is not a setting: it never goes into the profile.
    profile.set_setting("pbx_api", {"base_url": base_url, "client_id": client_id})


async def _monitor(args: argparse.Namespace, profile: Profile) -> int:
    import asyncio

    from pbxdesk.engine.live_receiver import LiveSession
    from pbxdesk.pbx.client import PbxClient
    from pbxdesk.pbx.monitor import cleanup_leftovers, monitor_extension, parse_events
    from pbxdesk.store.writer import WriterFailed

    base_url, client_id = _account(args, profile)
    events = parse_events(args.events.split(","))
    secret = _secret(args.profile)

    def on_request(r: LiveRequest) -> None:
        if r.event is not None:
            ev = r.event
            print(
                f"event #{r.event_id}: {ev.event_type.value} ext {ev.extension_id} call {ev.call_id}",
                flush=True,
            )
        else:
            print(f"request #{r.raw_id} stored, not relayed: {r.flag}", flush=True)

    def on_delivery(r: DeliveryResult) -> None:
        print(f"  relay #{r.id} {r.method} {r.url} -> {r.outcome}", flush=True)

    session = LiveSession(
        profile, host=args.listen_host, port=args.listen_port, on_request=on_request, on_delivery=on_delivery
    )
    try:
        receiver = await session.open()
    except OSError as exc:
        raise PbxDeskError(
            f"the live receiver cannot listen on {args.listen_host}:{args.listen_port} ({exc.strerror}); "
            "choose another --listen-port"
        ) from None
    stop = _stop_event()
    writer = session.writer
    if writer is not None:  # a writer that fails for good ends the monitor (exit 3), not a hang
        loop = asyncio.get_running_loop()

        def on_writer_change() -> None:  # the writer's thread
            if writer.error is not None:
                loop.call_soon_threadsafe(stop.set)

        writer.watch(on_writer_change)
    monitor = None
    try:
        if receiver.warning:
            print(f"WARNING: {receiver.warning}", flush=True)
        async with PbxClient(client_id, secret, base_url=base_url) as client:
            for r in await cleanup_leftovers(client, profile):
                print(
                    f"removed a subscription left by an earlier monitor: #{r.subscription_id} ({r.message})"
                )
            monitor = await monitor_extension(
                client,
                args.extension,
                public_url=args.public_url,
                receiver=receiver,
                events=events,
                method=args.method,
                profile=profile,
            )
            _remember_account(profile, base_url, client_id)
            local = len(receiver.relay_subscriptions(profile.subscriptions()))
            print(
                f"monitoring extension {monitor.extension.name} (id {monitor.extension.id}): "
                f"{', '.join(s.event_type.value for s in monitor.subscriptions)} -> {monitor.shown_url}; "
                f"receiver on {receiver.base_url}; relaying to {local} local subscription(s). "
                "Ctrl+C to stop.",
                flush=True,
            )
            try:
                await _wait(stop, args.duration)
            finally:
                results = await asyncio.shield(monitor.stop())
                for r in results:
                    status = r.message if r.ok else f"NOT removed: {r.message}"
                    print(f"subscription #{r.subscription_id} ({r.event_type}): {status}", flush=True)
                if any(not r.ok for r in results):
                    print("the subscriptions not removed will be removed by the next `pbxdesk monitor`")
    finally:
        failure = writer.error if writer is not None else None
        await session.close()
    if failure is not None:
        raise WriterFailed(
            f"{profile.path}: the profile's writer failed ({failure}); the monitor stopped and "
            "removed its subscriptions (requests it could not store were answered 503)"
        )
    return ExitCode.OK if monitor is None or all(r.ok for r in monitor.removed) else ExitCode.FAILED


# -- sync -----------------------------------------------------------------------------------------


async def _sync(args: argparse.Namespace, profile: Profile) -> int:
    from pbxdesk.pbx import sync
    from pbxdesk.pbx.client import PbxClient

    base_url, client_id = _account(args, profile)
    secret = _secret(args.profile)
    async with PbxClient(client_id, secret, base_url=base_url) as client:
        if args.action == "pull":
            report = await sync.pull(client, profile)
            _remember_account(profile, base_url, client_id)
            print(
                f"pulled {report.extensions} extensions and {report.subscriptions} subscriptions"
                + (
                    f"; skipped {report.skipped_extensions} extensions of types pbxdesk does not model"
                    if report.skipped_extensions
                    else ""
                )
                + (
                    f"; left out {report.skipped_monitor} live-monitor subscriptions"
                    if report.skipped_monitor
                    else ""
                )
            )
            return ExitCode.OK
        plan = await sync.plan_push(client, profile)
        for line in plan.describe():
            print(line)
        for note in plan.notes:
            print(f"note: {note}")
        counts = plan.counts()
        if plan.empty:
            print("no changes: the PBX account has the profile's extensions and subscriptions")
        print(f"{counts['added']} to add, {counts['changed']} to change, {counts['removed']} to remove")
        if args.action == "diff" or plan.empty:
            return ExitCode.OK
        if not args.yes:
            if not sys.stdin.isatty():
                raise PbxDeskError("push changes the PBX: confirm with --yes")
            if input("push these changes to the PBX? [y/N] ").strip().lower() not in ("y", "yes"):
                print("nothing pushed")
                return ExitCode.OK
        pushed = await sync.push(client, profile, plan, on_result=lambda r: print(r.describe(), flush=True))
        print(f"{len(pushed.results) - len(pushed.failed)} done, {len(pushed.failed)} failed")
        return ExitCode.OK if pushed.ok else ExitCode.FAILED
