"""The PBX model: pure data and rules, no IO, no Qt."""

from pbxdesk.domain.enums import (
    AGENT_EVENTS,
    CALL_EVENTS,
    MESSAGE_EVENTS,
    AgentStatus,
    CallFlow,
    CallStatus,
    DeliveryState,
    EventType,
    ExtensionStatus,
    ExtensionType,
    FeedEventType,
    HttpMethod,
    SubscriptionScope,
)
from pbxdesk.domain.errors import PbxDeskError, ValidationError
from pbxdesk.domain.models import WIRE_FIELDS, EventData, Extension, FeedEvent, Subscription

__all__ = [
    "AGENT_EVENTS",
    "CALL_EVENTS",
    "MESSAGE_EVENTS",
    "AgentStatus",
    "WIRE_FIELDS",
    "CallFlow",
    "CallStatus",
    "DeliveryState",
    "EventData",
    "EventType",
    "Extension",
    "ExtensionStatus",
    "ExtensionType",
    "FeedEvent",
    "FeedEventType",
    "HttpMethod",
    "PbxDeskError",
    "Subscription",
    "SubscriptionScope",
    "ValidationError",
]
