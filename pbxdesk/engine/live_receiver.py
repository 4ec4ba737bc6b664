"""The live receiver: the real PBX's webhooks into pbxdesk, in the app's own asyncio loop.

An aiohttp server (127.0.0.1 by default) that accepts the PBX's event requests (GET: the
fields in the query; POST: a form body) on ``/<token>/<extension id>``; the random token is
required (403 without it), so only the PBX, which was given the URL, gets in. Each request is

1. refused with a reason if it must be (wrong token 403, method 405, body over the limit 413);
2. stored raw first (``raw_requests``, through the profile's writer; its commit is awaited
   before the PBX gets its answer, so an acknowledged request is never lost);
3. normalised into an EventData: unknown fields kept in ``extra``, values that do not parse
   (a non-numeric time, an unknown CallStatus) kept verbatim in ``extra`` too;
4. answered 200 and handed to the DeliveryEngine (``submit(ev, source="live")``), which
   relays it to the profile's local subscriptions (e.g. a handler on localhost).

A request that is not an event (unknown EventType, required fields missing, no extension in
the URL) is stored and flagged, and not relayed. Non-UTF-8 bytes are decoded with U+FFFD,
flagged, and the event still relayed.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hmac
import ipaddress
import json
import logging
import secrets
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from pbxdesk.domain import CallFlow, CallStatus, EventData, EventType, Subscription
from pbxdesk.domain.models import ATTR_BY_WIRE
from pbxdesk.engine.defaults import DEFAULT_LIVE_PORT
from pbxdesk.engine.outbox import DeliveryEngine, DeliveryListener, EventListener, engine_for_profile, now_us
from pbxdesk.engine.policy import DeliveryPolicy
from pbxdesk.logs import add_secret, forget_secret, quiet_protocol_errors
from pbxdesk.store.committer import NEW_ROW, UPDATE
from pbxdesk.store.profile import Profile
from pbxdesk.store.writer import BatchWriter

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
MAX_FIELDS = 1000
COMMIT_TIMEOUT_S = 10.0
REQUIRED_FIELDS = ("EventType", "CallID", "EventTime")
_REDACTED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_ATTR_BY_WIRE = ATTR_BY_WIRE
_INT_ATTRS = frozenset({"caller_extension_id", "called_extension_id", "event_time", "duration"})
_ENUM_ATTRS: dict[str, type] = {"call_status": CallStatus, "call_flow": CallFlow}
_MAX_INT_DIGITS = 18  # fits SQLite's 64-bit integers

_INSERT_RAW = (
    "INSERT INTO raw_requests (id, received_at, remote, method, path, query, headers, body, event_id, flag) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)"
)
_UPDATE_RAW = "UPDATE raw_requests SET event_id = ?, flag = ? WHERE id = ?"


def _clean(text: str) -> str:
    """Text SQLite and the relay can encode: lone surrogates (from odd bytes) escaped."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _canonical_int(value: str) -> bool:
    return (
        value.isascii()
        and value.isdigit()
        and len(value) <= _MAX_INT_DIGITS
        and (value == "0" or not value.startswith("0"))
    )


def parse_form(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``application/x-www-form-urlencoded`` pairs in wire order, and notes on what was odd."""
    notes: list[str] = []
    kw: dict[str, Any] = {"keep_blank_values": True, "max_num_fields": MAX_FIELDS, "encoding": "utf-8"}
    try:
        try:
            pairs = parse_qsl(text, errors="strict", **kw)
        except UnicodeDecodeError:
            notes.append("non-UTF-8 bytes in the fields (shown as U+FFFD)")
            pairs = parse_qsl(text, errors="replace", **kw)
    except ValueError:
        notes.append(f"more than {MAX_FIELDS} fields")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")[:MAX_FIELDS]
    return [(_clean(k), _clean(v)) for k, v in pairs], notes


def normalise(
    pairs: Iterable[tuple[str, str]], extension_id: int | None
) -> tuple[EventData | None, list[str]]:
    """An EventData from the fields the PBX sent, or None and why it is not an event.

    Nothing is dropped: fields pbxdesk does not know, and known ones whose value does not
    parse, go to ``extra`` verbatim. A repeated field keeps its first value (the raw request
    keeps them all).
    """
    known: dict[str, Any] = {}
    extra: dict[str, str] = {}
    seen: set[str] = set()
    for key, value in pairs:
        if key in seen:
            continue
        seen.add(key)
        attr = _ATTR_BY_WIRE.get(key)
        if attr is None:
            extra[key] = value
        elif attr == "event_type":
            known[attr] = value
        elif attr in _INT_ATTRS:
            if _canonical_int(value):
                known[attr] = int(value)
            else:
                extra[key] = value
        elif attr in _ENUM_ATTRS:
            try:
                known[attr] = _ENUM_ATTRS[attr](value)
            except ValueError:
                extra[key] = value
        else:
            known[attr] = value
    problems: list[str] = []
    missing = [
        w for w in REQUIRED_FIELDS if w not in seen or (w != "EventTime" and not known.get(_ATTR_BY_WIRE[w]))
    ]
    if missing:
        problems.append(f"required fields missing: {', '.join(missing)}")
    raw_type = known.get("event_type")
    if raw_type:
        try:
            known["event_type"] = EventType(raw_type)
        except ValueError:
            problems.append(f"unknown EventType {raw_type[:60]!r}")
    if "EventTime" in seen and "event_time" not in known:
        problems.append(f"EventTime {extra.get('EventTime', '')[:40]!r} is not microseconds since the epoch")
    if extension_id is None:
        problems.append("the URL does not name the extension (expected /<token>/<extension id>)")
    if problems:
        return None, problems
    assert extension_id is not None
    return EventData(extension_id=extension_id, extra=extra, **known), []


@dataclass(frozen=True, slots=True)
class LiveRequest:
    """One stored request, for the UI: what it became (``event_id``) or why not (``flag``)."""

    raw_id: int
    received_at: int
    method: str
    extension_id: int | None
    event_id: int | None
    flag: str | None
    event: EventData | None


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LiveReceiver:
    """The embedded HTTP server the real PBX calls. ``start()`` in the app's loop."""

    def __init__(
        self,
        engine: DeliveryEngine,
        writer: BatchWriter,
        *,
        profile_path: Path | None = None,
        token: str | None = None,
        max_body: int = MAX_BODY_BYTES,
        durable: bool = True,
        on_request: Callable[[LiveRequest], None] | None = None,
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.profile_path = profile_path if profile_path is not None else writer.path
        self.token = token or secrets.token_urlsafe(24)
        if len(self.token) < 16 or not all(c.isalnum() or c in "-_" for c in self.token):
            raise ValueError("the receiver token must be at least 16 URL-safe characters")
        self.max_body = max_body
        self.durable = durable
        self.on_request = on_request
        self.stats: collections.Counter[str] = collections.Counter()
        self.host = "127.0.0.1"
        self.port = 0
        self.warning: str | None = None
        self._next_raw_id = 1
        self._runner: web.AppRunner | None = None

    # -- lifecycle --------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._next_raw_id = await asyncio.to_thread(self._max_raw_id) + 1
        # Malformed requests: one line each, a few a minute, never their target (the token).
        quiet_protocol_errors()
        add_secret(self.token)  # and whoever logs it, the file never holds it
        app = web.Application(client_max_size=self.max_body)
        app.router.add_route("*", r"/{tail:[\s\S]*}", self._handle)  # any path, newlines included
        self._runner = web.AppRunner(app, access_log=None)  # an access log would hold the token
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.host = host
        self.port = self._runner.addresses[0][1]
        self.warning = None
        if not is_loopback(host):
            self.warning = (
                f"The live receiver listens on {host}:{self.port}, reachable from other machines. "
                "It accepts only requests whose path carries its secret token; keep the URL private."
            )
            log.warning(self.warning)
        log.info("live receiver on %s:%s", host, self.port)
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        forget_secret(self.token)

    def _max_raw_id(self) -> int:
        conn = sqlite3.connect(self.profile_path, timeout=5.0)
        try:
            return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM raw_requests").fetchone()[0])
        finally:
            conn.close()

    def url_for(self, extension_id: int, public_url: str | None = None) -> str:
        """The URL to subscribe at the PBX for ``extension_id``'s events (it holds the token)."""
        base = (public_url or self.base_url).rstrip("/")
        return f"{base}/{self.token}/{int(extension_id)}"

    def masked(self, url: str) -> str:
        """``url`` fit to show or log: the token replaced."""
        return url.replace(self.token, "<token>")

    def relay_subscriptions(self, subscriptions: Iterable[Subscription]) -> list[Subscription]:
        """The profile's subscriptions minus any pointing back at this receiver (a loop)."""
        return [s for s in subscriptions if self.token not in s.url]

    # -- one request ------------------------------------------------------------------------------
    def _refuse(self, status: int, reason: str) -> web.Response:
        self.stats[f"refused {status}"] += 1
        return web.Response(status=status, text=reason + "\n")

    def _locate(self, path: str) -> tuple[bool, int | None]:
        """(token present, the extension id after it)."""
        parts = [p for p in path.split("/") if p]
        for i, part in enumerate(parts):
            if hmac.compare_digest(part.encode("utf-8", "backslashreplace"), self.token.encode()):
                rest = parts[i + 1 :]
                if len(rest) == 1 and _canonical_int(rest[0]):
                    return True, int(rest[0])
                return True, None
        return False, None

    async def _handle(self, request: web.Request) -> web.Response:
        ok, extension_id = self._locate(request.path)
        if not ok:
            return self._refuse(403, "forbidden: the URL's token is missing or wrong")
        if request.method not in ("GET", "POST"):
            return self._refuse(405, f"method {request.method} not allowed: the PBX sends GET or POST")
        try:  # aiohttp stops reading at client_max_size (the app's), a chunk past the limit
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._refuse(413, f"request body over the {self.max_body} byte limit")
        raw_id = self._next_raw_id
        self._next_raw_id += 1
        received_at = now_us()
        raw_query = request.rel_url.raw_query_string
        headers = {
            _clean(k): ("<redacted>" if k.lower() in _REDACTED_HEADERS else _clean(v))
            for k, v in request.headers.items()
        }
        self.writer.execute(
            _INSERT_RAW,
            (
                raw_id,
                received_at,
                _clean(request.remote or ""),
                request.method,
                _clean(self.masked(request.raw_path.split("?", 1)[0])),
                _clean(self.masked(raw_query)),
                json.dumps(headers),
                body,
            ),
            kind=NEW_ROW,
        )
        self.stats["stored"] += 1
        event_id: int | None = None
        ev: EventData | None = None
        try:
            ev, notes = self._normalise(request.method, raw_query, body, extension_id)
            if ev is not None:
                event_id = self.engine.submit(ev, source="live")
        except Exception as exc:  # a bug must not lose the request: it is stored already
            log.exception("live request %s could not be read", raw_id)
            ev, notes = None, [f"could not be read ({type(exc).__name__})"]
        flag = "; ".join(notes) or None
        if event_id is not None or flag:
            self.writer.execute(_UPDATE_RAW, (event_id, flag, raw_id), kind=UPDATE)
        if event_id is not None:
            self.stats["relayed"] += 1
        if flag:
            self.stats["flagged"] += 1
        if self.durable and not await self._committed():
            self.stats["not stored"] += 1
            return web.Response(status=503, text="could not store the request; try again\n")
        if self.on_request is not None:
            self.on_request(
                LiveRequest(raw_id, received_at, request.method, extension_id, event_id, flag, ev)
            )
        if event_id is None:
            return web.Response(text=f"stored, not relayed: {flag}\n")
        return web.Response(text="ok\n")

    def _normalise(
        self, method: str, raw_query: str, body: bytes, extension_id: int | None
    ) -> tuple[EventData | None, list[str]]:
        notes: list[str] = []
        if method == "GET":
            text = raw_query
        else:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = body.decode("utf-8", "replace")
                notes.append("non-UTF-8 bytes in the body (shown as U+FFFD)")
        pairs, parse_notes = parse_form(text)
        for note in parse_notes:
            if note not in notes and not (note.startswith("non-UTF-8") and notes):
                notes.append(note)
        ev, problems = normalise(pairs, extension_id)
        return ev, problems + notes

    async def _committed(self) -> bool:
        """Wait until everything queued so far (this request's row) is committed."""
        if self.writer.error is not None:
            return False
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()

        def _set() -> None:
            if not fut.done():
                fut.set_result(None)

        self.writer.on_commit(lambda: loop.call_soon_threadsafe(_set))
        try:
            await asyncio.wait_for(fut, COMMIT_TIMEOUT_S)
        except TimeoutError:
            return False
        return True


class LiveSession:
    """Receiver + writer + delivery engine on one profile, for the CLI and headless use.

    The GUI, which already has a writer and an engine on the profile (FeedSession), builds a
    LiveReceiver on those instead: one engine per profile keeps event ids unique.
    """

    def __init__(
        self,
        profile: Profile,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_LIVE_PORT,
        token: str | None = None,
        on_event: EventListener | None = None,
        on_delivery: DeliveryListener | None = None,
        on_request: Callable[[LiveRequest], None] | None = None,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.profile = profile
        self.host = host
        self.port = port
        self.token = token
        self.on_event = on_event
        self.on_delivery = on_delivery
        self.on_request = on_request
        self.policy = policy
        self.writer: BatchWriter | None = None
        self.engine: DeliveryEngine | None = None
        self.receiver: LiveReceiver | None = None

    async def open(self) -> LiveReceiver:
        self.writer = BatchWriter(self.profile.path)
        self.engine = engine_for_profile(
            self.profile,
            self.writer,
            subscriptions=(),
            policy=self.policy,
            on_event=self.on_event,
            on_delivery=self.on_delivery,
        )
        self.receiver = LiveReceiver(self.engine, self.writer, token=self.token, on_request=self.on_request)
        self.refresh_subscriptions()
        await self.engine.start(resume=True)
        try:
            await self.receiver.start(self.host, self.port)
        except BaseException:
            await self.close()
            raise
        return self.receiver

    def refresh_subscriptions(self) -> None:
        """Take the profile's subscriptions again (after an edit or a pull)."""
        if self.engine is not None and self.receiver is not None:
            self.engine.set_subscriptions(self.receiver.relay_subscriptions(self.profile.subscriptions()))

    async def close(self) -> None:
        if self.receiver is not None:
            await self.receiver.stop()
        if self.engine is not None:
            await self.engine.stop()
        if self.writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.writer.flush)
            await asyncio.to_thread(self.writer.close)
            self.writer = None
