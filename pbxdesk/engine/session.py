"""A feed session: the simulated feed playing into the engine, for the GUI (Qt-free)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from pbxdesk.domain import PbxDeskError
from pbxdesk.engine.demo import DEMO_PBX, DEMO_RECEIVER_PORT, demo_subscriptions, demo_traffic
from pbxdesk.engine.dispatcher import Dispatcher
from pbxdesk.engine.run import DeliveryListener, EngineRun, EventListener, event_stream, now_us
from pbxdesk.engine.scenario import CallPlan, PbxSettings
from pbxdesk.engine.simulator import CallSimulator
from pbxdesk.engine.test_receiver import TestReceiver
from pbxdesk.store.profile import Profile
from pbxdesk.store.writer import BatchWriter

log = logging.getLogger(__name__)

RECEIVER_PORT_SETTING = "test_receiver_port"


def ensure_demo(profile: Profile) -> None:
    """Give an empty profile the demo PBX, its subscriptions on the built-in receiver."""
    if not profile.is_empty():
        return
    port = profile.get_setting(RECEIVER_PORT_SETTING, DEMO_RECEIVER_PORT)
    from pbxdesk.engine.demo import DEMO_EXTENSIONS

    profile.replace_config(DEMO_EXTENSIONS, demo_subscriptions(f"http://127.0.0.1:{port}"))
    profile.set_setting(RECEIVER_PORT_SETTING, port)
    profile.set_setting("pbx", {"client_prefix": DEMO_PBX.client_prefix, "domain": DEMO_PBX.domain})


class FeedSession:
    """Owns the built-in receiver, the profile writer and one EngineRun at a time."""

    def __init__(self, profile: Profile, *, on_event: EventListener, on_delivery: DeliveryListener) -> None:
        self.profile = profile
        self.on_event = on_event
        self.on_delivery = on_delivery
        self.receiver = TestReceiver()
        self.receiver_error: str | None = None
        self.writer: BatchWriter | None = None
        self.run: EngineRun | None = None
        self._task: asyncio.Task[object] | None = None
        self._dispatcher: Dispatcher | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start_receiver(self) -> None:
        port = int(self.profile.get_setting(RECEIVER_PORT_SETTING, DEMO_RECEIVER_PORT))
        try:
            await self.receiver.start("127.0.0.1", port)
        except OSError as exc:
            self.receiver_error = f"test receiver could not listen on 127.0.0.1:{port} ({exc.strerror})"
            log.warning(self.receiver_error)

    def start(self, plans: Iterable[CallPlan] | None = None, *, speed: float = 1.0) -> None:
        if self.running:
            return
        pbx_raw = self.profile.get_setting("pbx", {}) or {}
        pbx = PbxSettings(
            client_prefix=pbx_raw.get("client_prefix", "000"),
            domain=pbx_raw.get("domain", "sip.example.test"),
        )
        extensions = self.profile.extensions()
        if not extensions:
            raise PbxDeskError("this profile has no extensions: add one, or create a demo profile")
        ev_max, dl_max = self.profile.max_ids()
        if self.writer is None:
            self.writer = BatchWriter(self.profile.path)
        self._dispatcher = Dispatcher(self.profile.subscriptions(), first_delivery_id=dl_max + 1)
        base = now_us()
        sim = CallSimulator(pbx, extensions, seed=base)
        stream = event_stream(sim, plans if plans is not None else demo_traffic(seed=base), base)
        self.run = EngineRun(
            stream,
            self._dispatcher,
            extensions,
            base_us=base,
            writer=self.writer,
            first_event_id=ev_max + 1,
            speed=speed,
            on_event=self.on_event,
            on_delivery=self.on_delivery,
        )
        self._task = asyncio.ensure_future(self._play(self.run, self._dispatcher))

    async def _play(self, run: EngineRun, dispatcher: Dispatcher) -> object:
        try:
            return await run.run()
        except Exception:
            log.exception("the feed stopped on an error")
            raise
        finally:
            await dispatcher.aclose()

    def pause(self, paused: bool) -> None:
        if self.run is not None:
            self.run.pause(paused)

    async def stop(self) -> None:
        if self.run is not None:
            self.run.stop()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def close(self) -> None:
        await self.stop()
        await self.receiver.stop()
        if self.writer is not None:
            await asyncio.to_thread(self.writer.close)
            self.writer = None
