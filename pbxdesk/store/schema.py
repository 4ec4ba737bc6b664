"""The profile's SQLite schema, created and upgraded through numbered migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

from pbxdesk.domain import PbxDeskError

SCHEMA_VERSION = 2


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


# Index i holds the migration from version i to i + 1. Each is idempotent (if_not_exists), so
# a step interrupted before its user_version bump simply runs again.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2]
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
    """Bring ``db`` to SCHEMA_VERSION, each step in one transaction."""
    current = check_version(db.conn, source)
    for version in range(current, SCHEMA_VERSION):
        with db.conn:
            MIGRATIONS[version](db)
            db.conn.execute(f"PRAGMA user_version = {version + 1}")
