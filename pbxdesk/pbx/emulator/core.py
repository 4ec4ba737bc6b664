"""The emulated PBX account: its state, the HTTP server and the events the PBX sends.

An aiohttp server (``PbxEmulator``) with the REST resources of the real API (a module per
resource group beside this one, each listing its ``ROUTES``). Calls are simulated (a
scenario's calls at start, API callbacks on request) and their events go through a
DeliveryEngine to the subscribed URLs exactly as the real PBX sends them (GET: the fields in
the URL's query; POST: a form). The calls the emulator has played feed the current-calls,
call-history and record resources.

Faults can be injected (``/admin/faults`` or ``faults=``): an HTTP status for the next N API
requests (401, 429 with Retry-After, 5xx...) and latency. An hourly request budget (off by
default) answers 429 ``rate_limit_exceeded`` past it. The client secret and tokens are never
logged.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import pydantic
from aiohttp import web

from pbxdesk.domain import (
    AgentStatus,
    EventData,
    Extension,
    ExtensionType,
    FeedEvent,
    FeedEventType,
    Subscription,
    SubscriptionScope,
    ValidationError,
)
from pbxdesk.domain import feeds as feed_data
from pbxdesk.engine.clock import now_us
from pbxdesk.engine.defaults import EMULATOR_PORT, EMULATOR_SUBSCRIPTION_LIMIT
from pbxdesk.engine.input_model import checked
from pbxdesk.engine.outbox import DeliveryEngine, DeliveryResult
from pbxdesk.engine.policy import DeliveryPolicy
from pbxdesk.engine.run import FeedPlayer
from pbxdesk.engine.scenario import PbxSettings, Scenario
from pbxdesk.engine.simulator import CallSimulator, event_stream
from pbxdesk.engine.traffic import scenario_plans
from pbxdesk.logs import quiet_protocol_errors
from pbxdesk.pbx import api, assumptions
from pbxdesk.pbx.emulator.calls_state import CallLog
from pbxdesk.pbx.emulator.models import FaultModel
from pbxdesk.pbx.emulator.routing import Route

log = logging.getLogger(__name__)
M = TypeVar("M", bound=pydantic.BaseModel)

DEFAULT_PORT = EMULATOR_PORT
DEFAULT_SUBSCRIPTION_LIMIT = EMULATOR_SUBSCRIPTION_LIMIT
# How the emulator's PBX retries a webhook that failed: three attempts, close together.
EMULATOR_DELIVERY_POLICY = DeliveryPolicy(schedule=(0.0, 1.0, 5.0), timeout=10.0, pause_after=0)


@dataclass(slots=True)
class Fault:
    status: int | None = None
    count: int | None = 1  # None: until cleared
    retry_after: float | None = None
    latency: float = 0.0
    path: str = ""  # only requests whose path starts with this; "": the API and the token endpoint
    message: str | None = None
    method: str = ""  # only requests with this method; "": any

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """A fault from its JSON (``--fault`` or ``POST /admin/faults``), checked by the same
        model the OpenAPI document shows; a ValidationError names the wrong key."""
        if not isinstance(data, dict):
            raise ValidationError("a fault is a JSON object", where="fault")
        model = checked(FaultModel, data, "fault")
        count = model.count if "count" in model.model_fields_set or model.status is None else 1
        return cls(
            model.status,
            count,
            model.retry_after,
            model.latency,
            model.path,
            model.message,
            model.method.upper(),
        )

    def applies(self, method: str, path: str) -> bool:
        if self.method and method != self.method:
            return False
        if self.path:
            return path.startswith(self.path)
        return path.startswith(api.API_PREFIX) or path == api.TOKEN_PATH


_FAULT_TEXT = {
    401: "invalid or expired access token (injected)",
    403: "this application is not allowed to use this API (injected)",
    429: "too many requests (injected)",
    500: "internal server error (injected)",
    502: "bad gateway (injected)",
    503: "service unavailable (injected)",
    504: "gateway timeout (injected)",
}


class Refused(Exception):
    """An API error answer: HTTP ``status``, ``message`` and the documented ``status`` string."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def by_numeric_id(request: web.Request, key: str, table: dict[int, Any], what: str) -> Any:
    """The entry of ``table`` the path's ``{key}`` names; 404 "<what> <id> not found" when the
    id is not a number or not there (the API's answer for both)."""
    raw = request.match_info[key]
    entry = table.get(int(raw)) if raw.isdigit() else None
    if entry is None:
        raise Refused(404, f"{what} {raw} not found")
    return entry


def error_response(
    status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
) -> web.Response:
    body: dict[str, Any] = {"message": message}
    if code is not None:
        body["status"] = code
    return web.json_response(body, status=status, headers=headers)


class _Gate:
    """What a FeedPlayer submits to: the engine, less the events of calls hung up through the API."""

    def __init__(self, emu: PbxEmulator, *, after_cut: bool = False) -> None:
        self.emu = emu
        self.after_cut = after_cut  # it plays what follows the cut (a transfer's new events)

    @property
    def open_count(self) -> int:
        return self.emu.engine.open_count

    def submit(self, ev: EventData | FeedEvent, *, source: str = "sim") -> int:
        if not self.after_cut and ev.call_id is not None and ev.call_id in self.emu.calls.cut:
            return 0
        return self.emu.engine.submit(ev, source=source)


class PbxEmulator:
    """The emulated PBX account: state, HTTP API, simulated calls and their webhooks."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        scenario: Scenario | None = None,
        extensions: Iterable[Extension] = (),
        pbx: PbxSettings | None = None,
        account_id: int | None = None,
        subscription_limit: int = DEFAULT_SUBSCRIPTION_LIMIT,
        hourly_limit: int | None = None,
        history_delay: float = 0.0,
        token_ttl: float = 3600.0,
        speed: float = 1.0,
        base_us: int | None = None,
        callback_src_answer_after: float = 1.0,
        callback_answer_after: float | None = 1.0,
        callback_talk: float = 2.0,
        policy: DeliveryPolicy | None = None,
        faults: Iterable[Fault] = (),
        on_delivery: Callable[[DeliveryResult], None] | None = None,
    ) -> None:
        if not client_id or not client_secret:
            raise ValidationError("the emulator needs a client id and a client secret", where="emulator")
        if hourly_limit is not None and hourly_limit < 1:
            raise ValidationError("must be a positive number of requests", where="hourly_limit")
        self.client_id = client_id  # the OAuth application's id: not the account's client id
        self.__secret = client_secret
        self.scenario = scenario
        pbx = pbx or (scenario.pbx if scenario else PbxSettings())
        # The account's numeric client id: given, else the scenario's [pbx] client_id when it
        # sets one, else the emulator's (ASSUMPTION in assumptions.py). The simulator writes
        # the same id into the feeds' events.
        if account_id is None:
            given = pbx.client_id != PbxSettings().client_id
            account_id = pbx.client_id if given else assumptions.EMULATOR_ACCOUNT_ID
        self.account_id = account_id
        self.pbx = replace(pbx, client_id=account_id)
        self.created = _gmt(time.time())
        exts = list(scenario.extensions) if scenario else list(extensions)
        self.extensions: dict[int, Extension] = {e.id: self._own(e) for e in exts}
        self.subscriptions: dict[int, Subscription] = {}  # per extension (scope EXTENSION)
        self.feeds: dict[int, Subscription] = {}  # phone_events (scope PHONES) and agent events (AGENT)
        self._next_ext_id = max([1000, *self.extensions]) + 1
        self._next_sub_id = 1
        for sub in scenario.subscriptions if scenario else ():
            self._store_sub(replace(sub, id=None))
        # call statuses: the client's own list, and which one each phone is in
        self.call_statuses: dict[int, dict[str, Any]] = {
            sid: {"id": sid, "name": name, "property_list": [], "create_dt": self.created,
                  "extra_params": None, "dealer_id": None}
            for sid, name in (scenario.call_statuses.items() if scenario else ())
        }  # fmt: skip
        self.extension_status: dict[int, int | None] = {}
        self.agent_status: dict[int, str] = {}  # agent (phone) id -> available | logged_out
        self.ani: dict[int, str | None] = {}
        self.subscription_limit = subscription_limit
        self.hourly_limit = hourly_limit
        self.history_delay = history_delay
        self._hour_start = time.monotonic()
        self._hour_used = 0
        self._stats_busy = False
        self.token_ttl = token_ttl
        self.speed = speed
        self.base_us = base_us
        self.callback_src_answer_after = callback_src_answer_after
        self.callback_answer_after = callback_answer_after
        self.callback_talk = callback_talk
        self.faults: list[Fault] = list(faults)
        self.on_delivery = on_delivery
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self._rng = random.Random(self.pbx.seed)
        self.stats: collections.Counter[str] = collections.Counter()
        self.log: collections.deque[tuple[str, str, int]] = collections.deque(maxlen=10_000)
        self.delivered: collections.deque[DeliveryResult] = collections.deque(maxlen=10_000)
        # The events the PBX sent (the latest 100,000), in the order sent.
        self.events: collections.deque[EventData | FeedEvent] = collections.deque(maxlen=100_000)
        self.calls = CallLog()
        self.call_players: dict[str, FeedPlayer] = {}  # a callback's call: its own player
        self.deleted_records: set[str | None] = set()  # SubCallIDs whose record was deleted
        self.dids = self._initial_dids()
        self.engine = DeliveryEngine(
            (),
            policy=policy or EMULATOR_DELIVERY_POLICY,
            on_delivery=self._delivered,
            on_event=self._on_event,
        )
        self._subs_changed()
        self._players: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self.routes: list[Route] = _all_routes()
        self.app = self._make_app()

    # -- lifecycle --------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0, *, play: bool = True) -> int:
        await self.engine.start(resume=False)
        quiet_protocol_errors()  # a malformed request: one line, a few a minute, no traceback
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = self._runner.addresses[0][1]
        log.info("PBX emulator on %s (client id %r)", self.base_url, self.client_id)
        if play and self.scenario is not None:
            self.play_scenario()
        return self.port

    async def stop(self) -> None:
        for task in list(self._players):
            task.cancel()
        await asyncio.gather(*self._players, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.engine.stop()

    async def wait_calls_done(self, timeout: float = 30.0) -> bool:
        """Wait until every call has played and its webhooks are delivered (or failed)."""
        deadline = time.monotonic() + timeout
        while self._players:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            await asyncio.wait(set(self._players), timeout=left)
        return await self.engine.wait_idle(max(0.0, deadline - time.monotonic()))

    def play_scenario(self) -> None:
        """Play the scenario's calls, callbacks, messages and traffic, from now."""
        if self.scenario is None:
            return
        base = self.base_us if self.base_us is not None else now_us()
        sim = CallSimulator(self.pbx, self.scenario.extensions)  # self.pbx: the account's client id
        self.play(event_stream(sim, scenario_plans(self.scenario, sim.seed), base), base)

    def play(
        self,
        events: Iterable[EventData | FeedEvent],
        base_us: int,
        *,
        call_id: str | None = None,
        after_cut: bool = False,
    ) -> FeedPlayer:
        """Send ``events`` at their times; ``call_id``: they are that one call's (a hang-up or a
        transfer stops them); ``after_cut``: they are sent although that call was cut."""
        player = FeedPlayer(
            events,
            _Gate(self, after_cut=after_cut),  # type: ignore[arg-type]  # FeedPlayer uses submit and open_count only
            base_us=base_us,
            speed=self.speed,
            source="pbx",
        )
        task = asyncio.ensure_future(player.play())
        self._players.add(task)
        task.add_done_callback(self._players.discard)
        if call_id is not None:
            self.call_players[call_id] = player
            task.add_done_callback(lambda _t: self._player_done(call_id, player))
        return player

    def _player_done(self, call_id: str, player: FeedPlayer) -> None:
        # A stopped player ends after its call's next player (a transfer's) took its place.
        if self.call_players.get(call_id) is player:
            del self.call_players[call_id]

    def _on_event(self, event_id: int, ev: EventData | FeedEvent) -> None:
        """An event leaves the PBX (at its time): it is sent, and the state follows it (the
        call log; a scenario's status and agent changes)."""
        self.events.append(ev)
        self.stats["events"] += 1
        if isinstance(ev, FeedEvent):
            if ev.event_type is FeedEventType.EXTENSION_CALL_STATUS:
                new = ev.data.get("new_status_id") or None
                self.extension_status[ev.extension_id] = int(new) if new else None
            else:
                self.agent_status[ev.extension_id] = ev.data.get("agent_status", "available")
            return
        self.calls.add(ev, self.extensions.get(ev.extension_id))

    def _delivered(self, result: DeliveryResult) -> None:
        self.delivered.append(result)
        self.stats["deliveries" if result.ok else "delivery failures"] += 1
        if self.on_delivery is not None:
            self.on_delivery(result)

    # -- state ------------------------------------------------------------------------------------
    def _own(self, ext: Extension) -> Extension:
        """An extension as this account holds it: its client id, domain and creation date."""
        return replace(
            ext,
            client_id=self.account_id,
            domain=ext.domain or self.pbx.domain,
            create_date=ext.create_date or self.created,
        )

    def new_extension_id(self) -> int:
        ext_id = self._next_ext_id
        self._next_ext_id += 1
        return ext_id

    def new_sub_id(self) -> int:
        sub_id = self._next_sub_id
        self._next_sub_id += 1
        return sub_id

    def _store_sub(self, sub: Subscription) -> Subscription:
        if sub.id is None:
            sub = replace(sub, id=self.new_sub_id())
        assert sub.id is not None
        self._next_sub_id = max(self._next_sub_id, sub.id + 1)
        (self.subscriptions if sub.scope is SubscriptionScope.EXTENSION else self.feeds)[sub.id] = sub
        return sub

    def used_subscriptions(self) -> int:
        return len(self.subscriptions) + len(self.feeds)

    def check_room(self) -> None:
        if self.used_subscriptions() >= self.subscription_limit:
            raise Refused(
                api.LIMIT_EXCEEDED_STATUS,
                f"event subscription limit reached: this account may have {self.subscription_limit}",
                assumptions.LIMIT_EXCEEDED_CODE,
            )

    def subs_changed(self) -> None:
        self._subs_changed()

    def _subs_changed(self) -> None:
        """The engine delivers per-extension subscriptions, agents' ones, and the client-wide
        ones on every phone extension (the record: they cover every phone terminal)."""
        phones = [e.id for e in self.extensions.values() if e.type is ExtensionType.PHONE]
        self.engine.set_subscriptions([*self.subscriptions.values(), *self.feeds.values()], phones)

    def find_ext(self, ref: str) -> Extension:
        if ref.isdigit():
            ext = self.extensions.get(int(ref))
        elif ref.startswith("@") and ref[1:]:
            key = ref[1:]
            name = key if "*" in key else f"{self.pbx.client_prefix}*{key}"
            ext = next((e for e in self.extensions.values() if e.name == name), None)
        else:
            ext = None
        if ext is None:
            raise Refused(404, f"extension {ref} not found")
        return ext

    def by_name(self) -> dict[str, Extension]:
        return {e.name: e for e in self.extensions.values()}

    def check_client(self, request: web.Request) -> None:
        """``@me`` or the account's numeric client id (the OAuth application id is neither)."""
        cid = request.match_info["client_id"]
        if cid != "@me" and cid != str(self.account_id):
            raise Refused(404, f"client {cid} not found (use @me or {self.account_id})", "client_not_found")

    def now_gmt(self) -> str:
        return _gmt(time.time())

    # -- feeds: client-wide call-status changes and queue agents ----------------------------------
    def _fire_status_change(self, ext: Extension, old: int | None, new: int | None) -> None:
        """A phone's call status changed through the API: its ``extension-call-status`` event
        (the simulator's data, pbxdesk.domain.feeds) goes out like any event, to the
        phone_events subscriptions."""
        event = feed_data.status_change(ext, client_id=self.account_id, old=old, new=new, at_us=now_us())
        self.engine.submit(event, source="pbx")

    def _fire_agent_event(self, agent: Extension, status: str) -> None:
        """A queue agent logged in or out through the API: ``agent-login``/``agent-logout``."""
        event = feed_data.agent_change(
            agent, domain=agent.domain or self.pbx.domain, status=AgentStatus(status), at_us=now_us()
        )
        self.engine.submit(event, source="pbx")

    # -- DIDs -------------------------------------------------------------------------------------
    def _initial_dids(self) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for ext in sorted(self.extensions.values(), key=lambda e: e.id):
            if ext.did:
                did_id = len(out) + 1
                out[did_id] = {"id": did_id, "name": ext.did.lstrip("+"), "number": ext.did}
        return out

    # -- HTTP -------------------------------------------------------------------------------------
    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=256 * 1024)
        for route in self.routes:
            path = full_path(route)

            async def bound(request: web.Request, _h: Any = route.handler) -> web.StreamResponse:
                return await _h(self, request)

            app.router.add_route(route.method, path, bound)
            if path.endswith("/") and path != "/":  # the API answers with or without the slash
                app.router.add_route(route.method, path.rstrip("/"), bound)
        return app

    def _budget(self) -> tuple[dict[str, str], bool]:
        """The hourly request budget's headers, and whether this request is over it."""
        if self.hourly_limit is None:
            return {}, False
        now = time.monotonic()
        if now - self._hour_start >= 3600:
            self._hour_start, self._hour_used = now, 0
        over = self._hour_used >= self.hourly_limit
        if not over:
            self._hour_used += 1
        reset = max(0, math.ceil(3600 - (now - self._hour_start)))
        headers = {
            "X-RateLimit-Limit": str(self.hourly_limit),
            "X-RateLimit-Remaining": str(max(0, self.hourly_limit - self._hour_used)),
            "X-RateLimit-Reset": str(reset),
        }
        return headers, over

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        path = request.path
        self.stats["requests"] += 1
        is_api = path.startswith(api.API_PREFIX) or path == api.TOKEN_PATH
        budget_headers: dict[str, str] = {}
        try:
            fault = self._take_fault(request.method, path)
            if fault is not None:
                if fault.latency:
                    await asyncio.sleep(fault.latency)
                if fault.status is not None:
                    headers = {}
                    if fault.retry_after is not None:  # whole seconds, as HTTP has it
                        headers["Retry-After"] = str(math.ceil(fault.retry_after))
                    self.stats[f"fault {fault.status}"] += 1
                    text = fault.message or _FAULT_TEXT.get(fault.status, f"injected fault {fault.status}")
                    return self._logged(request, error_response(fault.status, text, None, headers))
            if is_api:
                budget_headers, over = self._budget()
                if over:
                    self.stats["rate limited"] += 1
                    raise Refused(429, "hourly request limit reached", "rate_limit_exceeded")
            if path.startswith(api.API_PREFIX):
                self._check_token(request)
            resp = await handler(request)
        except Refused as exc:
            resp = error_response(exc.status, exc.message, exc.code)
        except ValidationError as exc:
            resp = error_response(400, str(exc), assumptions.VALIDATION_CODE)
        except web.HTTPException as exc:  # no such path (404) or method (405)
            if exc.status < 400:
                raise
            resp = error_response(exc.status, "Not found" if exc.status == 404 else exc.reason)
        for key, value in budget_headers.items():
            resp.headers[key] = value
        return self._logged(request, resp)

    def _logged(self, request: web.Request, resp: web.StreamResponse) -> web.StreamResponse:
        # The path only: never a body (the token request carries the secret) or a header.
        self.log.append((request.method, request.path, resp.status))
        log.debug("%s %s -> %s", request.method, request.path, resp.status)
        return resp

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for i, fault in enumerate(self.faults):
            if fault.applies(method, path):
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        del self.faults[i]
                return fault
        return None

    def _check_token(self, request: web.Request) -> None:
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Refused(401, assumptions.UNAUTHORIZED_MESSAGE)
        expiry = self._tokens.get(token.strip())
        if expiry is None or expiry <= time.monotonic():
            self._tokens.pop(token.strip(), None)
            raise Refused(401, assumptions.UNAUTHORIZED_MESSAGE)

    def issue_token(self) -> str:
        import secrets

        now = time.monotonic()
        self._tokens = {t: e for t, e in self._tokens.items() if e > now}
        token = secrets.token_urlsafe(24)  # 32 characters, like the recorded tokens
        self._tokens[token] = now + self.token_ttl
        return token

    def credentials_ok(self, client_id: str, secret: str) -> bool:
        import hmac

        ok_id = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        ok_secret = hmac.compare_digest(secret.encode(), self.__secret.encode())
        return ok_id and ok_secret

    def revoke_tokens(self) -> int:
        n = len(self._tokens)
        self._tokens.clear()
        return n


async def read_json(request: web.Request) -> Any:
    """The request's JSON body, whatever its Content-Type says (clients vary)."""
    raw = await request.read()
    if not raw.strip():
        raise Refused(400, "a JSON body is required", assumptions.VALIDATION_CODE)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "the body must be JSON (a JSON object)", assumptions.VALIDATION_CODE) from None


async def body_of(request: web.Request, model: type[M]) -> M:
    """The JSON body validated by ``model``; a 400 naming the first wrong field otherwise."""
    data = await read_json(request)
    if not isinstance(data, dict):
        raise Refused(400, "the body must be a JSON object", assumptions.VALIDATION_CODE)
    return validated(model, data)


def validated(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "body"
        missing = [".".join(str(p) for p in e["loc"]) for e in exc.errors() if e["type"] == "missing"]
        text = f"required: {', '.join(missing)}" if missing else f"{where}: {err['msg']}"
        raise Refused(400, text, assumptions.VALIDATION_CODE) from None


def _gmt(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S")


def full_path(route: Route) -> str:
    if route.path.startswith(("/oauth", "/admin", "/openapi")):
        return route.path
    return api.API_PREFIX + route.path


def _all_routes() -> list[Route]:
    from pbxdesk.pbx.emulator import account, admin, calls, events, extensions, history

    # Order matters where paths overlap: /client/{cid}/extension/call_status/ before
    # /client/{cid}/extension/{extension}/, /client/client_info/{cid}/ before /client/{cid}/...
    return [
        *account.ROUTES,
        *events.ROUTES,
        *extensions.ROUTES,
        *calls.ROUTES,
        *history.ROUTES,
        *admin.ROUTES,
    ]


@contextlib.asynccontextmanager
async def running_emulator(*args: Any, host: str = "127.0.0.1", port: int = 0, **kw: Any):  # type: ignore[no-untyped-def]
    """``async with running_emulator("id", "secret", ...) as emu:`` a started emulator."""
    emu = PbxEmulator(*args, **kw)
    await emu.start(host, port)
    try:
        yield emu
    finally:
        await emu.stop()
