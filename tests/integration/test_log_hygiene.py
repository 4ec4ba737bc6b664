"""Thousands of malformed requests at the live receiver: the log never holds its token.

aiohttp logs every request it cannot parse ("Error handling request", with a traceback, and a
BadHttpMessage quotes the request line: the live receiver's secret token). Raw bytes over TCP
here (an HTTP client would not send them): bad methods, versions, targets, headers, lengths,
chunking, bodies cut short, random bytes. Afterwards pbxdesk.log holds 0 copies of the token,
no traceback, and a few lines: one line per error, a few a minute, and a count of the rest.
"""

from __future__ import annotations

import asyncio
import logging
import random
from pathlib import Path

import httpx

from pbxdesk.engine.live_receiver import LiveSession
from pbxdesk.logs import PROTOCOL_LINES_PER_MINUTE, ProtocolErrorFilter, file_handler, quiet_protocol_errors
from pbxdesk.store.profile import Profile

TOKEN = "hygiene-token-0123456789abcdef"
REQUESTS = 3000
LOG_LIMIT_BYTES = 8_000


def _malformed(rng: random.Random, n: int) -> bytes:
    target = f"/{TOKEN}/175?EventType=dial-in&CallID=c-{n}"
    valid = f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    kinds = [
        f"GET {target} HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n".encode(),
        f"G\x00T {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
        f"GET {target} HTTP/9.9\r\nHost: x\r\n\r\n".encode(),
        f"GET {target}\x01\x7f HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
        f"GET {target} HTTP/1.1\r\nBad Header Line\r\n\r\n".encode(),
        f"GET {target}{'a' * 9000} HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
        f"POST {target} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nboom\r\n".encode(),
        f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab".encode(),
        f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\ncut short".encode(),
        f"{TOKEN} {TOKEN} {TOKEN}\r\n\r\n".encode(),
        bytes(b if rng.random() > 0.05 else rng.randrange(256) for b in valid),
    ]
    return kinds[n % len(kinds)]


async def _send(data: bytes, port: int, cut: bool) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return
    try:
        writer.write(data)
        await writer.drain()
        if cut:  # the client hangs up mid-request
            writer.close()
            return
        await asyncio.wait_for(reader.read(4096), 2.0)
    except (OSError, TimeoutError):
        pass
    finally:
        writer.close()


async def test_a_fuzz_of_malformed_requests_leaves_no_token_and_a_small_log(tmp_path: Path) -> None:
    log_path = tmp_path / "pbxdesk.log"
    handler = file_handler(log_path)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    quiet_protocol_errors()
    profile = Profile.open(tmp_path / "live.sqlite")
    session = LiveSession(profile, port=0, token=TOKEN)
    try:
        receiver = await session.open()
        rng = random.Random(18)
        sem = asyncio.Semaphore(40)

        async def one(n: int) -> None:
            async with sem:
                await _send(_malformed(rng, n), receiver.port, cut=n % 17 == 0)

        await asyncio.wait_for(asyncio.gather(*(one(n) for n in range(REQUESTS))), 120)
        async with httpx.AsyncClient() as client:  # it still serves the PBX
            ok = await client.get(receiver.url_for(175), params={"EventType": "dial-in", "CallID": "c-ok"})
        assert ok.status_code == 200
    finally:
        await session.close()
        profile.close()
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()
    text = log_path.read_text(encoding="utf-8")
    print(f"\nlog after {REQUESTS} malformed requests: {len(text)} bytes, {text.count(chr(10))} lines")
    assert TOKEN not in text
    assert "Traceback" not in text
    protocol_lines = [line for line in text.splitlines() if "protocol error from" in line]
    assert 1 <= len(protocol_lines) <= PROTOCOL_LINES_PER_MINUTE * 3  # the run may cross minutes
    assert len(text.encode()) < LOG_LIMIT_BYTES


def test_the_rest_are_counted_when_the_next_minute_logs_again() -> None:
    now = [0.0]
    f = ProtocolErrorFilter(per_window=2, window_s=60.0, clock=lambda: now[0])
    from aiohttp.http_exceptions import BadStatusLine

    def record() -> logging.LogRecord:
        exc = BadStatusLine(f"GET /{TOKEN}/175 HTTP/9.9")
        args = ("127.0.0.1",)
        exc_info = (BadStatusLine, exc, None)
        return logging.LogRecord(
            "aiohttp.server", logging.ERROR, __file__, 1, "Error handling request from %s", args, exc_info
        )

    kept = [r for r in (record() for _ in range(10)) if f.filter(r)]
    assert len(kept) == 2
    assert all(TOKEN not in r.getMessage() and r.exc_info is None for r in kept)
    now[0] = 61.0
    later = record()
    assert f.filter(later) and "8 more not logged" in later.getMessage()
