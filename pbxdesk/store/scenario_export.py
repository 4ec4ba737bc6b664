"""A call from a profile as a scenario file that replays it: `pbxdesk export --format scenario`.

Any call in a profile (simulated, or received live from the real PBX) becomes a TOML scenario
whose ``[[replay]]`` tables hold its events exactly as they were recorded (every field, the
ones pbxdesk does not know included), ``at`` keeping their relative timing, and whose
``[[subscriptions]]`` are the URLs (and methods) those events were delivered to. `pbxdesk run`
and `pbxdesk test` play it like any scenario, so the call that went wrong in production
becomes a test on a laptop.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from typing import IO, Any

import tomli_w

from pbxdesk.domain import PbxDeskError
from pbxdesk.store.history_export import Event, ExportResult, count_event

_NAME = re.compile(r"(\d+)\*(\d+)$")  # prefix*short, as scenario files want extension names
_DEFAULT_PREFIX = "000"


def profile_extensions(conn: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    """id -> (name, type) of the profile's extensions."""
    try:
        rows = conn.execute("SELECT id, name, type FROM extensions").fetchall()
    except sqlite3.DatabaseError:
        return {}
    return {int(r[0]): (str(r[1] or ""), str(r[2] or "phone")) for r in rows}


def write_scenario(
    events: Iterable[Event], fh: IO[str], result: ExportResult, extensions: dict[int, tuple[str, str]]
) -> None:
    evs = sorted(events, key=lambda e: (e.event_time, e.id))
    if not evs:
        raise PbxDeskError("no events to save as a scenario")
    prefix = next(
        (m.group(1) for e in evs if (m := _NAME.match(extensions.get(e.extension_id, ("", ""))[0]))),
        next((m.group(1) for e in evs if (m := _NAME.match(e.extension_name))), _DEFAULT_PREFIX),
    )
    names: dict[int, str] = {}
    ext_tables: list[dict[str, Any]] = []
    for e in evs:
        if e.extension_id in names:
            continue
        known_name, ext_type = extensions.get(e.extension_id, (e.extension_name, "phone"))
        name = known_name if _NAME.match(known_name) and known_name.startswith(prefix + "*") else ""
        if not name or name in names.values():
            name = f"{prefix}*{e.extension_id}"  # a name of the right form (the fields keep the real one)
        names[e.extension_id] = name
        table: dict[str, Any] = {"id": e.extension_id, "name": name, "type": ext_type}
        if ext_type == "queue":
            # A replay routes nothing, and a queue table needs its agents: it is written as a
            # phone (which takes every event type a queue's subscriptions do).
            table.update(type="phone", label=f"queue {known_name or name}")
        ext_tables.append(table)
    subs: dict[tuple[int, str, str, str], None] = {}
    for e in evs:
        for d in e.deliveries:
            # Every URL the event went to (a scenario's subscriptions have no id in the
            # profile, so no subscription id is asked for); a redelivery adds nothing new.
            if d.redelivery_of is None:
                subs[(e.extension_id, e.event_type, d.method, d.url)] = None
    t0 = evs[0].event_time
    doc: dict[str, Any] = {
        "pbx": {"client_prefix": prefix},
        "extensions": ext_tables,
        "subscriptions": [
            {"extension": ext, "event_type": et, "method": method, "url": url}
            for ext, et, method, url in subs
        ],
        "replay": [
            {"at": round((e.event_time - t0) / 1_000_000, 6), "extension": e.extension_id, "fields": e.fields}
            for e in evs
        ],
    }
    calls = sorted({e.call_id for e in evs})
    fh.write(
        f"# Saved by pbxdesk from {len(evs)} recorded events of call {', '.join(calls)}.\n"
        "# [[replay]] sends each event's fields verbatim (EventTime included) `at` seconds after\n"
        "# the start; play it with `pbxdesk run` or check a handler with `pbxdesk test`.\n"
    )
    fh.write(tomli_w.dumps(doc))
    for e in evs:
        count_event(result, e)
