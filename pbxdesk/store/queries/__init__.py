"""The timeline's reads, one module per concern; all take a plain sqlite3 connection (the GUI
runs them on a read-only connection of its own, or in a thread, never on the writer's):

- ``rows``: events by id with their deliveries' summary; one event's deliveries and attempts;
- ``filters``: the filter bar's display filters, as one SELECT of ids through the indexes;
- ``results``: an event's delivery result and what counts as a failure;
- ``calls``: the log grouped by call, and the event ids of given calls.

The names below are what the GUI uses, importable from here as ``queries.X``.
"""

from pbxdesk.store.queries.calls import call_event_ids, call_groups
from pbxdesk.store.queries.filters import (
    NUMBER_FIELDS,
    DisplayFilter,
    FilterResult,
    ResolvedFilter,
    display_filter_sql,
    distinct_extension_ids,
    query_plan,
    resolve_filter,
    run_display_filter,
)
from pbxdesk.store.queries.results import DELIVERY_RESULTS, aggregate_result, is_failure, next_failure_ids
from pbxdesk.store.queries.rows import DELIVERY_SELECT, TimelineEvent, event_deliveries, events_by_ids

__all__ = [
    "DELIVERY_RESULTS",
    "DELIVERY_SELECT",
    "NUMBER_FIELDS",
    "DisplayFilter",
    "FilterResult",
    "ResolvedFilter",
    "TimelineEvent",
    "aggregate_result",
    "call_event_ids",
    "call_groups",
    "display_filter_sql",
    "distinct_extension_ids",
    "event_deliveries",
    "events_by_ids",
    "is_failure",
    "next_failure_ids",
    "query_plan",
    "resolve_filter",
    "run_display_filter",
]
