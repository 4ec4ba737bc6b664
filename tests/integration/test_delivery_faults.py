"""The fault matrix: what a subscriber can do wrong, through both HTTP clients, over real sockets.

Each test delivers one call (dial-in, answer, hangup) to one subscriber URL, through three
subscriptions (one per event type, as a profile has them). The subscriber misbehaves on the
dial-in only, as the test scripts it, and answers the rest 200. Each test then checks:

- the attempts rows (n, status code, error class) and the final state of every delivery
  (delivered / failed after every attempt / pending a retry);
- nothing lost: every delivery the engine created has its row, its attempts numbered 1..n,
  and a result reported for each attempt;
- per-call order: the answer and hangup reach the subscriber only after the dial-in's last
  attempt ended (and not at all while it waits for a retry).

Status-code faults come from an aiohttp server; protocol faults (a reset, a slow drip) from a
raw asyncio server that writes the bytes itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp import web

from pbxdesk.domain import EventType, HttpMethod, Subscription

CALL = "c-fault"
TYPES = ("dial-in", "answer", "hangup")


@dataclass
class Hit:
    event_type: str
    path: str
    query: str
    arrived: float  # time.time(): comparable with the attempts' µs timestamps


# -- an aiohttp subscriber that follows a script -----------------------------------------------


@dataclass
class Scripted:
    """``plan[event_type]``: the answers to that event's successive requests (the last repeats).

    An answer is ("status", code, headers, body), ("hang",), ("big", n_bytes) or
    ("redirect", code); anything unplanned gets 200 "ok". ``/target`` always answers 200.
    """

    plan: dict[str, list[tuple]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    port: int = 0
    _seen: Counter = field(default_factory=Counter)
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    def url(self, path: str = "/hook?myid=175") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def of(self, event_type: str, path: str = "/hook") -> list[Hit]:
        return [h for h in self.hits if h.event_type == event_type and h.path == path]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        et = request.query.get("EventType", "")
        self.hits.append(Hit(et, request.path, request.query_string, time.time()))
        if request.path == "/target":
            return web.Response(text="moved ok\n")
        answers = self.plan.get(et)
        n = self._seen[et]
        self._seen[et] += 1
        action = answers[min(n, len(answers) - 1)] if answers else ("status", 200, {}, b"ok\n")
        kind = action[0]
        if kind == "status":
            return web.Response(status=action[1], headers=action[2], body=action[3])
        if kind == "hang":
            await self._release.wait()  # until the test ends: the client must give up
            return web.Response(text="too late\n")
        if kind == "big":
            resp = web.StreamResponse()
            resp.content_length = action[1]
            await resp.prepare(request)
            chunk = b"x" * 65536
            with contextlib.suppress(ConnectionError, RuntimeError):
                for _ in range(action[1] // len(chunk)):
                    await resp.write(chunk)
            return resp
        if kind == "redirect":
            return web.Response(status=action[1], headers={"Location": f"/target?{request.query_string}"})
        raise AssertionError(f"unknown action {action!r}")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def scripted():
    server = Scripted()
    await server.start()
    yield server
    await server.stop()


# -- a raw subscriber for protocol faults ------------------------------------------------------


@dataclass
class RawServer:
    """Speaks HTTP/1.1 by hand. ``plan[event_type]``: "rst" (headers and part of the body, then
    a TCP reset), "fin" (the same, then a normal close), "drip" (a byte every 0.1 s) or "ok"."""

    plan: dict[str, list[str]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    port: int = 0
    _seen: Counter = field(default_factory=Counter)
    _server: asyncio.Server | None = None
    _conns: set[asyncio.Task] = field(default_factory=set)

    def url(self, path: str = "/hook?myid=175") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def of(self, event_type: str, path: str = "/hook") -> list[Hit]:
        return [h for h in self.hits if h.event_type == event_type and h.path == path]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._conns.add(asyncio.current_task())
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                _method, target, _version = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ln)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                parts = urlsplit(target)
                form = dict(parse_qsl(parts.query or body.decode("latin-1")))
                et = form.get("EventType", "")
                self.hits.append(Hit(et, parts.path, parts.query, time.time()))
                answers = self.plan.get(et)
                n = self._seen[et]
                self._seen[et] += 1
                action = answers[min(n, len(answers) - 1)] if answers else "ok"
                if action == "ok":
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"
                    )
                    await writer.drain()
                    continue
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\npartial"
                )
                await writer.drain()
                if action == "drip":
                    for _ in range(93):
                        await asyncio.sleep(0.1)
                        writer.write(b".")
                        await writer.drain()
                    return
                await asyncio.sleep(0.05)  # the client has the status line and headers
                if action == "rst":
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                assert action == "fin", action
                writer.close()
                return
        except (ConnectionError, OSError):
            return
        finally:
            self._conns.discard(asyncio.current_task())
            writer.transport.abort()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._conns):
            task.cancel()
        await asyncio.gather(*self._conns, return_exceptions=True)


@pytest.fixture
async def raw_server():
    server = RawServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(params=["httpx", "aiohttp"])
def http_client(request) -> str:
    return request.param


# -- the checks every fault test makes ---------------------------------------------------------


def _subs(url: str) -> list[Subscription]:
    return [Subscription(175, EventType(t), HttpMethod.GET, url, id=i) for i, t in enumerate(TYPES, 1)]


async def _deliver_call(
    outbox, call_events, url: str, http_client: str, *, horizon: float | None = None, **policy
):
    box = await outbox(_subs(url), http_client=http_client, **policy)
    for ev in call_events(CALL, types=TYPES):
        box.engine.submit(ev)
    if horizon is None:
        assert await box.settle(timeout=20), "the outbox never emptied"
    else:
        assert not await box.settle(timeout=20, until_due_within=horizon)
    return box


async def _check(box, expected: dict[str, tuple[str, list[tuple]]]) -> dict[str, dict]:
    """``expected[event_type] = (final state, [(n, status_code, error), ...])``; checks nothing was
    lost and the per-call order; returns each delivery's row and attempts by event type."""
    rows = await box.rows(
        "SELECT d.id, e.event_type, d.state, d.attempts, d.status_code, d.error, d.next_attempt_at, "
        "d.response_body FROM deliveries d JOIN events e ON e.id = d.event_id ORDER BY d.id"
    )
    attempts = await box.rows(
        "SELECT delivery_id, n, status_code, error, started_at, finished_at, response_body, "
        "response_truncated FROM attempts ORDER BY delivery_id, n"
    )
    # Nothing lost: one row per delivery the engine made, ids 1..n, every attempt recorded.
    assert [r[0] for r in rows] == list(range(1, box.engine.stats.deliveries + 1))
    assert [r[1] for r in rows] == list(TYPES)
    assert len(attempts) == box.engine.stats.attempts == len(box.results)
    out: dict[str, dict] = {}
    for d_id, et, state, n_attempts, status, error, next_at, summary in rows:
        mine = [a for a in attempts if a[0] == d_id]
        assert [a[1] for a in mine] == list(range(1, n_attempts + 1))
        got = [(a[1], a[2], a[3]) for a in mine]
        assert (state, got) == expected[et], f"{et}: {state} {got}"
        if mine:  # the delivery row repeats its last attempt's outcome
            assert (status, error) == mine[-1][2:4]
        assert (state == "pending" and n_attempts > 0) == (next_at is not None)
        reported = [r for r in box.results if r.id == d_id]
        assert [(r.attempt, r.status_code, r.error) for r in reported] == got
        out[et] = {"state": state, "attempts": mine, "next_attempt_at": next_at, "summary": summary}
    # Order: an event's attempts only start once the call's earlier event has finished.
    for earlier, later in zip(TYPES, TYPES[1:], strict=False):
        if out[earlier]["attempts"] and out[later]["attempts"]:
            assert out[later]["attempts"][0][4] >= out[earlier]["attempts"][-1][5]
        if out[earlier]["state"] == "pending":
            assert out[later]["state"] == "pending" and not out[later]["attempts"]
    return out


def _check_arrivals(server, out: dict[str, dict]) -> None:
    """The subscriber's view of the order: every dial-in request came before the answer's..."""
    hits = [h for h in server.hits if h.path == "/hook"]
    seen = [h.event_type for h in hits]
    assert seen == sorted(seen, key=TYPES.index), seen
    last_dial_in_end = out["dial-in"]["attempts"][-1][5] / 1e6
    for h in hits:
        if h.event_type != "dial-in":
            assert h.arrived >= last_dial_in_end - 0.002  # sent after the dial-in ended
    for et in ("answer", "hangup"):
        assert len(server.of(et)) == len(out[et]["attempts"])  # each attempt reached it once


OK = (200, None)


def _ok_once() -> list[tuple]:
    return [(1, *OK)]


# -- the matrix --------------------------------------------------------------------------------


async def test_500_is_retried_until_delivered(scripted, outbox, call_events, http_client) -> None:
    scripted.plan["dial-in"] = [("status", 500, {}, b"boom\n")] * 2 + [("status", 200, {}, b"ok\n")]
    box = await _deliver_call(outbox, call_events, scripted.url(), http_client)
    err = "non-2xx status"
    out = await _check(
        box,
        {
            "dial-in": ("delivered", [(1, 500, err), (2, 500, err), (3, 200, None)]),
            "answer": ("delivered", _ok_once()),
            "hangup": ("delivered", _ok_once()),
        },
    )
    _check_arrivals(scripted, out)
    assert [a[6] for a in out["dial-in"]["attempts"]] == [b"boom\n", b"boom\n", b"ok\n"]
    # The schedule's delays (0.05 s, then 0.1 s) separate the attempts.
    starts = [a[4] for a in out["dial-in"]["attempts"]]
    ends = [a[5] for a in out["dial-in"]["attempts"]]
    assert starts[1] - ends[0] >= 45_000 and starts[2] - ends[1] >= 95_000


async def test_503_retry_after_is_honoured(scripted, outbox, call_events, http_client) -> None:
    scripted.plan["dial-in"] = [
        ("status", 503, {"Retry-After": "1"}, b"later\n"),
        ("status", 200, {}, b"ok\n"),
    ]
    box = await _deliver_call(outbox, call_events, scripted.url(), http_client)
    out = await _check(
        box,
        {
            "dial-in": ("delivered", [(1, 503, "non-2xx status"), (2, 200, None)]),
            "answer": ("delivered", _ok_once()),
            "hangup": ("delivered", _ok_once()),
        },
    )
    _check_arrivals(scripted, out)
    first, second = scripted.of("dial-in")
    # The schedule says 0.05 s; the subscriber asked for 1 s, and got it.
    assert second.arrived - first.arrived >= 0.95
    [retrying] = [r for r in box.results if r.state == "pending"]
    assert 0.95e6 <= retrying.next_attempt_at - retrying.finished_at <= 1.05e6


async def test_retry_after_is_ignored_when_the_policy_says_so(
    scripted, outbox, call_events, http_client
) -> None:
    scripted.plan["dial-in"] = [
        ("status", 503, {"Retry-After": "30"}, b"later\n"),
        ("status", 200, {}, b"ok\n"),
    ]
    box = await _deliver_call(outbox, call_events, scripted.url(), http_client, honour_retry_after=False)
    out = await _check(
        box,
        {
            "dial-in": ("delivered", [(1, 503, "non-2xx status"), (2, 200, None)]),
            "answer": ("delivered", _ok_once()),
            "hangup": ("delivered", _ok_once()),
        },
    )
    _check_arrivals(scripted, out)
    first, second = scripted.of("dial-in")
    assert second.arrived - first.arrived < 5  # the schedule's 0.05 s, not the asked 30 s


async def test_404_fails_after_every_attempt(scripted, outbox, call_events, http_client) -> None:
    scripted.plan["dial-in"] = [("status", 404, {}, b"no such handler\n")]
    box = await _deliver_call(outbox, call_events, scripted.url(), http_client)
    err = "non-2xx status"
    out = await _check(
        box,
        {
            "dial-in": ("failed", [(1, 404, err), (2, 404, err), (3, 404, err)]),
            "answer": ("delivered", _ok_once()),
            "hangup": ("delivered", _ok_once()),
        },
    )
    _check_arrivals(scripted, out)
    assert out["dial-in"]["summary"] == "no such handler\n"
    assert (box.engine.stats.failed, box.engine.stats.delivered) == (1, 2)


async def test_429_retry_after_leaves_a_pending_retry(scripted, outbox, call_events, http_client) -> None:
    scripted.plan["dial-in"] = [("status", 429, {"Retry-After": "30"}, b"slow down\n")]
    # The run does not wait for a retry 30 s away: wait_idle returns, the outbox keeps it.
    t0 = time.monotonic()
    box = await _deliver_call(outbox, call_events, scripted.url(), http_client, horizon=5.0)
    assert time.monotonic() - t0 < 4
    out = await _check(
        box,
        {
            "dial-in": ("pending", [(1, 429, "non-2xx status")]),
            "answer": ("pending", []),  # waits behind the dial-in: never overtakes it
            "hangup": ("pending", []),
        },
    )
    assert [h.event_type for h in scripted.hits] == ["dial-in"]
    finished = out["dial-in"]["attempts"][0][5]
    assert 29.9e6 <= out["dial-in"]["next_attempt_at"] - finished <= 30.1e6  # not the schedule's 0.05 s
    assert box.engine.open_count == 3
    assert [d.id for d in box.engine.retrying()] == [1]


async def test_hang_past_the_timeout_is_a_timeout(scripted, outbox, call_events, http_client) -> None:
    scripted.plan["dial-in"] = [("hang",), ("status", 200, {}, b"ok\n")]
    box = await _deliver_call(outbox, call_events, scripted.url(), http_client, timeout=0.3)
    out = await _check(
        box,
        {
            "dial-in": ("delivered", [(1, None, "timeout"), (2, 200, None)]),
            "answer": ("delivered", _ok_once()),
            "hangup": ("delivered", _ok_once()),
        },
    )
    _check_arrivals(scripted, out)
    timed_out = out["dial-in"]["attempts"][0]
    assert 0.25e6 <= timed_out[5] - timed_out[4] <= 1.5e6


async def test_connection_refused(closed_port, outbox, call_events, http_client) -> None:
    box = await _deliver_call(outbox, call_events, f"http://127.0.0.1:{closed_port}/hook", http_client)
    refused = [(n, None, "connection refused") for n in (1, 2, 3)]
    await _check(box, {et: ("failed", refused) for et in TYPES})
    assert box.engine.stats.failed == 3


@pytest.mark.parametrize("close", ["rst", "fin"])
async def test_connection_reset_mid_response(raw_server, outbox, call_events, http_client, close) -> None:
    """The subscriber sends its status line and headers, then resets (RST) or closes (FIN)
    the connection before the body it announced is complete."""
    raw_server.plan["dial-in"] = [close]
    box = await _deliver_call(outbox, call_events, raw_server.url(), http_client)
    reset = [(n, 200, "connection reset") for n in (1, 2, 3)]
    out = await _check(
        box,
        {
            "dial-in": ("failed", reset),
            "answer": ("delivered", _ok_once()),
            "hangup": ("delivered", _ok_once()),
        },
    )
    _check_arrivals(raw_server, out)
    assert len(raw_server.of("dial-in")) == 3


async def test_slow_drip_is_a_timeout(raw_server, outbox, call_events, http_client) -> None:
    """A byte every 0.1 s: each read is quick, but the whole answer takes longer than the
    0.5 s timeout allows."""
    raw_server.plan["dial-in"] = ["drip", "drip", "ok"]
    box = await _deliver_call(outbox, call_events, raw_server.url(), http_client)
    out = await _check(
        box,
        {
            "dial-in": ("delivered", [(1, 200, "timeout"), (2, 200, "timeout"), (3, 200, None)]),
            "answer": ("delivered", _ok_once()),
            "hangup": ("delivered", _ok_once()),
        },
    )
    _check_arrivals(raw_server, out)
    for a in out["dial-in"]["attempts"][:2]:
        assert 0.45e6 <= a[5] - a[4] <= 1.5e6  # ended by the total timeout, not the drip's end
        assert a[6].startswith(b"partial")  # what had come is kept


async def test_10_mb_answer_is_body_too_large(scripted, outbox, call_events, http_client) -> None:
    scripted.plan["dial-in"] = [("big", 10 * 1024 * 1024)]
    keep = 10_000
    box = await _deliver_call(
        outbox,
        call_events,
        scripted.url(),
        http_client,
        max_response_bytes=1024 * 1024,
        keep_response_bytes=keep,
    )
    too_large = [(n, 200, "body too large") for n in (1, 2, 3)]
    out = await _check(
        box,
        {
            "dial-in": ("failed", too_large),
            "answer": ("delivered", _ok_once()),
            "hangup": ("delivered", _ok_once()),
        },
    )
    _check_arrivals(scripted, out)
    for a in out["dial-in"]["attempts"]:
        assert (a[6], a[7]) == (b"x" * keep, 1)  # only the first keep_response_bytes, marked truncated
    assert out["dial-in"]["summary"] == "x" * 4096
    assert [(a[6], a[7]) for a in out["answer"]["attempts"]] == [(b"ok\n", 0)]


async def test_redirect_is_not_followed_by_default(scripted, outbox, call_events, http_client) -> None:
    scripted.plan["dial-in"] = [("redirect", 302)]
    box = await _deliver_call(outbox, call_events, scripted.url(), http_client)
    moved = [(n, 302, "non-2xx status") for n in (1, 2, 3)]
    out = await _check(
        box,
        {
            "dial-in": ("failed", moved),
            "answer": ("delivered", _ok_once()),
            "hangup": ("delivered", _ok_once()),
        },
    )
    _check_arrivals(scripted, out)
    assert scripted.of("dial-in", "/target") == []


async def test_redirect_is_followed_when_the_policy_says_so(
    scripted, outbox, call_events, http_client
) -> None:
    scripted.plan["dial-in"] = [("redirect", 302)]
    box = await _deliver_call(outbox, call_events, scripted.url(), http_client, follow_redirects=True)
    out = await _check(
        box,
        {
            "dial-in": ("delivered", _ok_once()),  # the status recorded is the target's
            "answer": ("delivered", _ok_once()),
            "hangup": ("delivered", _ok_once()),
        },
    )
    _check_arrivals(scripted, out)
    [hook] = scripted.of("dial-in")
    [target] = scripted.of("dial-in", "/target")
    assert target.query == hook.query  # the whole event arrived at the target
    assert target.arrived >= hook.arrived
    assert out["dial-in"]["attempts"][0][6] == b"moved ok\n"
