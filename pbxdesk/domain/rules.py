"""The PBX's event-generation rules as pure functions.

A call is made of legs (one ``SubCallID`` each). An extension takes part in a leg in one
*role*; the rules below say which event, if any, that role produces at each phase of the
leg (start, answer, end), per extension type. Everything the simulator emits goes through
here, so the rule set is readable in one place.
"""

from __future__ import annotations

from enum import Enum

from pbxdesk.domain.enums import CallFlow, EventType, ExtensionType


class Role(Enum):
    ORIGIN = "origin"  # the extension placed this leg (a phone dialling)
    TARGET = "target"  # the leg reached the extension (ivr/queue: their `in` thread)
    FORWARD = "forward"  # incoming-call rule forwarded the call outside from this extension
    QUEUE_OUT = "queue-out"  # a queue's `out` thread: the leg ringing one agent


class Phase(Enum):
    START = 0
    ANSWER = 1
    END = 2


_FLOW = {
    Role.ORIGIN: CallFlow.OUT,
    Role.TARGET: CallFlow.IN,
    Role.FORWARD: CallFlow.OUT,
    Role.QUEUE_OUT: CallFlow.OUT,
}

_START_EVENT = {
    Role.ORIGIN: EventType.DIAL_OUT,
    Role.TARGET: EventType.DIAL_IN,
    Role.FORWARD: EventType.DIAL_OUT,
    # The seed: the queue's `out` thread reports each agent being rung as `dial-in`.
    Role.QUEUE_OUT: EventType.DIAL_IN,
}

# Types that pick up a call without anyone answering it; they never report `answer`.
_SILENT_ANSWER_TYPES = frozenset({ExtensionType.IVR, ExtensionType.QUEUE})


def call_flow(role: Role) -> CallFlow:
    return _FLOW[role]


def event_for(ext_type: ExtensionType, role: Role, phase: Phase) -> EventType | None:
    """The event an extension of ``ext_type`` in ``role`` gets at ``phase``, or None."""
    if phase is Phase.START:
        return _START_EVENT[role]
    if phase is Phase.END:
        return EventType.HANGUP
    # ANSWER: the ivr never answers (rule 2); the queue's `in` thread has no answer (rule 3),
    # its `out` thread does when the agent answered. ASSUMPTION(forward-before-ring): an ivr or
    # queue forwarding outside (rule 4) gets that leg's dial-out and hangup but no answer.
    if role in (Role.TARGET, Role.FORWARD) and ext_type in _SILENT_ANSWER_TYPES:
        return None
    return EventType.ANSWER


def reports_bridged(ext_type: ExtensionType) -> bool:
    """`Bridged` travels on the hangup of ivr and queue extensions."""
    return ext_type in _SILENT_ANSWER_TYPES


def answers_at_once(ext_type: ExtensionType) -> bool:
    """ASSUMPTION(ivr-queue-pick-up): an ivr or queue picks the call up at once."""
    return ext_type in _SILENT_ANSWER_TYPES


def carries_transfered(role: Role) -> bool:
    """`Transfered=yes` marks the dial-out of a forward outside and that leg's answer/hangup."""
    return role is Role.FORWARD


def is_self_call(owner_name: str, source_name: str) -> bool:
    """Rule 5: a callback whose source is its owner produces no events for that leg."""
    return owner_name == source_name


def receives_messages(ext_type: ExtensionType) -> bool:
    """Rule 6: message-in and message-out exist only on phone extensions."""
    return ext_type is ExtensionType.PHONE
