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
CALL_EVENTS = frozenset({EventType.DIAL_IN, EventType.DIAL_OUT, EventType.ANSWER, EventType.HANGUP})


class FeedEventType(StrEnum):
    """Events of the client-wide feeds, not of one extension's subscriptions
    (pbx-api-public.md 4.2, 4.3): a phone's call status changed, a queue agent logged in/out."""

    EXTENSION_CALL_STATUS = "extension-call-status"  # global phone_events feed only
    AGENT_LOGIN = "agent-login"  # queue agent events
    AGENT_LOGOUT = "agent-logout"


AGENT_EVENTS = frozenset({FeedEventType.AGENT_LOGIN, FeedEventType.AGENT_LOGOUT})


class SubscriptionScope(StrEnum):
    EXTENSION = "extension"  # /extension/{id}/event/: that extension's events
    PHONES = "phones"  # /client/{cid}/phone_events/: every phone extension's
    AGENT = "agent"  # /client/{cid}/agent/local/{agent_id}/event/: one queue agent's


class AgentStatus(StrEnum):
    AVAILABLE = "available"
    LOGGED_OUT = "logged_out"


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


class DeliveryState(StrEnum):
    """A delivery's state, spelled as the outbox stores it (``deliveries.state``).

    pending -> in_flight -> delivered | failed (attempts exhausted) | cancelled; paused while
    its endpoint is paused. A StrEnum: each member equals its stored text.
    """

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PAUSED = "paused"

    @property
    def open(self) -> bool:
        """Not settled yet: it goes out (again) when the engine next runs."""
        return self in OPEN_STATES

    @property
    def final(self) -> bool:
        return not self.open


OPEN_STATES = frozenset({DeliveryState.PENDING, DeliveryState.IN_FLIGHT, DeliveryState.PAUSED})
FINAL_STATES = frozenset({DeliveryState.DELIVERED, DeliveryState.FAILED, DeliveryState.CANCELLED})
