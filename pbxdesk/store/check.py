"""The one check a profile file passes before anything opens it for real.

Every way in uses it: `profile list`, `run`, `outbox`, `export`, `profile export|copy|import`
and the app (through ``Profile.open``). A file it refuses is left byte for byte as it was, and
nothing appears beside it: the check reads through SQLite read-only, and ``immutable`` when
no other program has the file open (no ``-wal`` or ``-journal`` beside it), so SQLite creates
no ``-wal``/``-shm`` either. (Never with open(): see ``connection.is_sqlite_file``.)

Always: the SQLite header, the size the header promises, the schema version, that it is
pbxdesk's (application id, or the tables of a v1/v2 profile), the schema readable; and
``PRAGMA quick_check`` for a file up to QUICK_CHECK_MAX_BYTES (0.2 s for 117 MB, measured;
integrity_check took 4.2 s).
``pbxdesk profile check NAME`` (``deep``) runs ``PRAGMA integrity_check`` on any size.

A 0-byte file is a new profile, everywhere: SQLite itself reads it as an empty database,
it holds no history to protect, and it is what a profile looks like if pbxdesk was stopped
between creating the file and writing its schema. Commands that open it create the schema.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pbxdesk.domain import PbxDeskError
from pbxdesk.store.connection import BUSY_TIMEOUT_S, is_locked, locked_error
from pbxdesk.store.schema import APPLICATION_ID, SCHEMA_VERSION

QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024
SQLITE_HEADER_BYTES = 100
# Tables every pbxdesk profile has had since schema v1 (how a v1/v2 file, made before the
# application id, is recognised).
V1_TABLES = frozenset({"settings", "extensions", "subscriptions", "deliveries"})


class ProfileRefused(PbxDeskError):
    """A file pbxdesk will not use as a profile; the message names it and says why.

    ``reason`` is the same whichever command meets the file ("damaged profile", "made by a
    newer pbxdesk (...)"); ``detail`` is what this look found (it may differ between the quick
    check and the full one).
    """

    def __init__(self, path: Path, reason: str, detail: str = "") -> None:
        self.path = path
        self.reason = reason
        self.detail = " ".join(detail.split())[:300]  # one line, whatever SQLite said
        self.problem = f"{reason} ({self.detail})" if self.detail else reason
        super().__init__(f"{path}: {self.problem}; left untouched")


@dataclass(frozen=True, slots=True)
class FileFacts:
    version: int  # the schema version (0: a new, empty file)
    events: int  # how many events it holds
    new: bool  # an empty file or database: a new profile once the schema is written
    checked: str  # "header", "quick_check" or "integrity_check": how far it was read


def _side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _check_uri(path: Path) -> str:
    uri = f"file:{quote(str(path))}?mode=ro"
    if not _side(path, "-wal").exists() and not _side(path, "-journal").exists():
        uri += "&immutable=1"  # nobody has it open: read it as it lies, create nothing beside it
    return uri


def check_file(path: Path, *, deep: bool = False, count_events: bool = True) -> FileFacts:
    """What ``path`` holds, or ProfileRefused saying why pbxdesk will not use it.

    ``deep``: ``PRAGMA integrity_check`` however large the file (else quick_check up to
    QUICK_CHECK_MAX_BYTES). A profile another program holds locked raises the usual
    "locked" PbxDeskError, not a refusal.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise PbxDeskError(f"{path}: no such profile") from None
    if size == 0:
        return FileFacts(0, 0, True, "header")
    if size < SQLITE_HEADER_BYTES:
        raise ProfileRefused(path, "not a pbxdesk profile (not an SQLite file)")
    try:
        conn = sqlite3.connect(_check_uri(path), uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise ProfileRefused(path, "cannot be opened", str(exc)) from None
    try:
        return _check(conn, path, size, deep=deep, count_events=count_events)
    except sqlite3.DatabaseError as exc:
        if is_locked(exc):
            raise locked_error(path, exc) from None
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
            raise ProfileRefused(path, "not a pbxdesk profile (not an SQLite file)") from None
        raise ProfileRefused(path, "damaged profile", str(exc)) from None
    finally:
        conn.close()


def _check(conn: sqlite3.Connection, path: Path, size: int, *, deep: bool, count_events: bool) -> FileFacts:
    conn.execute("PRAGMA schema_version").fetchone()  # reads the header: not a database fails here
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise ProfileRefused(
            path,
            f"made by a newer pbxdesk (schema version {version}, this one knows up to "
            f"{SCHEMA_VERSION}); upgrade pbxdesk to open it",
        )
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    if not _side(path, "-wal").exists() and (size % page_size or size < pages * page_size):
        raise ProfileRefused(
            path, "damaged profile", f"truncated: {size} bytes, its header says {pages * page_size}"
        )
    app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    if not tables and version == 0:
        return FileFacts(0, 0, True, "header")  # an empty database: a new profile
    if not (app_id == APPLICATION_ID or (app_id == 0 and tables >= V1_TABLES)):
        raise ProfileRefused(path, "not a pbxdesk profile (an SQLite file of another program)")
    checked = "header"
    if deep or size <= QUICK_CHECK_MAX_BYTES:
        checked = "integrity_check" if deep else "quick_check"
        problems = [line for r in conn.execute(f"PRAGMA {checked}(5)") for line in r[0].splitlines()]
        if problems != ["ok"]:
            first = next((p for p in problems if not p.startswith("***")), problems[0])
            raise ProfileRefused(path, "damaged profile", f"{checked}: {first}")
    events = 0
    if count_events:
        table = "event_log" if "event_log" in tables else "events" if "events" in tables else None
        events = int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]) if table else 0
    return FileFacts(version, events, False, checked)
