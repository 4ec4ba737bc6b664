"""The PBX's vocabularies, spelled exactly as they travel on the wire."""

from enum import StrEnum


class ExtensionType(StrEnum):
    PHONE = "phone"
    QUEUE = "queue"
    IVR = "ivr"
    FAX = "fax"


class ExtensionStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"


class EventType(StrEnum):
    DIAL_IN = "dial-in"
    DIAL_OUT = "dial-out"
    ANSWER = "answer"
    HANGUP = "hangup"
    MESSAGE_IN = "message-in"
    MESSAGE_OUT = "message-out"
    VOICEMAIL = "voicemail"


MESSAGE_EVENTS = frozenset({EventType.MESSAGE_IN, EventType.MESSAGE_OUT})


class CallStatus(StrEnum):
    CALLING = "CALLING"
    ANSWER = "ANSWER"
    BUSY = "BUSY"
    NOANSWER = "NOANSWER"
    CANCEL = "CANCEL"
    CONGESTION = "CONGESTION"
    CHANUNAVAIL = "CHANUNAVAIL"


# The statuses a hangup may carry for a leg that never got answered.
UNANSWERED_STATUSES = frozenset(
    {
        CallStatus.BUSY,
        CallStatus.NOANSWER,
        CallStatus.CANCEL,
        CallStatus.CONGESTION,
        CallStatus.CHANUNAVAIL,
    }
)


class CallFlow(StrEnum):
    IN = "in"
    OUT = "out"


class HttpMethod(StrEnum):
    GET = "GET"
    POST = "POST"
