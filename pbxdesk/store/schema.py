"""The profile's SQLite schema, created and upgraded through numbered migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from pbxdesk.domain import PbxDeskError

if TYPE_CHECKING:  # imported when a migration runs: it brings numpy along, ~90 ms at every start
    import sqlite_utils

SCHEMA_VERSION = 4
APPLICATION_ID = 0x50425844  # "PBXD" in the file header (set since v3): this file is a profile


def _v1(db: sqlite_utils.Database) -> None:
    db.table("settings").create({"key": str, "value": str}, pk="key", if_not_exists=True)
    db.table("extensions").create(
        {"id": int, "name": str, "type": str, "status": str, "label": str, "record": int, "config": str},
        pk="id",
        if_not_exists=True,
    )
    db.table("extensions").create_index(["name"], unique=True, if_not_exists=True)
    db.table("subscriptions").create(
        {"id": int, "extension_id": int, "event_type": str, "method": str, "url": str, "enabled": int},
        pk="id",
        foreign_keys=[("extension_id", "extensions", "id")],
        if_not_exists=True,
    )
    db.table("subscriptions").create_index(["extension_id", "event_type"], if_not_exists=True)
    db.table("events").create(
        {
            "id": int,
            "call_id": str,
            "sub_call_id": str,
            "event_type": str,
            "extension_id": int,
            "extension_name": str,
            "event_time": int,  # µs since the epoch, as the PBX sends it
            "source": str,  # "sim" | "live"
            "data": str,  # every field as JSON, unknown ones included
        },
        pk="id",
        if_not_exists=True,
    )
    db.table("events").create_index(["call_id", "event_time"], if_not_exists=True)
    db.table("events").create_index(["extension_id", "event_type", "event_time"], if_not_exists=True)
    db.table("events").create_index(["event_time"], if_not_exists=True)
    db.table("deliveries").create(
        {
            "id": int,
            "event_id": int,
            "subscription_id": int,
            "method": str,
            "url": str,
            "request_body": str,
            "status_code": int,
            "error": str,
            "latency_ms": float,
            "response_body": str,
            "started_at": int,  # µs since the epoch
            "finished_at": int,
        },
        pk="id",
        foreign_keys=[("event_id", "events", "id")],
        if_not_exists=True,
    )
    db.table("deliveries").create_index(["event_id"], if_not_exists=True)


def _add_columns(db: sqlite_utils.Database, table: str, columns: dict[str, type]) -> None:
    have = set(db.table(table).columns_dict)
    for name, kind in columns.items():
        if name not in have:
            db.table(table).add_column(name, kind)


def _v2(db: sqlite_utils.Database) -> None:
    """The delivery outbox, its attempts, endpoints' state and the live receiver's raw requests."""
    # A delivery is one (event, subscription) pair: the outbox row, written before its first
    # attempt. Its request is derived (event fields + method + url), so it is not repeated.
    _add_columns(
        db,
        "deliveries",
        {
            "state": str,  # pending | in_flight | delivered | failed | cancelled | paused
            "call_id": str,
            "endpoint": str,  # host:port, for per-endpoint limits and pausing
            "ordered": int,  # 1: waits for the call's earlier deliveries to this subscription
            "attempts": int,
            "next_attempt_at": int,  # µs since the epoch
            "created_at": int,
            "redelivery_of": int,  # a manual redelivery points at the original
        },
    )
    db.conn.execute(
        "UPDATE deliveries SET state = CASE WHEN status_code BETWEEN 200 AND 299 THEN 'delivered' "
        "ELSE 'failed' END, attempts = 1 WHERE state IS NULL"
    )
    db.table("deliveries").create_index(["state"], if_not_exists=True)
    db.table("deliveries").create_index(["endpoint", "state"], if_not_exists=True)
    db.table("attempts").create(
        {
            "id": int,
            "delivery_id": int,
            "n": int,  # 1 for the first attempt
            "started_at": int,
            "finished_at": int,
            "latency_ms": float,
            "status_code": int,
            "error": str,  # an error class a user understands (timeout, connection refused...)
            "error_detail": str,
            "request_headers": str,  # JSON
            "response_headers": str,  # JSON
            "response_body": bytes,  # the first 64 KiB
            "response_truncated": int,
        },
        pk="id",
        foreign_keys=[("delivery_id", "deliveries", "id")],
        if_not_exists=True,
    )
    db.table("attempts").create_index(["delivery_id"], if_not_exists=True)
    db.table("endpoints").create(
        {"endpoint": str, "paused": int, "reason": str, "exhausted_in_row": int, "updated_at": int},
        pk="endpoint",
        if_not_exists=True,
    )
    db.table("raw_requests").create(
        {
            "id": int,
            "received_at": int,  # µs since the epoch
            "remote": str,
            "method": str,
            "path": str,
            "query": str,
            "headers": str,  # JSON
            "body": bytes,
            "event_id": int,  # the event it became, when it could be normalised
            "flag": str,  # why it is not (only) an event: unknown event type, missing fields...
        },
        pk="id",
        if_not_exists=True,
    )
    db.table("raw_requests").create_index(["received_at"], if_not_exists=True)


# -- v3: compact event rows ----------------------------------------------------------------------
# v2 kept the start of every event twice (EventType, CallID and SubCallID as columns and again at
# the head of the ``data`` JSON) and indexed the random CallIDs directly, so each commit touched
# pages all over that index: the write rate fell as the history grew. v3:
# - renames ``events`` to ``event_log`` and stores ``data`` without its head: the writer's JSON
#   (``event_row``: wire order) always starts ``{"EventType":..,"CallID":..[,"SubCallID":..]``,
#   which the columns rebuild byte for byte, so only the rest is kept (``rest``). A text that
#   does not start exactly so (another order, an unknown writer) is kept whole in ``data``;
# - interns CallIDs in ``calls`` (one row per call, not per event) and indexes event_log by that
#   number, which grows with time, so new index entries land at the end of the index;
# - makes ``events`` a view with the columns it always had (``data`` rebuilt, identical) and
#   INSTEAD OF triggers that do the split for what is inserted (EVENT_SQL is unchanged).
# The split is plain string work (no JSON parsing). The profile's writer does the same split in
# Python and inserts into event_log directly (store/event_insert.py); the triggers serve every
# other writer, and the rows the writer cannot split exactly as they would.
EVENT_COLUMNS = (
    "id", "call_id", "sub_call_id", "event_type", "extension_id", "extension_name", "event_time",
    "source", "data",
)  # fmt: skip


def head_sql(event_type: str, call_id: str, sub_call_id: str) -> str:
    """SQL for the head of an event's JSON as the writer writes it, from these expressions.
    CAST mirrors the columns' TEXT affinity, so the head rebuilt from the stored row is the same."""
    return (
        f"'{{\"EventType\":' || json_quote(CAST({event_type} AS TEXT)) || ',\"CallID\":' || "
        f"json_quote(CAST({call_id} AS TEXT)) || CASE WHEN {sub_call_id} IS NULL THEN '' ELSE "
        f"',\"SubCallID\":' || json_quote(CAST({sub_call_id} AS TEXT)) END"
    )


_NEW_HEAD = head_sql("NEW.event_type", "NEW.call_id", "NEW.sub_call_id")
_NEW_FITS = f"substr(NEW.data, 1, length({_NEW_HEAD})) = {_NEW_HEAD}"
_CALL_REF = "(SELECT id FROM calls WHERE call_id = NEW.call_id)"
_INTERN = "INSERT OR IGNORE INTO calls (call_id) SELECT NEW.call_id WHERE NEW.call_id IS NOT NULL;"
_BASE = ("sub_call_id", "event_type", "extension_id", "extension_name", "event_time", "source")


def _v3_trigger_sql() -> list[str]:
    values = (
        f"{', '.join(f'NEW.{c}' for c in _BASE)}, {_CALL_REF}, "
        f"CASE WHEN {_NEW_FITS} THEN substr(NEW.data, length({_NEW_HEAD}) + 1) END, "
        f"CASE WHEN {_NEW_FITS} THEN NULL ELSE NEW.data END"
    )
    cols = f"{', '.join(_BASE)}, call_ref, rest, data"
    insert = f"{_INTERN}\nINSERT INTO event_log (id, {cols}) SELECT NEW.id, {values};"
    update = f"{_INTERN}\nUPDATE event_log SET (id, {cols}) = (SELECT NEW.id, {values}) WHERE id = OLD.id;"
    return [
        f"CREATE TRIGGER events_insert INSTEAD OF INSERT ON events BEGIN\n{insert}\nEND",
        f"CREATE TRIGGER events_update INSTEAD OF UPDATE ON events BEGIN\n{update}\nEND",
        "CREATE TRIGGER events_delete INSTEAD OF DELETE ON events BEGIN\n"
        "DELETE FROM event_log WHERE id = OLD.id;\nEND",
    ]


def _v3(db: sqlite_utils.Database) -> None:
    """Compact event rows: event_log (the JSON without its head, CallIDs interned in ``calls``)
    and ``events``, a view over it with the columns and JSON the events table had."""
    conn = db.conn
    # Renaming keeps the rows and (SQLite >= 3.26) deliveries' foreign key, now on event_log.
    conn.execute("ALTER TABLE events RENAME TO event_log")
    conn.execute("DROP INDEX IF EXISTS idx_events_call_id_event_time")
    conn.execute("CREATE TABLE calls (id INTEGER PRIMARY KEY, call_id TEXT NOT NULL UNIQUE)")
    conn.execute("ALTER TABLE event_log ADD COLUMN call_ref INTEGER REFERENCES calls(id)")
    conn.execute("ALTER TABLE event_log ADD COLUMN rest TEXT")
    conn.execute(
        "INSERT OR IGNORE INTO calls (call_id) "
        "SELECT call_id FROM event_log WHERE call_id IS NOT NULL ORDER BY id"
    )
    head = head_sql("event_type", "call_id", "sub_call_id")
    fits = f"substr(data, 1, length({head})) = {head}"
    # One statement: every right-hand side sees the row as it was.
    conn.execute(
        "UPDATE event_log SET call_ref = (SELECT c.id FROM calls c WHERE c.call_id = event_log.call_id), "
        f"rest = CASE WHEN {fits} THEN substr(data, length({head}) + 1) END, "
        f"data = CASE WHEN {fits} THEN NULL ELSE data END, call_id = NULL"
    )
    conn.execute("CREATE INDEX idx_event_log_call_ref_event_time ON event_log (call_ref, event_time)")
    view_cols = ", ".join("c.call_id" if c == "call_id" else f"e.{c}" for c in EVENT_COLUMNS if c != "data")
    view_head = head_sql("e.event_type", "c.call_id", "e.sub_call_id")
    conn.execute(
        f"CREATE VIEW events AS SELECT {view_cols}, COALESCE(e.data, {view_head} || e.rest) AS data "
        "FROM event_log e LEFT JOIN calls c ON c.id = e.call_ref"
    )
    for sql in _v3_trigger_sql():
        conn.execute(sql)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


# -- v4: the extension resource's own fields ---------------------------------------------------
# The real PBX's extension carries fields a user sees and edits (caller_id_name, group, create
# date, client id, domain, extra_params). They get columns of their own, next to label; every
# existing row keeps what it had (its simulator config stays in ``config``) and reads as "not set".
EXTENSION_RESOURCE_COLUMNS: dict[str, type] = {
    "caller_id_name": str,
    "extension_group_id": int,
    "create_date": str,
    "client_id": int,
    "domain": str,
    "extra_params": str,
}


def _v4(db: sqlite_utils.Database) -> None:
    _add_columns(db, "extensions", EXTENSION_RESOURCE_COLUMNS)


# Index i holds the migration from version i to i + 1. Each is idempotent (if_not_exists), so
# a step interrupted before its user_version bump simply runs again.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3, _v4]
assert len(MIGRATIONS) == SCHEMA_VERSION


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_version(conn: sqlite3.Connection, source: str) -> int:
    """The file's schema version; PbxDeskError if a newer pbxdesk made it. Reads only."""
    current = user_version(conn)
    if current > SCHEMA_VERSION:
        raise PbxDeskError(
            f"{source}: made by a newer pbxdesk (schema version {current}, this one knows "
            f"up to {SCHEMA_VERSION}); upgrade pbxdesk to open it"
        )
    return current


def migrate(conn: sqlite3.Connection, source: str) -> None:
    """Bring the profile on ``conn`` to SCHEMA_VERSION, each step in one transaction.

    Each step takes the write lock first (BEGIN IMMEDIATE) and reads the version again under
    it, so two processes opening an old profile at once upgrade it once; a step that fails (or
    a crash) leaves the file at the previous version, as it was.
    """
    if check_version(conn, source) == SCHEMA_VERSION:
        return  # the common case: no write lock needed to open a profile
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    while True:
        if conn.in_transaction:
            conn.commit()
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = check_version(conn, source)
            if version >= SCHEMA_VERSION:
                conn.rollback()
                return
            MIGRATIONS[version](db)
            conn.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        conn.commit()
