"""Entities of the PBX model: extensions, event subscriptions and the data of one event."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter

from pbxdesk.domain.enums import (
    CallFlow,
    CallStatus,
    EventType,
    ExtensionStatus,
    ExtensionType,
    FeedEventType,
    HttpMethod,
    SubscriptionScope,
)


@dataclass(frozen=True, slots=True)
class Extension:
    """An internal number of the PBX, with the routing settings the simulator honours."""

    id: int
    name: str  # "<client prefix>*<short>", e.g. "000*099"
    type: ExtensionType
    status: ExtensionStatus = ExtensionStatus.ACTIVE
    label: str = ""
    record: bool = False
    did: str | None = None  # a public number routed to this extension
    forward_to: str | None = None  # incoming-call rule: forward outside the PBX
    agents: tuple[str, ...] = ()  # queue: agent extension names
    strategy: str = "ringall"  # queue: "ringall" | "sequential"
    route: str | None = None  # ivr: where callers go after the menu
    menu_time: float = 3.0  # ivr: seconds in the menu before routing
    ring_time: float = 15.0  # queue, sequential: seconds each agent rings before the next
    # The real extension resource's own fields that a user sees and edits (the API's names).
    # The simulator uses caller_id_name, else label, as the CallerIDName of the phone's calls.
    caller_id_name: str = ""  # "": not set (the API shows null)
    extension_group_id: int | None = None
    create_date: str = ""  # "YYYY-MM-DD HH:MM:SS" UTC, as the API writes it; "": not known
    client_id: int | None = None  # the PBX account's numeric client id; None: not known
    domain: str = ""  # the SIP domain ("sipproxy.telphin.ru"); "": the PBX's own
    extra_params: str | None = None  # free JSON text an integration keeps on the extension

    @property
    def prefix(self) -> str:
        return self.name.split("*", 1)[0]

    @property
    def short(self) -> str:
        return self.name.split("*", 1)[1]


# The fields of Extension the PBX account holds (the extension resource's): a pull or an edit
# on the account takes them from its answer. The others (record, did, routing...) are the
# simulator's and stay the profile's.
EXTENSION_ACCOUNT_FIELDS = (
    "name", "type", "status", "label", "caller_id_name", "extension_group_id", "create_date",
    "client_id", "domain", "extra_params",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Subscription:
    """An event subscription (the API calls it "event"): on ``event_type`` call ``url``."""

    extension_id: int  # the extension (or, scope AGENT, the agent's phone); 0 for scope PHONES
    event_type: EventType | FeedEventType
    method: HttpMethod
    url: str
    id: int | None = None
    scope: SubscriptionScope = SubscriptionScope.EXTENSION


# Wire names of EventData's fields, in the order the PBX manual lists them.
_WIRE_NAMES: dict[str, str] = {
    "event_type": "EventType",
    "call_id": "CallID",
    "sub_call_id": "SubCallID",
    "caller_id_num": "CallerIDNum",
    "caller_id_name": "CallerIDName",
    "called_did": "CalledDID",
    "caller_extension": "CallerExtension",
    "caller_extension_id": "CallerExtensionID",
    "called_extension": "CalledExtension",
    "called_extension_id": "CalledExtensionID",
    "called_number": "CalledNumber",
    "call_status": "CallStatus",
    "call_flow": "CallFlow",
    "call_api_id": "CallAPIID",
    "event_time": "EventTime",
    "duration": "Duration",
    "rec_id": "RecID",
    "transfered": "Transfered",
    "bridged": "Bridged",
    "remote_number": "RemoteNumber",
    "callback_id": "CallBackID",
    "diversion": "Diversion",
}
WIRE_FIELDS: tuple[str, ...] = tuple(_WIRE_NAMES.values())
# All of an event's wire values in one C-level call: 24 getattr calls from Python were the
# largest part of to_fields (bench/simulator.py).
_WIRE_VALUES = attrgetter(*_WIRE_NAMES)
ATTR_BY_WIRE: dict[str, str] = {wire: attr for attr, wire in _WIRE_NAMES.items()}


@dataclass(slots=True)
class EventData:
    """What a subscriber receives for one event on one extension.

    ``extension_id`` says whose event it is (it is not sent: the subscriber knows it from the
    subscription). Optional fields left as ``None`` are absent on the wire. Times are integer
    microseconds since the Unix epoch.

    Treat it as immutable. It is not frozen only because a frozen dataclass builds each of its
    24 fields through ``object.__setattr__``: 1.9 µs an event against 0.5, measured, and the
    simulator makes one per event on the delivery engine's loop.
    """

    extension_id: int
    event_type: EventType
    call_id: str
    event_time: int
    sub_call_id: str | None = None
    caller_id_num: str | None = None
    caller_id_name: str | None = None
    called_did: str | None = None
    caller_extension: str | None = None
    caller_extension_id: int | None = None
    called_extension: str | None = None
    called_extension_id: int | None = None
    called_number: str | None = None
    call_status: CallStatus | None = None
    call_flow: CallFlow | None = None
    call_api_id: str | None = None
    duration: int | None = None
    rec_id: str | None = None
    transfered: str | None = None
    bridged: str | None = None
    remote_number: str | None = None
    callback_id: str | None = None
    diversion: str | None = None  # the SIP Diversion header's number: the call came forwarded
    extra: dict[str, str] = field(default_factory=dict)  # fields we don't know, kept verbatim

    def to_fields(self) -> dict[str, str]:
        """The event as the PBX sends it: wire names to string values, absent fields left out."""
        out = {
            wire: str(value)
            for wire, value in zip(WIRE_FIELDS, _WIRE_VALUES(self), strict=False)  # same length
            if value is not None
        }
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out


EVENT_DATA_ATTRS = frozenset(f.name for f in fields(EventData))


@dataclass(slots=True)
class FeedEvent:
    """An event a feed gives with its form fields fixed, sent exactly as they are (order too):

    - the client-wide feeds' events, ``extension-call-status`` (global phone events) and
      ``agent-login``/``agent-logout`` (queue agents): snake_case fields, no call
      (``call_id`` None); ``extension_id`` is the phone whose status changed, or the agent's;
    - a recorded call event replayed from a saved scenario (``[[replay]]``): its fields as
      they were received, ``EventTime`` included, so the handler gets the same bytes;
      ``event_time`` is when the replay sends it.
    """

    extension_id: int
    event_type: EventType | FeedEventType
    event_time: int
    data: dict[str, str]
    call_id: str | None = None
    sub_call_id: str | None = None

    def to_fields(self) -> dict[str, str]:
        return dict(self.data)
