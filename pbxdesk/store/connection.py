"""Opening a profile's SQLite file with its pragmas, and the errors a user can act on.

Kept free of heavy imports: the writer process imports this module alone.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from pbxdesk.domain.errors import PbxDeskError

BUSY_TIMEOUT_S = 5.0  # how long a statement waits for another process's lock before failing
CACHE_KIB = 32 * 1024  # page cache per connection: the timeline's indexes stay in memory


WAL_CHECKPOINT_PAGES = 8192  # ~32 MiB of WAL between automatic checkpoints (SQLite's default: 1000)


def _set_wal(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = WAL")  # writes the file header when not yet WAL
    conn.execute("PRAGMA synchronous = NORMAL")
    # A checkpoint copies pages into the file and syncs it, in whichever commit crosses the
    # threshold (the writer's). Fewer, larger checkpoints copy a page changed by many commits
    # once, so a growing history keeps its write rate.
    conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")


SQLITE_HEADER_BYTES = 100


def readonly_uri(path: Path | str) -> str:
    """An SQLite URI opening ``path`` read-only (quoted: a "?", "#" or "%" in it is a name)."""
    return f"file:{quote(str(path))}?mode=ro"


def is_sqlite_file(path: Path) -> bool:
    """True if ``path`` is an SQLite database (an empty file is not), read through SQLite.

    Never with open(): closing any file descriptor of a database drops every POSIX lock this
    process holds on it, SQLite's own among them. Another process closing its connection then
    believes it is the last one, checkpoints and deletes the WAL and its index under this
    process's open connections, which go on reading a stale snapshot and writing into a
    deleted file (seen when the writer process ended after the profile list had read the
    header of the open profile). SQLite's own file handling keeps such descriptors open.
    """
    if path.stat().st_size < SQLITE_HEADER_BYTES:
        return False
    try:
        conn = sqlite3.connect(readonly_uri(path), uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return False
    try:
        conn.execute("PRAGMA schema_version").fetchone()
        return True
    except sqlite3.DatabaseError as exc:
        # Only "not a database" says no: a busy or damaged database is one, and whoever opens
        # it says what is wrong with it.
        return getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_NOTADB
    finally:
        conn.close()


def is_locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc).lower())


def locked_error(path: Path | str, exc: BaseException | None = None) -> PbxDeskError:
    detail = f" ({exc})" if exc else ""
    return PbxDeskError(
        f"{path}: the profile is locked by another program (another pbxdesk?); waited "
        f"{BUSY_TIMEOUT_S:g} s{detail}. Close it, or use another profile with --profile"
    )


def connect(path: Path, *, readonly: bool = False, wal: bool = True) -> sqlite3.Connection:
    """A connection with the profile's pragmas; fails with a message naming the file."""
    try:
        if readonly:
            conn = sqlite3.connect(
                readonly_uri(path), uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False
            )
        else:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if not readonly and wal:
            _set_wal(conn)
        return conn
    except sqlite3.OperationalError as exc:
        if is_locked(exc):
            raise locked_error(path, exc) from None
        raise PbxDeskError(f"{path}: cannot open the profile ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise PbxDeskError(f"{path}: not a pbxdesk profile or damaged ({exc}); left untouched") from None
