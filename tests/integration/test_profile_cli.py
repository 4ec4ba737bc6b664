"""`pbxdesk profile ...` as a user runs it: a subprocess, exit codes, one-line errors."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from fixtures.profile_factory import make_profile, table_rows

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def cli(home: Path, *args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "PBXDESK_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "pbxdesk", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _error_line(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("pbxdesk: error: ")
    return lines[0]


def test_profile_lifecycle(pbxdesk_home: Path, tmp_path: Path) -> None:
    assert cli(pbxdesk_home, "profile", "create", "work").returncode == EXIT_OK
    work = pbxdesk_home / "profiles" / "work.sqlite"
    make_profile(tmp_path / "v2.sqlite", 2, n=30)
    imported = cli(pbxdesk_home, "profile", "import", tmp_path / "v2.sqlite", "--as", "history")
    assert imported.returncode == EXIT_OK, imported.stderr
    assert "imported" in imported.stdout and "history" in imported.stdout

    listing = cli(pbxdesk_home, "profile", "list", "--json")
    assert listing.returncode == EXIT_OK
    rows = {r["name"]: r for r in map(json.loads, listing.stdout.splitlines())}
    assert rows["history"]["events"] == 35 and rows["work"]["events"] == 0
    text = cli(pbxdesk_home, "profile", "list").stdout
    assert "history" in text and "35 events" in text

    assert cli(pbxdesk_home, "profile", "rename", "history", "old calls").returncode == EXIT_OK
    assert cli(pbxdesk_home, "profile", "copy", "old calls", "backup").returncode == EXIT_OK
    export = tmp_path / "old.pbxdesk"
    assert cli(pbxdesk_home, "profile", "export", "old calls", export).returncode == EXIT_OK
    assert cli(pbxdesk_home, "profile", "import", export, "--as", "roundtrip").returncode == EXIT_OK
    old = pbxdesk_home / "profiles" / "old calls.sqlite"
    assert table_rows(pbxdesk_home / "profiles" / "roundtrip.sqlite") == table_rows(old)

    retention = cli(pbxdesk_home, "profile", "retention", "old calls", "--events", "10")
    assert retention.returncode == EXIT_OK and "keep the last 10 events" in retention.stdout
    pruned = cli(pbxdesk_home, "profile", "prune", "old calls")
    assert pruned.returncode == EXIT_OK and "pruned 25 events" in pruned.stdout, pruned.stdout
    vacuum = cli(pbxdesk_home, "profile", "vacuum", "old calls")
    assert vacuum.returncode == EXIT_OK and "vacuumed" in vacuum.stdout

    refused = cli(pbxdesk_home, "profile", "delete", "backup")
    assert refused.returncode == EXIT_BAD_INPUT and "--yes" in _error_line(refused)
    assert cli(pbxdesk_home, "profile", "delete", "backup", "--yes").returncode == EXIT_OK
    assert not (pbxdesk_home / "profiles" / "backup.sqlite").exists()
    assert work.exists()


def test_profile_errors_name_what_is_at_fault(pbxdesk_home: Path, tmp_path: Path) -> None:
    assert cli(pbxdesk_home, "profile", "create", "work").returncode == EXIT_OK
    profiles = pbxdesk_home / "profiles"
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in profiles.glob("*.sqlite")}

    clash = cli(pbxdesk_home, "profile", "create", "work")
    assert (
        clash.returncode == EXIT_BAD_INPUT
        and "work: a profile of that name already exists" in _error_line(clash)
    )
    missing = cli(pbxdesk_home, "profile", "rename", "nope", "x")
    assert missing.returncode == EXIT_BAD_INPUT and "nope: no such profile" in _error_line(missing)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a profile\n")
    bad = cli(pbxdesk_home, "profile", "import", notes)
    assert bad.returncode == EXIT_BAD_INPUT and f"{notes}: not a pbxdesk profile export" in _error_line(bad)
    export = tmp_path / "work.pbxdesk"
    assert cli(pbxdesk_home, "profile", "export", "work", export).returncode == EXIT_OK
    again = cli(pbxdesk_home, "profile", "import", export)
    assert again.returncode == EXIT_BAD_INPUT and "--as" in _error_line(again)
    exists = cli(pbxdesk_home, "profile", "export", "work", export)
    assert exists.returncode == EXIT_BAD_INPUT and str(export) in _error_line(exists)
    name = cli(pbxdesk_home, "profile", "create", "../x")
    assert name.returncode == EXIT_BAD_INPUT and "../x" in _error_line(name)

    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in profiles.glob("*.sqlite")}
    assert after == before  # no profile made or changed by any of it (a reader may leave -wal/-shm)


def test_locked_profile_waits_briefly_then_says_so(
    pbxdesk_home: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """Another process holds the write lock: the command waits (here 0.5 s), then names the profile."""
    from pbxdesk import cli as cli_main
    from pbxdesk.store import connection

    monkeypatch.setattr(connection, "BUSY_TIMEOUT_S", 0.5)
    path = tmp_path / "old.sqlite"
    make_profile(path, 2, n=3)  # a v2 profile: opening it must migrate, which needs the lock
    (pbxdesk_home / "profiles").mkdir(parents=True)
    target = pbxdesk_home / "profiles" / "busy.sqlite"
    target.write_bytes(path.read_bytes())
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys\n"
         f"c = sqlite3.connect({str(target)!r}, isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    handlers = list(logging.getLogger().handlers)
    try:
        assert holder.stdout.readline().strip() == "locked"
        code = cli_main.main(["profile", "prune", "busy", "--events", "1"])
    finally:
        holder.communicate("", timeout=10)
        for h in set(logging.getLogger().handlers) - set(handlers):  # main() set up the log file
            logging.getLogger().removeHandler(h)
            h.close()
    line = capsys.readouterr().err.strip()
    assert code == EXIT_BAD_INPUT and "\n" not in line
    assert str(target) in line and "locked by another program" in line and "0.5 s" in line
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2  # untouched
    finally:
        conn.close()
