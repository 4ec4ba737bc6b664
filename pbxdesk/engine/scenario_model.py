"""The tables of a scenario file as pydantic models: their keys, types, defaults and ranges.

``scenario.py`` validates each table with ``input_model.checked`` (so an error names the file,
the entry and the key) and then checks what needs the other tables: that a named extension
exists, that a route does not loop, that a queue's agents are phones.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from pbxdesk.domain import CallStatus
from pbxdesk.domain.enums import UNANSWERED_STATUSES
from pbxdesk.engine.input_model import InputModel

SECONDS = "a number of seconds"
_CREATE_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _seconds(default: Any = ...) -> Any:
    return Field(default, ge=0, description=SECONDS)


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError(f"must be a positive integer, not {value}")
    return value


def _hangup(value: str) -> CallStatus:
    try:
        status = CallStatus(value)
    except ValueError:
        status = None
    if status not in UNANSWERED_STATUSES:
        allowed = ", ".join(sorted(s.value for s in UNANSWERED_STATUSES))
        raise ValueError(f"must be one of {allowed}, not {value!r}")
    assert status is not None
    return status


def _phone_number(value: str | int) -> str:
    text = str(value).strip()
    digits = text[1:] if text.startswith("+") else text
    if not digits.isdigit():
        raise ValueError(f"must be a phone number, not {text!r}")
    return text


def _create_date(value: str) -> str:
    if value and not _CREATE_DATE.fullmatch(value):
        raise ValueError(f"must be 'YYYY-MM-DD HH:MM:SS' (UTC), not {value!r}")
    return value


def _voicemail(value: bool | int | float | None) -> float | None:
    if value is True:
        return 10.0
    if value is False or value is None:
        return None
    if value <= 0:
        raise ValueError(f"must be true or a positive number of seconds, not {value!r}")
    return float(value)


def _range(value: float | list[Any] | tuple[float, float]) -> tuple[float, float]:
    pair = [value, value] if isinstance(value, int | float) else value
    if (
        len(pair) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair)
        or pair[0] < 0
        or pair[0] > pair[1]
    ):
        raise ValueError(f"must be [low, high] with 0 <= low <= high, not {value!r}")
    return (float(pair[0]), float(pair[1]))


def _rate(value: float) -> float:
    if value <= 0:
        raise ValueError(f"must be a positive number of calls per second, not {value!r}")
    return value


def _probability(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must be between 0 and 1, not {value!r}")
    return float(value)


PositiveInt = Annotated[int, AfterValidator(_positive)]
Hangup = Annotated[str, AfterValidator(_hangup)]
Party = str | int  # an extension's name (full or short) or a phone number
Range = Annotated[float | list[Any] | tuple[float, float], AfterValidator(_range)]
_RANGE = "a number or [low, high] seconds"


def _tables(key: str) -> Any:
    return Field(default_factory=list, description=f"an array of tables ([[{key}]])")


class ScenarioFile(InputModel):
    """The file's top level: which tables it may hold (each is checked by its own model)."""

    pbx: dict[str, Any] = Field(default_factory=dict, description="a table ([pbx])")
    extensions: list[Any] = _tables("extensions")
    subscriptions: list[Any] = _tables("subscriptions")
    calls: list[Any] = _tables("calls")
    callbacks: list[Any] = _tables("callbacks")
    messages: list[Any] = _tables("messages")
    traffic: list[Any] = _tables("traffic")
    replay: list[Any] = _tables("replay")  # a call saved from a profile (`pbxdesk export`)
    phone_events: list[Any] = _tables("phone_events")
    agent_events: list[Any] = _tables("agent_events")
    call_statuses: list[Any] = _tables("call_statuses")
    status_changes: list[Any] = _tables("status_changes")
    agent_changes: list[Any] = _tables("agent_changes")
    expect: Any = None  # `pbxdesk test` (engine/contract) checks these two
    test: Any = None


class PbxTable(InputModel):
    client_prefix: str = "000"
    domain: str = "sip.example.test"
    seed: int | None = None
    client_id: int = 1


class ExtensionTable(InputModel):
    id: PositiveInt
    name: str | int
    type: str
    record: bool = False
    label: str = ""
    status: Literal["active", "blocked"] = "active"
    did: str | int | None = None
    forward_to: str | int | None = None
    agents: list[str | int] = Field(default_factory=list)
    strategy: Literal["ringall", "sequential"] = "ringall"
    route: str | int | None = None
    menu_time: float = _seconds(3.0)
    ring_time: float = _seconds(15.0)
    # the real extension resource's own fields (optional)
    caller_id_name: str = ""
    extension_group_id: PositiveInt | None = None
    create_date: Annotated[str, AfterValidator(_create_date)] = ""
    client_id: PositiveInt | None = None
    domain: str = ""
    extra_params: str | None = None


class SubscriptionTable(InputModel):
    extension: int | str
    event_type: str
    method: str = "GET"
    url: str


class CallTable(InputModel):
    at: float = _seconds(0.0)
    from_: Party = Field(alias="from")
    to: Party
    answer_after: float | None = _seconds(None)
    talk: float = _seconds(5.0)
    answered_by: str | None = None
    hangup: Hangup = "NOANSWER"
    ring: float | None = _seconds(None)
    voicemail: Annotated[bool | int | float | None, AfterValidator(_voicemail)] = Field(
        None, description="true or seconds of message"
    )
    transfer_to: Party | None = None  # the answering extension hands the caller on (#1)
    transfer_after: float = _seconds(5.0)
    transfer_answer_after: float = _seconds(2.0)
    diversion: Annotated[Party, AfterValidator(_phone_number)] | None = None


class CallbackTable(InputModel):
    at: float = _seconds(0.0)
    extension: Party
    src_num: list[Party] | Party
    dst_num: Party
    answer_after: float | None = _seconds(None)
    talk: float = _seconds(5.0)
    src_answer_after: float = _seconds(1.0)
    hangup: Hangup = "NOANSWER"


class MessageTable(InputModel):
    at: float = _seconds(0.0)
    from_: Party = Field(alias="from")
    to: Party
    text: str = ""


class TrafficTable(InputModel):
    to: Party
    from_: list[Party] | Party = Field(default_factory=list, alias="from")
    rate: Annotated[float, AfterValidator(_rate)] = Field(description="a number of calls per second")
    duration: float = _seconds()
    start: float = _seconds(0.0)
    answer_probability: Annotated[float, AfterValidator(_probability)] = Field(
        0.8, description="a probability"
    )
    answer_after: Range = Field((1.0, 10.0), description=_RANGE)
    talk: Range = Field((5.0, 180.0), description=_RANGE)
    hangup: Hangup = "NOANSWER"
    answered_by: list[Party] = Field(default_factory=list)


def _verbatim(fields: dict[str, Any]) -> dict[str, str]:
    for key, value in fields.items():
        if not isinstance(value, str):
            raise ValueError(f"{key}: every value is text as the PBX sent it, not {value!r}")
    return fields


class ReplayTable(InputModel):
    at: float = _seconds(0.0)
    extension: int | str
    fields: Annotated[dict[str, Any], AfterValidator(_verbatim)]


class PhoneEventTable(InputModel):
    event_type: str
    method: str = "GET"
    url: str


class AgentEventTable(PhoneEventTable):
    agent: int | str


class CallStatusTable(InputModel):
    id: PositiveInt
    name: str


class StatusChangeTable(InputModel):
    at: float = _seconds(0.0)
    extension: int | str
    status: int | str | None = None


class AgentChangeTable(InputModel):
    at: float = _seconds(0.0)
    agent: int | str
    status: Literal["available", "logged_out"]
