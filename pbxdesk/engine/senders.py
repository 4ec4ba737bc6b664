"""One HTTP attempt, with the outcome classified the way a user thinks about it.

Two clients behind one interface: httpx (the project's client) and aiohttp. Each worker of
the delivery engine owns its own sender: httpx's shared connection pool slows down as
concurrency rises (its pool scans every waiting request on each change), so pools stay
small and private instead.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Protocol

import aiohttp
import httpx
import yarl

from pbxdesk.domain.wire import USER_AGENT, WebhookRequest
from pbxdesk.engine.clock import now_us
from pbxdesk.engine.policy import DeliveryPolicy, parse_retry_after
from pbxdesk.store.committer import compact_json

NON_2XX = "non-2xx status"
BODY_TOO_LARGE = "body too large"
URL_CACHE_SIZE = 1024
HEADERS_CACHE_SIZE = 256
READ_CHUNK = 65536


@dataclass(slots=True)
class AttemptOutcome:
    started_at: int  # µs since the epoch
    finished_at: int = 0
    latency_ms: float = 0.0
    status_code: int | None = None
    error: str | None = None  # timeout, connection refused, DNS failure, TLS error, ...
    error_detail: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    response_headers_json: str | None = None  # the same as JSON, when the sender has it at hand
    body: bytes = b""  # the first keep_response_bytes of the answer
    truncated: bool = False
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it was raised from: clients wrap the OS error that says what happened."""
    chain: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and node not in chain:
        chain.append(node)
        node = node.__cause__ or node.__context__
    return chain


def classify_error(exc: BaseException) -> str:
    """An error class a user understands, from whatever a client raised."""
    causes = _causes(exc)
    text = " ".join(str(c) for c in causes).lower()
    if any(isinstance(c, TimeoutError | asyncio.TimeoutError | httpx.TimeoutException) for c in causes):
        return "timeout"
    if any(isinstance(c, socket.gaierror) for c in causes) or "name or service not known" in text:
        return "DNS failure"
    if any(isinstance(c, ssl.SSLError | ssl.CertificateError) for c in causes) or "certificate" in text:
        return "TLS error"
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in text:
        return "connection refused"
    if any(isinstance(c, ConnectionResetError | BrokenPipeError) for c in causes):
        return "connection reset"
    # ClientPayloadError: aiohttp's name for a body cut short ("Response payload is not completed").
    cut_short = (
        httpx.RemoteProtocolError,
        httpx.ReadError,
        aiohttp.ServerDisconnectedError,
        aiohttp.ClientPayloadError,
    )
    if any(isinstance(c, cut_short) for c in causes) or (
        "disconnect" in text or "reset" in text or "incomplete" in text
    ):
        return "connection reset"
    if any(isinstance(c, httpx.ConnectError | aiohttp.ClientConnectorError) for c in causes):
        return "connection failed"
    return type(exc).__name__


class Sender(Protocol):
    async def send(self, req: WebhookRequest) -> AttemptOutcome: ...

    async def aclose(self) -> None: ...


class _Base:
    def __init__(self, policy: DeliveryPolicy) -> None:
        self.policy = policy

    def _finish(self, out: AttemptOutcome, t0: float) -> AttemptOutcome:
        out.latency_ms = round((time.perf_counter() - t0) * 1000.0, 3)
        out.finished_at = now_us()
        if out.error is None and out.status_code is not None and not 200 <= out.status_code < 300:
            out.error = NON_2XX
            if self.policy.honour_retry_after and out.status_code in (429, 503):
                out.retry_after = parse_retry_after(out.response_headers.get("retry-after"))
        return out

    def _take(self, out: AttemptOutcome, buf: bytearray, chunk: bytes, seen: int) -> int:
        """Keep the start of the answer; returns how many bytes were seen in all."""
        keep = self.policy.keep_response_bytes
        if len(buf) < keep:
            buf += chunk[: keep - len(buf)]
        seen += len(chunk)
        if seen > keep:
            out.truncated = True
        return seen


class HttpxSender(_Base):
    def __init__(self, policy: DeliveryPolicy) -> None:
        super().__init__(policy)
        self.client = httpx.AsyncClient(
            timeout=policy.timeout,
            follow_redirects=policy.follow_redirects,
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=8),
            headers={"User-Agent": USER_AGENT},
            trust_env=False,
            # The PBX sends no cookies: a jar that accepts none (from any domain).
            cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
        )

    async def send(self, req: WebhookRequest) -> AttemptOutcome:
        out = AttemptOutcome(started_at=now_us())
        t0 = time.perf_counter()
        buf = bytearray()
        try:
            async with asyncio.timeout(self.policy.timeout):  # a slow drip ends too
                async with self.client.stream(
                    req.method.value, req.url, content=req.body or None, headers=req.headers
                ) as resp:
                    out.status_code = resp.status_code
                    out.response_headers = {k.lower(): v for k, v in resp.headers.items()}
                    seen = 0
                    async for chunk in resp.aiter_raw():
                        seen = self._take(out, buf, chunk, seen)
                        if seen > self.policy.max_response_bytes:
                            out.error = BODY_TOO_LARGE
                            break
        except (httpx.HTTPError, OSError, TimeoutError) as exc:
            out.error = classify_error(exc)
            out.error_detail = str(exc)[:500] or type(exc).__name__
        out.body = bytes(buf)
        return self._finish(out, t0)

    async def aclose(self) -> None:
        await self.client.aclose()


class AiohttpSender(_Base):
    def __init__(self, policy: DeliveryPolicy, pool_size: int = 8) -> None:
        super().__init__(policy)
        self.pool_size = pool_size
        self.session: aiohttp.ClientSession | None = None
        # A parsed URL per subscriber URL: parsing it on every attempt showed in profiles.
        self._urls: dict[str, yarl.URL] = {}
        # A subscriber answers with the same headers (Date aside, once a second): each raw
        # header block's dict and JSON are made once.
        self._headers: dict[tuple[tuple[bytes, bytes], ...], tuple[dict[str, str], str]] = {}

    def _headers_of(self, resp: aiohttp.ClientResponse) -> tuple[dict[str, str], str]:
        raw = resp.raw_headers
        known = self._headers.get(raw)
        if known is None:
            if len(self._headers) >= HEADERS_CACHE_SIZE:
                self._headers.clear()
            headers = {k.lower(): v for k, v in resp.headers.items()}
            known = self._headers[raw] = (headers, compact_json(headers))
        return known

    def _url(self, url: str) -> yarl.URL:
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= URL_CACHE_SIZE:  # GET URLs carry each event's query
                self._urls.clear()
            # encoded=True: send the query exactly as built, byte for byte.
            parsed = self._urls[url] = yarl.URL(url, encoded=True)
        return parsed

    async def send(self, req: WebhookRequest) -> AttemptOutcome:
        if self.session is None:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.pool_size),
                headers={"User-Agent": USER_AGENT},
                auto_decompress=False,
                # The PBX sends no cookies: one a subscriber sets must not ride on later deliveries.
                cookie_jar=aiohttp.DummyCookieJar(),
                # aiohttp's own deadline covers connecting, sending and reading the whole
                # answer (a slow drip ends too), with one timer instead of a second one.
                timeout=aiohttp.ClientTimeout(total=self.policy.timeout),
            )
        out = AttemptOutcome(started_at=now_us())
        t0 = time.perf_counter()
        buf = bytearray()
        try:
            async with self.session.request(
                req.method.value,
                self._url(req.url),
                data=req.body or None,
                headers=req.headers,
                allow_redirects=self.policy.follow_redirects,
            ) as resp:
                out.status_code = resp.status
                out.response_headers, out.response_headers_json = self._headers_of(resp)
                seen = 0
                content = resp.content
                while chunk := await content.read(READ_CHUNK):
                    seen = self._take(out, buf, chunk, seen)
                    if seen > self.policy.max_response_bytes:
                        out.error = BODY_TOO_LARGE
                        break
                    if content.at_eof():  # a short answer arrives whole: no read just to see the end
                        break
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            out.error = classify_error(exc)
            out.error_detail = str(exc)[:500] or type(exc).__name__
        out.body = bytes(buf)
        return self._finish(out, t0)

    async def aclose(self) -> None:
        if self.session is not None:
            await self.session.close()


def make_senders(policy: DeliveryPolicy, workers: int) -> list[Sender]:
    """A sender per worker. aiohttp's pool stays fast under concurrency, so its workers share
    one session; httpx's slows down as requests wait on it, so each worker gets its own."""
    if policy.http_client == "aiohttp":
        shared = AiohttpSender(policy, pool_size=workers)
        return [shared] * workers
    return [HttpxSender(policy) for _ in range(workers)]
