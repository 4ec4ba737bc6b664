"""The emulator's request and response bodies, defined once (pydantic v2).

The same classes validate what a client sends and generate the ``/openapi.json`` schemas, so
the document cannot drift from what the server does. Field names and shapes follow the public
record (``pbx-api-public.md``); what it leaves open is listed in ``pbxdesk.pbx.assumptions``.

Request models ignore unknown keys (real clients send more than the emulator reads, e.g. explicit
nulls for optional callback keys); response models list every key the emulator writes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


ExtType = Literal["phone", "queue", "ivr", "fax"]
ExtStatus = Literal["active", "blocked"]
Method = Literal["GET", "POST"]
CallEventType = Literal["dial-in", "dial-out", "answer", "hangup", "message-in", "message-out", "voicemail"]


# -- errors and auth ------------------------------------------------------------------------------
class Error(_Out):
    """Every API error: ``message`` for people, ``status`` (when there is one) for programs."""

    message: str
    status: str | None = None


class OAuthError(_Out):
    error: str
    error_description: str | None = None


class Token(_Out):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str


class TokenRequest(_In):
    grant_type: str
    client_id: str
    client_secret: str
    scope: str | None = None


class User(_Out):
    id: int
    login: str
    client_id: int | None
    extension_id: int | None
    extension_group_id: int | None
    dealer_id: int | None
    admin: bool
    access: Literal["full", "read_only"]
    timezone: str
    extra_params: str | None


class Client(_Out):
    id: int
    name: str
    dealer_id: int | None
    domain_id: int | None
    domain: str
    email: str | None
    prefix: str
    create_date: str
    extension_len: int
    status: ExtStatus
    timezone: str
    presence: Literal["yes", "no"]
    extra_params: str | None


# -- extensions -----------------------------------------------------------------------------------
class Extension(_Out):
    id: int
    name: str = Field(examples=["7781*101"])
    domain: str
    type: ExtType
    status: ExtStatus
    label: str | None
    caller_id_name: str | None
    client_id: int
    extension_group_id: int | None
    create_date: str
    extra_params: str | None
    dial_rule_id: int | None
    dial_rule_limit: int | None
    message_did: str | None
    ani_rfc3325: bool


class NewExtension(_In):
    name: str | int = Field(description="prefix*short, or the short part alone (the prefix is added)")
    type: ExtType
    status: ExtStatus = "blocked"
    label: str | None = Field(None, max_length=200)
    caller_id_name: str | None = Field(None, max_length=200)
    extension_group_id: int | None = None
    extra_params: str | None = Field(None, max_length=4000)


class ExtensionChange(_In):
    name: str | int | None = None
    type: ExtType | None = None
    status: ExtStatus | None = None
    label: str | None = Field(None, max_length=200)
    caller_id_name: str | None = Field(None, max_length=200)
    extension_group_id: int | None = None
    extra_params: str | None = Field(None, max_length=4000)


class Queue(_Out):
    strategy: str
    agents: list[str]
    ring_time: float
    max_wait_time: int
    record_enabled: bool


class QueueChange(_In):
    strategy: Literal["ring-all", "ringall", "sequentially-by-agent-order", "sequential"] | None = None
    agents: list[str] | None = None
    ring_time: float | None = Field(None, ge=0, le=3600)


class Ivr(_Out):
    route: str | None
    menu_time: float
    lifetime: int
    vm_enabled: bool


class IvrChange(_In):
    route: str | None = None
    menu_time: float | None = Field(None, ge=0, le=3600)


class Ani(_Out):
    default: str | None
    ani_number: str | None


class AniChange(_In):
    ani_number: str | None


# -- subscriptions, statuses, agents, limits -------------------------------------------------------
class Subscription(_Out):
    id: int
    url: str
    method: Method
    event_type: str


class NewSubscription(_In):
    url: str
    method: Method | Literal["get", "post"]
    event_type: str


class CallStatusEntry(_Out):
    id: int
    name: str
    property_list: list[str]
    create_dt: str
    extra_params: str | None
    dealer_id: int | None


class NewCallStatus(_In):
    name: str = Field(min_length=1, max_length=200)
    property_list: list[Literal["all", "cq", "li", "lo", "qli", "qri", "ri", "ro"]] = []
    extra_params: str | None = None


class ExtensionCallStatus(_Out):
    extension_id: int
    status_id: int | None


class ExtensionCallStatusSet(_In):
    status_id: int | None


class Agent(_Out):
    id: int
    extension_id: int
    extension_name: str
    status: Literal["available", "logged_out"]
    queues: list[int]


class AgentChange(_In):
    status: Literal["available", "logged_out"]


class Limits(_Out):
    event_subscriptions: int
    event_subscriptions_used: int
    extension_events_used: int
    phone_events_used: int
    agent_events_used: int


# -- calls ----------------------------------------------------------------------------------------
class Callback(_In):
    src_num: list[str | int] | str | int
    dst_num: str | int
    caller_id_name: str | None = None
    caller_id_number: str | None = None


class CallbackStarted(_Out):
    call_api_id: str
    call_id: str


class ExtensionRef(_Out):
    id: int
    type: ExtType
    name: str
    client_id: int
    extension_group_id: int | None


class CurrentCall(_Out):
    call_api_id: str
    call_flow: Literal["in", "out"]
    caller_id_number: str | None
    caller_id_name: str | None
    called_number: str | None
    called_did: str | None
    caller_extension: ExtensionRef | None
    called_extension: ExtensionRef | None
    extension_id: int
    callback_id: str | None
    init_time_gmt: str
    answer_time_gmt: str | None
    record_uuid: str | None
    real_call: bool


class CurrentCalls(_Out):
    call_list: list[CurrentCall]


class CurrentCallAction(_In):
    action: Literal[
        "transfer",
        "attended_transfer",
        "eavesdrop",
        "whisper",
        "conference",
        "hold",
        "offhold",
        "park",
        "pickup",
    ]
    send_dst: str | None = None


class CdrLeg(_Out):
    sub_call_id: str
    flow: Literal["in", "out", "transfer"]
    extension_id: int
    extension_name: str
    init_time_gmt: str
    answer_time_gmt: str | None
    hangup_time_gmt: str
    duration: int
    result: str
    record_uuid: str | None
    record_file_size: int | None
    application: str | None
    ani_number: str | None
    dest_number: str | None
    dest_domain: str | None
    source_number: str | None
    source_domain: str | None


class CallHistoryItem(_Out):
    call_uuid: str
    flow: Literal["in", "out"]
    from_username: str | None
    from_domain: str | None
    from_screen_name: str | None
    to_username: str | None
    to_domain: str | None
    init_time_gmt: str
    start_time_gmt: str
    bridged_time_gmt: str | None
    hangup_time_gmt: str
    duration: int
    bridged_duration: int | None
    bridged_username: str | None
    bridged_domain: str | None
    result: str
    hangup_cause: str
    hangup_disposition: str
    extension_id: int
    extension_name: str
    extension_type: ExtType
    extension_group_owner_id: int | None
    client_owner_id: int
    did_number: str | None
    did_domain: str | None
    ext_number_reg: str | None
    cdr: list[CdrLeg]


class CallHistory(_Out):
    call_history: list[CallHistoryItem]
    page: int
    per_page: int
    order: Literal["asc", "desc"]


class Record(_Out):
    record_uuid: str
    record_file_size: int
    file_name: str
    record_transfer: bool
    call_uuid: str
    flow: Literal["in", "out", "transfer"]
    extension_id: int
    extension_name: str
    init_time_gmt: str
    hangup_time_gmt: str
    duration: int


class RecordUrl(_Out):
    record_url: str


class Did(_Out):
    id: int
    name: str
    domain: str | None
    client_id: int
    extension_id: int | None
    allow_message: bool
    message_extension_id: int | None
    comment: str
    create_date: str


class DidChange(_In):
    extension_id: int | None


# -- the emulator's own ---------------------------------------------------------------------------
class FaultModel(_Out):
    """A fault to inject: an HTTP status for the next ``count`` requests, and/or latency."""

    model_config = ConfigDict(extra="forbid", strict=True)

    status: int | None = Field(None, ge=100, le=599, description="answer this HTTP status instead")
    count: int | None = Field(
        None, ge=1, description="how many requests (default 1; latency only: until cleared)"
    )
    retry_after: float | None = Field(None, ge=0, description="seconds, sent as Retry-After")
    latency: float = Field(0.0, ge=0, le=300, description="seconds to wait before answering")
    path: str = Field("", description="only requests whose path starts with this")
    message: str | None = None
    method: str = Field("", description="only requests with this method")

    @model_validator(mode="after")
    def _does_something(self) -> FaultModel:
        if self.status is None and not self.latency:
            raise ValueError("a fault needs a status or a latency")
        return self


class Faults(_Out):
    faults: list[FaultModel]


class Counted(_Out):
    """What an admin call did (``{"cleared": 2}``, ``{"revoked": 1}``)."""

    model_config = ConfigDict(extra="allow")


class State(_Out):
    stats: dict[str, int]
    extensions: int
    subscriptions: int
    calls_playing: int
    open_deliveries: int
