"""The app's demo receiver: a built-in webhook receiver for trying subscriptions out without a
CRM of one's own (the demo profile's subscriptions and the shipped scenarios point at it).

It answers every request at once and remembers the last ones. A path segment chooses the
answer, so demos and tests can show failures: ``/status/503`` answers 503, ``/flaky``
answers 500 one time in five (deterministically, every fifth request).
"""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass

from aiohttp import web

from pbxdesk.logs import quiet_protocol_errors


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    method: str
    path_qs: str
    query: dict[str, str]
    body: bytes
    received_at: float


class DemoReceiver:
    def __init__(self, keep: int = 10_000) -> None:
        self.requests: collections.deque[ReceivedRequest] = collections.deque(maxlen=keep)
        self.count = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.host = "127.0.0.1"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.count += 1
        self.requests.append(
            ReceivedRequest(request.method, request.path_qs, dict(request.query), body, time.time())
        )
        parts = request.path.strip("/").split("/")
        if len(parts) >= 2 and parts[-2] == "status" and parts[-1].isdigit():
            return web.Response(status=int(parts[-1]), text=f"status {parts[-1]} as asked\n")
        if parts and parts[-1] == "flaky" and self.count % 5 == 0:
            return web.Response(status=500, text="flaky endpoint failed this time\n")
        return web.Response(text="ok\n")

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        quiet_protocol_errors()  # a malformed request: one line, a few a minute, no traceback
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []  # an asyncio.Server once started
        self.host = host
        self.port = sockets[0].getsockname()[1] if sockets else port
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
