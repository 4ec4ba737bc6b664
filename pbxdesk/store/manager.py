"""The profile manager: list, create, rename, copy, delete, export, import, vacuum.

A profile is one SQLite file ``<name>.sqlite`` in the profiles dir (plus SQLite's ``-wal`` and
``-shm`` while open). Rules that keep a user's history safe:

- nothing here overwrites an existing profile unless asked to (``replace=True``), and a new
  file appears under its final name only when it is complete (built beside it, then linked
  into place, which fails rather than replace a file that appeared meanwhile);
- a profile open in another program is never renamed, deleted, replaced or vacuumed: the check
  takes SQLite's exclusive lock, which any open connection (even an idle one) prevents;
- an export is a consistent snapshot (``VACUUM INTO``) that can be taken while pbxdesk writes;
- an import copies the file given through SQLite's online backup (never byte by byte with
  open(): see ``_backup_copy``), validates the copy (``PRAGMA integrity_check``, pbxdesk's
  application id or tables, schema version) and migrates it; the file given is only ever read.

Secrets never live in a profile (see ``store.secrets``), so an export carries none.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pbxdesk.domain import PbxDeskError
from pbxdesk.store.check import ProfileRefused, check_file
from pbxdesk.store.connection import readonly_uri
from pbxdesk.store.paths import DEFAULT_PROFILE, check_profile_name, profile_path, profiles_dir
from pbxdesk.store.profile import BUSY_TIMEOUT_S, Profile, is_locked

log = logging.getLogger(__name__)

SIDE_FILES = ("-wal", "-shm", "-journal")
EXPORT_SETTING = "exported_from"


@dataclass(frozen=True, slots=True)
class ProfileInfo:
    name: str
    path: Path
    size_bytes: int  # the file and its WAL
    modified: dt.datetime
    schema_version: int | None  # None when the file cannot be read as a profile
    events: int | None
    problem: str = ""  # why the file cannot be used, for `profile list`

    @property
    def ok(self) -> bool:
        return not self.problem


def _files(path: Path) -> list[Path]:
    return [path, *(path.with_name(path.name + s) for s in SIDE_FILES)]


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in _files(path) if p.exists())


def _existing(name: str) -> Path:
    path = profile_path(name)
    if not path.exists():
        raise PbxDeskError(f"{name}: no such profile ({path})")
    return path


def _must_not_exist(name: str) -> Path:
    path = profile_path(name)
    if path.exists():
        raise PbxDeskError(f"{name}: a profile of that name already exists ({path}); nothing changed")
    return path


def _inspect(path: Path) -> tuple[int, int | None]:
    """(schema version, events) of a profile file, read-only; ProfileRefused if not one."""
    facts = check_file(path)
    return facts.version, facts.events


def list_profiles() -> list[ProfileInfo]:
    """Every ``*.sqlite`` in the profiles dir, by name; unreadable ones say why."""
    out: list[ProfileInfo] = []
    directory = profiles_dir()
    if not directory.is_dir():
        return out
    for path in sorted(directory.glob("*.sqlite")):
        stat = path.stat()
        modified = dt.datetime.fromtimestamp(stat.st_mtime)
        try:
            version, events = _inspect(path)
            out.append(ProfileInfo(path.stem, path, _size(path), modified, version, events))
        except ProfileRefused as exc:
            out.append(ProfileInfo(path.stem, path, _size(path), modified, None, None, exc.problem))
        except PbxDeskError as exc:  # locked by another program: still a profile
            out.append(ProfileInfo(path.stem, path, _size(path), modified, None, None, str(exc)))
    return out


@contextlib.contextmanager
def exclusive(path: Path, what: str) -> Iterator[sqlite3.Connection]:
    """Hold SQLite's exclusive lock on ``path``: no other program has it open meanwhile.

    Any other connection, even an idle one (the app showing the profile), makes this fail with
    a message naming the profile. The WAL is checkpointed into the main file first.
    """
    conn = sqlite3.connect(path, timeout=min(BUSY_TIMEOUT_S, 1.0), isolation_level=None)
    try:
        try:
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            conn.execute("COMMIT")  # the lock stays: locking_mode EXCLUSIVE keeps it until close
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as exc:
            if is_locked(exc):
                raise PbxDeskError(
                    f"{path.stem}: the profile is open in another program (pbxdesk?); close it "
                    f"first to {what} it ({path})"
                ) from None
            raise PbxDeskError(f"{path}: cannot {what} the profile ({exc})") from None
        except sqlite3.DatabaseError as exc:
            raise PbxDeskError(f"{path}: cannot {what} the profile: damaged ({exc})") from None
        yield conn
    finally:
        conn.close()


def _link_into_place(tmp: Path, dest: Path, replace: bool = False) -> None:
    """Give the complete file ``tmp`` its final name ``dest``; never clobber unless asked."""
    try:
        if replace:
            os.replace(tmp, dest)
            return
        try:
            os.link(tmp, dest)  # fails if dest exists, even if it appeared a moment ago
        except FileExistsError:
            raise PbxDeskError(
                f"{dest.stem}: a profile of that name already exists ({dest}); nothing changed"
            ) from None
        except OSError:  # a file system without hard links
            if dest.exists():
                raise PbxDeskError(f"{dest.stem}: a profile of that name already exists ({dest})") from None
            os.replace(tmp, dest)
    finally:
        for p in _files(tmp):
            p.unlink(missing_ok=True)


def _tmp_beside(directory: Path, label: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f".{label}-{uuid.uuid4().hex[:12]}.tmp"


def create_profile(name: str) -> Path:
    """A new, empty profile (the schema only; the app gives an empty profile its demo PBX)."""
    dest = _must_not_exist(check_profile_name(name))
    tmp = _tmp_beside(dest.parent, "create")
    Profile.open(tmp).close()
    _link_into_place(tmp, dest)
    return dest


def rename_profile(old: str, new: str) -> Path:
    src = _existing(check_profile_name(old))
    dest = _must_not_exist(check_profile_name(new))
    with exclusive(src, "rename"):
        try:
            os.link(src, dest)
        except FileExistsError:
            raise PbxDeskError(
                f"{new}: a profile of that name already exists ({dest}); nothing changed"
            ) from None
        except OSError:
            os.rename(src, dest)
        else:
            src.unlink()
    for p in _files(src)[1:]:
        p.unlink(missing_ok=True)
    _rename_secrets(old, new)
    return dest


def _snapshot(src: Path, tmp: Path) -> None:
    """A consistent, compact copy of ``src`` (readable while another program writes to it)."""
    if check_file(src, count_events=False).new:
        Profile.open(src).close()  # an empty file is a new profile: it gets its schema first
    try:
        conn = sqlite3.connect(readonly_uri(src), uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            conn.execute("VACUUM INTO ?", (str(tmp),))
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if is_locked(exc):
            raise PbxDeskError(f"{src}: the profile is locked by another program; try again") from None
        raise PbxDeskError(f"{src}: cannot read the profile ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise PbxDeskError(f"{src}: damaged profile ({exc})") from None


def copy_profile(src_name: str, dest_name: str) -> Path:
    src = _existing(check_profile_name(src_name))
    dest = _must_not_exist(check_profile_name(dest_name))
    tmp = _tmp_beside(dest.parent, "copy")
    try:
        _snapshot(src, tmp)
        Profile.open(tmp).close()  # WAL mode, and proves the copy opens
        _link_into_place(tmp, dest)
    finally:
        for p in _files(tmp):
            p.unlink(missing_ok=True)
    return dest


def delete_profile(name: str) -> None:
    path = _existing(check_profile_name(name))
    with exclusive(path, "delete"):
        path.unlink()
    for p in _files(path)[1:]:
        p.unlink(missing_ok=True)
    _delete_secrets(name)


def export_profile(name: str, dest: str | Path, *, overwrite: bool = False) -> Path:
    """Write profile ``name`` to the single file ``dest``: a compact SQLite snapshot, marked as
    an export (source name, time, pbxdesk version). Refuses to overwrite ``dest`` unless asked."""
    from pbxdesk import __version__

    src = _existing(check_profile_name(name))
    dest = Path(dest)
    if dest.exists() and not overwrite:
        raise PbxDeskError(f"{dest}: the file already exists; choose another name (or --force)")
    if dest.resolve() == src.resolve():
        raise PbxDeskError(f"{dest}: that is the profile itself")
    if not dest.parent.is_dir():
        raise PbxDeskError(f"{dest.parent}: no such directory")
    tmp = _tmp_beside(dest.parent, "export")
    try:
        _snapshot(src, tmp)
        conn = sqlite3.connect(tmp)
        try:
            with conn:
                conn.execute(
                    "INSERT OR REPLACE INTO settings (key, value) VALUES (?, json_object("
                    "'profile', ?, 'at', ?, 'pbxdesk', ?, 'schema_version', ?))",
                    (EXPORT_SETTING, name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     __version__, int(conn.execute("PRAGMA user_version").fetchone()[0])),
                )  # fmt: skip
            conn.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
        finally:
            conn.close()
        os.replace(tmp, dest)
    except OSError as exc:
        raise PbxDeskError(f"{dest}: cannot write the export ({exc.strerror})") from None
    finally:
        for p in _files(tmp):
            p.unlink(missing_ok=True)
    return dest


def _validate_export(path: Path, source: Path) -> tuple[int, str | None]:
    """(schema version, the profile name recorded in it) of a copied export; errors name
    ``source``, the file the user gave."""
    try:
        facts = check_file(path, deep=True, count_events=False)
    except ProfileRefused as exc:
        reason = exc.problem.replace("pbxdesk profile", "pbxdesk profile export")
        reason = reason.replace("damaged profile", "damaged export").replace("to open it", "to import it")
        raise PbxDeskError(f"{source}: {reason}; nothing changed") from None
    if facts.new:
        raise PbxDeskError(f"{source}: not a pbxdesk profile export (an empty file); nothing changed")
    version = facts.version
    try:
        conn = sqlite3.connect(path)
    except sqlite3.Error as exc:
        raise PbxDeskError(f"{source}: cannot be read ({exc}); nothing changed") from None
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table','view')")}
        name = None
        if "settings" in tables:
            row = conn.execute(
                "SELECT json_extract(value, '$.profile') FROM settings WHERE key = ?", (EXPORT_SETTING,)
            ).fetchone()
            name = row[0] if row else None
        return version, name
    except sqlite3.DatabaseError as exc:
        raise PbxDeskError(f"{source}: damaged export ({exc}); nothing changed") from None
    finally:
        conn.close()


def _backup_copy(source: Path, tmp: Path) -> None:
    """Copy the export ``source`` (opened read-only) into the new file ``tmp`` through SQLite's
    online backup: page by page, consistent even if another program writes to it, and never a
    descriptor of ours on ``source`` that could drop its locks (connection.is_sqlite_file).
    Damage inside pages is copied as it is, for the integrity check on the copy to find."""
    try:
        src = sqlite3.connect(readonly_uri(source), uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise PbxDeskError(f"{source}: cannot read ({exc}); nothing changed") from None
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        if is_locked(exc):
            raise PbxDeskError(f"{source}: locked by another program; try again; nothing changed") from None
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
            raise PbxDeskError(
                f"{source}: not a pbxdesk profile export (not an SQLite file); nothing changed"
            ) from None
        raise PbxDeskError(f"{source}: damaged export ({exc}); nothing changed") from None
    finally:
        src.close()


def import_profile(file: str | Path, name: str | None = None, *, replace: bool = False) -> tuple[str, Path]:
    """Import an export as profile ``name`` (default: the name it was exported from, else the
    file's name). Validates and migrates a copy; ``file`` is only read. A clash with an existing
    profile is an error unless ``replace``. Returns (name, path)."""
    source = Path(file)
    if not source.is_file():
        raise PbxDeskError(f"{source}: no such file")
    directory = profiles_dir()
    if source.resolve().parent == directory.resolve():
        # A profile is copied with `profile copy` (a snapshot that keeps its secrets' names).
        raise PbxDeskError(
            f"{source}: this is the profile {source.stem!r} itself; copy it with "
            f"`pbxdesk profile copy {source.stem} NEWNAME`; nothing changed"
        )
    tmp = _tmp_beside(directory, "import")
    try:
        _backup_copy(source, tmp)
        version, recorded = _validate_export(tmp, source)
        target = name or recorded or source.stem
        try:
            check_profile_name(target)
        except PbxDeskError:
            raise PbxDeskError(
                f"{source}: {target!r} is not a profile name; choose one with --as NAME"
            ) from None
        dest = profile_path(target)
        if dest.exists() and not replace:
            raise PbxDeskError(
                f"{target}: a profile of that name already exists ({dest}); import with --as NEWNAME, "
                "or --replace to overwrite it; nothing changed"
            )
        conn = sqlite3.connect(tmp)
        try:
            with conn:
                conn.execute("DELETE FROM settings WHERE key = ?", (EXPORT_SETTING,))
        except sqlite3.DatabaseError:
            pass
        finally:
            conn.close()
        Profile.open(tmp).close()  # migrates the copy to this version, WAL on
        if replace and dest.exists():
            with exclusive(dest, "replace"):
                _link_into_place(tmp, dest, replace=True)
            for p in _files(dest)[1:]:
                p.unlink(missing_ok=True)
        else:
            _link_into_place(tmp, dest)
        return target, dest
    finally:
        for p in _files(tmp):
            p.unlink(missing_ok=True)


def vacuum_profile(name: str) -> tuple[int, int]:
    """Rebuild the file without its free pages; returns (bytes before, bytes after)."""
    path = _existing(check_profile_name(name))
    check_file(path, count_events=False)  # a refused file is not opened for writing
    before = _size(path)
    with exclusive(path, "vacuum") as conn:
        try:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.DatabaseError as exc:
            raise PbxDeskError(f"{path}: vacuum failed ({exc}); the profile is unchanged") from None
    return before, _size(path)


def open_or_recover(
    name: str, *, prepare: Callable[[Profile], None] | None = None
) -> tuple[Profile, str, str | None]:
    """Profile ``name``; when its file cannot be used (damaged, not a profile, made by a newer
    pbxdesk, locked) the default profile, else a fresh "recovered" one, so the app still starts.
    The bad file is left untouched. Returns (profile, the name opened, a notice for the user or
    None). ``prepare`` runs on the profile opened (the app gives an empty one its demo PBX)."""

    def attempt(n: str) -> Profile:
        profile = Profile.open(profile_path(n))
        try:
            if prepare is not None:
                prepare(profile)
        except BaseException:
            profile.close()
            raise
        return profile

    try:
        return attempt(name), name, None
    except PbxDeskError as exc:
        problem = str(exc)
    log.warning("profile %s cannot be opened: %s", name, problem)
    candidates = [DEFAULT_PROFILE] if name != DEFAULT_PROFILE else []
    candidates += ["recovered"] + [f"recovered-{i}" for i in range(2, 10)]
    for other in candidates:
        try:
            profile = attempt(other)
        except PbxDeskError as exc:
            log.warning("fallback profile %s cannot be opened either: %s", other, exc)
            continue
        notice = f"Profile '{name}' could not be opened: {problem}. Showing profile '{other}' instead."
        return profile, other, notice
    raise PbxDeskError(problem)


def _rename_secrets(old: str, new: str) -> None:
    from pbxdesk.store import secrets

    secrets.rename_profile_secrets(old, new)


def _delete_secrets(name: str) -> None:
    from pbxdesk.store import secrets

    secrets.delete_profile_secrets(name)
