"""The timeline's queries: newest rows, a call, an extension's events in a time range.

Every query here filters on event_log (the table behind the ``events`` view, see schema v3)
through an index chosen for it, and decodes the event fields of the rows it returns only:

- newest rows: the rowid (``ORDER BY id DESC LIMIT n``), then deliveries by ``event_id``;
- one call: ``idx_events_call_id_event_time`` (call_id, event_time);
- extension + event type + time range: ``idx_events_extension_id_event_type_event_time``;
- a time range alone: ``idx_events_event_time``.

``tests/unit/test_profiles_queries.py`` checks with EXPLAIN QUERY PLAN that each uses its index.
They take a plain sqlite3 connection, so the GUI can run them on its own reader connection
(or in a thread), never on the writer's.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

EVENT_SELECT = (
    "SELECT id, call_id, sub_call_id, event_type, extension_id, extension_name, event_time, source, data"
)
DELIVERY_SELECT = (
    "SELECT id, event_id, subscription_id, method, url, state, status_code, error, latency_ms, attempts, "
    "started_at, finished_at, next_attempt_at, redelivery_of"
)
DEFAULT_LIMIT = 200


@dataclass(slots=True)
class DeliverySummary:
    """What the timeline shows of an event's deliveries: how many, and how they ended."""

    total: int = 0
    delivered: int = 0
    failed: int = 0
    open: int = 0  # pending, in flight or paused: still to be sent
    last_outcome: str = ""  # "200", "503", "timeout"... of the newest delivery with an answer
    deliveries: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class TimelineEvent:
    id: int
    call_id: str
    sub_call_id: str | None
    event_type: str
    extension_id: int
    extension_name: str
    event_time: int
    source: str
    fields: dict[str, str]
    summary: DeliverySummary = field(default_factory=DeliverySummary)

    def as_dict(self) -> dict[str, Any]:
        """The shape Profile.recent_events() has always returned."""
        return {
            "id": self.id,
            "call_id": self.call_id,
            "sub_call_id": self.sub_call_id,
            "event_type": self.event_type,
            "extension_id": self.extension_id,
            "extension_name": self.extension_name,
            "event_time": self.event_time,
            "source": self.source,
            "fields": self.fields,
            "deliveries": self.summary.deliveries,
        }


def _add_range(
    clauses: list[str],
    params: list[Any],
    alias: str,
    extension_id: int | None,
    event_types: Sequence[str],
    since_us: int | None,
    until_us: int | None,
) -> None:
    """The clauses the (extension, type, time) index serves, in that column order."""
    if extension_id is not None:
        clauses.append(f"{alias}extension_id = ?")
        params.append(extension_id)
    if event_types:
        clauses.append(f"{alias}event_type IN ({','.join('?' * len(event_types))})")
        params.extend(event_types)
    if since_us is not None:
        clauses.append(f"{alias}event_time >= ?")
        params.append(since_us)
    if until_us is not None:
        clauses.append(f"{alias}event_time < ?")
        params.append(until_us)


@dataclass(frozen=True, slots=True)
class TimelineFilter:
    """A display filter. Empty fields do not filter."""

    call_id: str | None = None
    extension_id: int | None = None
    event_types: tuple[str, ...] = ()
    since_us: int | None = None  # event_time >= since_us
    until_us: int | None = None  # event_time < until_us

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.call_id is not None:
            clauses.append("call_id = ?")
            params.append(self.call_id)
        _add_range(clauses, params, "", self.extension_id, self.event_types, self.since_us, self.until_us)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _decode(row: Sequence[Any]) -> TimelineEvent:
    data = row[8]
    try:
        fields = json.loads(data) if data else {}
    except ValueError:
        fields = {"_raw": data}  # never the case for rows written through the writer
    return TimelineEvent(
        id=row[0],
        call_id=row[1],
        sub_call_id=row[2],
        event_type=row[3],
        extension_id=row[4],
        extension_name=row[5] or "",
        event_time=row[6],
        source=row[7] or "",
        fields=fields,
    )


def _delivery(row: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": row[0],
        "event_id": row[1],
        "subscription_id": row[2],
        "method": row[3],
        "url": row[4],
        "state": row[5],
        "status_code": row[6],
        "error": row[7],
        "latency_ms": row[8],
        "attempts": row[9],
        "started_at": row[10],
        "finished_at": row[11],
        "next_attempt_at": row[12],
        "redelivery_of": row[13],
    }


def _state_of(d: dict[str, Any]) -> str:
    if d["state"]:
        return str(d["state"])
    code = d["status_code"]  # rows of a v1 profile, before the outbox
    return "delivered" if code is not None and 200 <= code < 300 else "failed"


def attach_deliveries(conn: sqlite3.Connection, events: Iterable[TimelineEvent]) -> None:
    """Fill each event's delivery summary: one indexed query (deliveries.event_id) per 500."""
    by_id = {e.id: e for e in events}
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"{DELIVERY_SELECT} FROM deliveries WHERE event_id IN ({marks}) ORDER BY id", chunk
        ):
            d = _delivery(row)
            s = by_id[d["event_id"]].summary
            s.deliveries.append(d)
            s.total += 1
            state = _state_of(d)
            if state == "delivered":
                s.delivered += 1
            elif state == "failed":
                s.failed += 1
            elif state in ("pending", "in_flight", "paused"):
                s.open += 1
            if d["error"] or d["status_code"] is not None:
                s.last_outcome = d["error"] or str(d["status_code"])


def newest(
    conn: sqlite3.Connection, limit: int = DEFAULT_LIMIT, *, before_id: int | None = None
) -> list[TimelineEvent]:
    """The newest ``limit`` events (older than ``before_id`` when given), oldest first, with
    their deliveries' summary. The rowid order: no index but the table itself."""
    if before_id is None:
        rows = conn.execute(f"{EVENT_SELECT} FROM events ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    else:
        rows = conn.execute(
            f"{EVENT_SELECT} FROM events WHERE id < ? ORDER BY id DESC LIMIT ?", (before_id, limit)
        ).fetchall()
    events = [_decode(r) for r in reversed(rows)]
    attach_deliveries(conn, events)
    return events


def call_events(conn: sqlite3.Connection, call_id: str, limit: int = 10_000) -> list[TimelineEvent]:
    """Every event of one call (all its legs, every extension), in time order."""
    rows = conn.execute(
        f"{EVENT_SELECT} FROM events WHERE call_id = ? ORDER BY event_time, id LIMIT ?", (call_id, limit)
    ).fetchall()
    events = [_decode(r) for r in rows]
    attach_deliveries(conn, events)
    return events


def extension_events(
    conn: sqlite3.Connection,
    extension_id: int,
    event_types: Sequence[str],
    since_us: int,
    until_us: int,
    limit: int = DEFAULT_LIMIT,
) -> list[TimelineEvent]:
    """The newest ``limit`` events of these types on one extension in [since_us, until_us),
    oldest first."""
    sql, params = filtered_sql(
        TimelineFilter(None, extension_id, tuple(event_types), since_us, until_us), limit
    )
    rows = conn.execute(sql, params).fetchall()
    events = [_decode(r) for r in reversed(rows)]
    attach_deliveries(conn, events)
    return events


def filtered_sql(flt: TimelineFilter, limit: int = DEFAULT_LIMIT) -> tuple[str, list[Any]]:
    """The newest ``limit`` events matching ``flt`` (newest first); SQLite picks the index the
    filter's columns lead with (call, extension + type + time, or time)."""
    where, params = flt.where()
    order = (
        "event_time DESC, id DESC" if (flt.since_us is not None or flt.until_us is not None) else "id DESC"
    )
    return f"{EVENT_SELECT} FROM events{where} ORDER BY {order} LIMIT ?", [*params, limit]


def filtered(
    conn: sqlite3.Connection, flt: TimelineFilter, limit: int = DEFAULT_LIMIT
) -> list[TimelineEvent]:
    """Events matching a display filter, oldest first, with their deliveries' summary."""
    sql, params = filtered_sql(flt, limit)
    events = [_decode(r) for r in reversed(conn.execute(sql, params).fetchall())]
    attach_deliveries(conn, events)
    return events


def query_plan(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[str]:
    """EXPLAIN QUERY PLAN's lines for ``sql`` (the detail column)."""
    return [str(r[3]) for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", tuple(params))]


# -- the timeline window: rows by id, attempts, and the filter bar's display filters ---------------
# The GUI's timeline holds only event ids and reads rows in pages (``events_by_ids``) on a
# read-only connection of its own; the filter bar's criteria become one SELECT of ids
# (``display_filter_sql``), each criterion through an index where the schema has one:
#
# - CallID (exact, or a prefix of >= 4 characters): ``calls``' unique index, then
#   ``idx_event_log_call_ref_event_time``;
# - extension, event type, time: ``idx_events_extension_id_event_type_event_time`` (an event
#   type without an extension becomes ``extension_id IN (every extension in the log)`` so the
#   same index serves it: a skip-scan SQLite cannot choose by itself without ANALYZE);
# - delivery result and "failures only": ``idx_deliveries_state``;
# - call status and numbers/names: substring tests on the stored JSON (no index can serve a
#   substring; the test is plain C string work, ~0.4 µs a row).

ATTEMPT_SELECT = (
    "SELECT id, delivery_id, n, started_at, finished_at, latency_ms, status_code, error, error_detail, "
    "request_headers, response_headers, response_body, response_truncated"
)
# Delivery states from the worst down: an event's result is the first of these any of its
# deliveries is in (TimelineRow.delivery_state in the GUI says the same in its own words).
RESULT_RANKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("failed", ("failed",)),
    ("retrying", ("pending", "in_flight")),
    ("paused", ("paused",)),
    ("cancelled", ("cancelled",)),
    ("delivered", ("delivered",)),
)
DELIVERY_RESULTS = ("delivered", "retrying", "failed", "paused", "none")
# The fields a "number" search looks in (names too: people search for a caller's name).
NUMBER_FIELDS = (
    "CallerIDNum", "CallerIDName", "CalledDID", "CallerExtension", "CalledExtension", "CalledNumber",
    "RemoteNumber",
)  # fmt: skip
CALL_PREFIX_MIN = 4  # a shorter text is never taken for the start of a CallID
_HEXISH = frozenset("0123456789abcdefABCDEF-")
# An event's JSON as stored: event_log keeps the text after its head in ``rest`` (or the whole
# text in ``data``); for the substring tests either is as good as the full text.
_STORED_JSON = "COALESCE(e.rest, e.data)"
# ``rest`` starts with the comma after the head: prefixing a dummy member makes it a JSON object.
_JSON_OBJECT = "COALESCE(e.data, '{\"_\":0' || e.rest)"


def aggregate_result(states: Iterable[str]) -> str:
    """An event's delivery result from its deliveries' states: 'none' without any."""
    seen = set(states)
    if not seen:
        return "none"
    for result, members in RESULT_RANKS:
        if seen.intersection(members):
            return result
    return "delivered"


def is_failure(state: str, attempts: int) -> bool:
    """A delivery whose last attempt failed: failed for good, or waiting to retry (or paused)
    after a failed attempt. What "failures only" and F3 look for."""
    if state == "failed":
        return True
    if state in ("pending", "paused"):
        return attempts >= 1
    return state == "in_flight" and attempts >= 2  # the attempt under way is a retry


_FAILURE_SQL = (
    "state IN ('failed', 'pending', 'in_flight', 'paused') "
    "AND (state = 'failed' OR attempts >= CASE state WHEN 'in_flight' THEN 2 ELSE 1 END)"
)


@dataclass(frozen=True, slots=True)
class DisplayFilter:
    """The filter bar's criteria. Empty ones do not filter; all the others must hold."""

    event_types: tuple[str, ...] = ()
    extension_id: int | None = None
    call_status: str | None = None  # the CallStatus field (hangups and answers carry it)
    delivery: str | None = None  # one of DELIVERY_RESULTS
    text: str = ""  # a CallID (or its start), or part of a number or a name
    failures_only: bool = False
    since_us: int | None = None
    until_us: int | None = None

    @property
    def is_empty(self) -> bool:
        return self == DisplayFilter()

    @property
    def needs_deliveries(self) -> bool:
        """Whether an event's deliveries decide if it matches (a new result may admit it)."""
        return self.delivery is not None or self.failures_only


@dataclass(frozen=True, slots=True)
class ResolvedFilter:
    """A DisplayFilter with its search text resolved against the store: whether the text is
    taken as a CallID prefix, a number, or both. Matching live rows in Python uses the same."""

    flt: DisplayFilter
    call_prefix: str | None = None
    number_text: str | None = None  # lower case

    def matches(
        self,
        event_type: str,
        extension_id: int,
        event_time: int,
        call_id: str,
        fields: Callable[[], dict[str, str]],
        deliveries: Iterable[tuple[str, int]],
    ) -> bool:
        """The SQL filter's verdict for one event, in Python (for rows not yet in the store).
        ``fields`` is called only when a criterion needs them; ``deliveries``: (state, attempts)."""
        f = self.flt
        if f.event_types and event_type not in f.event_types:
            return False
        if f.extension_id is not None and extension_id != f.extension_id:
            return False
        if f.since_us is not None and event_time < f.since_us:
            return False
        if f.until_us is not None and event_time >= f.until_us:
            return False
        if f.needs_deliveries:
            ds = list(deliveries)
            if f.delivery is not None and aggregate_result(s for s, _ in ds) != f.delivery:
                return False
            if f.failures_only and not any(is_failure(s, n) for s, n in ds):
                return False
        if f.call_status is not None or self.number_text is not None or self.call_prefix is not None:
            values = fields()
            if f.call_status is not None and values.get("CallStatus") != f.call_status:
                return False
            if self.call_prefix is not None or self.number_text is not None:
                by_call = self.call_prefix is not None and call_id.startswith(self.call_prefix)
                by_number = self.number_text is not None and any(
                    self.number_text in values.get(k, "").lower() for k in NUMBER_FIELDS
                )
                if not (by_call or by_number):
                    return False
        return True


def _is_whole_call_id(text: str) -> bool:
    """A whole CallID: the PBX's 32 hex digits, or a dashed UUID (profiles made before
    pbxdesk used the PBX's own format)."""
    return len(text) == 36 or (len(text) == 32 and "-" not in text)


def _prefix_bound(prefix: str) -> str:
    """The smallest text greater than every text starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def resolve_filter(conn: sqlite3.Connection, flt: DisplayFilter) -> ResolvedFilter:
    """Decide what the search text means. A text that may start a CallID (hex digits and
    dashes, >= 4 of them) is looked up in ``calls`` (indexed); when a call starts with it and
    the text is not all digits, it is taken as a CallID only (no scan of the numbers), so
    typing a CallID stays instant. Anything else is searched in the numbers and names too."""
    text = flt.text.strip()
    if not text:
        return ResolvedFilter(flt)
    prefix = None
    if len(text) >= CALL_PREFIX_MIN and set(text) <= _HEXISH:
        prefix = text
        hit = conn.execute(
            "SELECT 1 FROM calls WHERE call_id >= ? AND call_id < ? LIMIT 1", (prefix, _prefix_bound(prefix))
        ).fetchone()
        if hit is not None and not text.isdigit():
            return ResolvedFilter(flt, call_prefix=prefix)
        if hit is None:
            prefix = None
    return ResolvedFilter(flt, call_prefix=prefix, number_text=text.lower())


def distinct_extension_ids(conn: sqlite3.Connection) -> list[int]:
    """Every extension id in the event log: a loose index scan (one index seek per extension)."""
    out: list[int] = []
    row = conn.execute("SELECT MIN(extension_id) FROM event_log").fetchone()
    while row is not None and row[0] is not None:
        out.append(int(row[0]))
        row = conn.execute(
            "SELECT MIN(extension_id) FROM event_log WHERE extension_id > ?", out[-1:]
        ).fetchone()
    return out


def _number_sql(text: str) -> tuple[str, list[Any]]:
    # A cheap substring test on the whole JSON first; the rows it lets through have their
    # number fields extracted (one JSON parse) and tested. Letters: case-insensitive.
    paths = ",".join(f"'$.{f}'" for f in NUMBER_FIELDS)
    values = f"json_extract({_JSON_OBJECT}, {paths})"
    if text.lower() != text.upper():
        return (
            f"(instr(lower({_STORED_JSON}), ?) > 0 AND instr(lower({values}), ?) > 0)",
            [text.lower(), text.lower()],
        )
    return f"(instr({_STORED_JSON}, ?) > 0 AND instr({values}, ?) > 0)", [text, text]


def _delivery_sql(result: str) -> tuple[str, list[Any]]:
    if result == "none":
        return "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)", []
    worse: list[str] = []
    for name, states in RESULT_RANKS:
        if name == result:
            marks = ",".join("?" * len(states))
            sql = f"e.id IN (SELECT event_id FROM deliveries WHERE state IN ({marks}))"
            params: list[Any] = list(states)
            if worse:
                marks = ",".join("?" * len(worse))
                sql += f" AND e.id NOT IN (SELECT event_id FROM deliveries WHERE state IN ({marks}))"
                params += worse
            return sql, params
        worse.extend(states)
    raise ValueError(f"unknown delivery result {result!r}")


def display_filter_sql(
    resolved: ResolvedFilter, *, with_call_id: bool = False, extension_ids: Sequence[int] | None = None
) -> tuple[str, list[Any]]:
    """SELECT e.id [, call_id] of the events matching a resolved filter (unordered).
    ``extension_ids``: every extension in the log (``distinct_extension_ids``), to let an
    event type filter without an extension use the extension + type + time index."""
    f = resolved.flt
    clauses: list[str] = []
    params: list[Any] = []
    if f.extension_id is None and (f.event_types or f.since_us is not None) and extension_ids:
        clauses.append(f"e.extension_id IN ({','.join('?' * len(extension_ids))})")
        params.extend(extension_ids)
    _add_range(clauses, params, "e.", f.extension_id, f.event_types, f.since_us, f.until_us)
    if f.call_status is not None:
        clauses.append(f"instr({_STORED_JSON}, ?) > 0")
        params.append(json.dumps({"CallStatus": f.call_status}, separators=(",", ":"))[1:-1])
    if f.delivery is not None:
        sql, p = _delivery_sql(f.delivery)
        clauses.append(sql)
        params.extend(p)
    if f.failures_only:
        clauses.append(f"e.id IN (SELECT event_id FROM deliveries WHERE {_FAILURE_SQL})")
    cols = "e.id, c.call_id" if with_call_id else "e.id"
    join = " LEFT JOIN calls c ON c.id = e.call_ref" if with_call_id else ""
    base = " AND ".join(clauses)
    call_sql = number_sql = None
    if resolved.call_prefix is not None:
        prefix = resolved.call_prefix
        whole = _is_whole_call_id(prefix)
        call_sql = (
            "e.call_ref IN (SELECT id FROM calls WHERE call_id = ?)"
            if whole
            else "e.call_ref IN (SELECT id FROM calls WHERE call_id >= ? AND call_id < ?)"
        )
        call_params = [prefix] if whole else [prefix, _prefix_bound(prefix)]
    if resolved.number_text is not None:
        number_sql, number_params = _number_sql(resolved.number_text)

    def select(extra: str | None, extra_params: list[Any]) -> tuple[str, list[Any]]:
        where = " AND ".join(x for x in (extra, base) if x)
        return f"SELECT {cols} FROM event_log e{join}" + (f" WHERE {where}" if where else ""), [
            *extra_params,
            *params,
        ]

    if call_sql and number_sql:
        # Two branches, each planned on its own: the CallID one keeps its index.
        a, pa = select(call_sql, call_params)
        b, pb = select(number_sql, number_params)
        return f"{a} UNION {b}", [*pa, *pb]
    if call_sql:
        return select(call_sql, call_params)
    if number_sql:
        return select(number_sql, number_params)
    return select(None, [])


@dataclass(slots=True)
class FilterResult:
    """The ids a filter selects (ascending), as of ``max_id`` (the newest event in the store when
    it ran); with ``call_ids``, each id's call (same order)."""

    resolved: ResolvedFilter
    ids: Sequence[int]
    max_id: int
    call_ids: list[str] | None = None
    total: int = 0  # events in the log, whatever the filter


def id_span(conn: sqlite3.Connection) -> tuple[int, int]:
    """(first id, last id) of the event log (rowid seeks); (1, 0) when it is empty."""
    lo = conn.execute("SELECT id FROM event_log ORDER BY id LIMIT 1").fetchone()
    hi = conn.execute("SELECT id FROM event_log ORDER BY id DESC LIMIT 1").fetchone()
    return (1, 0) if lo is None else (int(lo[0]), int(hi[0]))


def run_display_filter(
    conn: sqlite3.Connection, flt: DisplayFilter, *, with_call_id: bool = False
) -> FilterResult:
    """The ids matching ``flt``, in one read transaction (so ``max_id`` is what the query saw).
    No filter: the whole log, as a ``range`` when its ids have no gap (the common case: ids grow
    by one, retention removes the oldest), so a million events cost nothing to list."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        resolved = resolve_filter(conn, flt)
        lo, hi = id_span(conn)
        count = int(conn.execute("SELECT COUNT(*) FROM event_log").fetchone()[0])
        if flt.is_empty and not with_call_id:
            ids: Sequence[int] = (
                range(lo, hi + 1)
                if count == hi - lo + 1
                else array("q", (r[0] for r in conn.execute("SELECT id FROM event_log ORDER BY id")))
            )
            return FilterResult(resolved, ids, hi, total=count)
        ext_ids = distinct_extension_ids(conn) if flt.extension_id is None else None
        sql, params = display_filter_sql(resolved, with_call_id=with_call_id, extension_ids=ext_ids)
        rows = conn.execute(sql, params).fetchall()
        rows.sort()
        result = FilterResult(resolved, array("q", (r[0] for r in rows)), hi, total=count)
        if with_call_id:
            result.call_ids = [r[1] or "" for r in rows]
        return result
    finally:
        if own:
            conn.execute("COMMIT")


def call_groups(conn: sqlite3.Connection) -> tuple[list[tuple[str, int, int]], int]:
    """Every call of the log as (call_id, first event id, events), by first event; and the newest
    event id then. A scan of the call index (covering), no table rows read."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        hi = conn.execute("SELECT COALESCE(MAX(id), 0) FROM event_log").fetchone()[0]
        rows = conn.execute(
            "SELECT c.call_id, MIN(e.id), COUNT(*) FROM event_log e LEFT JOIN calls c ON c.id = e.call_ref "
            "GROUP BY e.call_ref"
        ).fetchall()
    finally:
        if own:
            conn.execute("COMMIT")
    rows.sort(key=lambda r: r[1])
    return [(r[0] or "", r[1], r[2]) for r in rows], int(hi)


def events_by_ids(conn: sqlite3.Connection, ids: Sequence[int]) -> list[TimelineEvent]:
    """The events with these ids (those still in the store), with their deliveries' summary."""
    events: list[TimelineEvent] = []
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        events += [
            _decode(r) for r in conn.execute(f"{EVENT_SELECT} FROM events WHERE id IN ({marks})", chunk)
        ]
    attach_deliveries(conn, events)
    return events


def call_event_ids(conn: sqlite3.Connection, call_ids: Sequence[str]) -> dict[str, list[int]]:
    """The event ids of each call (ascending), through the calls index and the call index."""
    out: dict[str, list[int]] = {c: [] for c in call_ids}
    for start in range(0, len(call_ids), 500):
        chunk = list(call_ids[start : start + 500])
        marks = ",".join("?" * len(chunk))
        for call_id, event_id in conn.execute(
            f"SELECT c.call_id, e.id FROM calls c JOIN event_log e ON e.call_ref = c.id "
            f"WHERE c.call_id IN ({marks})",
            chunk,
        ):
            out[call_id].append(event_id)
    for ids in out.values():
        ids.sort()
    return out


def _attempt(row: Sequence[Any]) -> dict[str, Any]:
    def headers(text: str | None) -> dict[str, str]:
        try:
            return json.loads(text) if text else {}
        except ValueError:
            return {"_raw": text or ""}

    return {
        "id": row[0],
        "delivery_id": row[1],
        "n": row[2],
        "started_at": row[3],
        "finished_at": row[4],
        "latency_ms": row[5],
        "status_code": row[6],
        "error": row[7],
        "error_detail": row[8],
        "request_headers": headers(row[9]),
        "response_headers": headers(row[10]),
        "response_body": bytes(row[11] or b""),
        "response_truncated": bool(row[12]),
    }


def event_deliveries(conn: sqlite3.Connection, event_id: int) -> list[dict[str, Any]]:
    """An event's deliveries, each with ``attempts``: every attempt from the attempts table,
    in order (request headers, response status, headers and body start, latency, error)."""
    deliveries = [
        _delivery(r)
        for r in conn.execute(
            f"{DELIVERY_SELECT} FROM deliveries WHERE event_id = ? ORDER BY id", (event_id,)
        )
    ]
    by_id = {d["id"]: d for d in deliveries}
    for d in deliveries:
        d["attempts_list"] = []
    if by_id:
        marks = ",".join("?" * len(by_id))
        for row in conn.execute(
            f"{ATTEMPT_SELECT} FROM attempts WHERE delivery_id IN ({marks}) ORDER BY delivery_id, n, id",
            list(by_id),
        ):
            by_id[row[1]]["attempts_list"].append(_attempt(row))
    return deliveries


def next_failure_ids(conn: sqlite3.Connection, after_id: int, limit: int = 200) -> list[int]:
    """Ids of events after ``after_id`` with a failed delivery (``is_failure``), ascending."""
    rows = conn.execute(
        f"SELECT DISTINCT event_id FROM deliveries WHERE {_FAILURE_SQL} AND event_id > ? "
        "ORDER BY event_id LIMIT ?",
        (after_id, limit),
    ).fetchall()
    return [r[0] for r in rows]
