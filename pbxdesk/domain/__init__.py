"""The PBX model: pure data and rules, no IO, no Qt."""

from pbxdesk.domain.enums import (
    MESSAGE_EVENTS,
    CallFlow,
    CallStatus,
    EventType,
    ExtensionStatus,
    ExtensionType,
    HttpMethod,
)
from pbxdesk.domain.errors import PbxDeskError, ValidationError
from pbxdesk.domain.models import WIRE_FIELDS, EventData, Extension, Subscription

__all__ = [
    "MESSAGE_EVENTS",
    "WIRE_FIELDS",
    "CallFlow",
    "CallStatus",
    "EventData",
    "EventType",
    "Extension",
    "ExtensionStatus",
    "ExtensionType",
    "HttpMethod",
    "PbxDeskError",
    "Subscription",
    "ValidationError",
]
