"""The profile's SQLite schema, created and upgraded through numbered migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

from pbxdesk.domain import PbxDeskError

SCHEMA_VERSION = 1


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


# Index i holds the migration from version i to i + 1. Each is idempotent (if_not_exists), so
# a step interrupted before its user_version bump simply runs again.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1]
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
