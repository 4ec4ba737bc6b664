"""What the emulated PBX knows of its calls: built from the events it actually sent.

Every event the emulator sends passes through ``CallLog.add`` at its time. A leg (one
SubCallID on one extension) is *current* from its dial-in/dial-out until its hangup; a call is
*finished* when none of its legs is current any more. Current calls, call history, CDR and
records are views of this log, so they say what the webhooks said (same CallID, upper-cased
in history; same times; results from the hangups' CallStatus).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from pbxdesk.domain import CallStatus, EventData, EventType, Extension
from pbxdesk.engine.clock import now_us

_STARTS = (EventType.DIAL_IN, EventType.DIAL_OUT)


def gmt(us: int | None) -> str | None:
    """µs since the epoch as the REST API writes times: ``YYYY-MM-DD HH:MM:SS`` UTC."""
    if us is None:
        return None
    return datetime.fromtimestamp(us / 1_000_000, UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(slots=True)
class Leg:
    first: EventData  # its dial-in or dial-out
    extension: Extension | None
    answer_us: int | None = None
    hangup: EventData | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.first.sub_call_id or self.first.call_id, self.first.extension_id)

    @property
    def status(self) -> CallStatus | None:
        return self.hangup.call_status if self.hangup is not None else None


@dataclass(slots=True)
class Call:
    call_id: str
    legs: list[Leg] = field(default_factory=list)
    finished_us: int | None = None
    # (EventTime, wall clock µs) of its latest event: its events carry the plan's times, played
    # at the emulator's speed, so "now" for this call is not the wall clock (see ``now``).
    clock: tuple[int, int] = (0, 0)

    def now(self, speed: float) -> int:
        """Now on the call's own clock, never before its latest event."""
        event_us, wall_us = self.clock
        return event_us + max(0, int((now_us() - wall_us) * speed))

    @property
    def first(self) -> EventData:
        return self.legs[0].first

    @property
    def current(self) -> list[Leg]:
        return [leg for leg in self.legs if leg.hangup is None]

    @property
    def answered(self) -> bool:
        return any(leg.answer_us is not None for leg in self.legs)


class CallLog:
    """Calls by CallID, their legs, and the ones finished (oldest first)."""

    def __init__(self, keep: int = 10_000) -> None:
        self.calls: dict[str, Call] = {}
        self.finished: dict[str, Call] = {}  # insertion order: when each finished
        self.cut: set[str] = set()  # calls hung up through the API: their planned events are dropped
        self.keep = keep

    def add(self, ev: EventData, ext: Extension | None) -> None:
        if ev.event_type not in (*_STARTS, EventType.ANSWER, EventType.HANGUP):
            return  # messages and voicemail: not calls
        call = self.calls.get(ev.call_id)
        if call is None:
            if ev.event_type not in _STARTS:
                return  # an answer or hangup of a call this log never saw start
            call = self.calls[ev.call_id] = Call(ev.call_id)
        call.clock = (max(ev.event_time, call.clock[0]), now_us())
        key = (ev.sub_call_id or ev.call_id, ev.extension_id)
        leg = next((g for g in call.legs if g.key == key), None)
        if ev.event_type in _STARTS:
            if leg is None:
                call.legs.append(Leg(ev, ext))
                if call.finished_us is not None:  # a late leg: the call goes on after all
                    call.finished_us = None
                    self.finished.pop(call.call_id, None)
            return
        if leg is None:
            return
        if ev.event_type is EventType.ANSWER:
            leg.answer_us = leg.answer_us or ev.event_time
            return
        leg.hangup = ev
        if not call.current:
            call.finished_us = ev.event_time
            self.finished[call.call_id] = call
            while len(self.finished) > self.keep:
                old = next(iter(self.finished))
                del self.finished[old]
                self.calls.pop(old, None)

    def current_legs(self) -> list[Leg]:
        return [leg for call in self.calls.values() for leg in call.current]

    def find_finished(self, call_uuid: str) -> Call | None:
        key = call_uuid.lower()
        return next((c for cid, c in self.finished.items() if cid.lower() == key), None)
