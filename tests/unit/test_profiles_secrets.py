"""Secrets live in the keyring (or this session, or the environment): never in a profile,
an export or the log."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring
import pytest
from fixtures.memory_keyring import MemoryKeyring
from keyring.backends import fail

from pbxdesk.logs import setup_logging
from pbxdesk.store import manager, secrets
from pbxdesk.store.paths import log_dir, profile_path
from pbxdesk.store.profile import Profile

SECRET = "s3cr3t-Zq9wX-client-secret-7f41"


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring(monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr(secrets, "_session", {})
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def logged():
    """The app's real log file (under PBXDESK_HOME), at DEBUG."""
    root = logging.getLogger()
    old_handlers, old_level = list(root.handlers), root.level
    for h in old_handlers:
        root.removeHandler(h)
    setup_logging(logging.DEBUG)
    yield log_dir() / "pbxdesk.log"
    for h in list(root.handlers):
        h.close()
        root.removeHandler(h)
    for h in old_handlers:
        root.addHandler(h)
    root.setLevel(old_level)


def test_keyring_round_trip(memory_keyring: MemoryKeyring) -> None:
    assert secrets.set_secret("work", "client_secret", SECRET) == "keyring"
    assert memory_keyring.store == {("pbxdesk", "work/client_secret"): SECRET}
    assert secrets.get_secret("work", "client_secret") == SECRET
    assert secrets.get_secret("other", "client_secret") is None
    assert "OS keyring" in secrets.backend_description()
    assert secrets.delete_secret("work", "client_secret") is True
    assert secrets.get_secret("work", "client_secret") is None
    assert secrets.delete_secret("work", "client_secret") is False


def test_without_a_keyring_it_says_so_and_keeps_the_secret_for_the_session(no_keyring, monkeypatch) -> None:
    description = secrets.backend_description()
    assert "no OS keyring" in description and "this session only" in description
    assert "PBXDESK_CLIENT_SECRET" in description
    assert secrets.set_secret("work", "client_secret", SECRET) == "session"
    assert secrets.get_secret("work", "client_secret") == SECRET
    monkeypatch.setattr(secrets, "_session", {})  # a new session: gone
    assert secrets.get_secret("work", "client_secret") is None
    monkeypatch.setenv("PBXDESK_CLIENT_SECRET", "from-the-env")
    assert secrets.env_var("client_secret") == "PBXDESK_CLIENT_SECRET"
    assert secrets.get_secret("work", "client_secret") == "from-the-env"


def test_a_refusing_keyring_falls_back_to_the_session(memory_keyring: MemoryKeyring, monkeypatch) -> None:
    def locked(*_a: object) -> None:
        raise keyring.errors.KeyringLocked("collection is locked")

    monkeypatch.setattr(memory_keyring, "set_password", locked)
    monkeypatch.setattr(secrets, "_session", {})
    assert secrets.set_secret("work", "access_token", SECRET) == "session"
    assert secrets.get_secret("work", "access_token") == SECRET


def test_bad_secret_names_are_refused() -> None:
    with pytest.raises(secrets.ValidationError):
        secrets.set_secret("work", "../../etc", "x")


def test_rename_and_delete_of_a_profile_carry_its_secrets(memory_keyring: MemoryKeyring) -> None:
    manager.create_profile("work")
    secrets.set_secret("work", "client_secret", SECRET)
    manager.rename_profile("work", "office")
    assert secrets.get_secret("office", "client_secret") == SECRET
    assert secrets.get_secret("work", "client_secret") is None
    manager.delete_profile("office")
    assert memory_keyring.store == {}


@pytest.mark.parametrize("keyring_kind", ["memory", "none"])
def test_the_secret_is_never_in_the_profile_an_export_or_the_log(
    request, keyring_kind: str, logged: Path, tmp_path: Path
) -> None:
    request.getfixturevalue("memory_keyring" if keyring_kind == "memory" else "no_keyring")
    path = manager.create_profile("work")
    with Profile.open(path) as profile:
        profile.set_setting("pbx", {"client_id": "app-42", "domain": "crm.example"})
        where = secrets.set_secret("work", "client_secret", SECRET)
        secrets.set_secret("work", "access_token", SECRET + "-token")
        # everything a later live-PBX client would do with it
        assert secrets.get_secret("work", "client_secret") == SECRET
        profile.set_setting("auth", {"client_secret_in": where})
    logging.getLogger("pbxdesk.test").info("profile work ready; secret in %s", where)
    export = manager.export_profile("work", tmp_path / "work.pbxdesk")
    manager.copy_profile("work", "copy")
    for handler in logging.getLogger().handlers:
        handler.flush()
    files = [p for p in path.parent.iterdir() if p.is_file()] + [export, logged]
    assert logged.exists() and "secret client_secret of profile work" in logged.read_text()
    needle = SECRET.encode()
    for f in files:
        assert needle not in f.read_bytes(), f"the secret leaked into {f}"
        assert SECRET.encode("utf-16-le") not in f.read_bytes(), f
    assert profile_path("copy").exists()
