"""The profile manager on real files: nothing is ever overwritten or half-made by surprise."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from fixtures.profile_factory import make_profile, table_rows

from pbxdesk.domain import PbxDeskError
from pbxdesk.store import manager
from pbxdesk.store.paths import profile_path, profiles_dir
from pbxdesk.store.profile import Profile
from pbxdesk.store.schema import APPLICATION_ID, SCHEMA_VERSION


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dir_state() -> dict[str, str]:
    d = profiles_dir()
    return {p.name: _digest(p) for p in sorted(d.iterdir())} if d.exists() else {}


@pytest.fixture
def filled() -> Path:
    """Profile 'work': a v2 file with history, opened once (so upgraded to the current schema)."""
    path = profile_path("work")
    path.parent.mkdir(parents=True, exist_ok=True)
    make_profile(path, 2, n=60)
    Profile.open(path).close()
    return path


def test_create_list_rename_copy_delete(filled: Path) -> None:
    manager.create_profile("empty")
    infos = {i.name: i for i in manager.list_profiles()}
    assert set(infos) == {"work", "empty"}
    assert infos["empty"].events == 0 and infos["empty"].schema_version == SCHEMA_VERSION
    assert infos["work"].events == 65 and infos["work"].ok

    before = table_rows(filled)
    manager.rename_profile("work", "office")
    assert not filled.exists() and not Path(f"{filled}-wal").exists()
    assert table_rows(profile_path("office")) == before

    manager.copy_profile("office", "office copy")
    assert table_rows(profile_path("office copy")) == before
    with Profile.open(profile_path("office copy")) as p:  # the copy is a working profile
        assert p.counts()["events"] == 65

    manager.delete_profile("office copy")
    assert not profile_path("office copy").exists()
    assert [i.name for i in manager.list_profiles()] == ["empty", "office"]
    assert not [p for p in profiles_dir().iterdir() if p.name.startswith(".")]  # no temp files


def test_name_clashes_and_missing_profiles_change_nothing(filled: Path) -> None:
    manager.create_profile("other")
    state = _dir_state()
    for action in (
        lambda: manager.create_profile("work"),
        lambda: manager.rename_profile("work", "other"),
        lambda: manager.copy_profile("work", "other"),
        lambda: manager.rename_profile("absent", "new"),
        lambda: manager.delete_profile("absent"),
        lambda: manager.rename_profile("work", "../escape"),
    ):
        with pytest.raises(PbxDeskError) as info:
            action()
        assert "work" in str(info.value) or "other" in str(info.value) or "absent" in str(info.value) \
            or "escape" in str(info.value)  # fmt: skip
    assert _dir_state() == state


def test_a_profile_open_elsewhere_is_not_renamed_deleted_or_vacuumed(filled: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         f"c = sqlite3.connect({str(filled)!r}); c.execute('SELECT COUNT(*) FROM event_log').fetchone()\n"
         "print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        for action, verb in (
            (lambda: manager.rename_profile("work", "moved"), "rename"),
            (lambda: manager.delete_profile("work"), "delete"),
            (lambda: manager.vacuum_profile("work"), "vacuum"),
        ):
            with pytest.raises(PbxDeskError, match=f"work: the profile is open in another program.*{verb}"):
                action()
        assert filled.exists() and not profile_path("moved").exists()
        # a copy or an export is a snapshot: fine while it is open
        manager.copy_profile("work", "snap")
        assert Profile.open(profile_path("snap")).counts()["events"] == 65
    finally:
        holder.communicate("", timeout=10)


def test_export_import_round_trip_is_equal(filled: Path, tmp_path: Path) -> None:
    with Profile.open(filled) as p:  # the extension resource's fields travel with the profile
        anna = replace(p.extension(101), caller_id_name="Anna P.", extension_group_id=3, client_id=4711,
                       create_date="2024-03-16 10:02:44", domain="sip.pbx", extra_params="{}")  # fmt: skip
        p.update_extension(anna)
    before = table_rows(filled)
    export = manager.export_profile("work", tmp_path / "work.pbxdesk")
    assert export.read_bytes()[:16] == b"SQLite format 3\x00"
    assert not Path(f"{export}-wal").exists()  # one file
    name, path = manager.import_profile(export, "restored")
    assert (name, path) == ("restored", profile_path("restored"))
    assert table_rows(path) == before
    with Profile.open(path) as p:
        assert p.extension(101) == anna
    # the export remembers its profile's name: importing it again without --as clashes
    with pytest.raises(PbxDeskError, match="work: a profile of that name already exists"):
        manager.import_profile(export)
    manager.delete_profile("work")
    assert manager.import_profile(export)[0] == "work"
    assert table_rows(filled) == before


def test_export_never_overwrites_a_file_silently(filled: Path, tmp_path: Path) -> None:
    dest = tmp_path / "mine.txt"
    dest.write_text("my notes")
    with pytest.raises(PbxDeskError, match="mine.txt: the file already exists"):
        manager.export_profile("work", dest)
    assert dest.read_text() == "my notes"
    manager.export_profile("work", dest, overwrite=True)
    assert manager.import_profile(dest, "again")[0] == "again"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_text("name,number\nanna,101\n"), "not a pbxdesk profile export"),
        (lambda p: p.write_bytes(b""), "not a pbxdesk profile export"),
        (lambda p: _other_sqlite(p), "not a pbxdesk profile export"),
        (lambda p: _truncated_export(p), "damaged export"),
        (lambda p: _newer_export(p), "made by a newer pbxdesk"),
    ],
    ids=["csv", "empty", "other-sqlite", "truncated", "newer"],
)
def test_bad_imports_are_refused_and_change_nothing(filled: Path, tmp_path: Path, make, message: str) -> None:
    bad = tmp_path / "incoming.pbxdesk"
    make(bad)
    source = _digest(bad)
    state = _dir_state()
    with pytest.raises(PbxDeskError) as info:
        manager.import_profile(bad, "incoming")
    assert str(bad) in str(info.value) and message in str(info.value)
    assert _digest(bad) == source  # the file given is only read
    assert _dir_state() == state  # no profile made, none changed, no temp file left


def _other_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('hello')")
    conn.commit()
    conn.close()


def _truncated_export(path: Path) -> None:
    src = profile_path("work")
    full = manager.export_profile("work", path.with_suffix(".full"))
    data = full.read_bytes()
    assert len(data) > 40_000, len(data)
    path.write_bytes(data[: len(data) * 2 // 3])
    assert src.exists()


def _newer_export(path: Path) -> None:
    manager.export_profile("work", path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


def test_import_of_a_v1_export_is_migrated(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite"
    made = make_profile(old, 1, n=10)
    name, path = manager.import_profile(old, "from-v1")
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == len(made["events"])
    finally:
        conn.close()
    assert conn is not None and name == "from-v1"
    conn = sqlite3.connect(old)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1  # the source is untouched
    finally:
        conn.close()


def test_import_replace_overwrites_only_when_asked(filled: Path, tmp_path: Path) -> None:
    manager.create_profile("target")
    export = manager.export_profile("work", tmp_path / "w.pbxdesk")
    with pytest.raises(PbxDeskError, match="target: a profile of that name already exists"):
        manager.import_profile(export, "target")
    assert manager.list_profiles()[0].events == 0  # "target" still empty
    manager.import_profile(export, "target", replace=True)
    assert table_rows(profile_path("target")) == table_rows(filled)


def test_importing_a_profile_of_the_profiles_folder_is_refused(filled: Path) -> None:
    """Copied byte by byte, an open profile would lose this process's SQLite locks; `profile
    copy` is the way, and says so."""
    before = _dir_state()
    with Profile.open(filled), pytest.raises(PbxDeskError, match="pbxdesk profile copy work NEWNAME"):
        manager.import_profile(filled, "again")
    assert _dir_state() == before


def test_vacuum_gives_space_back(filled: Path) -> None:
    with Profile.open(filled) as p, p.conn:
        p.conn.execute("DELETE FROM deliveries")
        p.conn.execute("DELETE FROM event_log")
    before, after = manager.vacuum_profile("work")
    assert after < before
    assert Profile.open(filled).counts()["events"] == 0


def test_unusable_files_are_listed_with_the_reason(filled: Path) -> None:
    (profiles_dir() / "junk.sqlite").write_text("not a database")
    infos = {i.name: i for i in manager.list_profiles()}
    assert not infos["junk"].ok and "not a pbxdesk profile" in infos["junk"].problem
    assert infos["work"].ok


def test_an_import_reads_through_sqlite_what_is_still_in_the_wal(filled: Path, tmp_path: Path) -> None:
    """The file given is copied by SQLite's backup: rows another program has committed but not
    yet checkpointed (in its -wal) come along; a byte copy of the main file lost them."""
    src = tmp_path / "live.sqlite"
    manager.export_profile("work", src)
    writer = sqlite3.connect(src)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    with writer:
        writer.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('only_in_wal', '\"yes\"')")
    try:
        assert (tmp_path / "live.sqlite-wal").stat().st_size > 0
        main_before = _digest(src)
        name, dest = manager.import_profile(src, "fromwal")
        assert _digest(src) == main_before  # only read
    finally:
        writer.close()
    with Profile.open(dest) as profile:
        assert profile.get_setting("only_in_wal") == "yes"
