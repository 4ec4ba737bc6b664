"""The call simulator: turns call plans into the events the PBX would send.

The model: a call (one ``CallID``) is a tree of legs (one ``SubCallID`` each). The root leg
runs from the caller to the number dialled; routing adds child legs (an ivr handing the
caller on, a queue ringing its agents, an incoming-call rule forwarding outside). Each
extension taking part in a leg does so in a role (see ``pbxdesk.domain.rules``), and the
rules turn (extension type, role, phase) into events. First the plan decides who answers
and when; then every leg gets its start, answer and end times; then the views are emitted.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pbxdesk.domain import (
    AgentStatus,
    CallFlow,
    CallStatus,
    EventData,
    EventType,
    Extension,
    ExtensionType,
    FeedEvent,
    ValidationError,
)
from pbxdesk.domain.assumptions import DEFAULT_RING_SECONDS, outside_number
from pbxdesk.domain.feeds import agent_change, status_change
from pbxdesk.domain.ids import call_api_id, hex_id, sub_call_id
from pbxdesk.domain.rules import (
    Phase,
    Role,
    answers_at_once,
    call_flow,
    carries_transfered,
    event_for,
    is_self_call,
    receives_messages,
    reports_bridged,
)
from pbxdesk.engine.scenario import (
    AgentChangePlan,
    CallbackPlan,
    CallPlan,
    MessagePlan,
    PbxSettings,
    ReplayPlan,
    StatusChangePlan,
)

Plan = CallPlan | CallbackPlan | MessagePlan | ReplayPlan | StatusChangePlan | AgentChangePlan
Event = EventData | FeedEvent  # what a plan gives: a call's events, or a feed's

US = 1_000_000


@dataclass(slots=True)
class _View:
    ext: Extension
    role: Role
    hex: str  # this party's SubCallID is "<extension id>-<hex>"
    end: int | None = None  # when this party left a leg that goes on (a blind transfer)

    @property
    def sub_call_id(self) -> str:
        return sub_call_id(self.ext.id, self.hex)


@dataclass(slots=True)
class _Leg:
    index: int
    start: int  # µs from the call's start
    called_number: str
    called_ext: Extension | None
    parent: _Leg | None
    views: list[_View] = field(default_factory=list)
    answer: int | None = None
    end: int | None = None
    status: CallStatus | None = None
    reached: str = ""  # who this leg rings: an extension name or an outside number
    window_end: int | None = None  # sequential queues: when this agent's turn ends
    remote_number: str | None = None  # a transferred call: the external party
    via: Extension | None = None  # the nearest ivr or queue this leg was routed through


@dataclass(slots=True)
class _Call:
    call_id: str
    api_id: str
    caller: Extension | None
    caller_number: str
    did: str | None
    diversion: str | None = None
    legs: list[_Leg] = field(default_factory=list)
    candidates: list[_Leg] = field(default_factory=list)  # legs that ring a person or outside
    sequential: bool = False
    callback_id: str | None = None
    ends_after: int = 0  # the call lasts at least this long (a caller hanging up in an ivr menu)
    voicemail: tuple[Extension, int, int] | None = None  # (mailbox, time, message length µs)


class CallSimulator:
    """Simulates calls on one PBX. Deterministic: same plans and seed, same events."""

    def __init__(self, pbx: PbxSettings, extensions: Sequence[Extension], seed: int | None = None) -> None:
        self.pbx = pbx
        self.by_name = {e.name: e for e in extensions}
        self.by_did = {_did_digits(e.did): e for e in extensions if e.did}
        self.seed = run_seed(pbx, seed)
        self.rng = random.Random(self.seed)
        # The feeds fire on a real change only: what each phone's call status and each
        # agent's state is now (plans come in time order). Agents start available.
        self.call_status: dict[str, int | None] = {}
        self.agent_status: dict[str, AgentStatus] = {}

    # -- ids -------------------------------------------------------------------------------
    def _hex(self) -> str:
        return hex_id(self.rng.getrandbits(128))

    def _new_call(self, caller: Extension | None, caller_number: str, *, callback: bool = False) -> _Call:
        call_id = self._hex()
        return _Call(
            call_id=call_id,
            api_id=call_api_id(self.rng.randrange(10**9, 10**10), call_id, callback=callback),
            caller=caller,
            caller_number=caller_number if caller is not None else outside_number(caller_number),
            did=None,
            callback_id=call_id if callback else None,
        )

    def _view(self, ext: Extension, role: Role) -> _View:
        return _View(ext, role, self._hex())

    # -- resolving numbers -----------------------------------------------------------------
    def resolve(self, number: str) -> tuple[Extension | None, str | None]:
        """What a dialled number reaches: (extension or None for outside, DID used or None)."""
        if number in self.by_name:
            return self.by_name[number], None
        did = _did_digits(number)
        if did in self.by_did:
            return self.by_did[did], did
        full = f"{self.pbx.client_prefix}*{number}"
        if number.isdigit() and full in self.by_name:
            return self.by_name[full], None
        return None, None

    def address(self, ext: Extension) -> str:
        return f"{ext.name}@{ext.domain or self.pbx.domain}"  # an extension's own SIP domain first

    # -- building the leg tree --------------------------------------------------------------
    def _leg(
        self, call: _Call, start: int, number: str, callee: Extension | None, parent: _Leg | None
    ) -> _Leg:
        leg = _Leg(len(call.legs), start, number, callee, parent, via=parent.via if parent else None)
        call.legs.append(leg)
        return leg

    def _reach(self, call: _Call, leg: _Leg, ext: Extension | None, depth: int = 0) -> None:
        """Attach what happens when ``leg`` reaches ``ext`` (None: a number outside)."""
        if depth > 16:
            raise ValidationError(f"routing of {leg.called_number!r} does not end (a loop?)")
        if ext is None:
            leg.reached = leg.called_number
            call.candidates.append(leg)
            return
        if ext.forward_to:
            # ASSUMPTION(forward-before-ring): its only view of the call is the forward leg.
            fwd = self._leg(call, leg.start, ext.forward_to, None, leg)
            fwd.views.append(self._view(ext, Role.FORWARD))
            fwd.reached = ext.name
            fwd.window_end = leg.window_end  # a sequential queue's agent: forwarded for its turn only
            call.candidates.append(fwd)
            return
        leg.views.append(self._view(ext, Role.TARGET))
        if answers_at_once(ext.type):
            leg.answer = leg.start
        if ext.type is ExtensionType.IVR:
            if ext.route is None:
                # No route: the caller hears the menu and hangs up; nobody else is rung.
                call.ends_after = max(call.ends_after, leg.start + int(ext.menu_time * US))
                return
            target, _ = self.resolve(ext.route)
            nxt = self._leg(call, leg.start + int(ext.menu_time * US), ext.route, target, leg)
            nxt.via = ext
            self._reach(call, nxt, target, depth + 1)
        elif ext.type is ExtensionType.QUEUE:
            call.sequential = ext.strategy == "sequential"
            turn = int(ext.ring_time * US)
            for i, agent_name in enumerate(ext.agents):
                agent = self.by_name[agent_name]
                start = leg.start + (i * turn if call.sequential else 0)
                agent_leg = self._leg(call, start, agent.name, agent, leg)
                agent_leg.via = ext
                agent_leg.views.append(self._view(ext, Role.QUEUE_OUT))
                if call.sequential:
                    agent_leg.window_end = start + turn
                self._reach(call, agent_leg, agent, depth + 1)
        else:
            leg.reached = ext.name
            call.candidates.append(leg)

    # -- deciding the outcome ----------------------------------------------------------------
    def _winner(self, call: _Call, plan: CallPlan) -> _Leg | None:
        if plan.answer_after is None or not call.candidates:
            return None
        if plan.answered_by is None:
            return call.candidates[0]
        for leg in call.candidates:
            if plan.answered_by in (leg.reached, leg.called_number):
                return leg
        reachable = ", ".join(c.reached for c in call.candidates)
        raise ValidationError(
            f"{plan.answered_by!r} is not rung by this call (it rings: {reachable})",
            where="answered_by",
        )

    def _settle(self, call: _Call, plan: CallPlan) -> bool:
        """Give every leg its answer/end times and final status; True if a phone answered."""
        winner = self._winner(call, plan)
        ancestors: set[int] = set()
        if winner is not None:
            assert plan.answer_after is not None
            t_ans = winner.start + int(plan.answer_after * US)
            t_end = t_ans + int(plan.talk * US)
            transferred_from: _View | None = None
            if plan.transfer_to is not None:
                t_end, transferred_from = self._transfer(call, plan, winner, t_ans)
            if call.sequential:
                # Agents after the winner are never rung: drop them.
                call.legs = [lg for lg in call.legs if not (lg.window_end and lg.start > winner.start)]
                call.candidates = [c for c in call.candidates if c in call.legs]
            node: _Leg | None = winner
            while node is not None:
                ancestors.add(node.index)
                node.answer = t_ans if node.answer is None else node.answer
                node.end, node.status = t_end, CallStatus.ANSWER
                node = node.parent
            if transferred_from is not None:
                transferred_from.end = t_ans + int(plan.transfer_after * US)
            for leg in call.candidates:
                if leg is winner:
                    continue
                if leg.window_end is not None:
                    leg.end, leg.status = leg.window_end, CallStatus.NOANSWER
                else:
                    # ASSUMPTION(agents-cancel)
                    leg.end, leg.status = t_ans, CallStatus.CANCEL
            bridged = winner.called_ext is not None and winner.called_ext.type is ExtensionType.PHONE
        else:
            ring = plan.ring if plan.ring is not None else DEFAULT_RING_SECONDS[plan.hangup]
            t_end = call.ends_after
            for leg in call.candidates:
                if leg.window_end is not None:
                    leg.end, leg.status = leg.window_end, CallStatus.NOANSWER
                else:
                    leg.end, leg.status = leg.start + int(ring * US), plan.hangup
                t_end = max(t_end, leg.end)
            bridged = False
            if plan.voicemail is not None and call.candidates:
                mailbox = call.candidates[0].called_ext
                if mailbox is not None and mailbox.type is ExtensionType.PHONE:
                    length = int(plan.voicemail * US)
                    call.voicemail = (mailbox, t_end + length, length)
        # Legs between the caller and the candidates last as long as the call.
        for leg in call.legs:
            if leg.end is None or (leg.index not in ancestors and leg not in call.candidates):
                leg.end = max(t_end, leg.start)
                leg.status = CallStatus.ANSWER if leg.answer is not None else plan.hangup
        # A parent of non-winning candidates (e.g. an agent leg that forwarded) follows its child.
        for leg in call.candidates:
            parent = leg.parent
            if (
                parent is not None
                and parent.index not in ancestors
                and parent.views
                and (parent.views[0].role is Role.QUEUE_OUT)
            ):
                parent.end, parent.status = leg.end, leg.status
        return bridged

    def _transfer(self, call: _Call, plan: CallPlan, winner: _Leg, t_ans: int) -> tuple[int, _View | None]:
        """A blind transfer (#1) by the answering extension; returns the call's new end.

        ASSUMPTION(blind-transfer): the transferring extension's part of the leg ends at the
        transfer (its hangup), it gets no dial-out for it; the target gets a new leg whose
        dial-in carries RemoteNumber, the external party.
        """
        assert plan.transfer_to is not None
        target = self.by_name[plan.transfer_to]
        t_x = t_ans + int(plan.transfer_after * US)
        leg = self._leg(call, t_x, target.name, target, winner.parent)
        leg.via = winner.via
        leg.views.append(self._view(target, Role.TARGET))
        leg.remote_number = call.caller_number
        leg.answer = t_x + int(plan.transfer_answer_after * US)
        leg.end = leg.answer + int(plan.talk * US)
        leg.status = CallStatus.ANSWER
        leg.reached = target.name
        mover = next((v for v in winner.views if v.role is Role.TARGET), None)
        return leg.end, mover

    # -- emitting ------------------------------------------------------------------------------
    def simulate(self, plan: Plan, t0_us: int) -> Sequence[Event]:
        """The events of one call (or message, or feed change), in the order the PBX sends them."""
        if isinstance(plan, StatusChangePlan | AgentChangePlan):
            return self.simulate_feed(plan, t0_us)
        if isinstance(plan, CallbackPlan):
            return self.simulate_callback(plan, t0_us)
        if isinstance(plan, MessagePlan):
            return self.simulate_message(plan, t0_us)
        if isinstance(plan, ReplayPlan):
            return [replayed(plan, t0_us)]
        return self.simulate_call(plan, t0_us)

    def simulate_feed(self, plan: StatusChangePlan | AgentChangePlan, t0_us: int) -> list[Event]:
        """A phone's call status or an agent's state set: its feed event, if it changed."""
        if isinstance(plan, StatusChangePlan):
            old = self.call_status.get(plan.extension)
            if old == plan.status:
                return []
            self.call_status[plan.extension] = plan.status
            phone = self.by_name[plan.extension]
            return [status_change(phone, client_id=self.pbx.client_id, old=old, new=plan.status, at_us=t0_us)]
        if self.agent_status.get(plan.agent, AgentStatus.AVAILABLE) is plan.status:
            return []
        self.agent_status[plan.agent] = plan.status
        agent = self.by_name[plan.agent]
        return [agent_change(agent, domain=self.pbx.domain, status=plan.status, at_us=t0_us)]

    def simulate_call(self, plan: CallPlan, t0_us: int) -> list[EventData]:
        """The events of one call, in the order the PBX sends them."""
        caller_ext = self.by_name.get(plan.from_)
        target, did = self.resolve(plan.to)
        call = self._new_call(caller_ext, plan.from_)
        call.did, call.diversion = did, plan.diversion
        root = self._leg(call, 0, plan.to, target, None)
        if caller_ext is not None:
            # The party that started the call: its SubCallID's hex is the CallID.
            root.views.append(_View(caller_ext, Role.ORIGIN, call.call_id))
        self._reach(call, root, target)
        bridged = self._settle(call, plan)
        return self._emit(call, t0_us, bridged)

    def simulate_callback(self, plan: CallbackPlan, t0_us: int) -> list[EventData]:
        """An API callback: ring the sources, then connect the one that answers to dst_num.

        Rule 5: a source that is the owner itself produces no events for that first leg, only
        its dial-out to the destination. Every event of the call carries ``CallBackID`` (the
        ``CallID``) and a ``cb-`` ``CallAPIID``, as the recorded callback does.
        """
        owner = self.by_name[plan.extension]
        first = plan.src_num[0]
        call = self._new_call(self.by_name.get(first), first, callback=True)
        t_src = int(plan.src_answer_after * US)
        src_legs = []
        for src in plan.src_num:
            ext = self.by_name.get(src)
            leg = self._leg(call, 0, src, ext, None)
            if ext is not None and not is_self_call(owner.name, src):
                leg.views.append(self._view(ext, Role.TARGET))
            src_legs.append(leg)
        target, did = self.resolve(plan.dst_num)
        call.did = did
        root = self._leg(call, t_src, plan.dst_num, target, None)
        if call.caller is not None:
            root.views.append(_View(call.caller, Role.ORIGIN, call.call_id))
        self._reach(call, root, target)
        dst_plan = CallPlan(plan.at, first, plan.dst_num, plan.answer_after, plan.talk, hangup=plan.hangup)
        bridged = self._settle(call, dst_plan)
        call_end = max(leg.end or 0 for leg in call.legs[len(src_legs) :])
        for i, leg in enumerate(src_legs):
            if i == 0:  # the first source answers and stays on the call
                leg.answer, leg.end, leg.status = t_src, call_end, CallStatus.ANSWER
            else:  # ASSUMPTION(callback-sources): the others stop ringing
                leg.answer, leg.end, leg.status = None, t_src, CallStatus.CANCEL
        return self._emit(call, t0_us, bridged)

    def simulate_message(self, plan: MessagePlan, t0_us: int) -> list[EventData]:
        """A text message: message-out on the sending phone, message-in on the receiving one.

        ASSUMPTION(message-data): message events carry the call-identity fields that apply (a
        fresh CallID, caller and called numbers, CallFlow); the text is not part of them.
        """
        sender = self.by_name.get(plan.from_)
        recipient, _ = self.resolve(plan.to)
        call_id = self._hex()
        caller_number = plan.from_ if sender is not None else outside_number(plan.from_)
        common: dict[str, Any] = {
            "call_id": call_id,
            "event_time": t0_us,
            "caller_id_num": caller_number,
            "caller_id_name": caller_id_name(sender) if sender else caller_number,
            "caller_extension": self.address(sender) if sender else None,
            "caller_extension_id": sender.id if sender else None,
            "called_extension": self.address(recipient) if recipient else None,
            "called_extension_id": recipient.id if recipient else None,
            "called_number": recipient.name if recipient else plan.to,
        }
        out: list[EventData] = []
        if sender is not None and receives_messages(sender.type):
            out.append(EventData(sender.id, EventType.MESSAGE_OUT, call_flow=CallFlow.OUT, **common))
        if recipient is not None and receives_messages(recipient.type):
            out.append(EventData(recipient.id, EventType.MESSAGE_IN, call_flow=CallFlow.IN, **common))
        return out

    def _emit(self, call: _Call, t0: int, bridged: bool) -> list[EventData]:
        caller = call.caller
        caller_name = caller_id_name(caller) if caller else call.caller_number
        caller_fields = (self.address(caller), caller.id) if caller is not None else (None, None)
        common: dict[str, Any] = {
            "call_id": call.call_id,
            "caller_id_num": call.caller_number,
            "caller_id_name": caller_name,
            "called_did": call.did,
            "call_api_id": call.api_id,
            "callback_id": call.callback_id,
        }
        keyed: list[tuple[int, int, int, int, EventData]] = []
        for leg in call.legs:
            assert leg.end is not None and leg.status is not None
            callee = leg.called_ext
            callee_address = self.address(callee) if callee else None
            callee_id = callee.id if callee else None
            # Who is "calling" the parties reached through an ivr or a queue: that ivr/queue.
            in_caller = (self.address(leg.via), leg.via.id) if leg.via is not None else caller_fields
            answered = leg.answer is not None and leg.status is CallStatus.ANSWER
            caller_ext: str | None
            caller_ext_id: int | None
            for v_i, view in enumerate(leg.views):
                ext, role = view.ext, view.role
                flow = call_flow(role)
                if flow is CallFlow.OUT:
                    # Every `out` event names the extension that makes it (a queue's agent
                    # thread and a forward outside included); it dialled the number as given.
                    caller_ext, caller_ext_id = self.address(ext), ext.id
                    dialled = callee is None or role is Role.ORIGIN
                    called_number = leg.called_number if dialled or callee is None else callee.name
                else:
                    caller_ext, caller_ext_id = in_caller
                    called_number = ext.name  # a dial-in names the extension reached, in full
                transfered = "yes" if carries_transfered(role) else None
                end = leg.end if view.end is None else view.end
                sub_id = view.sub_call_id
                phases: list[tuple[Phase, int, CallStatus]] = [(Phase.START, leg.start, CallStatus.CALLING)]
                talked = answered and event_for(ext.type, role, Phase.ANSWER) is not None
                if talked:
                    assert leg.answer is not None
                    phases.append((Phase.ANSWER, leg.answer, CallStatus.ANSWER))
                phases.append((Phase.END, end, leg.status))
                for phase, t, status in phases:
                    event_type = event_for(ext.type, role, phase)
                    if event_type is None:
                        continue
                    # Positional: the fields in EventData's order (keywords cost more, per event).
                    ev = EventData(
                        ext.id,
                        event_type,
                        common["call_id"],
                        t0 + t,
                        sub_id,
                        call.caller_number,
                        caller_name,
                        call.did,
                        caller_ext,
                        caller_ext_id,
                        callee_address,
                        callee_id,
                        called_number,
                        status,
                        flow,
                        call.api_id,
                        callback_id=call.callback_id,
                        transfered=transfered,
                    )
                    if flow is CallFlow.IN and call.diversion is not None:  # ASSUMPTION(diversion-inbound)
                        ev.diversion = call.diversion
                    if phase is Phase.START and leg.remote_number is not None and role is Role.TARGET:
                        ev.remote_number = leg.remote_number
                    elif phase is Phase.END:
                        if talked:
                            assert leg.answer is not None
                            # Talk time of this SubCallID: its hangup less its answer.
                            ev.duration = end - leg.answer
                            if ext.record:  # ASSUMPTION(rec-id-always)
                                ev.rec_id = sub_id
                        if reports_bridged(ext.type) and role is Role.TARGET:
                            ev.bridged = "yes" if bridged else "no"
                    keyed.append((t, phase.value, leg.index, v_i, ev))
        if call.voicemail is not None:  # ASSUMPTION(voicemail-data)
            mailbox, t, length = call.voicemail
            leg = call.candidates[0]
            view = next(v for v in leg.views if v.ext is mailbox)
            in_caller = (self.address(leg.via), leg.via.id) if leg.via is not None else caller_fields
            ev = EventData(
                extension_id=mailbox.id,
                event_type=EventType.VOICEMAIL,
                event_time=t0 + t,
                call_flow=CallFlow.IN,
                duration=length,
                sub_call_id=view.sub_call_id,
                caller_extension=in_caller[0],
                caller_extension_id=in_caller[1],
                called_extension=self.address(mailbox),
                called_extension_id=mailbox.id,
                called_number=mailbox.name,
                diversion=call.diversion,
                **common,
            )
            keyed.append((t, Phase.END.value, len(call.legs), 0, ev))
        keyed.sort(key=lambda k: k[:4])
        return [k[4] for k in keyed]


def replayed(plan: ReplayPlan, t0_us: int) -> FeedEvent:
    """A saved event, its fields verbatim (order, unknown ones and EventTime included), sent
    at the replay's time ``t0_us``."""
    fields = dict(plan.fields)
    return FeedEvent(
        extension_id=plan.extension_id,
        event_type=EventType(fields["EventType"]),  # checked by the scenario loader
        event_time=t0_us,
        data=fields,
        call_id=fields["CallID"],
        sub_call_id=fields.get("SubCallID") or None,
    )


def caller_id_name(ext: Extension) -> str:
    """What an extension's calls show as ``CallerIDName``.

    ASSUMPTION(caller-name-fallback): without a caller-id name or label, its full name (the
    record has a name in every sample; which one the PBX falls back to is not public).
    """
    return ext.caller_id_name or ext.label or ext.name


def _did_digits(number: str) -> str:
    """A public number as ``CalledDID`` carries it: digits, no ``+``."""
    return number[1:] if number.startswith("+") else number


def run_seed(pbx: PbxSettings, seed: int | None = None) -> int:
    """The seed a run's ids come from: the one given, the scenario's ``[pbx] seed``, or a new
    one from the OS, so that runs without a seed never repeat each other's ids."""
    if seed is not None:
        return seed
    if pbx.seed is not None:
        return pbx.seed
    return random.SystemRandom().getrandbits(64)


def event_stream(sim: CallSimulator, plans: Iterable[Plan], base_us: int) -> Iterator[Event]:
    """Events of ``plans`` (sorted by ``at``) in time order, holding only the calls under way."""
    heap: list[tuple[int, int, Event]] = []
    seq = itertools.count()
    pending = iter(plans)
    nxt = next(pending, None)
    while heap or nxt is not None:
        while nxt is not None and (not heap or base_us + int(nxt.at * US) <= heap[0][0]):
            for ev in sim.simulate(nxt, base_us + int(nxt.at * US)):
                heapq.heappush(heap, (ev.event_time, next(seq), ev))
            nxt = next(pending, None)
        if not heap:  # the last plans produced no events (e.g. outside to outside)
            break
        yield heapq.heappop(heap)[2]


def simulate_calls(sim: CallSimulator, plans: Sequence[Plan], base_us: int) -> Iterator[Event]:
    """All events of ``plans`` (in any order) in time order."""
    return event_stream(sim, sorted(plans, key=lambda p: p.at), base_us)
