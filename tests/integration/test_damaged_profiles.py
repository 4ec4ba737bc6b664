"""A damaged profile goes through every command: the same refusal, the file untouched.

Random bytes in the middle, a truncated file, a profile from a newer pbxdesk: `profile
list`, `profile check`, `run`, `outbox ...`, `export`, `profile export|copy|vacuum|prune|
retention`, `profile import` and the app's way in (``open_or_recover``) all refuse it with
the reason the one check (``store.check``) gives, and leave its bytes and its directory as
they were (no -wal/-shm beside it). A 0-byte file is a new profile everywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pbxdesk.cli import main
from pbxdesk.domain import EventData, EventType
from pbxdesk.store.check import ProfileRefused, check_file
from pbxdesk.store.manager import open_or_recover
from pbxdesk.store.paths import profiles_dir
from pbxdesk.store.profile import Profile
from pbxdesk.store.writer import BatchWriter, event_row

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "resources" / "scenarios" / "seed-example.toml"

EXIT_BAD_INPUT = 2  # the README's code for bad input (the number is the contract)


def _filled_profile(path: Path, events: int = 6000) -> None:
    """A profile of a few hundred KiB: events, so its middle pages are b-tree pages."""
    Profile.open(path).close()
    writer = BatchWriter(path, process=False)
    try:
        for n in range(1, events + 1):
            ev = EventData(175, EventType.DIAL_IN, f"call-{n}-{'x' * 40}", 1_700_000_000_000_000 + n)
            writer.add_event(event_row(n, ev, "000*099", "sim"))
        writer.flush()
    finally:
        writer.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _random_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8192] = random.Random(18).randbytes(8192)
    path.write_bytes(bytes(data))


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 1000])


def _newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()


DAMAGE: dict[str, Callable[[Path], None]] = {"random-middle": _random_middle, "truncated": _truncated,
                                             "newer-schema": _newer}  # fmt: skip


def _state(directory: Path) -> tuple[list[str], dict[str, str]]:
    names = sorted(p.name for p in directory.iterdir())
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir() if p.is_file()}
    return names, digests


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_profile_is_refused_alike_by_every_command_and_left_untouched(
    damage: str, pbxdesk_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = profiles_dir()
    directory.mkdir(parents=True)
    path = directory / "bad.sqlite"
    _filled_profile(path)
    DAMAGE[damage](path)
    with pytest.raises(ProfileRefused) as refused:
        check_file(path)
    reason = refused.value.reason
    before = _state(directory)
    assert before[0] == ["bad.sqlite"]

    commands = [
        ("profile", "check", "bad"),
        ("run", str(SCENARIO), "--profile", "bad", "--instant", "--no-progress", "--target", "http://127.0.0.1:9/"),
        ("outbox", "--profile", "bad", "status"),
        ("outbox", "--profile", "bad", "resume"),
        ("outbox", "--profile", "bad", "cancel"),
        ("outbox", "--profile", "bad", "pause", "127.0.0.1:9"),
        ("export", "--profile", "bad", str(tmp_path / "out.json")),
        ("profile", "export", "bad", str(tmp_path / "bad.export")),
        ("profile", "copy", "bad", "copied"),
        ("profile", "vacuum", "bad"),
        ("profile", "prune", "bad"),
        ("profile", "retention", "bad", "--days", "3"),
    ]  # fmt: skip
    for argv in commands:
        t0 = time.monotonic()
        code, out, err = _cli(capsys, *argv)
        assert time.monotonic() - t0 < 30, argv
        assert code == EXIT_BAD_INPUT, (argv, code, out, err)
        assert err.count("\n") == 1 and reason in err and str(path) in err, (argv, err)
        assert "Traceback" not in err
        assert _state(directory) == before, argv
    assert not (tmp_path / "out.json").exists() and not (tmp_path / "bad.export").exists()

    code, out, _ = _cli(capsys, "profile", "list", "--json")
    [listed] = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and listed["problem"].startswith(reason)

    # Imported as an export (a copy given by path): refused for the same reason, nothing added.
    outside = tmp_path / "bad-copy.sqlite"
    outside.write_bytes(path.read_bytes())
    code, _, err = _cli(capsys, "profile", "import", str(outside), "--as", "imported")
    assert code == EXIT_BAD_INPUT and "nothing changed" in err
    assert reason.split(" (")[0].replace("damaged profile", "damaged export") in err
    assert _state(directory) == before

    # The app's way in: another profile opens, the notice says why, this file stays as it was.
    profile, opened, notice = open_or_recover("bad")
    profile.close()
    assert opened != "bad" and notice is not None and reason in notice
    names, digests = _state(directory)
    assert digests["bad.sqlite"] == before[1]["bad.sqlite"]
    assert not [n for n in names if n.startswith("bad.sqlite-")]


def test_a_zero_byte_profile_is_a_new_profile_everywhere(
    pbxdesk_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = profiles_dir()
    directory.mkdir(parents=True)
    path = directory / "empty.sqlite"
    path.touch()
    code, out, _ = _cli(capsys, "profile", "list", "--json")
    [listed] = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and listed["problem"] is None and listed["events"] == 0
    code, out, _ = _cli(capsys, "profile", "check", "empty")
    assert code == 0 and "new, empty profile" in out
    assert path.stat().st_size == 0  # a look changes nothing
    code, out, err = _cli(capsys, "export", "--profile", "empty", str(tmp_path / "out.json"))
    assert code == 0 and out.startswith("0 events"), err
    assert check_file(path).version > 0  # adopted: it has the schema now
    code, out, err = _cli(capsys, "outbox", "--profile", "empty", "status")
    assert (code, out.strip()) == (0, "no deliveries"), err
    with Profile.open(path) as profile:
        assert profile.counts()["events"] == 0
    assert sorted(os.listdir(directory))[0] == "empty.sqlite"


def test_damage_the_quick_look_misses_is_found_by_the_full_check_on_first_error(
    pbxdesk_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile too large for quick_check (here: the limit set to 0) with its last pages
    damaged: `run` meets SQLite's "malformed" error, runs integrity_check and reports the
    damage (exit 2, one line), instead of an internal error or a hang."""
    import pbxdesk.store.check as check

    monkeypatch.setattr(check, "QUICK_CHECK_MAX_BYTES", 0)
    directory = profiles_dir()
    directory.mkdir(parents=True)
    path = directory / "big.sqlite"
    _filled_profile(path)
    data = bytearray(path.read_bytes())
    data[-8192:] = random.Random(7).randbytes(8192)
    path.write_bytes(bytes(data))
    check_file(path)  # the quick look passes
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    code, _, err = _cli(capsys, "run", str(SCENARIO), "--profile", "big", "--instant", "--no-progress",
                        "--target", "http://127.0.0.1:9/")  # fmt: skip
    assert code == EXIT_BAD_INPUT, err
    assert err.count("\n") == 1 and "damaged profile" in err and str(path) in err
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert sorted(os.listdir(directory)) == ["big.sqlite"]
