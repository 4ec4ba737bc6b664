"""The filter bar's display filters: criteria -> one SELECT of event ids, each criterion
through an index where the schema has one, and the same verdict in Python for live rows.

- CallID (exact, or a prefix of >= 4 characters): ``calls``' unique index, then
  ``idx_event_log_call_ref_event_time``;
- extension, event type, time: ``idx_events_extension_id_event_type_event_time`` (an event
  type without an extension becomes ``extension_id IN (every extension in the log)`` so the
  same index serves it: a skip-scan SQLite cannot choose by itself without ANALYZE);
- delivery result and "failures only": ``idx_deliveries_state``;
- call status and numbers/names: substring tests on the stored JSON (no index can serve a
  substring; the test is plain C string work, ~0.4 µs a row).


``tests/gui/test_timeline_model.py`` checks the plans with EXPLAIN QUERY PLAN (``query_plan``).
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pbxdesk.store.queries.results import FAILURE_SQL, RESULT_RANKS, aggregate_result, is_failure

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
        sql, delivery_params = _delivery_sql(f.delivery)
        clauses.append(sql)
        params.extend(delivery_params)
    if f.failures_only:
        clauses.append(f"e.id IN (SELECT event_id FROM deliveries WHERE {FAILURE_SQL})")
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


def query_plan(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[str]:
    """EXPLAIN QUERY PLAN's lines for ``sql`` (the detail column)."""
    return [str(r[3]) for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}", tuple(params))]
