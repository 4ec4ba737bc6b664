"""Every choice the event model makes where the public record is silent, in one place.

The record (``pbx-api-public.md``: the provider's wiki, real payloads kept in public code,
public clients) settles the events' ids, fields and the rules of which extension gets which
event. What it leaves open is listed here by name; the code that acts on an assumption says
``ASSUMPTION(<name>)`` next to it, the README lists them all, and a test keeps the three in
step. The REST API's own assumptions live with its wire contract in ``pbxdesk.pbx.api``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pbxdesk.domain.enums import CallStatus


@dataclass(frozen=True, slots=True)
class Assumption:
    name: str
    text: str


EVENT_ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        "ring-times",
        "an unanswered leg rings 30 s (NOANSWER), 10 s (CANCEL), 1 s (BUSY, CONGESTION) or "
        "0.5 s (CHANUNAVAIL) unless the call says `ring`",
    ),
    Assumption(
        "ivr-queue-pick-up",
        "an IVR or a queue picks a call up at once (menu, hold music) and keeps it until the "
        "call ends; its `hangup` then says CallStatus=ANSWER",
    ),
    Assumption(
        "agents-cancel",
        "agents rung together stop ringing with CANCEL when one of them answers",
    ),
    Assumption(
        "forward-before-ring",
        "incoming-call forwarding happens before the extension rings: its only events are the "
        "forward leg's dial-out/answer/hangup with Transfered=yes (none for an IVR or a queue's "
        "answer, which they never report)",
    ),
    Assumption(
        "blind-transfer",
        "a blind transfer ends the transferring phone's part (its hangup, no dial-out); the "
        "target's dial-in carries RemoteNumber, the outside party",
    ),
    Assumption(
        "callback-sources",
        "a callback rings its sources at once; the first answers, the others end CANCEL",
    ),
    Assumption(
        "caller-name-fallback",
        "an extension without a caller-id name or label calls with its full name as CallerIDName",
    ),
    Assumption(
        "outside-number-form",
        "an outside caller written without `+` in a scenario is reported in E.164: "
        "a Russian national number (8 and ten digits) as +7 and those ten digits, other digits "
        "with a `+` in front",
    ),
    Assumption(
        "diversion-inbound",
        "`Diversion` (a call that came already forwarded) travels on the call's inbound (CallFlow=in) events",
    ),
    Assumption(
        "message-data",
        "message-in/message-out carry the call fields that apply (a new CallID, the numbers, "
        "CallFlow), no text; nothing public shows their data",
    ),
    Assumption(
        "voicemail-data",
        "voicemail comes on the called phone when the message ends, with the message's "
        "length as Duration; nothing public shows its data",
    ),
    Assumption(
        "status-change-time",
        "`change_dt` of extension-call-status is `YYYY-MM-DD HH:MM:SS` in UTC, as the REST API writes times",
    ),
    Assumption(
        "status-null-empty",
        "an extension-call-status `old_status_id`/`new_status_id` that is null (no status) is sent empty",
    ),
    Assumption(
        "agent-is-extension",
        "a local queue agent's id is its phone extension's id, and a scenario's agent status "
        "changes do not change which agents a queue rings (agents start available)",
    ),
    Assumption(
        "rec-id-always",
        "every answered hangup of a recording extension carries RecID (the real PBX sometimes "
        "sends it later, about 1 hangup in 20)",
    ),
)

ASSUMPTION_NAMES = frozenset(a.name for a in EVENT_ASSUMPTIONS)

# ASSUMPTION(ring-times)
DEFAULT_RING_SECONDS: dict[CallStatus, float] = {
    CallStatus.NOANSWER: 30.0,
    CallStatus.CANCEL: 10.0,
    CallStatus.BUSY: 1.0,
    CallStatus.CONGESTION: 1.0,
    CallStatus.CHANUNAVAIL: 0.5,
}


def outside_number(number: str) -> str:
    """An outside caller's number as the PBX reports it: E.164 with ``+``.

    ASSUMPTION(outside-number-form)
    """
    if not number.isdigit():
        return number
    if len(number) == 11 and number[0] == "8":
        return f"+7{number[1:]}"
    return f"+{number}"
