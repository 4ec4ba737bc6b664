"""Robustness probes: what the real PBX (and the network) will do to a handler sooner or later.

Each probe is a named check the user turns on in the scenario (``[test] probes = [...]``). It
takes events the run really delivered (as recorded in the profile) and sends them again in a
way the handler must survive, over real HTTP, keeping what it sent and what came back:

- ``duplicate``: the same event delivered again (a retry after a lost answer): the handler
  must answer as it did the first time (idempotency);
- ``reorder``: two calls' events interleaved, one call's in reverse order;
- ``unknown-field``: every event with a field the handler has never seen (the PBX adds fields);
- ``get-and-post``: the same event by GET (fields in the query) and by POST (a form body);
- ``slow-burst``: ``burst`` copies of a call, each with new ids, all at once; every answer
  must come within ``burst_max_ms`` (the PBX does not wait long for a handler).

Every probe but ``duplicate`` sends the events as new calls (new ids, so a handler that
refuses a repeat does not fail them for that) and passes when each answer is 2xx.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

import httpx
from pydantic import AfterValidator, Field

from pbxdesk.domain import HttpMethod
from pbxdesk.domain.ids import hex_id
from pbxdesk.domain.wire import build_request
from pbxdesk.engine.input_model import InputModel, checked
from pbxdesk.store.history_export import Delivery, Event

PROBES = ("duplicate", "reorder", "unknown-field", "get-and-post", "slow-burst")
UNKNOWN_FIELD = ("X-Pbxdesk-Probe", "unknown-field")
PER_PROBE = 10  # events a probe sends (but slow-burst), so a probe stays quick on a big run
TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class TestSettings:
    probes: tuple[str, ...] = ()
    burst: int = 20
    burst_max_ms: float = 2000.0  # slow-burst: the slowest answer allowed


def _probes(names: list[str]) -> list[str]:
    for name in names:
        if name not in PROBES:
            raise ValueError(f"unknown probe {name!r} (known: {', '.join(PROBES)})")
    return names


def _burst(value: int) -> int:
    if not 1 <= value <= 1000:
        raise ValueError(f"must be between 1 and 1000, not {value}")
    return value


class TestTable(InputModel):
    """The scenario's ``[test]`` table: which probes ``pbxdesk test`` runs."""

    __test__ = False  # not a test class, whatever pytest thinks of the name
    probes: Annotated[list[str], AfterValidator(_probes)] = Field(default_factory=list)
    burst: Annotated[int, AfterValidator(_burst)] = 20
    burst_max_ms: float = Field(2000.0, gt=0, description="a number of milliseconds")


def parse_test_settings(table: Any) -> TestSettings:
    if table is None:
        return TestSettings()
    t = checked(TestTable, table, "test")
    probes = tuple(dict.fromkeys(t.probes))
    return TestSettings(probes=probes, burst=t.burst, burst_max_ms=float(t.burst_max_ms))


@dataclass(slots=True)
class Exchange:
    """One request a probe sent and what came back."""

    method: str
    url: str
    body: str
    status: int | None = None
    error: str | None = None
    answer: str = ""
    latency_ms: float = 0.0
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(slots=True)
class ProbeResult:
    name: str
    passed: bool = True
    reason: str = ""
    exchanges: list[Exchange] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        if self.passed:
            self.passed, self.reason = False, reason


def _pairs(events: list[Event], target: str | None) -> list[tuple[Event, Delivery, str]]:
    """(event, its first delivery, the URL to send to), one per delivered event, in time order."""
    out = []
    for ev in sorted(events, key=lambda e: (e.event_time, e.id)):
        first = next((d for d in ev.deliveries if d.redelivery_of is None), None)
        if first is not None:
            out.append((ev, first, target or first.url))
    return out


async def _send(
    client: httpx.AsyncClient, method: str, url: str, fields: dict[str, str], note: str = ""
) -> Exchange:
    req = build_request(HttpMethod(method), url, fields)
    ex = Exchange(method, req.url, req.body.decode("ascii"), note=note)
    t0 = time.perf_counter()
    try:
        resp = await client.request(method, req.url, content=req.body or None, headers=req.headers)
    except httpx.HTTPError as exc:
        ex.error = type(exc).__name__
    else:
        ex.status, ex.answer = resp.status_code, resp.text[:2000]
    ex.latency_ms = (time.perf_counter() - t0) * 1000
    return ex


def _as_new_calls(pairs: list) -> list:
    """The same events as calls the handler has never seen: every CallID replaced by a new one
    (SubCallID, CallAPIID, RecID and CallBackID carry it too)."""
    rng = random.Random()
    new_ids: dict[str, str] = {}
    out = []
    for ev, d, url in pairs:
        new = new_ids.setdefault(ev.call_id, hex_id(rng.getrandbits(128)))
        out.append((replace(ev, fields=_renamed(ev.fields, ev.call_id, new), call_id=new), d, url))
    return out


def _last_status(d: Delivery) -> int | None:
    return d.attempts[-1].status_code if d.attempts else None


async def run_probes(
    names: Iterable[str], events: list[Event], *, target: str | None, settings: TestSettings
) -> list[ProbeResult]:
    pairs = _pairs(events, target)
    out: list[ProbeResult] = []
    async with httpx.AsyncClient(timeout=TIMEOUT_S, headers={"User-Agent": "pbxdesk-probe"}) as client:
        for name in names:
            res = ProbeResult(name)
            if not pairs:
                res.fail("the run delivered nothing to probe with")
            else:
                await _PROBES[name](client, res, pairs, settings)
            out.append(res)
    return out


async def _duplicate(
    client: httpx.AsyncClient, res: ProbeResult, pairs: list, settings: TestSettings
) -> None:
    for ev, d, url in pairs[:PER_PROBE]:
        first = _last_status(d)
        note = f"event {ev.id} again (first answer {first})"
        again = await _send(client, d.method, url, ev.fields, note=note)
        res.exchanges.append(again)
        if again.status != first:
            res.fail(f"event {ev.id} ({ev.event_type}) answered {first} the first time, "
                     f"{again.status or again.error} when delivered again")  # fmt: skip


def _calls(pairs: list) -> dict[str, list]:
    calls: dict[str, list] = {}
    for pair in pairs:
        calls.setdefault(pair[0].call_id, []).append(pair)
    return calls


async def _reorder(client: httpx.AsyncClient, res: ProbeResult, pairs: list, settings: TestSettings) -> None:
    calls = [c for c in _calls(_as_new_calls(pairs)).values() if len(c) >= 2]
    if not calls:
        res.fail("no call with two delivered events to reorder")
        return
    first, second = calls[0], list(reversed(calls[1] if len(calls) > 1 else calls[0]))
    mixed = [p for pair in zip(first, second, strict=False) for p in pair]
    mixed += first[len(second):] + second[len(first):]  # fmt: skip
    for ev, d, url in mixed[: 2 * PER_PROBE]:
        ex = await _send(client, d.method, url, ev.fields, note=f"{ev.event_type} of call {ev.call_id[:8]}")
        res.exchanges.append(ex)
        if not ex.ok:
            res.fail(f"{ev.event_type} of call {ev.call_id} out of order: {ex.status or ex.error}")


async def _unknown_field(
    client: httpx.AsyncClient, res: ProbeResult, pairs: list, settings: TestSettings
) -> None:
    for ev, d, url in _as_new_calls(pairs[:PER_PROBE]):
        fields = {**ev.fields, UNKNOWN_FIELD[0]: UNKNOWN_FIELD[1]}
        ex = await _send(client, d.method, url, fields, note=f"event {ev.id} + {UNKNOWN_FIELD[0]}")
        res.exchanges.append(ex)
        if not ex.ok:
            res.fail(f"event {ev.id} with an unknown field {UNKNOWN_FIELD[0]}: {ex.status or ex.error}")


async def _get_and_post(
    client: httpx.AsyncClient, res: ProbeResult, pairs: list, settings: TestSettings
) -> None:
    for ev, _d, url in pairs[:PER_PROBE]:
        # Two new calls of the same event: GET and POST each see it first.
        [(got_ev, _, _)] = _as_new_calls([(ev, _d, url)])
        [(post_ev, _, _)] = _as_new_calls([(ev, _d, url)])
        got = await _send(client, "GET", url, got_ev.fields, note=f"event {ev.id} by GET")
        posted = await _send(client, "POST", url, post_ev.fields, note=f"event {ev.id} by POST")
        res.exchanges += [got, posted]
        if not (got.ok and posted.ok):
            res.fail(f"event {ev.id}: GET {got.status or got.error}, POST {posted.status or posted.error}")


def _renamed(fields: dict[str, str], old: str, new: str) -> dict[str, str]:
    """The event as a new call: every occurrence of the old CallID replaced."""
    return {k: v.replace(old, new) for k, v in fields.items()}


async def _slow_burst(
    client: httpx.AsyncClient, res: ProbeResult, pairs: list, settings: TestSettings
) -> None:
    call = max(_calls(pairs).values(), key=len)
    rng = random.Random()

    async def one_copy(i: int) -> list[Exchange]:
        new_id = hex_id(rng.getrandbits(128))
        out = []
        for ev, d, url in call:
            fields = _renamed(ev.fields, ev.call_id, new_id)
            out.append(await _send(client, d.method, url, fields, note=f"copy {i}: {ev.event_type}"))
        return out

    burst = settings.burst
    copies = await asyncio.gather(*(one_copy(i) for i in range(burst)))
    for exchanges in copies:
        res.exchanges += exchanges
    bad = [ex for ex in res.exchanges if not ex.ok]
    slowest = max(ex.latency_ms for ex in res.exchanges)
    if bad:
        res.fail(f"{len(bad)} of {len(res.exchanges)} requests of {burst} calls at once were not 2xx "
                 f"(first: {bad[0].status or bad[0].error})")  # fmt: skip
    elif slowest > settings.burst_max_ms:
        res.fail(f"{burst} calls at once: the slowest answer took {slowest:.0f} ms "
                 f"(at most {settings.burst_max_ms:g} ms)")  # fmt: skip
    res.reason = res.reason or f"{burst} calls at once; slowest answer {slowest:.1f} ms"


_PROBES = {
    "duplicate": _duplicate,
    "reorder": _reorder,
    "unknown-field": _unknown_field,
    "get-and-post": _get_and_post,
    "slow-burst": _slow_burst,
}
assert set(_PROBES) == set(PROBES)
