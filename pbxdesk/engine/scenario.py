"""Scenario files (TOML): a PBX's extensions, subscriptions and the calls to simulate.

Every error names the file, the entry and the field at fault, e.g.
``demo.toml: calls[2].to: unknown extension '000*555'``.
"""

from __future__ import annotations

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
from pbxdesk.engine.input_model import checked
from pbxdesk.engine.scenario_model import (
    AgentChangeTable,
    AgentEventTable,
    CallbackTable,
    CallStatusTable,
    CallTable,
    ExtensionTable,
    MessageTable,
    PbxTable,
    PhoneEventTable,
    ReplayTable,
    ScenarioFile,
    StatusChangeTable,
    SubscriptionTable,
    TrafficTable,
)


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


def _tables(doc: ScenarioFile, key: str) -> Iterable[tuple[int, Any]]:
    return enumerate(getattr(doc, key))


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


def _build(raw: dict[str, Any], source: str) -> Scenario:
    try:
        doc = checked(ScenarioFile, raw, "")
    except ValidationError as exc:  # an unknown key of the file itself: say "scenario"
        raise ValidationError(exc.message, where=exc.where or "scenario") from None
    pbx_t = checked(PbxTable, doc.pbx, "pbx")
    pbx = PbxSettings(
        client_prefix=validate_prefix(pbx_t.client_prefix, where="pbx.client_prefix"),
        domain=pbx_t.domain,
        seed=pbx_t.seed,
        client_id=pbx_t.client_id,
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
        expect=parse_expectations(doc.expect, extensions, pbx.client_prefix),
        test=parse_test_settings(doc.test),
    )


def _extensions(doc: ScenarioFile, pbx: PbxSettings) -> tuple[Extension, ...]:
    out: list[Extension] = []
    seen_ids: set[int] = set()
    seen_names: set[str] = set()
    seen_dids: set[str] = set()
    for i, table in _tables(doc, "extensions"):
        where = f"extensions[{i}]"
        t = checked(ExtensionTable, table, where)
        if t.id in seen_ids:
            raise ValidationError(f"duplicate extension id {t.id}", where=f"{where}.id")
        name = validate_extension_name(t.name, prefix=pbx.client_prefix, where=f"{where}.name")
        if name in seen_names:
            raise ValidationError(f"duplicate extension name {name!r}", where=f"{where}.name")
        ext_type = parse_extension_type(t.type, where=f"{where}.type")
        did = None if t.did is None else str(t.did)
        if did is not None:
            if did in seen_dids:
                raise ValidationError(
                    f"public number {did} is routed to two extensions", where=f"{where}.did"
                )
            seen_dids.add(did)
        agents = tuple(
            validate_extension_name(a, prefix=pbx.client_prefix, where=f"{where}.agents") for a in t.agents
        )
        route = t.route
        if route is not None:
            route = validate_extension_name(route, prefix=pbx.client_prefix, where=f"{where}.route")
        if ext_type is ExtensionType.QUEUE and not agents:
            raise ValidationError("a queue needs at least one agent", where=f"{where}.agents")
        if agents and ext_type is not ExtensionType.QUEUE:
            raise ValidationError(
                f"only a queue has agents, this extension is a {ext_type.value}", where=f"{where}.agents"
            )
        if route is not None and ext_type is not ExtensionType.IVR:
            raise ValidationError(
                f"only an ivr routes callers, this extension is a {ext_type.value}", where=f"{where}.route"
            )
        out.append(
            Extension(
                id=t.id,
                name=name,
                type=ext_type,
                status=ExtensionStatus(t.status),
                label=t.label,
                record=t.record,
                did=did,
                forward_to=None if t.forward_to is None else str(t.forward_to),
                agents=agents,
                strategy=t.strategy,
                route=route,
                menu_time=float(t.menu_time),
                ring_time=float(t.ring_time),
                caller_id_name=t.caller_id_name,
                extension_group_id=t.extension_group_id,
                create_date=t.create_date,
                client_id=t.client_id,
                domain=t.domain,
                extra_params=t.extra_params,
            )
        )
        seen_ids.add(t.id)
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
    doc: ScenarioFile, by_name: dict[str, Extension], by_id: dict[int, Extension], pbx: PbxSettings
) -> tuple[Subscription, ...]:
    out: list[Subscription] = []
    for i, table in _tables(doc, "subscriptions"):
        where = f"subscriptions[{i}]"
        t = checked(SubscriptionTable, table, where)
        ext = _resolve_extension(t.extension, by_name, by_id, pbx, f"{where}.extension")
        try:
            sub = make_subscription(ext, event_type=t.event_type, method=t.method, url=t.url)
        except ValidationError as exc:
            raise ValidationError(exc.message, where=f"{where}.{exc.where}") from None
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
    where = f"calls[{i}]"
    t = checked(CallTable, table, where)
    at = f"{where}.from"
    from_ = _check_caller(_party(t.from_, by_name, pbx, at), by_name, at)
    to = _party(t.to, by_name, pbx, f"{where}.to")
    answered_by = t.answered_by
    if answered_by is not None:
        answered_by = _party(answered_by, by_name, pbx, f"{where}.answered_by")
    transfer_to = t.transfer_to
    if transfer_to is not None:
        transfer_to = _party(transfer_to, by_name, pbx, f"{where}.transfer_to")
        if transfer_to not in by_name or by_name[transfer_to].type is not ExtensionType.PHONE:
            raise ValidationError(
                f"{transfer_to!r} is not a phone extension of this PBX", where=f"{where}.transfer_to"
            )
    voicemail = t.voicemail  # the model made true into 10 s, false into None
    if voicemail is not None:
        target = by_name.get(to) or _by_did_or_short(to, by_name, pbx)
        if target is None or target.type is not ExtensionType.PHONE:
            raise ValidationError(
                "a voicemail is left on a phone extension: call one", where=f"{where}.voicemail"
            )
    return CallPlan(
        at=float(t.at),
        from_=from_,
        to=to,
        answer_after=_float(t.answer_after),
        talk=float(t.talk),
        answered_by=answered_by,
        hangup=CallStatus(t.hangup),
        ring=_float(t.ring),
        voicemail=_float(voicemail),
        transfer_to=transfer_to,
        transfer_after=float(t.transfer_after),
        transfer_answer_after=float(t.transfer_answer_after),
        diversion=None if t.diversion is None else str(t.diversion),
    )


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _by_did_or_short(number: str, by_name: dict[str, Extension], pbx: PbxSettings) -> Extension | None:
    for ext in by_name.values():
        if ext.did == number:
            return ext
    return by_name.get(f"{pbx.client_prefix}*{number}")


def _callback(
    i: int, table: Any, by_name: dict[str, Extension], by_id: dict[int, Extension], pbx: PbxSettings
) -> CallbackPlan:
    where = f"callbacks[{i}]"
    t = checked(CallbackTable, table, where)
    owner = _resolve_extension(t.extension, by_name, by_id, pbx, f"{where}.extension")
    raw_src = t.src_num if isinstance(t.src_num, list) else [t.src_num]
    at = f"{where}.src_num"
    if not raw_src:
        raise ValidationError("needs at least one number to ring first", where=at)
    src: list[str] = []
    for value in raw_src:
        value = str(value)
        # The API takes short numbers ("200") for the PBX's own extensions.
        full = f"{pbx.client_prefix}*{value}"
        src.append(full if value.isdigit() and full in by_name else _party(value, by_name, pbx, at))
        _check_caller(src[-1], by_name, at)
    return CallbackPlan(
        at=float(t.at),
        extension=owner.name,
        src_num=tuple(src),
        dst_num=_party(t.dst_num, by_name, pbx, f"{where}.dst_num"),
        answer_after=_float(t.answer_after),
        talk=float(t.talk),
        src_answer_after=float(t.src_answer_after),
        hangup=CallStatus(t.hangup),
    )


def _replay(
    i: int, table: Any, by_name: dict[str, Extension], by_id: dict[int, Extension], pbx: PbxSettings
) -> ReplayPlan:
    where = f"replay[{i}]"
    t = checked(ReplayTable, table, where)
    ext = _resolve_extension(t.extension, by_name, by_id, pbx, f"{where}.extension")
    fields = t.fields
    event_type = fields.get("EventType")
    if event_type not in {et.value for et in EventType}:
        raise ValidationError(
            f"EventType {event_type!r} is not an event pbxdesk can deliver", where=f"{where}.fields"
        )
    for required in ("CallID", "EventTime"):
        if not fields.get(required):
            raise ValidationError(f"{required} is missing", where=f"{where}.fields")
    return ReplayPlan(at=float(t.at), extension_id=ext.id, fields=tuple(fields.items()))


def _feed_subscription(
    t: PhoneEventTable, where: str, ext_id: int, scope: SubscriptionScope,
    allowed: Iterable[EventType | FeedEventType],
) -> Subscription:  # fmt: skip
    choices = {et.value: et for et in allowed}
    if t.event_type not in choices:
        raise ValidationError(
            f"must be one of {', '.join(sorted(choices))}, not {t.event_type!r}", where=f"{where}.event_type"
        )
    try:
        return Subscription(
            ext_id, choices[t.event_type], parse_method(t.method), validate_url(t.url), scope=scope
        )
    except ValidationError as exc:
        raise ValidationError(exc.message, where=f"{where}.{exc.where}") from None


def _phone_event(i: int, table: Any) -> Subscription:
    """A global subscription: the event on every phone extension (``/phone_events/``)."""
    where = f"phone_events[{i}]"
    t = checked(PhoneEventTable, table, where)
    return _feed_subscription(
        t, where, 0, SubscriptionScope.PHONES, [*sorted(CALL_EVENTS), FeedEventType.EXTENSION_CALL_STATUS]
    )


_ByName = dict[str, Extension]
_ById = dict[int, Extension]


def _agent(key: int | str, where: str, by_name: _ByName, by_id: _ById, pbx: PbxSettings) -> Extension:
    ext = _resolve_extension(key, by_name, by_id, pbx, where)
    if ext.type is not ExtensionType.PHONE:
        raise ValidationError(
            f"a queue agent is a phone extension; {ext.name!r} is a {ext.type.value}", where=where
        )
    return ext


def _agent_event(i: int, table: Any, by_name: _ByName, by_id: _ById, pbx: PbxSettings) -> Subscription:
    """A queue agent's subscription (``/agent/local/{agent_id}/event/``)."""
    where = f"agent_events[{i}]"
    t = checked(AgentEventTable, table, where)
    agent = _agent(t.agent, f"{where}.agent", by_name, by_id, pbx)
    return _feed_subscription(t, where, agent.id, SubscriptionScope.AGENT, sorted(AGENT_EVENTS))


def _call_statuses(doc: ScenarioFile) -> dict[int, str]:
    out: dict[int, str] = {}
    for i, table in _tables(doc, "call_statuses"):
        t = checked(CallStatusTable, table, f"call_statuses[{i}]")
        if t.id in out:
            raise ValidationError(
                f"must be a positive integer used once, not {t.id}", where=f"call_statuses[{i}].id"
            )
        out[t.id] = t.name
    return out


def _status_change(
    i: int, table: Any, by_name: _ByName, by_id: _ById, pbx: PbxSettings, statuses: dict[int, str]
) -> StatusChangePlan:
    where = f"status_changes[{i}]"
    t = checked(StatusChangeTable, table, where)
    ext = _resolve_extension(t.extension, by_name, by_id, pbx, f"{where}.extension")
    if ext.type is not ExtensionType.PHONE:
        kind = ext.type.value
        raise ValidationError(
            f"call statuses are for phone extensions; {ext.name!r} is a {kind}", where=f"{where}.extension"
        )
    raw = t.status
    if isinstance(raw, str):
        by_label = {name: sid for sid, name in statuses.items()}
        if raw not in by_label:
            raise ValidationError(f"no [[call_statuses]] entry named {raw!r}", where=f"{where}.status")
        raw = by_label[raw]
    if raw is not None and raw not in statuses:
        raise ValidationError(f"no [[call_statuses]] entry with id {raw}", where=f"{where}.status")
    return StatusChangePlan(at=float(t.at), extension=ext.name, status=raw)


def _agent_change(i: int, table: Any, by_name: _ByName, by_id: _ById, pbx: PbxSettings) -> AgentChangePlan:
    where = f"agent_changes[{i}]"
    t = checked(AgentChangeTable, table, where)
    agent = _agent(t.agent, f"{where}.agent", by_name, by_id, pbx)
    return AgentChangePlan(at=float(t.at), agent=agent.name, status=AgentStatus(t.status))


def _message(i: int, table: Any, by_name: dict[str, Extension], pbx: PbxSettings) -> MessagePlan:
    where = f"messages[{i}]"
    t = checked(MessageTable, table, where)
    from_ = _party(t.from_, by_name, pbx, f"{where}.from")
    to = _party(t.to, by_name, pbx, f"{where}.to")
    for key, party in (("from", from_), ("to", to)):
        ext = by_name.get(party)
        if ext is not None and ext.type is not ExtensionType.PHONE:
            raise ValidationError(
                f"messages are only for phone extensions; {party!r} is a {ext.type.value}",
                where=f"{where}.{key}",
            )
    if from_ not in by_name and to not in by_name:
        raise ValidationError(
            "a message needs a phone extension of this PBX at one end", where=f"{where}.from"
        )
    return MessagePlan(at=float(t.at), from_=from_, to=to, text=t.text)


def _traffic(i: int, table: Any, by_name: dict[str, Extension], pbx: PbxSettings) -> TrafficSpec:
    where = f"traffic[{i}]"
    t = checked(TrafficTable, table, where)
    to = _party(t.to, by_name, pbx, f"{where}.to")
    raw_from = t.from_ if isinstance(t.from_, list) else [t.from_]
    at = f"{where}.from"
    from_ = tuple(_check_caller(_party(v, by_name, pbx, at), by_name, at) for v in raw_from)
    answered_by = tuple(_party(v, by_name, pbx, f"{where}.answered_by") for v in t.answered_by)
    return TrafficSpec(
        to=to,
        rate=float(t.rate),
        duration=float(t.duration),
        start=float(t.start),
        from_=from_,
        answer_probability=float(t.answer_probability),
        answer_after=t.answer_after,  # type: ignore[arg-type]  # the model made it a (low, high) pair
        talk=t.talk,  # type: ignore[arg-type]
        hangup=CallStatus(t.hangup),
        answered_by=answered_by,
    )
