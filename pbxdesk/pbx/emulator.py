"""A local PBX: the REST API pbxdesk's client speaks, and the events the PBX would send.

An aiohttp server (``PbxEmulator``) with the token endpoint, extensions, event subscriptions
(validated by pbxdesk's model, with a per-account limit), the limits resource and the callback
endpoint. A callback starts a simulated call (CallbackPlan through CallSimulator); its events,
and those of a scenario's calls played at start, go through a DeliveryEngine to the subscribed
URLs exactly as the real PBX sends them (GET: fields added to the URL's query; POST: a form).

Faults can be injected (``/admin/faults`` or ``faults=``): an HTTP status for the next N API
requests (401, 429 with Retry-After, 5xx...) and latency. The client secret and tokens are
never logged.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hmac
import json
import logging
import math
import random
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

from aiohttp import web

from pbxdesk.domain import (
    EventData,
    Extension,
    ExtensionStatus,
    ExtensionType,
    Subscription,
    ValidationError,
)
from pbxdesk.domain.validation import (
    make_subscription,
    parse_extension_type,
    validate_extension_name,
)
from pbxdesk.engine.clock import now_us
from pbxdesk.engine.defaults import EMULATOR_PORT, EMULATOR_SUBSCRIPTION_LIMIT
from pbxdesk.engine.outbox import DeliveryEngine, DeliveryResult
from pbxdesk.engine.policy import DeliveryPolicy
from pbxdesk.engine.run import FeedPlayer
from pbxdesk.engine.scenario import CallbackPlan, PbxSettings, Scenario
from pbxdesk.engine.simulator import CallSimulator, event_stream
from pbxdesk.engine.traffic import scenario_plans
from pbxdesk.pbx import api
from pbxdesk.pbx.openapi import openapi_document

log = logging.getLogger(__name__)

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
        if not isinstance(data, dict):
            raise ValidationError("a fault is a JSON object", where="fault")
        known = {"status", "count", "retry_after", "latency", "path", "message", "method"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(
                f"unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})", where="fault"
            )
        status = data.get("status")
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise ValidationError(f"status must be an HTTP status code, not {status!r}", where="fault.status")
        latency = data.get("latency", 0.0)
        if not isinstance(latency, int | float) or latency < 0 or latency > 300:
            raise ValidationError("latency must be 0-300 seconds", where="fault.latency")
        if status is None and not latency:
            raise ValidationError("a fault needs a status or a latency", where="fault")
        count = data.get("count", 1 if status is not None else None)
        if count is not None and (not isinstance(count, int) or count < 1):
            raise ValidationError(
                "count must be a positive integer (or null: until cleared)", where="fault.count"
            )
        retry_after = data.get("retry_after")
        if retry_after is not None and (not isinstance(retry_after, int | float) or retry_after < 0):
            raise ValidationError("retry_after must be a number of seconds", where="fault.retry_after")
        path = data.get("path", "")
        if not isinstance(path, str):
            raise ValidationError("path must be text", where="fault.path")
        message = data.get("message")
        method = data.get("method", "")
        if not isinstance(method, str):
            raise ValidationError("method must be text, e.g. 'POST'", where="fault.method")
        return cls(
            status,
            count,
            retry_after,
            float(latency),
            path,
            None if message is None else str(message),
            method.upper(),
        )

    def applies(self, method: str, path: str) -> bool:
        if self.method and method != self.method:
            return False
        if self.path:
            return path.startswith(self.path)
        return path.startswith(api.API_PREFIX) or path == api.TOKEN_PATH


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"message": message}, status=status, headers=headers)


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


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
        subscription_limit: int = DEFAULT_SUBSCRIPTION_LIMIT,
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
        self.client_id = client_id
        self.__secret = client_secret
        self.scenario = scenario
        self.pbx = pbx or (scenario.pbx if scenario else PbxSettings())
        exts = list(scenario.extensions) if scenario else list(extensions)
        self.extensions: dict[int, Extension] = {e.id: e for e in exts}
        self.subscriptions: dict[int, Subscription] = {}
        self._next_ext_id = max([1000, *self.extensions]) + 1
        self._next_sub_id = 1
        for sub in scenario.subscriptions if scenario else ():
            self._store_sub(replace(sub, id=None))
        self.subscription_limit = subscription_limit
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
        self.events: collections.deque[EventData] = collections.deque(maxlen=100_000)
        self.engine = DeliveryEngine(
            self.subscriptions.values(),
            policy=policy or EMULATOR_DELIVERY_POLICY,
            on_delivery=self._delivered,
        )
        self._players: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0
        self.app = self._make_app()

    # -- lifecycle --------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0, *, play: bool = True) -> int:
        await self.engine.start(resume=False)
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
        sim = CallSimulator(self.scenario.pbx, self.scenario.extensions)
        self._play(event_stream(sim, scenario_plans(self.scenario, sim.seed), base), base)

    def _play(self, events: Iterable[EventData], base_us: int) -> None:
        player = FeedPlayer(
            self._recorded(events), self.engine, base_us=base_us, speed=self.speed, source="pbx"
        )
        task = asyncio.ensure_future(player.play())
        self._players.add(task)
        task.add_done_callback(self._players.discard)

    def _recorded(self, events: Iterable[EventData]) -> Iterator[EventData]:
        for ev in events:
            self.events.append(ev)
            self.stats["events"] += 1
            yield ev

    def _delivered(self, result: DeliveryResult) -> None:
        self.delivered.append(result)
        self.stats["deliveries" if result.ok else "delivery failures"] += 1
        if self.on_delivery is not None:
            self.on_delivery(result)

    # -- state ------------------------------------------------------------------------------------
    def _store_sub(self, sub: Subscription) -> Subscription:
        if sub.id is None:
            sub = replace(sub, id=self._next_sub_id)
        assert sub.id is not None
        self._next_sub_id = max(self._next_sub_id, sub.id + 1)
        self.subscriptions[sub.id] = sub
        return sub

    def _subs_changed(self) -> None:
        self.engine.set_subscriptions(self.subscriptions.values())

    def _find_ext(self, ref: str) -> Extension:
        if ref.isdigit():
            ext = self.extensions.get(int(ref))
        elif ref.startswith("@") and ref[1:]:
            key = ref[1:]
            name = key if "*" in key else f"{self.pbx.client_prefix}*{key}"
            ext = next((e for e in self.extensions.values() if e.name == name), None)
        else:
            ext = None
        if ext is None:
            raise _Refused(404, f"extension {ref} not found")
        return ext

    def _sub_of(self, ext: Extension, raw_id: str) -> Subscription:
        sub = self.subscriptions.get(int(raw_id)) if raw_id.isdigit() else None
        if sub is None or sub.extension_id != ext.id:
            raise _Refused(404, f"event subscription {raw_id} of extension {ext.id} not found")
        return sub

    # -- HTTP -------------------------------------------------------------------------------------
    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=256 * 1024)
        p = api.API_PREFIX
        routes: list[tuple[str, str, Callable[[web.Request], Any]]] = [
            ("POST", api.TOKEN_PATH, self._token),
            ("GET", api.OPENAPI_PATH, self._openapi),
            ("GET", p + "/client/{client_id}/extension/", self._list_extensions),
            ("POST", p + "/client/{client_id}/extension/", self._create_extension),
            ("GET", p + "/extension/{extension}/", self._get_extension),
            ("PUT", p + "/extension/{extension}/", self._update_extension),
            ("DELETE", p + "/extension/{extension}/", self._delete_extension),
            ("GET", p + "/extension/{extension}/event/", self._list_subs),
            ("POST", p + "/extension/{extension}/event/", self._create_sub),
            ("GET", p + "/extension/{extension}/event/{event_id}/", self._get_sub),
            ("PUT", p + "/extension/{extension}/event/{event_id}/", self._update_sub),
            ("DELETE", p + "/extension/{extension}/event/{event_id}/", self._delete_sub),
            ("POST", p + "/extension/{extension}/callback/", self._callback),
            ("GET", p + "/client/{client_id}/limit/", self._limits),
            ("GET", "/admin/faults", self._get_faults),
            ("POST", "/admin/faults", self._add_faults),
            ("DELETE", "/admin/faults", self._clear_faults),
            ("POST", "/admin/revoke-tokens", self._revoke_tokens),
            ("GET", "/admin/state", self._state),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, path, handler)
            if path.endswith("/") and path != "/":  # the API answers with or without the slash
                app.router.add_route(method, path.rstrip("/"), handler)
        return app

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        path = request.path
        self.stats["requests"] += 1
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
                    return self._logged(
                        request,
                        _error(
                            fault.status,
                            fault.message or _FAULT_TEXT.get(fault.status, f"injected fault {fault.status}"),
                            headers,
                        ),
                    )
            if path.startswith(api.API_PREFIX):
                self._check_token(request)
            resp = await handler(request)
        except _Refused as exc:
            resp = _error(exc.status, exc.message)
        except ValidationError as exc:
            resp = _error(400, str(exc))
        except web.HTTPException as exc:
            if exc.status >= 400:
                resp = _error(exc.status, exc.reason)
            else:
                raise
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
            raise _Refused(401, "an access token is required (Authorization: Bearer ...)")
        expiry = self._tokens.get(token.strip())
        if expiry is None or expiry <= time.monotonic():
            self._tokens.pop(token.strip(), None)
            raise _Refused(401, "invalid or expired access token")

    async def _json_body(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        try:
            data = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            raise _Refused(400, "the body must be a JSON object (Content-Type: application/json)") from None
        if not isinstance(data, dict):
            raise _Refused(400, "the body must be a JSON object")
        return data

    def _client(self, request: web.Request) -> None:
        if request.match_info["client_id"] not in ("@me", self.client_id):
            raise _Refused(404, f"client {request.match_info['client_id']} not found (use @me)")

    # -- token ------------------------------------------------------------------------------------
    async def _token(self, request: web.Request) -> web.Response:
        self.stats["token requests"] += 1
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported grant_type (only client_credentials)")
        cid, secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
        ok_id = hmac.compare_digest(cid.encode(), self.client_id.encode())
        ok_secret = hmac.compare_digest(secret.encode(), self.__secret.encode())
        if not (ok_id and ok_secret):
            self.stats["token refusals"] += 1
            return _error(401, "invalid client credentials")
        now = time.monotonic()
        self._tokens = {t: e for t, e in self._tokens.items() if e > now}
        token = secrets.token_urlsafe(32)
        self._tokens[token] = now + self.token_ttl
        return web.json_response(
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": max(1, round(self.token_ttl)),
                "scope": "all",
            }
        )

    async def _openapi(self, request: web.Request) -> web.Response:
        return web.json_response(openapi_document(f"{request.scheme}://{request.host}"))

    # -- extensions -------------------------------------------------------------------------------
    async def _list_extensions(self, request: web.Request) -> web.Response:
        self._client(request)
        exts = sorted(self.extensions.values(), key=lambda e: e.id)
        if "type" in request.query:
            wanted = parse_extension_type(request.query["type"], where="type")
            exts = [e for e in exts if e.type is wanted]
        return web.json_response([api.extension_to_json(e) for e in exts])

    def _ext_fields(self, data: dict[str, Any], current: Extension | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "name" in data or current is None:
            name = validate_extension_name(data.get("name"), prefix=self.pbx.client_prefix)
            clash = next((e for e in self.extensions.values() if e.name == name and e is not current), None)
            if clash is not None:
                raise ValidationError(f"extension {name!r} already exists (id {clash.id})", where="name")
            out["name"] = name
        if "type" in data or current is None:
            out["type"] = parse_extension_type(data.get("type"))
        if "status" in data:
            try:
                out["status"] = ExtensionStatus(str(data["status"]))
            except ValueError:
                raise ValidationError("must be 'active' or 'blocked'", where="status") from None
        if "label" in data:
            if not isinstance(data["label"], str) or len(data["label"]) > 200:
                raise ValidationError("must be text of at most 200 characters", where="label")
            out["label"] = data["label"]
        return out

    async def _create_extension(self, request: web.Request) -> web.Response:
        self._client(request)
        fields = self._ext_fields(await self._json_body(request), None)
        ext = Extension(id=self._next_ext_id, **fields)
        self._next_ext_id += 1
        self.extensions[ext.id] = ext
        return web.json_response(api.extension_to_json(ext), status=201)

    async def _get_extension(self, request: web.Request) -> web.Response:
        return web.json_response(api.extension_to_json(self._find_ext(request.match_info["extension"])))

    async def _update_extension(self, request: web.Request) -> web.Response:
        ext = self._find_ext(request.match_info["extension"])
        fields = self._ext_fields(await self._json_body(request), ext)
        new = replace(ext, **fields)
        if new.type is not ext.type:
            for sub in self.subscriptions.values():
                if sub.extension_id == ext.id:
                    make_subscription(new, event_type=sub.event_type, method=sub.method, url=sub.url)
        self.extensions[ext.id] = new
        return web.json_response(api.extension_to_json(new))

    async def _delete_extension(self, request: web.Request) -> web.Response:
        ext = self._find_ext(request.match_info["extension"])
        del self.extensions[ext.id]
        for sid in [s.id for s in self.subscriptions.values() if s.extension_id == ext.id]:
            del self.subscriptions[sid]  # type: ignore[arg-type]
        self._subs_changed()
        return web.Response(status=204)

    # -- subscriptions ----------------------------------------------------------------------------
    async def _list_subs(self, request: web.Request) -> web.Response:
        ext = self._find_ext(request.match_info["extension"])
        subs = [s for s in self.subscriptions.values() if s.extension_id == ext.id]
        return web.json_response([api.subscription_to_json(s) for s in subs])

    def _validated_sub(self, ext: Extension, data: dict[str, Any], sub_id: int | None) -> Subscription:
        missing = [k for k in ("url", "method", "event_type") if k not in data]
        if missing:
            raise ValidationError(f"required: {', '.join(missing)}", where="event")
        return make_subscription(
            ext, event_type=data["event_type"], method=data["method"], url=data["url"], id=sub_id
        )

    async def _create_sub(self, request: web.Request) -> web.Response:
        ext = self._find_ext(request.match_info["extension"])
        sub = self._validated_sub(ext, await self._json_body(request), None)
        if len(self.subscriptions) >= self.subscription_limit:
            raise _Refused(
                api.LIMIT_EXCEEDED_STATUS,
                f"event subscription limit reached: this account may have {self.subscription_limit}",
            )
        sub = self._store_sub(sub)
        self._subs_changed()
        return web.json_response(api.subscription_to_json(sub), status=201)

    async def _get_sub(self, request: web.Request) -> web.Response:
        ext = self._find_ext(request.match_info["extension"])
        return web.json_response(api.subscription_to_json(self._sub_of(ext, request.match_info["event_id"])))

    async def _update_sub(self, request: web.Request) -> web.Response:
        ext = self._find_ext(request.match_info["extension"])
        old = self._sub_of(ext, request.match_info["event_id"])
        sub = self._validated_sub(ext, await self._json_body(request), old.id)
        self.subscriptions[old.id] = sub  # type: ignore[index]
        self._subs_changed()
        return web.json_response(api.subscription_to_json(sub))

    async def _delete_sub(self, request: web.Request) -> web.Response:
        ext = self._find_ext(request.match_info["extension"])
        sub = self._sub_of(ext, request.match_info["event_id"])
        del self.subscriptions[sub.id]  # type: ignore[arg-type]
        self._subs_changed()
        return web.Response(status=204)

    # -- callback and limits ----------------------------------------------------------------------
    def _number(self, value: Any, where: str) -> str:
        """An extension's short or full name (as its full name) or an outside number."""
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"must be a phone number or an extension, not {value!r}", where=where)
        value = value.strip()
        by_name = {e.name: e for e in self.extensions.values()}
        full = value if "*" in value else f"{self.pbx.client_prefix}*{value}"
        if full in by_name:
            return full
        if "*" in value:
            raise ValidationError(f"unknown extension {value!r}", where=where)
        digits = value[1:] if value.startswith("+") else value
        if not digits.isdigit():
            raise ValidationError(f"{value!r} is not a phone number", where=where)
        return value

    async def _callback(self, request: web.Request) -> web.Response:
        owner = self._find_ext(request.match_info["extension"])
        data = await self._json_body(request)
        if owner.status is ExtensionStatus.BLOCKED:
            raise ValidationError(f"extension {owner.name} is blocked", where="extension")
        raw_src = data.get("src_num")
        if isinstance(raw_src, str | int) and not isinstance(raw_src, bool):
            raw_src = [raw_src]
        if not isinstance(raw_src, list) or not raw_src:
            raise ValidationError("needs at least one number to ring first", where="src_num")
        by_name = {e.name: e for e in self.extensions.values()}
        src: list[str] = []
        for value in raw_src:
            number = self._number(value, "src_num")
            ext = by_name.get(number)
            if ext is not None and ext.type in (ExtensionType.IVR, ExtensionType.QUEUE):
                raise ValidationError(
                    f"{number!r} is {ext.type.value!r}: it cannot place calls", where="src_num"
                )
            src.append(number)
        dst = self._number(data.get("dst_num"), "dst_num")
        sim = CallSimulator(self.pbx, list(self.extensions.values()), seed=self._rng.getrandbits(64))
        target, _ = sim.resolve(dst)
        self._check_routable(target, by_name)
        plan = CallbackPlan(
            at=0.0,
            extension=owner.name,
            src_num=tuple(src),
            dst_num=dst,
            answer_after=self.callback_answer_after,
            talk=self.callback_talk,
            src_answer_after=self.callback_src_answer_after,
        )
        t0 = now_us()
        events = sim.simulate(plan, t0)
        self.stats["callbacks"] += 1
        self._play(events, t0)
        first = events[0] if events else None
        return web.json_response(
            {"call_id": first.call_id if first else None, "call_api_id": first.call_api_id if first else None}
        )

    def _check_routable(
        self, target: Extension | None, by_name: dict[str, Extension], depth: int = 0
    ) -> None:
        """Extensions made through the API have no ivr route or queue agents: say so."""
        if target is None or depth > 16:
            return
        if target.type is ExtensionType.IVR:
            if target.route is None or target.route not in by_name:
                raise ValidationError(
                    f"ivr {target.name} has no route in this emulator (give it one in a --scenario)",
                    where="dst_num",
                )
            self._check_routable(by_name[target.route], by_name, depth + 1)
        if target.type is ExtensionType.QUEUE and not all(a in by_name for a in target.agents or ("",)):
            raise ValidationError(
                f"queue {target.name} has no agents in this emulator (give it some in a --scenario)",
                where="dst_num",
            )

    async def _limits(self, request: web.Request) -> web.Response:
        self._client(request)
        return web.json_response(
            {
                "event_subscriptions": self.subscription_limit,
                "event_subscriptions_used": len(self.subscriptions),
            }
        )

    # -- admin ------------------------------------------------------------------------------------
    async def _get_faults(self, request: web.Request) -> web.Response:
        return web.json_response({"faults": [asdict(f) for f in self.faults]})

    async def _add_faults(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _Refused(400, "the body must be JSON: a fault object or a list of them") from None
        items = data if isinstance(data, list) else [data]
        self.faults.extend(Fault.from_json(item) for item in items)
        return web.json_response({"faults": [asdict(f) for f in self.faults]})

    async def _clear_faults(self, request: web.Request) -> web.Response:
        n = len(self.faults)
        self.faults.clear()
        return web.json_response({"cleared": n})

    async def _revoke_tokens(self, request: web.Request) -> web.Response:
        n = len(self._tokens)
        self._tokens.clear()
        return web.json_response({"revoked": n})

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "stats": dict(self.stats),
                "extensions": len(self.extensions),
                "subscriptions": len(self.subscriptions),
                "calls_playing": len(self._players),
                "open_deliveries": self.engine.open_count,
            }
        )


_FAULT_TEXT = {
    401: "invalid or expired access token (injected)",
    403: "this application is not allowed to use this API (injected)",
    429: "too many requests (injected)",
    500: "internal server error (injected)",
    502: "bad gateway (injected)",
    503: "service unavailable (injected)",
    504: "gateway timeout (injected)",
}


@contextlib.asynccontextmanager
async def running_emulator(*args: Any, host: str = "127.0.0.1", port: int = 0, **kw: Any):  # type: ignore[no-untyped-def]
    """``async with running_emulator("id", "secret", ...) as emu:`` a started emulator."""
    emu = PbxEmulator(*args, **kw)
    await emu.start(host, port)
    try:
        yield emu
    finally:
        await emu.stop()
