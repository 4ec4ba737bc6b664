"""A feed session: the simulated feed playing into the engine, for the GUI (Qt-free)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from pbxdesk.domain import PbxDeskError
from pbxdesk.engine.clock import now_us
from pbxdesk.engine.demo import DEMO_PBX, DEMO_RECEIVER_PORT, demo_subscriptions, demo_traffic
from pbxdesk.engine.demo_receiver import DemoReceiver
from pbxdesk.engine.headless import check_calls
from pbxdesk.engine.outbox import DeliveryEngine, DeliveryListener, EventListener, engine_for_profile
from pbxdesk.engine.run import FeedPlayer
from pbxdesk.engine.scenario import PbxSettings, Scenario
from pbxdesk.engine.simulator import CallSimulator, Plan, event_stream
from pbxdesk.engine.traffic import scenario_plans
from pbxdesk.store.profile import Profile
from pbxdesk.store.writer import BatchWriter

log = logging.getLogger(__name__)

RECEIVER_PORT_SETTING = "demo_receiver_port"
# The same setting's name before the receiver was called the demo receiver: a saved port is
# moved to the new name the first time it is read (receiver_port), then the old key is gone.
OLD_RECEIVER_PORT_SETTING = "test_receiver_port"
RECEIVER_KEEP = 1000  # requests the app's built-in receiver remembers


def receiver_port(profile: Profile) -> int:
    """The port of the profile's demo receiver (its saved setting, else the default)."""
    old = profile.get_setting(OLD_RECEIVER_PORT_SETTING)
    if old is not None:
        if profile.get_setting(RECEIVER_PORT_SETTING) is None:
            profile.set_setting(RECEIVER_PORT_SETTING, old)
        profile.delete_setting(OLD_RECEIVER_PORT_SETTING)
    return int(profile.get_setting(RECEIVER_PORT_SETTING, DEMO_RECEIVER_PORT))


def ensure_demo(profile: Profile) -> None:
    """Give an empty profile the demo PBX, its subscriptions on the built-in receiver."""
    if not profile.is_empty():
        return
    port = receiver_port(profile)
    from pbxdesk.engine.demo import DEMO_EXTENSIONS

    profile.replace_config(DEMO_EXTENSIONS, demo_subscriptions(f"http://127.0.0.1:{port}"))
    profile.set_setting(RECEIVER_PORT_SETTING, port)
    profile.set_setting("pbx", {"client_prefix": DEMO_PBX.client_prefix, "domain": DEMO_PBX.domain})


class FeedSession:
    """Owns the built-in receiver, the profile writer, the delivery engine and the feed player.

    The engine lives as long as the session (deliveries retry while the feed is stopped);
    the feed can be started, paused and stopped any number of times.
    """

    def __init__(self, profile: Profile, *, on_event: EventListener, on_delivery: DeliveryListener) -> None:
        self.profile = profile
        self.on_event = on_event
        self.on_delivery = on_delivery
        # The window shows the receiver's count, not its requests: the last 1,000 are plenty to
        # look at (bench/soak.py: 10,000 kept, ~25 MB, took four minutes at 50 events/s to fill).
        self.receiver = DemoReceiver(keep=RECEIVER_KEEP)
        self.receiver_error: str | None = None
        self.writer: BatchWriter | None = None
        self.engine: DeliveryEngine | None = None
        self.player: FeedPlayer | None = None
        self.resumed = 0
        self._task: asyncio.Task[object] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def open(self) -> None:
        """Start the demo receiver and the engine (picking up the profile's open deliveries)."""
        port = receiver_port(self.profile)
        try:
            await self.receiver.start("127.0.0.1", port)
        except OSError as exc:
            self.receiver_error = f"demo receiver could not listen on 127.0.0.1:{port} ({exc.strerror})"
            log.warning(self.receiver_error)
        self.writer = BatchWriter(self.profile.path)
        self.engine = engine_for_profile(
            self.profile, self.writer, on_event=self.on_event, on_delivery=self.on_delivery
        )
        self.resumed = await self.engine.start(resume=True)

    def start(
        self, plans: Iterable[Plan] | None = None, *, speed: float = 1.0, scenario: Scenario | None = None
    ) -> None:
        """Play the demo traffic (or ``plans``) on the profile's PBX, or a scenario file's
        calls on the scenario's own PBX and subscriptions (as `pbxdesk run` does)."""
        if self.running:
            return
        if self.engine is None:
            raise PbxDeskError("the session is not open yet")
        if scenario is not None:
            check_calls(scenario)
            self.engine.set_subscriptions(scenario.subscriptions, phone_ids=scenario.phone_ids())
            self.engine.names.update({e.id: e.name for e in scenario.extensions})
            base = now_us()
            sim = CallSimulator(scenario.pbx, scenario.extensions)
            stream = event_stream(sim, scenario_plans(scenario, sim.seed), base)
            self.player = FeedPlayer(stream, self.engine, base_us=base, speed=speed)
            self._task = asyncio.ensure_future(self._play(self.player))
            return
        pbx_raw = self.profile.get_setting("pbx", {}) or {}
        pbx = PbxSettings(
            client_prefix=pbx_raw.get("client_prefix", "000"),
            domain=pbx_raw.get("domain", "sip.example.test"),
        )
        extensions = self.profile.extensions()
        if not extensions:
            raise PbxDeskError("this profile has no extensions: add one, or create a demo profile")
        self.engine.set_subscriptions(self.profile.subscriptions())
        self.engine.names.update({e.id: e.name for e in extensions})
        base = now_us()
        sim = CallSimulator(pbx, extensions)  # no seed: every start gives new ids
        stream = event_stream(sim, plans if plans is not None else demo_traffic(seed=base), base)
        self.player = FeedPlayer(stream, self.engine, base_us=base, speed=speed)
        self._task = asyncio.ensure_future(self._play(self.player))

    async def _play(self, player: FeedPlayer) -> object:
        try:
            return await player.play()
        except Exception:
            log.exception("the feed stopped on an error")
            raise

    def pause(self, paused: bool) -> None:
        if self.player is not None:
            self.player.pause(paused)

    async def stop(self) -> None:
        if self.player is not None:
            self.player.stop()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def close(self) -> None:
        await self.stop()
        if self.engine is not None:
            await self.engine.stop()
        await self.receiver.stop()
        if self.writer is not None:
            await asyncio.to_thread(self.writer.close)
            self.writer = None
