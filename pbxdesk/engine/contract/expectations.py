"""What a scenario expects of the handler: ``[[expect]]`` tables, and checking them.

A scenario file may say what every delivery it causes must get back::

    [[expect]]
    name = "hangups are acknowledged fast"   # optional
    event_type = "hangup"          # or a list; leave out for every event type
    extension = 175                # id or name; leave out for every extension
    call = 0                       # the run's first call (by its first event); leave out for all
    status = "2xx"                 # a class ("2xx", "4xx") or an exact code (200)
    max_latency_ms = 500
    body_contains = "ok"
    body_matches = "^(ok|accepted)"  # a regular expression, searched in the answer
    json_path = "result.status"    # a dotted path in a JSON answer (numbers index lists)...
    json_equals = "accepted"       # ...and the value it must hold
    header = "X-Request-Id"        # a response header that must be present

Without any ``[[expect]]`` the default holds: every delivery answered 2xx. Checks read the
run's profile (every attempt's status, latency, headers and the first 64 KiB of its answer),
so what is checked is what was really sent and received.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from pbxdesk.domain import EventType, Extension, ValidationError
from pbxdesk.engine.input_model import InputModel, checked
from pbxdesk.store.history_export import Attempt, Delivery, Event

_STATUS_CLASS = re.compile(r"[1-5]xx")
_MISSING = object()


@dataclass(frozen=True, slots=True)
class Expectation:
    name: str
    event_types: tuple[str, ...] = ()  # empty: every type
    extension_id: int | None = None
    call: int | None = None  # the run's Nth call, by its first event
    status: str | int | None = None  # "2xx" or 200
    max_latency_ms: float | None = None
    body_contains: str | None = None
    body_matches: re.Pattern[str] | None = None
    json_path: tuple[str, ...] = ()
    json_equals: Any = _MISSING
    header: str | None = None

    def selects(self, event: Event, call_index: int) -> bool:
        return (
            (not self.event_types or event.event_type in self.event_types)
            and (self.extension_id is None or event.extension_id == self.extension_id)
            and (self.call is None or call_index == self.call)
        )


DEFAULT_EXPECTATION = Expectation(name="every delivery answered 2xx", status="2xx")


def parse_expectations(tables: Any, extensions: Iterable[Extension], prefix: str) -> tuple[Expectation, ...]:
    """The ``[[expect]]`` tables of a scenario (already TOML-decoded)."""
    if tables is None:
        return ()
    if not isinstance(tables, list):
        raise ValidationError("must be an array of tables ([[expect]])", where="expect")
    by_name = {e.name: e for e in extensions}
    ids = {e.id for e in by_name.values()}
    return tuple(_one(i, t, by_name, ids, prefix) for i, t in enumerate(tables))


def _call_index(value: int) -> int:
    if value < 0:
        raise ValueError(f"must be 0 or more (the run's first call is 0), not {value}")
    return value


def _status(value: str | int) -> str | int:
    if isinstance(value, str) and not _STATUS_CLASS.fullmatch(value.lower()):
        raise ValueError(f"must be a class like '2xx' or a code like 200, not {value!r}")
    if isinstance(value, int) and not 100 <= value <= 599:
        raise ValueError(f"must be an HTTP status code (100-599), not {value}")
    return value.lower() if isinstance(value, str) else value


def _pattern(value: str) -> re.Pattern[str]:
    try:
        return re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {exc}") from None


class ExpectTable(InputModel):
    """One ``[[expect]]`` table (see the module's docstring)."""

    name: str | None = None
    event_type: str | list[str] = Field(default_factory=list)
    extension: int | str | None = None
    call: Annotated[int, AfterValidator(_call_index)] | None = None
    status: Annotated[str | int, AfterValidator(_status)] | None = None
    max_latency_ms: float | None = Field(None, gt=0, description="a number of milliseconds")
    body_contains: str | None = None
    body_matches: Annotated[str, AfterValidator(_pattern)] | None = None
    json_path: str | None = None
    json_equals: Any = None  # any TOML value; given or not is model_fields_set's
    header: str | None = None


def _one(i: int, table: Any, by_name: dict[str, Extension], ids: set[int], prefix: str) -> Expectation:
    where = f"expect[{i}]"
    t = checked(ExpectTable, table, where)
    types = tuple(t.event_type if isinstance(t.event_type, list) else [t.event_type])
    known = {et.value for et in EventType}
    for et in types:
        if et not in known:
            raise ValidationError(
                f"unknown event type {et!r} (known: {', '.join(sorted(known))})", where=f"{where}.event_type"
            )
    ext_id = None
    raw_ext = t.extension
    if isinstance(raw_ext, int):
        if raw_ext not in ids:
            raise ValidationError(f"unknown extension id {raw_ext}", where=f"{where}.extension")
        ext_id = raw_ext
    elif isinstance(raw_ext, str):
        name = raw_ext if "*" in raw_ext else f"{prefix}*{raw_ext}"
        if name not in by_name:
            raise ValidationError(f"unknown extension {raw_ext!r}", where=f"{where}.extension")
        ext_id = by_name[name].id
    path = t.json_path
    equals = t.json_equals if "json_equals" in t.model_fields_set else _MISSING
    if (path is None) != (equals is _MISSING):
        key = "json_path" if path is None else "json_equals"
        raise ValidationError("json_path and json_equals go together", where=f"{where}.{key}")
    exp = Expectation(
        name="",
        event_types=types,
        extension_id=ext_id,
        call=t.call,
        status=t.status,
        max_latency_ms=None if t.max_latency_ms is None else float(t.max_latency_ms),
        body_contains=t.body_contains,
        body_matches=t.body_matches,  # type: ignore[arg-type]  # the model compiled it
        json_path=tuple(path.split(".")) if path else (),
        json_equals=equals,
        header=t.header,
    )
    if not any((exp.status, exp.max_latency_ms, exp.body_contains, exp.body_matches, path, t.header)):
        raise ValidationError(
            "says nothing to check (status, max_latency_ms, body_contains, body_matches, "
            "json_path/json_equals or header)",
            where=where,
        )
    return Expectation(**{**_fields(exp), "name": t.name or _describe(exp)})


def _fields(exp: Expectation) -> dict[str, Any]:
    return {f: getattr(exp, f) for f in Expectation.__dataclass_fields__}


def _describe(exp: Expectation) -> str:
    what = "/".join(exp.event_types) or "every event"
    where = f" on extension {exp.extension_id}" if exp.extension_id is not None else ""
    call = f" of call {exp.call}" if exp.call is not None else ""
    checks = []
    if exp.status is not None:
        checks.append(f"status {exp.status}")
    if exp.max_latency_ms is not None:
        checks.append(f"within {exp.max_latency_ms:g} ms")
    if exp.body_contains is not None:
        checks.append(f"body contains {exp.body_contains!r}")
    if exp.body_matches is not None:
        checks.append(f"body matches /{exp.body_matches.pattern}/")
    if exp.json_path:
        checks.append(f"{'.'.join(exp.json_path)} == {exp.json_equals!r}")
    if exp.header is not None:
        checks.append(f"header {exp.header}")
    return f"{what}{where}{call}: {', '.join(checks)}"


# -- checking ----------------------------------------------------------------------------------
@dataclass(slots=True)
class Failure:
    event: Event
    delivery: Delivery
    reason: str


@dataclass(slots=True)
class ExpectationResult:
    expectation: Expectation
    checked: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.checked > 0 and not self.failures


def check_expectations(expectations: Iterable[Expectation], events: list[Event]) -> list[ExpectationResult]:
    """Every delivery of ``events`` (the first delivery of each event and subscription; not the
    user's redeliveries) against each expectation that selects its event."""
    order: dict[str, int] = {}
    for ev in sorted(events, key=lambda e: (e.event_time, e.id)):
        order.setdefault(ev.call_id, len(order))
    results = [ExpectationResult(exp) for exp in expectations]
    for ev in events:
        for d in ev.deliveries:
            if d.redelivery_of is not None:
                continue
            for res in results:
                if res.expectation.selects(ev, order.get(ev.call_id, -1)):
                    res.checked += 1
                    reason = verdict(res.expectation, d)
                    if reason is not None:
                        res.failures.append(Failure(ev, d, reason))
    return results


def verdict(exp: Expectation, d: Delivery) -> str | None:
    """Why delivery ``d`` breaks ``exp`` (its last attempt is what counts), or None."""
    last: Attempt | None = d.attempts[-1] if d.attempts else None
    if last is None:
        return f"never attempted (state {d.state})"
    code = last.status_code
    if exp.status is not None:
        if code is None:
            detail = f" ({last.error_detail})" if last.error_detail else ""
            return f"no answer: {last.error or 'error'}{detail}"
        if isinstance(exp.status, int) and code != exp.status:
            return f"status {code}, expected {exp.status}"
        if isinstance(exp.status, str) and str(code)[0] != exp.status[0]:
            return f"status {code}, expected {exp.status}"
    if exp.max_latency_ms is not None and last.latency_ms > exp.max_latency_ms:
        return f"answered in {last.latency_ms:.1f} ms, expected at most {exp.max_latency_ms:g} ms"
    body = last.response_body.decode("utf-8", "replace")
    if exp.body_contains is not None and exp.body_contains not in body:
        return f"answer does not contain {exp.body_contains!r}"
    if exp.body_matches is not None and exp.body_matches.search(body) is None:
        return f"answer does not match /{exp.body_matches.pattern}/"
    if exp.json_path:
        try:
            value: Any = json.loads(body)
        except ValueError:
            return "answer is not JSON"
        for step in exp.json_path:
            if isinstance(value, dict) and step in value:
                value = value[step]
            elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
                value = value[int(step)]
            else:
                return f"answer has no {'.'.join(exp.json_path)}"
        if value != exp.json_equals:
            return f"{'.'.join(exp.json_path)} is {value!r}, expected {exp.json_equals!r}"
    if exp.header is not None and exp.header.lower() not in {k.lower() for k in last.response_headers}:
        return f"no {exp.header} header in the answer"
    return None
