"""Scenario files (TOML): a PBX's extensions, subscriptions and the calls to simulate.

Every error names the file, the entry and the field at fault, e.g.
``demo.toml: calls[2].to: unknown extension '000*555'``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pbxdesk.domain import (
    AGENT_EVENTS,
    CALL_EVENTS,
    AgentStatus,
    CallStatus,
    EventType,
    Extension,
    ExtensionStatus,
    ExtensionType,
    FeedEventType,
    Subscription,
    SubscriptionScope,
    ValidationError,
)
from pbxdesk.domain.enums import UNANSWERED_STATUSES
from pbxdesk.domain.validation import (
    make_subscription,
    parse_extension_type,
    parse_method,
    validate_extension_name,
    validate_prefix,
    validate_url,
)
from pbxdesk.engine.contract.expectations import Expectation, parse_expectations
from pbxdesk.engine.contract.probes import TestSettings, parse_test_settings
from pbxdesk.engine.entries import Entry as _Entry


@dataclass(frozen=True, slots=True)
class PbxSettings:
    client_prefix: str = "000"
    domain: str = "sip.example.test"
    seed: int | None = None  # None: new ids at every run; a number: the same events every run
    client_id: int = 1  # the account's numeric id (client_id in the feeds' events)


@dataclass(frozen=True, slots=True)
class CallPlan:
    """One call to simulate: who dials what, and how it ends."""

    at: float
    from_: str  # an extension name or an external number
    to: str  # an extension name, short number, DID or external number
    answer_after: float | None = None  # seconds of ringing; None: never answered
    talk: float = 5.0
    answered_by: str | None = None  # queues: which agent answers
    hangup: CallStatus = CallStatus.NOANSWER  # final status when unanswered
    ring: float | None = None  # seconds an unanswered call rings before it ends
    voicemail: float | None = None  # unanswered: the caller leaves a message this long
    transfer_to: str | None = None  # the answering extension hands the caller on (#1)
    transfer_after: float = 5.0  # seconds of talk before the transfer
    transfer_answer_after: float = 2.0  # seconds the transfer target rings
    diversion: str | None = None  # the call arrived already forwarded from this number


@dataclass(frozen=True, slots=True)
class CallbackPlan:
    """An API callback: POST /extension/<owner>/callback/ {src_num, dst_num}."""

    at: float
    extension: str  # the owner, on whose behalf the call is made
    src_num: tuple[str, ...]  # rung first; the first to answer is connected to dst_num
    dst_num: str
    answer_after: float | None = None  # seconds dst_num rings; None: never answered
    talk: float = 5.0
    src_answer_after: float = 1.0
    hangup: CallStatus = CallStatus.NOANSWER


@dataclass(frozen=True, slots=True)
class MessagePlan:
    at: float
    from_: str
    to: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class ReplayPlan:
    """One event replayed verbatim (a saved call): its fields as received, sent ``at`` seconds
    after the start to ``extension``'s subscriptions, byte for byte (EventTime included)."""

    at: float
    extension_id: int
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class StatusChangePlan:
    """A phone's call status set (a status id of ``[[call_statuses]]``) or cleared (None)."""

    at: float
    extension: str
    status: int | None


@dataclass(frozen=True, slots=True)
class AgentChangePlan:
    """A queue agent (a phone) logs in (available) or out."""

    at: float
    agent: str
    status: AgentStatus


@dataclass(frozen=True, slots=True)
class TrafficSpec:
    """Generated load: calls to ``to`` arriving as a Poisson process."""

    to: str
    rate: float  # calls per second
    duration: float  # seconds
    start: float = 0.0
    from_: tuple[str, ...] = ()  # callers; empty: random outside numbers
    answer_probability: float = 0.8
    answer_after: tuple[float, float] = (1.0, 10.0)
    talk: tuple[float, float] = (5.0, 180.0)
    hangup: CallStatus = CallStatus.NOANSWER
    answered_by: tuple[str, ...] = ()  # queues: agents picked at random to answer


@dataclass(frozen=True, slots=True)
class Scenario:
    pbx: PbxSettings
    extensions: tuple[Extension, ...]
    subscriptions: tuple[Subscription, ...]
    calls: tuple[CallPlan, ...] = ()
    callbacks: tuple[CallbackPlan, ...] = ()
    messages: tuple[MessagePlan, ...] = ()
    traffic: tuple[TrafficSpec, ...] = ()
    replays: tuple[ReplayPlan, ...] = ()  # a saved call: events replayed verbatim
    call_statuses: dict[int, str] = field(default_factory=dict, compare=False)  # id -> name
    status_changes: tuple[StatusChangePlan, ...] = ()
    agent_changes: tuple[AgentChangePlan, ...] = ()
    source: str = "<scenario>"
    by_name: dict[str, Extension] = field(default_factory=dict, compare=False)
    expect: tuple[Expectation, ...] = ()  # `pbxdesk test`: what the handler must answer
    test: TestSettings = TestSettings()  # `pbxdesk test`: the robustness probes to run

    def phone_ids(self) -> frozenset[int]:
        """The phone extensions: what global (``[[phone_events]]``) subscriptions cover."""
        return frozenset(e.id for e in self.extensions if e.type is ExtensionType.PHONE)

    def extension(self, key: str | int) -> Extension | None:
        if isinstance(key, int):
            return next((e for e in self.extensions if e.id == key), None)
        return self.by_name.get(key)


_TOP_KEYS = {
    "pbx", "extensions", "subscriptions", "calls", "callbacks", "messages", "traffic",
    "expect", "test",  # `pbxdesk test` (engine/contract)
    "replay",  # a call saved from a profile (`pbxdesk export --format scenario`)
    "phone_events", "agent_events", "call_statuses", "status_changes", "agent_changes",  # feeds
}  # fmt: skip
_PBX_KEYS = {"client_prefix", "domain", "seed", "client_id"}
_EXT_KEYS = {
    "id",
    "name",
    "type",
    "record",
    "label",
    "status",
    "did",
    "forward_to",
    "agents",
    "strategy",
    "route",
    "menu_time",
    "ring_time",
    # the real extension resource's own fields (optional)
    "caller_id_name",
    "extension_group_id",
    "create_date",
    "client_id",
    "domain",
    "extra_params",
}
_SUB_KEYS = {"extension", "event_type", "method", "url"}
_CALL_KEYS = {
    "at",
    "from",
    "to",
    "answer_after",
    "talk",
    "answered_by",
    "hangup",
    "ring",
    "voicemail",
    "transfer_to",
    "transfer_after",
    "transfer_answer_after",
    "diversion",
}
_CALLBACK_KEYS = {
    "at",
    "extension",
    "src_num",
    "dst_num",
    "answer_after",
    "talk",
    "src_answer_after",
    "hangup",
}
_MESSAGE_KEYS = {"at", "from", "to", "text"}
_TRAFFIC_KEYS = {
    "to",
    "from",
    "rate",
    "duration",
    "start",
    "answer_probability",
    "answer_after",
    "talk",
    "hangup",
    "answered_by",
}


def _tables(doc: dict[str, Any], key: str) -> Iterable[tuple[int, Any]]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise ValidationError(f"must be an array of tables ([[{key}]])", where=key)
    return enumerate(value)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; every failure is a ValidationError naming the file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ValidationError("no such file", where=str(p)) from None
    except OSError as exc:
        raise ValidationError(f"cannot read: {exc.strerror}", where=str(p)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("not UTF-8 text", where=str(p)) from None
    return parse_scenario(text, source=str(p))


def parse_scenario(text: str, *, source: str = "<scenario>") -> Scenario:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"malformed TOML: {exc}", where=source) from None
    try:
        return _build(doc, source)
    except ValidationError as exc:
        raise exc.located(source) from None


def _build(doc: dict[str, Any], source: str) -> Scenario:
    _Entry(doc, "scenario", _TOP_KEYS)  # rejects unknown top-level keys
    pbx_e = _Entry(doc.get("pbx", {}), "pbx", _PBX_KEYS)
    pbx = PbxSettings(
        client_prefix=pbx_e.wrap("client_prefix", validate_prefix, pbx_e.get("client_prefix", str, "000")),
        domain=pbx_e.get("domain", str, "sip.example.test"),
        seed=pbx_e.get("seed", int, None),
        client_id=pbx_e.get("client_id", int, 1),
    )
    extensions = _extensions(doc, pbx)
    by_name = {e.name: e for e in extensions}
    by_id = {e.id: e for e in extensions}
    _check_routing(extensions, by_name, pbx)
    subscriptions = (
        *_subscriptions(doc, by_name, by_id, pbx),
        *(_phone_event(i, t) for i, t in _tables(doc, "phone_events")),
        *(_agent_event(i, t, by_name, by_id, pbx) for i, t in _tables(doc, "agent_events")),
    )
    statuses = _call_statuses(doc)
    calls = tuple(_call(i, t, by_name, pbx) for i, t in _tables(doc, "calls"))
    callbacks = tuple(_callback(i, t, by_name, by_id, pbx) for i, t in _tables(doc, "callbacks"))
    messages = tuple(_message(i, t, by_name, pbx) for i, t in _tables(doc, "messages"))
    traffic = tuple(_traffic(i, t, by_name, pbx) for i, t in _tables(doc, "traffic"))
    return Scenario(
        pbx,
        extensions,
        subscriptions,
        calls,
        callbacks,
        messages,
        traffic,
        source=source,
        by_name=by_name,
        replays=tuple(_replay(i, t, by_name, by_id, pbx) for i, t in _tables(doc, "replay")),
        call_statuses=statuses,
        status_changes=tuple(
            _status_change(i, t, by_name, by_id, pbx, statuses) for i, t in _tables(doc, "status_changes")
        ),
        agent_changes=tuple(
            _agent_change(i, t, by_name, by_id, pbx) for i, t in _tables(doc, "agent_changes")
        ),
        expect=parse_expectations(doc.get("expect"), extensions, pbx.client_prefix),
        test=parse_test_settings(doc.get("test")),
    )


_CREATE_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _resource_fields(e: _Entry) -> dict[str, Any]:
    """The optional keys of the real extension resource (label aside), checked as the API has them."""
    out: dict[str, Any] = {"caller_id_name": e.get("caller_id_name", str, "")}
    for key in ("extension_group_id", "client_id"):
        value = e.get(key, int, None)
        if value is not None and value <= 0:
            raise e.fail(key, f"must be a positive integer, not {value}")
        out[key] = value
    create_date = e.get("create_date", str, "")
    if create_date and not _CREATE_DATE.fullmatch(create_date):
        raise e.fail("create_date", f"must be 'YYYY-MM-DD HH:MM:SS' (UTC), not {create_date!r}")
    out["create_date"] = create_date
    out["domain"] = e.get("domain", str, "")
    out["extra_params"] = e.get("extra_params", str, None)
    return out


def _extensions(doc: dict[str, Any], pbx: PbxSettings) -> tuple[Extension, ...]:
    out: list[Extension] = []
    seen_ids: set[int] = set()
    seen_names: set[str] = set()
    seen_dids: set[str] = set()
    for i, table in _tables(doc, "extensions"):
        e = _Entry(table, f"extensions[{i}]", _EXT_KEYS)
        ext_id = e.get("id", int)
        if ext_id <= 0:
            raise e.fail("id", f"must be a positive integer, not {ext_id}")
        if ext_id in seen_ids:
            raise e.fail("id", f"duplicate extension id {ext_id}")
        name = e.wrap("name", validate_extension_name, e.get("name", (str, int)), prefix=pbx.client_prefix)
        if name in seen_names:
            raise e.fail("name", f"duplicate extension name {name!r}")
        ext_type = e.wrap("type", parse_extension_type, e.get("type", str))
        status_raw = e.get("status", str, "active")
        try:
            status = ExtensionStatus(status_raw)
        except ValueError:
            raise e.fail("status", f"must be 'active' or 'blocked', not {status_raw!r}") from None
        did = e.get("did", (str, int), None)
        did = None if did is None else str(did)
        if did is not None:
            if did in seen_dids:
                raise e.fail("did", f"public number {did} is routed to two extensions")
            seen_dids.add(did)
        agents = tuple(
            e.wrap("agents", validate_extension_name, a, prefix=pbx.client_prefix)
            for a in e.get("agents", list, [])
        )
        strategy = e.get("strategy", str, "ringall")
        if strategy not in ("ringall", "sequential"):
            raise e.fail("strategy", f"must be 'ringall' or 'sequential', not {strategy!r}")
        route = e.get("route", (str, int), None)
        if route is not None:
            route = e.wrap("route", validate_extension_name, route, prefix=pbx.client_prefix)
        if ext_type is ExtensionType.QUEUE and not agents:
            raise e.fail("agents", "a queue needs at least one agent")
        if agents and ext_type is not ExtensionType.QUEUE:
            raise e.fail("agents", f"only a queue has agents, this extension is a {ext_type.value}")
        if route is not None and ext_type is not ExtensionType.IVR:
            raise e.fail("route", f"only an ivr routes callers, this extension is a {ext_type.value}")
        forward_to = e.get("forward_to", (str, int), None)
        out.append(
            Extension(
                id=ext_id,
                name=name,
                type=ext_type,
                status=status,
                label=e.get("label", str, ""),
                record=e.get("record", bool, False),
                did=did,
                forward_to=None if forward_to is None else str(forward_to),
                agents=agents,
                strategy=strategy,
                route=route,
                menu_time=e.number("menu_time", 3.0),
                ring_time=e.number("ring_time", 15.0),
                **_resource_fields(e),
            )
        )
        seen_ids.add(ext_id)
        seen_names.add(name)
    return tuple(out)


def _check_routing(
    extensions: tuple[Extension, ...], by_name: dict[str, Extension], pbx: PbxSettings
) -> None:
    for i, ext in enumerate(extensions):
        where = f"extensions[{i}]"
        for agent in ext.agents:
            target = by_name.get(agent)
            if target is None:
                raise ValidationError(f"unknown agent extension {agent!r}", where=f"{where}.agents")
            if target.type is not ExtensionType.PHONE:
                raise ValidationError(
                    f"agent {agent!r} is a {target.type.value}; queue agents must be phones",
                    where=f"{where}.agents",
                )
        if ext.route is None:
            continue
        # Follow the ivr chain: it must end at something that is not an ivr, without a loop.
        seen = [ext.name]
        hop_name = ext.route
        hop = by_name.get(hop_name)
        while True:
            if hop is None:
                raise ValidationError(f"unknown extension {hop_name!r}", where=f"{where}.route")
            if hop.name in seen:
                chain = " -> ".join([*seen, hop.name])
                raise ValidationError(f"route loop: {chain}", where=f"{where}.route")
            if hop.type is not ExtensionType.IVR or hop.route is None:
                break
            seen.append(hop.name)
            hop_name = hop.route
            hop = by_name.get(hop_name)


def _resolve_extension(
    key: Any, by_name: dict[str, Extension], by_id: dict[int, Extension], pbx: PbxSettings, where: str
) -> Extension:
    if isinstance(key, int) and not isinstance(key, bool):
        ext = by_id.get(key)
        if ext is None:
            raise ValidationError(f"unknown extension id {key}", where=where)
        return ext
    if isinstance(key, str):
        name = key if "*" in key else f"{pbx.client_prefix}*{key}"
        ext = by_name.get(name)
        if ext is None:
            raise ValidationError(f"unknown extension {key!r}", where=where)
        return ext
    raise ValidationError(f"must be an extension id or name, not {key!r}", where=where)


def _subscriptions(
    doc: dict[str, Any], by_name: dict[str, Extension], by_id: dict[int, Extension], pbx: PbxSettings
) -> tuple[Subscription, ...]:
    out: list[Subscription] = []
    for i, table in _tables(doc, "subscriptions"):
        e = _Entry(table, f"subscriptions[{i}]", _SUB_KEYS)
        ext = _resolve_extension(e.get("extension", (int, str)), by_name, by_id, pbx, e.at("extension"))
        # Read the raw values first: their errors already carry the entry's location.
        event_type = e.get("event_type", str)
        method = e.get("method", str, "GET")
        url = e.get("url", str)
        try:
            sub = make_subscription(ext, event_type=event_type, method=method, url=url)
        except ValidationError as exc:
            raise ValidationError(exc.message, where=e.at(exc.where)) from None
        out.append(sub)
    return tuple(out)


def _party(value: Any, by_name: dict[str, Extension], pbx: PbxSettings, where: str) -> str:
    """A call party: an extension name (checked) or an external number (digits, optional +)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"must be an extension name or a phone number, not {value!r}", where=where)
    value = value.strip()
    if "*" in value:
        if value not in by_name:
            raise ValidationError(f"unknown extension {value!r}", where=where)
        return value
    digits = value[1:] if value.startswith("+") else value
    if not digits.isdigit():
        raise ValidationError(f"{value!r} is neither an extension name nor a phone number", where=where)
    return value


def _check_caller(party: str, by_name: dict[str, Extension], where: str) -> str:
    """Only a phone (or fax) places calls: an ivr or a queue never dials out or answers (rules 2-3)."""
    ext = by_name.get(party)
    if ext is not None and ext.type in (ExtensionType.IVR, ExtensionType.QUEUE):
        raise ValidationError(
            f"{party!r} is {ext.type.value!r}: an ivr or a queue cannot place calls", where=where
        )
    return party


def _call(i: int, table: Any, by_name: dict[str, Extension], pbx: PbxSettings) -> CallPlan:
    e = _Entry(table, f"calls[{i}]", _CALL_KEYS)
    from_ = _check_caller(
        _party(e.get("from", (str, int)), by_name, pbx, e.at("from")), by_name, e.at("from")
    )
    to = _party(e.get("to", (str, int)), by_name, pbx, e.at("to"))
    answered_by = e.get("answered_by", str, None)
    if answered_by is not None:
        answered_by = _party(answered_by, by_name, pbx, e.at("answered_by"))
    hangup = _hangup_status(e)
    voicemail = e.get("voicemail", (bool, int, float), None, what="true or seconds of message")
    if voicemail is True:
        voicemail = 10.0
    elif voicemail is False:
        voicemail = None
    elif voicemail is not None and voicemail <= 0:
        raise e.fail("voicemail", f"must be true or a positive number of seconds, not {voicemail!r}")
    transfer_to = e.get("transfer_to", (str, int), None)
    if transfer_to is not None:
        transfer_to = _party(transfer_to, by_name, pbx, e.at("transfer_to"))
        if transfer_to not in by_name or by_name[transfer_to].type is not ExtensionType.PHONE:
            raise e.fail("transfer_to", f"{transfer_to!r} is not a phone extension of this PBX")
    if voicemail is not None:
        target = by_name.get(to) or _by_did_or_short(to, by_name, pbx)
        if target is None or target.type is not ExtensionType.PHONE:
            raise e.fail("voicemail", "a voicemail is left on a phone extension: call one")
    return CallPlan(
        at=e.number("at", 0.0),
        from_=from_,
        to=to,
        answer_after=e.number("answer_after", None),
        talk=e.number("talk", 5.0),
        answered_by=answered_by,
        hangup=hangup,
        ring=e.number("ring", None),
        voicemail=None if voicemail is None else float(voicemail),
        transfer_to=transfer_to,
        transfer_after=e.number("transfer_after", 5.0),
        transfer_answer_after=e.number("transfer_answer_after", 2.0),
        diversion=_diversion(e),
    )


def _diversion(e: _Entry) -> str | None:
    """The number a call was forwarded from before it reached the PBX (SIP Diversion)."""
    value = e.get("diversion", (str, int), None)
    if value is None:
        return None
    value = str(value).strip()
    digits = value[1:] if value.startswith("+") else value
    if not digits.isdigit():
        raise e.fail("diversion", f"must be a phone number, not {value!r}")
    return value


def _hangup_status(e: _Entry) -> CallStatus:
    status_raw = e.get("hangup", str, "NOANSWER")
    try:
        hangup = CallStatus(status_raw)
    except ValueError:
        hangup = None
    if hangup not in UNANSWERED_STATUSES:
        allowed = ", ".join(sorted(s.value for s in UNANSWERED_STATUSES))
        raise e.fail("hangup", f"must be one of {allowed}, not {status_raw!r}")
    return hangup


def _by_did_or_short(number: str, by_name: dict[str, Extension], pbx: PbxSettings) -> Extension | None:
    for ext in by_name.values():
        if ext.did == number:
            return ext
    return by_name.get(f"{pbx.client_prefix}*{number}")


def _callback(
    i: int, table: Any, by_name: dict[str, Extension], by_id: dict[int, Extension], pbx: PbxSettings
) -> CallbackPlan:
    e = _Entry(table, f"callbacks[{i}]", _CALLBACK_KEYS)
    owner = _resolve_extension(e.get("extension", (str, int)), by_name, by_id, pbx, e.at("extension"))
    raw_src = e.get("src_num", (list, str, int))
    raw_src = raw_src if isinstance(raw_src, list) else [raw_src]
    if not raw_src:
        raise e.fail("src_num", "needs at least one number to ring first")
    src: list[str] = []
    for value in raw_src:
        value = str(value)
        # The API takes short numbers ("200") for the PBX's own extensions.
        full = f"{pbx.client_prefix}*{value}"
        src.append(
            full if value.isdigit() and full in by_name else _party(value, by_name, pbx, e.at("src_num"))
        )
        _check_caller(src[-1], by_name, e.at("src_num"))
    dst = _party(e.get("dst_num", (str, int)), by_name, pbx, e.at("dst_num"))
    return CallbackPlan(
        at=e.number("at", 0.0),
        extension=owner.name,
        src_num=tuple(src),
        dst_num=dst,
        answer_after=e.number("answer_after", None),
        talk=e.number("talk", 5.0),
        src_answer_after=e.number("src_answer_after", 1.0),
        hangup=_hangup_status(e),
    )


def _replay(
    i: int, table: Any, by_name: dict[str, Extension], by_id: dict[int, Extension], pbx: PbxSettings
) -> ReplayPlan:
    e = _Entry(table, f"replay[{i}]", {"at", "extension", "fields"})
    ext = _resolve_extension(e.get("extension", (int, str)), by_name, by_id, pbx, e.at("extension"))
    fields = e.get("fields", dict)
    for key, value in fields.items():
        if not isinstance(value, str):
            raise e.fail("fields", f"{key}: every value is text as the PBX sent it, not {value!r}")
    event_type = fields.get("EventType")
    if event_type not in {t.value for t in EventType}:
        raise e.fail("fields", f"EventType {event_type!r} is not an event pbxdesk can deliver")
    for required in ("CallID", "EventTime"):
        if not fields.get(required):
            raise e.fail("fields", f"{required} is missing")
    return ReplayPlan(at=e.number("at", 0.0), extension_id=ext.id, fields=tuple(fields.items()))


def _feed_subscription(
    e: _Entry, ext_id: int, scope: SubscriptionScope, allowed: Iterable[EventType | FeedEventType]
) -> Subscription:
    choices = {t.value: t for t in allowed}
    raw = e.get("event_type", str)
    if raw not in choices:
        raise e.fail("event_type", f"must be one of {', '.join(sorted(choices))}, not {raw!r}")
    try:
        return Subscription(
            ext_id, choices[raw], parse_method(e.get("method", str, "GET")), validate_url(e.get("url", str)),
            scope=scope,
        )  # fmt: skip
    except ValidationError as exc:
        raise ValidationError(exc.message, where=e.at(exc.where)) from None


def _phone_event(i: int, table: Any) -> Subscription:
    """A global subscription: the event on every phone extension (``/phone_events/``)."""
    e = _Entry(table, f"phone_events[{i}]", {"event_type", "method", "url"})
    return _feed_subscription(
        e, 0, SubscriptionScope.PHONES, [*sorted(CALL_EVENTS), FeedEventType.EXTENSION_CALL_STATUS]
    )


_ByName = dict[str, Extension]
_ById = dict[int, Extension]


def _agent(e: _Entry, key: str, by_name: _ByName, by_id: _ById, pbx: PbxSettings) -> Extension:
    ext = _resolve_extension(e.get(key, (int, str)), by_name, by_id, pbx, e.at(key))
    if ext.type is not ExtensionType.PHONE:
        raise e.fail(key, f"a queue agent is a phone extension; {ext.name!r} is a {ext.type.value}")
    return ext


def _agent_event(i: int, table: Any, by_name: _ByName, by_id: _ById, pbx: PbxSettings) -> Subscription:
    """A queue agent's subscription (``/agent/local/{agent_id}/event/``)."""
    e = _Entry(table, f"agent_events[{i}]", {"agent", "event_type", "method", "url"})
    agent = _agent(e, "agent", by_name, by_id, pbx)
    return _feed_subscription(e, agent.id, SubscriptionScope.AGENT, sorted(AGENT_EVENTS))


def _call_statuses(doc: dict[str, Any]) -> dict[int, str]:
    out: dict[int, str] = {}
    for i, table in _tables(doc, "call_statuses"):
        e = _Entry(table, f"call_statuses[{i}]", {"id", "name"})
        status_id = e.get("id", int)
        if status_id <= 0 or status_id in out:
            raise e.fail("id", f"must be a positive integer used once, not {status_id}")
        out[status_id] = e.get("name", str)
    return out


def _status_change(
    i: int, table: Any, by_name: _ByName, by_id: _ById, pbx: PbxSettings, statuses: dict[int, str]
) -> StatusChangePlan:
    e = _Entry(table, f"status_changes[{i}]", {"at", "extension", "status"})
    ext = _resolve_extension(e.get("extension", (int, str)), by_name, by_id, pbx, e.at("extension"))
    if ext.type is not ExtensionType.PHONE:
        kind = ext.type.value
        raise e.fail("extension", f"call statuses are for phone extensions; {ext.name!r} is a {kind}")
    raw = e.get("status", (int, str), None)
    if isinstance(raw, str):
        by_label = {name: sid for sid, name in statuses.items()}
        if raw not in by_label:
            raise e.fail("status", f"no [[call_statuses]] entry named {raw!r}")
        raw = by_label[raw]
    if raw is not None and raw not in statuses:
        raise e.fail("status", f"no [[call_statuses]] entry with id {raw}")
    return StatusChangePlan(at=e.number("at", 0.0), extension=ext.name, status=raw)


def _agent_change(i: int, table: Any, by_name: _ByName, by_id: _ById, pbx: PbxSettings) -> AgentChangePlan:
    e = _Entry(table, f"agent_changes[{i}]", {"at", "agent", "status"})
    agent = _agent(e, "agent", by_name, by_id, pbx)
    raw = e.get("status", str)
    try:
        status = AgentStatus(raw)
    except ValueError:
        raise e.fail("status", f"must be 'available' or 'logged_out', not {raw!r}") from None
    return AgentChangePlan(at=e.number("at", 0.0), agent=agent.name, status=status)


def _message(i: int, table: Any, by_name: dict[str, Extension], pbx: PbxSettings) -> MessagePlan:
    e = _Entry(table, f"messages[{i}]", _MESSAGE_KEYS)
    from_ = _party(e.get("from", (str, int)), by_name, pbx, e.at("from"))
    to = _party(e.get("to", (str, int)), by_name, pbx, e.at("to"))
    for key, party in (("from", from_), ("to", to)):
        ext = by_name.get(party)
        if ext is not None and ext.type is not ExtensionType.PHONE:
            raise e.fail(key, f"messages are only for phone extensions; {party!r} is a {ext.type.value}")
    if from_ not in by_name and to not in by_name:
        raise e.fail("from", "a message needs a phone extension of this PBX at one end")
    return MessagePlan(at=e.number("at", 0.0), from_=from_, to=to, text=e.get("text", str, ""))


def _range(e: _Entry, key: str, default: tuple[float, float]) -> tuple[float, float]:
    value = e.get(key, (list, int, float), default, what="a number or [low, high] seconds")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = (value, value)
    if (
        len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or value[0] < 0
        or value[0] > value[1]
    ):
        raise e.fail(key, f"must be [low, high] with 0 <= low <= high, not {value!r}")
    return (float(value[0]), float(value[1]))


def _traffic(i: int, table: Any, by_name: dict[str, Extension], pbx: PbxSettings) -> TrafficSpec:
    e = _Entry(table, f"traffic[{i}]", _TRAFFIC_KEYS)
    to = _party(e.get("to", (str, int)), by_name, pbx, e.at("to"))
    raw_from = e.get("from", (list, str, int), [])
    raw_from = raw_from if isinstance(raw_from, list) else [raw_from]
    from_ = tuple(
        _check_caller(_party(v, by_name, pbx, e.at("from")), by_name, e.at("from")) for v in raw_from
    )
    rate = e.number("rate")
    if rate <= 0:
        raise e.fail("rate", "must be a positive number of calls per second")
    probability = e.get("answer_probability", (int, float), 0.8, what="a probability")
    if not 0.0 <= probability <= 1.0:
        raise e.fail("answer_probability", f"must be between 0 and 1, not {probability!r}")
    answered_by = tuple(_party(v, by_name, pbx, e.at("answered_by")) for v in e.get("answered_by", list, []))
    return TrafficSpec(
        to=to,
        rate=rate,
        duration=e.number("duration"),
        start=e.number("start", 0.0),
        from_=from_,
        answer_probability=float(probability),
        answer_after=_range(e, "answer_after", (1.0, 10.0)),
        talk=_range(e, "talk", (5.0, 180.0)),
        hangup=_hangup_status(e),
        answered_by=answered_by,
    )
