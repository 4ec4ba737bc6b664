"""The PBX REST API client (httpx.AsyncClient): OAuth2 client credentials, extensions,
event subscriptions, callbacks and limits.

- The access token is cached and renewed shortly before it expires; a 401 on an API call
  renews it and retries once.
- 429 waits for Retry-After (up to ``max_retry_after``) and retries; 5xx is retried with
  exponential backoff and full jitter (POST only on 503, which says nothing was done).
- Network failures raise OfflineError and put the client in the "offline" state (``state``,
  ``on_state``); the next answer from the PBX puts it back "online".
- The client secret and tokens are never logged, repr'd or put in an error message.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from pbxdesk.domain import (
    EventType,
    Extension,
    ExtensionStatus,
    ExtensionType,
    HttpMethod,
    Subscription,
    ValidationError,
)
from pbxdesk.domain.validation import parse_event_type, parse_method, validate_url
from pbxdesk.engine.policy import parse_retry_after
from pbxdesk.engine.senders import classify_error
from pbxdesk.pbx import api
from pbxdesk.pbx.errors import (
    AuthError,
    OfflineError,
    PbxApiError,
    RateLimitedError,
    message_for_status,
)

log = logging.getLogger(__name__)

ONLINE, OFFLINE, UNKNOWN = "online", "offline", "unknown"
_RETRY_5XX = frozenset({500, 502, 503, 504})
_IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD"})


@dataclass(frozen=True, slots=True)
class Limits:
    """The account's limits as the API reports them (``raw``); ``subscriptions`` when known."""

    subscriptions: int | None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CallbackResult:
    raw: dict[str, Any]

    @property
    def call_id(self) -> str | None:
        value = self.raw.get("call_id")
        return None if value is None else str(value)


class PbxClient:
    """An authorised session with one PBX account. Use as ``async with PbxClient(...) as c``."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        base_url: str = api.DEFAULT_BASE_URL,
        timeout: float = 15.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        max_retry_after: float = 60.0,
        on_state: Callable[[str], None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if not client_id:
            raise ValidationError("a client id is required (the API application's id)", where="client_id")
        if not client_secret:
            raise ValidationError("a client secret is required", where="client_secret")
        self.base_url = validate_url(base_url, where="base_url").rstrip("/")
        self.client_id = client_id
        self.__secret = client_secret
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.on_state = on_state
        self.rng = rng or random.Random()
        self.state = UNKNOWN
        self.skipped: list[dict[str, Any]] = []  # extensions of a type pbxdesk does not model
        self.token_fetches = 0
        self.account_id: int | None = None  # the numeric client id, from GET /user/
        self._token: str | None = None
        self._token_renew_at = 0.0
        self._token_lock = asyncio.Lock()
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"User-Agent": "pbxdesk", "Accept": "application/json"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:  # never the secret or the token
        return f"PbxClient(base_url={self.base_url!r}, client_id={self.client_id!r}, state={self.state!r})"

    async def __aenter__(self) -> PbxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def offline(self) -> bool:
        return self.state == OFFLINE

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            log.info("PBX API %s: %s", self.base_url, state)
            if self.on_state is not None:
                self.on_state(state)

    # -- token ----------------------------------------------------------------------------------
    def forget_token(self) -> None:
        self._token = None
        self._token_renew_at = 0.0

    async def _get_token(self, *, force: bool = False) -> str:
        async with self._token_lock:
            if not force and self._token is not None and time.monotonic() < self._token_renew_at:
                return self._token
            data = {
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.__secret,
                "scope": "all",
            }
            resp = await self._send("POST", self.base_url + api.TOKEN_PATH, "signing in", data=data)
            if resp.status_code != 200:
                raise self._error(resp, "signing in")
            try:
                body = resp.json()
                token = str(body["access_token"])
                expires_in = float(body.get("expires_in") or 3600)
            except (ValueError, KeyError, TypeError):
                raise PbxApiError("signing in: the PBX answered without an access token") from None
            margin = min(api.TOKEN_REFRESH_MARGIN_S, expires_in * api.TOKEN_REFRESH_FRACTION)
            self._token = token
            self._token_renew_at = time.monotonic() + max(0.0, expires_in - margin)
            self.token_fetches += 1
            return token

    # -- transport --------------------------------------------------------------------------------
    async def _send(self, method: str, url: str, what: str, **kw: Any) -> httpx.Response:
        """One request with 429/5xx retries; OfflineError when the PBX cannot be reached."""
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = await self._http.request(method, url, **kw)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                self._set_state(OFFLINE)
                raise OfflineError(
                    f"{what}: cannot reach the PBX at {self.base_url} ({_reason(exc)}); "
                    "check the network and the API address"
                ) from None
            except httpx.TimeoutException:
                self._set_state(OFFLINE)
                raise OfflineError(f"{what}: the PBX at {self.base_url} did not answer in time") from None
            except httpx.TransportError as exc:
                self._set_state(OFFLINE)
                raise OfflineError(f"{what}: the connection to the PBX failed ({_reason(exc)})") from None
            self._set_state(ONLINE)
            status = resp.status_code
            if attempt > self.retries:
                return resp
            if status == 429:
                delay = parse_retry_after(resp.headers.get("retry-after"))
                if delay is None:
                    delay = self._backoff(attempt)
                if delay > self.max_retry_after:
                    return resp  # the caller reports it with the wait the PBX asked for
                log.info("%s: rate limited, retrying in %.1f s", what, delay)
                await asyncio.sleep(delay)
                continue
            if status in _RETRY_5XX and (method in _IDEMPOTENT or status == 503):
                delay = self._backoff(attempt)
                ra = parse_retry_after(resp.headers.get("retry-after")) if status == 503 else None
                if ra is not None:
                    delay = min(ra, self.max_retry_after)
                log.info("%s: HTTP %s, retrying in %.2f s", what, status, delay)
                await asyncio.sleep(delay)
                continue
            return resp

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, backoff * 2^(attempt-1)], capped."""
        return self.rng.uniform(0, min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))

    def _error(self, resp: httpx.Response, what: str) -> PbxApiError:
        try:
            body: Any = resp.json()
        except ValueError:
            body = resp.text
        err = message_for_status(resp.status_code, what, api.error_message(body))
        if isinstance(err, RateLimitedError):
            err.retry_after = parse_retry_after(resp.headers.get("retry-after"))
            if err.retry_after is not None:
                err.message = f"{err.message} (the PBX asks to wait {err.retry_after:.0f} s)"
                err.args = (err.message,)
        return err

    async def request(
        self, method: str, path: str, what: str, *, json: Any = None, params: Any = None
    ) -> Any:
        """An authorised API call; the decoded JSON answer (None when empty)."""
        url = self.base_url + api.API_PREFIX + path
        token = await self._get_token()
        for renewed in (False, True):
            resp = await self._send(
                method, url, what, json=json, params=params, headers={"Authorization": f"Bearer {token}"}
            )
            if resp.status_code == 401 and not renewed:
                log.info("%s: token refused, signing in again", what)
                token = await self._get_token(force=True)
                continue
            break
        if resp.status_code >= 400:
            raise self._error(resp, what)
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise PbxApiError(f"{what}: the PBX answered something that is not JSON") from None

    async def client_path(self, rest: str) -> str:
        """``/client/<numeric client id>/<rest>``: the id comes from ``GET /user/`` (asked once)."""
        if self.account_id is None:
            data = await self.request("GET", api.USER_PATH, "reading the account (GET /user/)")
            try:
                self.account_id = int(data["client_id"])
            except (KeyError, TypeError, ValueError):
                raise PbxApiError(
                    "the PBX's /user/ answer has no client_id: the API application must belong to a "
                    "client-level user"
                ) from None
        return f"/client/{self.account_id}/{rest}"

    # -- extensions -------------------------------------------------------------------------------
    async def list_extensions(self, *, type: ExtensionType | str | None = None) -> list[Extension]:
        params = {"type": str(ExtensionType(str(type)).value)} if type is not None else None
        path = await self.client_path("extension/")
        data = await self.request("GET", path, "listing extensions", params=params)
        out: list[Extension] = []
        self.skipped = []
        for item in _items(data):
            try:
                out.append(api.extension_from_json(item))
            except (KeyError, ValueError, TypeError):
                self.skipped.append(item)  # e.g. a type pbxdesk does not model
        if self.skipped:
            log.warning("skipped %d extensions of types pbxdesk does not model", len(self.skipped))
        return out

    async def get_extension(self, ext: int | str) -> Extension:
        ref = api.extension_ref(ext)
        data = await self.request("GET", f"/extension/{ref}/", f"extension {ref}")
        return _parse(api.extension_from_json, data, f"extension {ref}")

    async def push_extension(self, ext: Extension) -> Extension:
        """Create a local extension on the account: its short name, type and the resource's
        fields a user edits (what the extension dialog and sync push)."""
        return await self.create_extension(
            ext.short,
            ext.type,
            label=ext.label,
            status=ext.status,
            caller_id_name=ext.caller_id_name,
            extension_group_id=ext.extension_group_id,
            extra_params=ext.extra_params,
        )

    async def create_extension(
        self,
        name: str,
        type: ExtensionType | str,
        *,
        label: str = "",
        status: ExtensionStatus | str = ExtensionStatus.ACTIVE,
        caller_id_name: str = "",
        extension_group_id: int | None = None,
        extra_params: str | None = None,
    ) -> Extension:
        body: dict[str, Any] = {
            "name": name,
            "type": ExtensionType(str(type)).value,
            "label": label,
            "status": ExtensionStatus(str(status)).value,
        }
        if caller_id_name:
            body["caller_id_name"] = caller_id_name
        if extension_group_id is not None:
            body["extension_group_id"] = extension_group_id
        if extra_params is not None:
            body["extra_params"] = extra_params
        path = await self.client_path("extension/")
        data = await self.request("POST", path, f"creating extension {name}", json=body)
        return _parse(api.extension_from_json, data, f"extension {name}")

    async def update_extension(self, ext: int | str, **changes: Any) -> Extension:
        allowed = set(api.EXTENSION_API_FIELDS) - {"id"}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise ValidationError(f"the API cannot change {unknown[0]!r} of an extension", where="extension")
        body = {k: (v.value if hasattr(v, "value") else v) for k, v in changes.items()}
        ref = api.extension_ref(ext)
        data = await self.request("PUT", f"/extension/{ref}/", f"updating extension {ref}", json=body)
        return _parse(api.extension_from_json, data, f"extension {ref}")

    async def delete_extension(self, ext: int | str) -> None:
        ref = api.extension_ref(ext)
        await self.request("DELETE", f"/extension/{ref}/", f"deleting extension {ref}")

    # -- event subscriptions ----------------------------------------------------------------------
    async def _ext_id(self, ext: int | str) -> int:
        if isinstance(ext, int) and not isinstance(ext, bool):
            return ext
        ref = api.extension_ref(ext)
        return int(ref) if ref.isdigit() else (await self.get_extension(ref)).id

    async def list_subscriptions(self, ext: int | str) -> list[Subscription]:
        ext_id = await self._ext_id(ext)
        data = await self.request(
            "GET", f"/extension/{ext_id}/event/", f"subscriptions of extension {ext_id}"
        )
        return [
            _parse(lambda d: api.subscription_from_json(ext_id, d), i, "subscription") for i in _items(data)
        ]

    async def get_subscription(self, ext: int | str, sub_id: int) -> Subscription:
        ext_id = await self._ext_id(ext)
        what = f"subscription {sub_id} of extension {ext_id}"
        data = await self.request("GET", f"/extension/{ext_id}/event/{int(sub_id)}/", what)
        return _parse(lambda d: api.subscription_from_json(ext_id, d), data, what)

    async def create_subscription(
        self, ext: int | str, event_type: EventType | str, url: str, method: HttpMethod | str = HttpMethod.GET
    ) -> Subscription:
        body = _sub_body(event_type, url, method)
        ext_id = await self._ext_id(ext)
        what = f"subscribing extension {ext_id} to {body['event_type']}"
        data = await self.request("POST", f"/extension/{ext_id}/event/", what, json=body)
        return _parse(lambda d: api.subscription_from_json(ext_id, d), data, what)

    async def update_subscription(
        self,
        ext: int | str,
        sub_id: int,
        *,
        event_type: EventType | str,
        url: str,
        method: HttpMethod | str,
    ) -> Subscription:
        body = _sub_body(event_type, url, method)
        ext_id = await self._ext_id(ext)
        what = f"updating subscription {sub_id} of extension {ext_id}"
        data = await self.request("PUT", f"/extension/{ext_id}/event/{int(sub_id)}/", what, json=body)
        return _parse(lambda d: api.subscription_from_json(ext_id, d), data, what)

    async def delete_subscription(self, ext: int | str, sub_id: int) -> None:
        ext_id = await self._ext_id(ext)
        what = f"removing subscription {sub_id} of extension {ext_id}"
        await self.request("DELETE", f"/extension/{ext_id}/event/{int(sub_id)}/", what)

    # -- calls and limits -------------------------------------------------------------------------
    async def callback(
        self,
        ext: int | str,
        dst_num: str,
        src_num: Sequence[str] | str,
        *,
        caller_id_name: str | None = None,
    ) -> CallbackResult:
        """Ask the PBX to ring ``src_num`` and then connect it to ``dst_num``."""
        srcs = [src_num] if isinstance(src_num, str) else list(src_num)
        if not dst_num or not srcs:
            raise ValidationError("a callback needs dst_num and at least one src_num", where="callback")
        body: dict[str, Any] = {"dst_num": str(dst_num), "src_num": [str(s) for s in srcs]}
        if caller_id_name:
            body["caller_id_name"] = caller_id_name
        ref = api.extension_ref(ext)
        data = await self.request("POST", f"/extension/{ref}/callback/", f"callback from {ref}", json=body)
        return CallbackResult(data if isinstance(data, dict) else {})

    async def limits(self) -> Limits:
        path = await self.client_path(api.LIMITS_PATH.split("{client_id}/", 1)[1])
        data = await self.request("GET", path, "reading the account's limits")
        raw = data if isinstance(data, dict) else {}
        limit = None
        for key in api.SUBSCRIPTION_LIMIT_KEYS:
            value = raw.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                limit = int(value)
                break
        return Limits(subscriptions=limit, raw=raw)


def _sub_body(event_type: EventType | str, url: str, method: HttpMethod | str) -> dict[str, str]:
    return {
        "url": validate_url(url),
        "method": parse_method(method).value,
        "event_type": parse_event_type(event_type).value,
    }


def _items(data: Any) -> list[dict[str, Any]]:
    """A list answer, bare or wrapped (``{"items": [...]}``, ``{"results": [...]}``)."""
    if isinstance(data, dict):
        for key in ("items", "results", "data", "objects"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list):
        raise PbxApiError("the PBX answered a list request with something that is not a list")
    return [d for d in data if isinstance(d, dict)]


def _parse(fn: Callable[[Any], Any], data: Any, what: str) -> Any:
    if not isinstance(data, dict):
        raise PbxApiError(f"{what}: the PBX's answer is not an object")
    try:
        return fn(data)
    except (KeyError, ValueError, TypeError) as exc:
        raise PbxApiError(f"{what}: the PBX's answer is malformed ({type(exc).__name__}: {exc})") from None


def _reason(exc: BaseException) -> str:
    """What happened, the way a user says it (connection refused, DNS failure, timeout...)."""
    reason = classify_error(exc)
    return reason if reason != type(exc).__name__ else (str(exc) or reason)[:120]


__all__ = [
    "OFFLINE",
    "ONLINE",
    "AuthError",
    "CallbackResult",
    "Limits",
    "OfflineError",
    "PbxClient",
]
