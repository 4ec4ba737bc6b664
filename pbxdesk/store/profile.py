"""A profile: one SQLite file holding a PBX's configuration and its event history."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pbxdesk.domain import (
    EventType,
    Extension,
    ExtensionStatus,
    ExtensionType,
    HttpMethod,
    PbxDeskError,
    Subscription,
)
from pbxdesk.store.check import check_file

# The connection helpers live in their own light module (the writer process imports only it);
# re-exported here, where the rest of the code has always found them.
from pbxdesk.store.connection import (  # noqa: F401
    BUSY_TIMEOUT_S,
    CACHE_KIB,
    WAL_CHECKPOINT_PAGES,
    _set_wal,
    connect,
    is_locked,
    is_sqlite_file,
    locked_error,
)
from pbxdesk.store.paths import profile_path
from pbxdesk.store.schema import EXTENSION_RESOURCE_COLUMNS, check_version, migrate

# The extensions table: these columns, and the simulator's settings as JSON in ``config``.
_EXT_COLUMNS = ("id", "name", "type", "status", "label", "record", *EXTENSION_RESOURCE_COLUMNS, "config")
_EXT_NOT_CONFIG = frozenset(_EXT_COLUMNS)


def _extension_row(ext: Extension) -> tuple[Any, ...]:
    values = asdict(ext)
    config = {k: v for k, v in values.items() if k not in _EXT_NOT_CONFIG}
    resource = [values[c] for c in EXTENSION_RESOURCE_COLUMNS]
    return (ext.id, ext.name, ext.type.value, ext.status.value, ext.label, int(ext.record), *resource,
            json.dumps(config))  # fmt: skip


def _extension_of(row: tuple[Any, ...]) -> Extension:
    ext_id, name, type_, status, label, record, *resource, config = row
    extra = json.loads(config or "{}")
    extra["agents"] = tuple(extra.get("agents", ()))
    fields = dict(zip(EXTENSION_RESOURCE_COLUMNS, resource, strict=True))
    # A row from before v4 has NULLs here: read as "not set" (the dataclass's defaults).
    for key in ("caller_id_name", "create_date", "domain"):
        fields[key] = fields[key] or ""
    return Extension(
        id=ext_id,
        name=name,
        type=ExtensionType(type_),
        status=ExtensionStatus(status),
        label=label or "",
        record=bool(record),
        **fields,
        **extra,
    )


class Profile:
    """Configuration and history access for one profile file (the writer lives elsewhere)."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, create: bool = True) -> Profile:
        p = Path(path)
        if p.exists():
            # Refused here, before any connection that could write (or put a -wal beside it).
            check_file(p, count_events=False)
        elif not create:
            raise PbxDeskError(f"{p}: no such profile")
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
        # WAL only after the schema version check: a profile this version must refuse
        # (made by a newer pbxdesk) is left byte for byte as it was.
        conn = connect(p, wal=False)
        try:
            check_version(conn, str(p))
            _set_wal(conn)
            migrate(conn, str(p))
        except sqlite3.OperationalError as exc:
            conn.close()
            if is_locked(exc):
                raise locked_error(p, exc) from None
            raise PbxDeskError(f"{p}: damaged profile ({exc}); left untouched") from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise PbxDeskError(f"{p}: damaged profile ({exc}); left untouched") from None
        except BaseException:
            conn.close()
            raise
        return cls(p, conn)

    @classmethod
    def open_named(cls, name: str, *, create: bool = True) -> Profile:
        return cls.open(profile_path(name), create=create)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Profile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- settings ----------------------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value))
            )

    def delete_setting(self, key: str) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM settings WHERE key = ?", (key,))

    # -- configuration -----------------------------------------------------------------------
    def is_empty(self) -> bool:
        return self.conn.execute("SELECT COUNT(*) FROM extensions").fetchone()[0] == 0

    def replace_config(self, extensions: Iterable[Extension], subscriptions: Iterable[Subscription]) -> None:
        """Swap the whole configuration in one transaction."""
        with self.conn:
            self.conn.execute("DELETE FROM subscriptions")
            self.conn.execute("DELETE FROM extensions")
            for ext in extensions:
                self._insert_extension(ext)
            for sub in subscriptions:
                self._insert_subscription(sub)

    def _insert_extension(self, ext: Extension) -> None:
        self.conn.execute(
            f"INSERT INTO extensions ({', '.join(_EXT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(_EXT_COLUMNS))})",
            _extension_row(ext),
        )

    def _insert_subscription(self, sub: Subscription) -> int:
        cur = self.conn.execute(
            "INSERT INTO subscriptions (id, extension_id, event_type, method, url, enabled) "
            "VALUES (?, ?, ?, ?, ?, 1)",
            (sub.id, sub.extension_id, sub.event_type.value, sub.method.value, sub.url),
        )
        return int(cur.lastrowid or 0)

    def add_subscription(self, sub: Subscription) -> Subscription:
        with self.conn:
            new_id = self._insert_subscription(sub)
        return Subscription(sub.extension_id, sub.event_type, sub.method, sub.url, id=new_id)

    def extensions(self) -> list[Extension]:
        rows = self.conn.execute(f"SELECT {', '.join(_EXT_COLUMNS)} FROM extensions ORDER BY name").fetchall()
        return [_extension_of(row) for row in rows]

    def subscriptions(self) -> list[Subscription]:
        rows = self.conn.execute(
            "SELECT id, extension_id, event_type, method, url FROM subscriptions "
            "WHERE enabled = 1 ORDER BY id"
        ).fetchall()
        return [Subscription(ext, EventType(et), HttpMethod(m), url, id=sid) for sid, ext, et, m, url in rows]

    # -- history -----------------------------------------------------------------------------
    def max_ids(self) -> tuple[int, int]:
        ev = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM event_log").fetchone()[0]
        dl = self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM deliveries").fetchone()[0]
        return int(ev), int(dl)

    def counts(self) -> dict[str, int]:
        q = self.conn.execute
        return {
            "events": q("SELECT COUNT(*) FROM event_log").fetchone()[0],
            "deliveries": q("SELECT COUNT(*) FROM deliveries").fetchone()[0],
            "delivered": q(
                "SELECT COUNT(*) FROM deliveries WHERE status_code BETWEEN 200 AND 299"
            ).fetchone()[0],
        }

    # -- configuration, one item at a time (the GUI's dialogs) --------------------------------------
    def extension(self, ext_id: int) -> Extension | None:
        return next((e for e in self.extensions() if e.id == ext_id), None)

    def subscription(self, sub_id: int) -> Subscription | None:
        return next((s for s in self.subscriptions() if s.id == sub_id), None)

    def add_extension(self, ext: Extension) -> Extension:
        """Insert one extension; a clash of id or name is a PbxDeskError naming it."""
        try:
            with self.conn:
                self._insert_extension(ext)
        except sqlite3.IntegrityError:
            raise PbxDeskError(
                f"an extension with id {ext.id} or name {ext.name!r} already exists in this profile"
            ) from None
        return ext

    def update_extension(self, ext: Extension) -> None:
        """Replace the extension with ``ext.id``. A new name is carried into the queues that list
        it as an agent and the ivrs that route to it, in the same transaction."""
        row = self.conn.execute("SELECT name FROM extensions WHERE id = ?", (ext.id,)).fetchone()
        if row is None:
            raise PbxDeskError(f"no extension with id {ext.id} in this profile")
        old_name = row[0]
        try:
            with self.conn:
                self.conn.execute(
                    f"UPDATE extensions SET {', '.join(f'{c} = ?' for c in _EXT_COLUMNS[1:])} WHERE id = ?",
                    (*_extension_row(ext)[1:], ext.id),
                )
                if old_name != ext.name:
                    self._rename_references(old_name, ext.name, skip_id=ext.id)
        except sqlite3.IntegrityError:
            raise PbxDeskError(f"another extension is already named {ext.name!r}") from None

    def _rename_references(self, old: str, new: str, *, skip_id: int) -> None:
        rows = self.conn.execute("SELECT id, config FROM extensions WHERE id != ?", (skip_id,)).fetchall()
        for ext_id, config_text in rows:
            config = json.loads(config_text or "{}")
            agents = config.get("agents") or []
            changed = False
            if old in agents:
                config["agents"] = [new if a == old else a for a in agents]
                changed = True
            if config.get("route") == old:
                config["route"] = new
                changed = True
            if changed:
                self.conn.execute(
                    "UPDATE extensions SET config = ? WHERE id = ?", (json.dumps(config), ext_id)
                )

    def delete_extension(self, ext_id: int) -> int:
        """Delete an extension and its subscriptions; returns how many subscriptions went with it.
        Its history (events, deliveries) stays."""
        with self.conn:
            n = self.conn.execute("DELETE FROM subscriptions WHERE extension_id = ?", (ext_id,)).rowcount
            if not self.conn.execute("DELETE FROM extensions WHERE id = ?", (ext_id,)).rowcount:
                raise PbxDeskError(f"no extension with id {ext_id} in this profile")
        return n

    def update_subscription(self, sub: Subscription) -> None:
        if sub.id is None:
            raise PbxDeskError("a subscription without an id cannot be updated; add it instead")
        with self.conn:
            n = self.conn.execute(
                "UPDATE subscriptions SET extension_id = ?, event_type = ?, method = ?, url = ? WHERE id = ?",
                (sub.extension_id, sub.event_type.value, sub.method.value, sub.url, sub.id),
            ).rowcount
        if not n:
            raise PbxDeskError(f"no subscription with id {sub.id} in this profile")

    def delete_subscription(self, sub_id: int) -> None:
        with self.conn:
            n = self.conn.execute("DELETE FROM subscriptions WHERE id = ?", (sub_id,)).rowcount
        if not n:
            raise PbxDeskError(f"no subscription with id {sub_id} in this profile")
