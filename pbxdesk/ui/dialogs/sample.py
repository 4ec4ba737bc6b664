"""A sample event of a given type on an extension, as the PBX would send it (Qt-free).

The "Send test event" button sends one of these to a subscription's URL, so an integrator can
see what their handler answers before any real call happens.
"""

from __future__ import annotations

import time
import uuid

from pbxdesk.domain import CallFlow, CallStatus, EventData, EventType, Extension, ExtensionType

SAMPLE_OUTSIDE_NUMBER = "+79817654321"
SAMPLE_CALLER_NAME = "pbxdesk test"
SAMPLE_TALK_US = 42_000_000  # a 42 s answered leg
SAMPLE_VOICEMAIL_US = 8_000_000


def sample_event(
    ext: Extension, event_type: EventType, *, domain: str = "sip.example.test", now_us: int | None = None
) -> EventData:
    """One event of ``event_type`` on ``ext``: an outside caller ringing it (``in``), or ``ext``
    calling an outside number (``dial-out``, ``message-out``: ``out``)."""
    call_id = f"pbxdesk-test-{uuid.uuid4().hex[:16]}"
    t = time.time_ns() // 1000 if now_us is None else now_us
    me = f"{ext.name}@{domain}"
    outgoing = event_type in (EventType.DIAL_OUT, EventType.MESSAGE_OUT)
    status: CallStatus | None = {
        EventType.DIAL_IN: CallStatus.CALLING,
        EventType.DIAL_OUT: CallStatus.CALLING,
        EventType.ANSWER: CallStatus.ANSWER,
        EventType.HANGUP: CallStatus.ANSWER,
    }.get(event_type)
    duration = None
    if event_type is EventType.HANGUP:
        duration = SAMPLE_TALK_US
    elif event_type is EventType.VOICEMAIL:
        duration = SAMPLE_VOICEMAIL_US
    bridged = None
    if event_type is EventType.HANGUP and ext.type in (ExtensionType.IVR, ExtensionType.QUEUE):
        bridged = "yes"
    rec_id = f"rec-{uuid.uuid4().hex[:12]}" if event_type is EventType.HANGUP and ext.record else None
    common = dict(
        extension_id=ext.id,
        event_type=event_type,
        call_id=call_id,
        event_time=t,
        sub_call_id=f"{call_id}-1",
        call_status=status,
        call_flow=CallFlow.OUT if outgoing else CallFlow.IN,
        call_api_id=f"api-{uuid.uuid4().hex[:12]}",
        duration=duration,
        rec_id=rec_id,
        bridged=bridged,
    )
    if outgoing:
        return EventData(
            **common,  # type: ignore[arg-type]
            caller_id_num=ext.short,
            caller_id_name=ext.label,
            caller_extension=me,
            caller_extension_id=ext.id,
            called_number=SAMPLE_OUTSIDE_NUMBER,
        )
    return EventData(
        **common,  # type: ignore[arg-type]
        caller_id_num=SAMPLE_OUTSIDE_NUMBER,
        caller_id_name=SAMPLE_CALLER_NAME,
        called_did=ext.did,
        called_extension=me,
        called_extension_id=ext.id,
        called_number=ext.did or ext.short,
    )
