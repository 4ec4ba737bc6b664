"""The dispatcher: sends each event to the subscriptions of its extension and event type."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from pbxdesk.domain import EventData, EventType, Subscription
from pbxdesk.engine.request import WebhookRequest, build_request

RESPONSE_KEEP_BYTES = 4096
DEFAULT_TIMEOUT_S = 15.0


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What happened to one request to one subscriber."""

    id: int
    event_id: int
    subscription_id: int | None
    method: str
    url: str
    request_body: str
    status_code: int | None
    error: str | None
    latency_ms: float
    response_body: str
    started_at: int  # µs since the epoch
    finished_at: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def outcome(self) -> str:
        """Short text for a user: ``200``, ``503``, ``timeout``…"""
        if self.error:
            return self.error
        return str(self.status_code)

    def row(self) -> tuple[object, ...]:
        return (
            self.id,
            self.event_id,
            self.subscription_id,
            self.method,
            self.url,
            self.request_body,
            self.status_code,
            self.error,
            self.latency_ms,
            self.response_body,
            self.started_at,
            self.finished_at,
        )


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it was raised from: httpx wraps httpcore, which wraps anyio's
    "All connection attempts failed", which wraps the OS error that says what happened."""
    chain: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and node not in chain:
        chain.append(node)
        node = node.__cause__ or node.__context__
    return chain


def classify_error(exc: httpx.HTTPError) -> str:
    """An error class a user understands, from httpx's exception."""
    causes = _causes(exc)
    text = " ".join(str(c) for c in causes).lower()
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text or any(isinstance(c, ConnectionRefusedError) for c in causes):
            return "connection refused"
        if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
            return "DNS failure"
        if "ssl" in text or "certificate" in text:
            return "TLS error"
        return "connection failed"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "connection reset"
    if isinstance(exc, httpx.TooManyRedirects):
        return "too many redirects"
    return type(exc).__name__


def _now_us() -> int:
    return time.time_ns() // 1000


class Dispatcher:
    """Matches events to subscriptions and performs the HTTP requests (one per match)."""

    def __init__(
        self,
        subscriptions: Iterable[Subscription],
        *,
        target_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        concurrency: int = 64,
        first_delivery_id: int = 1,
    ) -> None:
        self.by_key: dict[tuple[int, EventType], list[Subscription]] = defaultdict(list)
        for sub in subscriptions:
            self.by_key[(sub.extension_id, sub.event_type)].append(sub)
        self.target_url = target_url
        self._sem = asyncio.Semaphore(concurrency)
        self._next_id = first_delivery_id
        self.client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={"User-Agent": "pbxdesk"},
        )

    def matching(self, ev: EventData) -> list[Subscription]:
        return self.by_key.get((ev.extension_id, ev.event_type), [])

    def request_for(self, sub: Subscription, ev: EventData) -> WebhookRequest:
        return build_request(sub.method, self.target_url or sub.url, ev.to_fields())

    async def deliver(self, event_id: int, ev: EventData) -> list[DeliveryResult]:
        subs = self.matching(ev)
        if not subs:
            return []
        return list(await asyncio.gather(*(self._send(event_id, s, ev) for s in subs)))

    async def _send(self, event_id: int, sub: Subscription, ev: EventData) -> DeliveryResult:
        req = self.request_for(sub, ev)
        delivery_id = self._next_id
        self._next_id += 1
        async with self._sem:
            started = _now_us()
            t0 = time.perf_counter()
            status: int | None = None
            error: str | None = None
            body = bytearray()
            try:
                async with self.client.stream(
                    req.method.value, req.url, content=req.body or None, headers=req.headers
                ) as resp:
                    status = resp.status_code
                    async for chunk in resp.aiter_raw():
                        body += chunk
                        if len(body) >= RESPONSE_KEEP_BYTES:
                            break
            except httpx.HTTPError as exc:
                error = classify_error(exc)
            latency = (time.perf_counter() - t0) * 1000.0
        return DeliveryResult(
            id=delivery_id,
            event_id=event_id,
            subscription_id=sub.id,
            method=req.method.value,
            url=req.url,
            request_body=req.body.decode("ascii"),
            status_code=status,
            error=error,
            latency_ms=round(latency, 3),
            response_body=bytes(body[:RESPONSE_KEEP_BYTES]).decode("utf-8", "replace"),
            started_at=started,
            finished_at=_now_us(),
        )

    async def aclose(self) -> None:
        await self.client.aclose()
