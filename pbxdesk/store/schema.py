"""The profile's SQLite schema, created and upgraded through numbered migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

from pbxdesk.domain import PbxDeskError

SCHEMA_VERSION = 3
APPLICATION_ID = 0x50425844  # "PBXD" in the file header (set since v3): this file is a profile


def _v1(db: sqlite_utils.Database) -> None:
    db["settings"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
    db["extensions"].create(
        {"id": int, "name": str, "type": str, "status": str, "label": str, "record": int, "config": str},
        pk="id",
        if_not_exists=True,
    )
    db["extensions"].create_index(["name"], unique=True, if_not_exists=True)
    db["subscriptions"].create(
        {"id": int, "extension_id": int, "event_type": str, "method": str, "url": str, "enabled": int},
        pk="id",
        foreign_keys=[("extension_id", "extensions", "id")],
        if_not_exists=True,
    )
    db["subscriptions"].create_index(["extension_id", "event_type"], if_not_exists=True)
    db["events"].create(
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
    db["events"].create_index(["call_id", "event_time"], if_not_exists=True)
    db["events"].create_index(["extension_id", "event_type", "event_time"], if_not_exists=True)
    db["events"].create_index(["event_time"], if_not_exists=True)
    db["deliveries"].create(
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
    db["deliveries"].create_index(["event_id"], if_not_exists=True)


def _add_columns(db: sqlite_utils.Database, table: str, columns: dict[str, type]) -> None:
    have = set(db[table].columns_dict)
    for name, kind in columns.items():
        if name not in have:
            db[table].add_column(name, kind)


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
    db["deliveries"].create_index(["state"], if_not_exists=True)
    db["deliveries"].create_index(["endpoint", "state"], if_not_exists=True)
    db["attempts"].create(
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
    db["attempts"].create_index(["delivery_id"], if_not_exists=True)
    db["endpoints"].create(
        {"endpoint": str, "paused": int, "reason": str, "exhausted_in_row": int, "updated_at": int},
        pk="endpoint",
        if_not_exists=True,
    )
    db["raw_requests"].create(
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
    db["raw_requests"].create_index(["received_at"], if_not_exists=True)


# -- v3: compact event rows ----------------------------------------------------------------------
# The events table kept every field twice (CallID, EventType... as columns and again, with the
# other fields and all their names, in the data JSON): ~600 bytes an event. v3 renames the table
# to event_log and gives each wire field a column of its own (an absent field is a NULL: one
# byte, and no field name is stored per row); fields pbxdesk does not know stay as JSON in
# ``extra``. ``events`` becomes a view over event_log that rebuilds ``data`` exactly as it was
# written, and INSTEAD OF triggers split what the writer inserts (EVENT_SQL, unchanged). When the
# rebuilt JSON would not equal what was written (a field order, duplicate or value type this
# encoding cannot reproduce), the original text is kept in event_log.data, so nothing is lost.
# This list is frozen: a new wire field is an ``extra`` until a later migration adds a column.
V3_FIELD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("EventType", "event_type"),
    ("CallID", "call_id"),
    ("SubCallID", "sub_call_id"),
    ("CallerIDNum", "caller_id_num"),
    ("CallerIDName", "caller_id_name"),
    ("CalledDID", "called_did"),
    ("CallerExtension", "caller_extension"),
    ("CallerExtensionID", "caller_extension_id"),
    ("CalledExtension", "called_extension"),
    ("CalledExtensionID", "called_extension_id"),
    ("CalledNumber", "called_number"),
    ("CallStatus", "call_status"),
    ("CallFlow", "call_flow"),
    ("CallAPIID", "call_api_id"),
    ("EventTime", "event_time"),
    ("Duration", "duration"),
    ("RecID", "rec_id"),
    ("Transfered", "transfered"),
    ("Bridged", "bridged"),
    ("RemoteNumber", "remote_number"),
    ("CallBackID", "callback_id"),
)
# Columns the v1 events table already had; they are written from EVENT_SQL's own parameters.
_V3_ROW_COLUMNS = ("event_type", "call_id", "sub_call_id", "event_time")
V3_NEW_COLUMNS: tuple[str, ...] = tuple(c for _w, c in V3_FIELD_COLUMNS if c not in _V3_ROW_COLUMNS)
EVENT_COLUMNS = (
    "id", "call_id", "sub_call_id", "event_type", "extension_id", "extension_name", "event_time",
    "source", "data",
)  # fmt: skip


def _rebuild_sql(prefix: str = "") -> str:
    """SQL rebuilding an event's JSON from event_log's columns: compact, the fields present in
    wire order, then the unknown ones (``extra``). Plain string building (json_quote escapes)."""
    parts = []
    for wire, col in V3_FIELD_COLUMNS:
        value = f"CAST({prefix}{col} AS TEXT)" if col == "event_time" else f"{prefix}{col}"
        parts.append(f"CASE WHEN {value} IS NOT NULL THEN ',\"{wire}\":' || json_quote({value}) ELSE '' END")
    extra = f"{prefix}extra"
    members = " || ".join(parts) + f" || COALESCE(',' || substr({extra}, 2, length({extra}) - 2), '')"
    return f"'{{' || substr({members}, 2) || '}}'"


def _members_sql(json_expr: str) -> str:
    """The members of a JSON object in order, decoded: equal for two texts that differ only in
    escapes (\\u0410 vs the letter itself) or spacing."""
    return (
        "(SELECT group_concat(key || char(31) || type || char(31) || quote(value), char(30)) "
        f"FROM json_each({json_expr}))"
    )


def _is_object_sql(expr: str) -> str:
    return f"(CASE WHEN json_valid({expr}) THEN json_type({expr}) = 'object' ELSE 0 END)"


def _split_sql(expr: str) -> tuple[list[str], str]:
    """Expressions extracting the new columns and ``extra`` from the JSON text ``expr``."""
    values = [f"json_extract({expr}, '$.{wire}')" for wire, col in V3_FIELD_COLUMNS if col in V3_NEW_COLUMNS]
    paths = ", ".join(f"'$.{wire}'" for wire, _c in V3_FIELD_COLUMNS)
    return values, f"NULLIF(json_remove({expr}, {paths}), '{{}}')"


def _keep_raw_where(new_data: str, id_expr: str) -> str:
    """The row whose rebuilt JSON differs from ``new_data``: there event_log.data keeps it."""
    rebuilt = _rebuild_sql()
    return (
        f"id = {id_expr} AND data IS NULL AND {rebuilt} IS NOT {new_data} "
        f"AND {_members_sql(rebuilt)} IS NOT {_members_sql(new_data)}"
    )


def _v3_trigger_sql() -> list[str]:
    base_cols = [c for c in EVENT_COLUMNS if c != "data"]
    values, extra = _split_sql("NEW.data")
    cols = ", ".join([*base_cols, *V3_NEW_COLUMNS, "extra", "data"])
    new_base = ", ".join(f"NEW.{c}" for c in base_cols)
    ok = _is_object_sql("NEW.data")
    nulls = ", ".join("NULL" for _ in (*V3_NEW_COLUMNS, "extra"))
    insert = (
        f"INSERT INTO event_log ({cols}) SELECT {new_base}, {', '.join(values)}, {extra}, NULL "
        f"WHERE {ok};\n"
        f"INSERT INTO event_log ({cols}) SELECT {new_base}, {nulls}, NEW.data WHERE NOT {ok};\n"
        f"UPDATE event_log SET data = NEW.data WHERE {_keep_raw_where('NEW.data', 'NEW.id')};"
    )
    sets = ", ".join(
        [f"{c} = NEW.{c}" for c in base_cols]
        + [f"{c} = CASE WHEN {ok} THEN {v} END" for c, v in zip(V3_NEW_COLUMNS, values, strict=True)]
        + [f"extra = CASE WHEN {ok} THEN {extra} END", f"data = CASE WHEN {ok} THEN NULL ELSE NEW.data END"]
    )
    update = (
        f"UPDATE event_log SET {sets} WHERE id = OLD.id;\n"
        f"UPDATE event_log SET data = NEW.data WHERE {_keep_raw_where('NEW.data', 'NEW.id')};"
    )
    return [
        f"CREATE TRIGGER events_insert INSTEAD OF INSERT ON events BEGIN\n{insert}\nEND",
        f"CREATE TRIGGER events_update INSTEAD OF UPDATE ON events BEGIN\n{update}\nEND",
        "CREATE TRIGGER events_delete INSTEAD OF DELETE ON events BEGIN\n"
        "DELETE FROM event_log WHERE id = OLD.id;\nEND",
    ]


def _v3(db: sqlite_utils.Database) -> None:
    """Compact event rows: event_log with a column per wire field, ``events`` a view over it."""
    conn = db.conn
    # Renaming keeps the rows, the indexes and (SQLite >= 3.26) deliveries' foreign key, which
    # now points at event_log.
    conn.execute("ALTER TABLE events RENAME TO event_log")
    for col in (*V3_NEW_COLUMNS, "extra"):
        conn.execute(f"ALTER TABLE event_log ADD COLUMN {col} TEXT")
    values, extra = _split_sql("data")
    sets = ", ".join(
        [f"{c} = {v}" for c, v in zip(V3_NEW_COLUMNS, values, strict=True)] + [f"extra = {extra}"]
    )
    conn.execute(f"UPDATE event_log SET {sets} WHERE {_is_object_sql('data')}")
    rebuilt = _rebuild_sql()
    conn.execute(
        f"UPDATE event_log SET data = NULL WHERE {_is_object_sql('data')} AND ({rebuilt} = data "
        f"OR {_members_sql(rebuilt)} = {_members_sql('data')})"
    )
    view_cols = ", ".join(c for c in EVENT_COLUMNS if c != "data")
    conn.execute(
        f"CREATE VIEW events AS SELECT {view_cols}, COALESCE(data, {rebuilt}) AS data FROM event_log"
    )
    for sql in _v3_trigger_sql():
        conn.execute(sql)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


# Index i holds the migration from version i to i + 1. Each is idempotent (if_not_exists), so
# a step interrupted before its user_version bump simply runs again.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3]
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


def migrate(db: sqlite_utils.Database, source: str) -> None:
    """Bring ``db`` to SCHEMA_VERSION, each step in one transaction.

    Each step takes the write lock first (BEGIN IMMEDIATE) and reads the version again under
    it, so two processes opening an old profile at once upgrade it once; a step that fails (or
    a crash) leaves the file at the previous version, as it was.
    """
    conn = db.conn
    if check_version(conn, source) == SCHEMA_VERSION:
        return  # the common case: no write lock needed to open a profile
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
