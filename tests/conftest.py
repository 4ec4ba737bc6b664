"""Shared fixtures: an isolated PBXDESK_HOME, real loopback HTTP servers, scenario files.

Nothing here mocks the network: every server is a real aiohttp server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from pbxdesk.engine.demo_receiver import DemoReceiver

# The seed's worked example: extension 000*099 (id 175, recording on) with three GET
# subscriptions to show.php?myid=175, and one call to 00010005 answered after 1 s, 2 s talk.
SEED_SCENARIO = """\
[pbx]
client_prefix = "000"
domain = "sip.example.test"
seed = 42

[[extensions]]
id = 175
name = "099"
type = "phone"
record = true

[[subscriptions]]
extension = 175
event_type = "dial-out"
method = "GET"
url = "{url}"

[[subscriptions]]
extension = 175
event_type = "answer"
method = "GET"
url = "{url}"

[[subscriptions]]
extension = 175
event_type = "hangup"
method = "GET"
url = "{url}"

[[calls]]
at = 0
from = "000*099"
to = "00010005"
answer_after = 1
talk = 2
"""


@pytest.fixture(autouse=True)
def pbxdesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data dir: nothing ever writes the user's real profiles/logs."""
    home = tmp_path / "pbxdesk-home"
    monkeypatch.setenv("PBXDESK_HOME", str(home))
    # Loopback servers must be reached directly, whatever proxy the machine has set.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return home


SEED_PATH = "/fordel/show.php?myid=175"


@pytest.fixture
def seed_scenario() -> Callable[..., str]:
    """The seed's scenario text with its subscriptions pointing at ``base`` + ``path``."""
    return lambda base, path=SEED_PATH: SEED_SCENARIO.format(url=base + path)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    return _free_port()


# -- a recording server that also keeps headers and can answer slowly or with any status ---


@dataclass
class Recorded:
    method: str
    path: str
    path_qs: str
    query: list[tuple[str, str]]  # in wire order, duplicates kept
    headers: dict[str, str]
    body: bytes
    arrived: float = field(default_factory=time.monotonic)


@dataclass
class Recorder:
    """An aiohttp server on 127.0.0.1 that records every request.

    ``respond`` decides the answer from the request: (status, body, delay in seconds).
    """

    respond: Callable[[Recorded], tuple[int, bytes, float]] = lambda _r: (200, b"ok\n", 0.0)
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.Response:
        rec = Recorded(
            method=request.method,
            path=request.path,
            path_qs=request.path_qs,
            query=list(request.query.items()),
            headers=dict(request.headers),
            body=await request.read(),
        )
        self.requests.append(rec)
        status, body, delay = self.respond(rec)
        if delay:
            await asyncio.sleep(delay)
        return web.Response(status=status, body=body)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def recorder():
    rec = Recorder()
    await rec.start()
    yield rec
    await rec.stop()


@pytest.fixture
async def receiver():
    """pbxdesk's own DemoReceiver, in the test's loop."""
    r = DemoReceiver()
    await r.start()
    yield r
    await r.stop()


class ThreadedReceiver:
    """A DemoReceiver in a thread with its own loop: for tests that block on a subprocess."""

    def __init__(self) -> None:
        self.receiver = DemoReceiver()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _call(self, coro: Awaitable[object]) -> object:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    def start(self) -> None:
        self._thread.start()
        self._call(self.receiver.start())

    def stop(self) -> None:
        self._call(self.receiver.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()

    @property
    def base_url(self) -> str:
        return self.receiver.base_url

    @property
    def requests(self) -> list:
        return list(self.receiver.requests)


@pytest.fixture
def threaded_receiver():
    r = ThreadedReceiver()
    r.start()
    yield r
    r.stop()


# -- the delivery engine on a real profile (the outbox tests) -----------------------------------

# The policy outbox tests use unless they say otherwise: three attempts close together, no
# jitter, a short timeout, small limits so ordering and concurrency really interleave.
FAST_POLICY = dict(
    schedule=(0.0, 0.05, 0.1), jitter=0.0, timeout=0.5, pause_after=0, max_concurrency=4, per_endpoint=4
)


@dataclass
class Outbox:
    """A DeliveryEngine writing into a real profile through a real BatchWriter."""

    engine: object  # DeliveryEngine
    writer: object  # BatchWriter
    path: Path
    results: list = field(default_factory=list)  # every DeliveryResult, in order
    _closed: bool = False

    async def flush(self) -> None:
        self.engine.hand_over()
        await asyncio.to_thread(self.writer.flush)

    async def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of ``sql`` once everything queued so far is committed."""
        import sqlite3

        await self.flush()
        conn = sqlite3.connect(self.path)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    async def settle(self, timeout: float = 15.0, **kw: object) -> bool:
        done = await self.engine.wait_idle(timeout, **kw)
        await self.flush()
        return done

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.engine.stop()
        await self.flush()
        self.writer.close()


@pytest.fixture
async def outbox(tmp_path: Path):
    """``await outbox(subscriptions, **policy)``: a started engine on a fresh profile file.

    Policy fields default to FAST_POLICY; ``path=`` reuses a profile, ``resume=`` is passed
    to start(); other engine keywords (target_url, first_event_id...) go to the engine.
    """
    from pbxdesk.engine.outbox import DeliveryEngine
    from pbxdesk.engine.policy import DeliveryPolicy
    from pbxdesk.store.profile import Profile
    from pbxdesk.store.writer import BatchWriter

    made: list[Outbox] = []
    policy_fields = set(DeliveryPolicy.__dataclass_fields__) - {"extra"}

    async def make(subscriptions, *, path: Path | None = None, resume: bool = False, **kw) -> Outbox:
        path = path or tmp_path / f"outbox-{len(made)}.sqlite"
        with Profile.open(path) as profile:
            ev_max, dl_max = profile.max_ids()
        policy = DeliveryPolicy(**{**FAST_POLICY, **{k: v for k, v in kw.items() if k in policy_fields}})
        policy.validate()
        engine_kw = {k: v for k, v in kw.items() if k not in policy_fields}
        engine_kw.setdefault("first_event_id", ev_max + 1)
        engine_kw.setdefault("first_delivery_id", dl_max + 1)
        writer = BatchWriter(path)
        box = Outbox(engine=None, writer=writer, path=path)
        box.engine = DeliveryEngine(
            subscriptions,
            policy=policy,
            writer=writer,
            profile_path=path,
            on_delivery=box.results.append,
            **engine_kw,
        )
        made.append(box)
        await box.engine.start(resume=resume)
        return box

    yield make
    for box in made:
        await box.close()


@pytest.fixture
def call_events() -> Callable[..., list]:
    """``call_events("c-1", ext=175, types=("dial-in", "answer", "hangup"))``: one call's events,
    a second apart, the way the PBX reports an answered incoming call."""
    from pbxdesk.domain import CallFlow, CallStatus, EventData, EventType

    status = {"dial-in": CallStatus.CALLING, "dial-out": CallStatus.CALLING,
              "answer": CallStatus.ANSWER, "hangup": CallStatus.ANSWER}  # fmt: skip

    def make(call_id: str, *, ext: int = 175, types=("dial-in", "answer", "hangup"), t0: int = 0) -> list:
        t0 = t0 or 1_700_000_000_000_000
        return [
            EventData(
                extension_id=ext,
                event_type=EventType(t),
                call_id=call_id,
                event_time=t0 + i * 1_000_000,
                sub_call_id=f"{call_id}-s",
                caller_id_num="+79817654321",
                call_status=status.get(t, CallStatus.ANSWER),
                call_flow=CallFlow.IN,
            )
            for i, t in enumerate(types)
        ]

    return make


@pytest.fixture
def fast_policy():
    """FAST_POLICY as a DeliveryPolicy; ``fast_policy.with_attempts(1)``, ``replace(...)`` for more."""
    from pbxdesk.engine.policy import DeliveryPolicy

    return DeliveryPolicy(**FAST_POLICY)
