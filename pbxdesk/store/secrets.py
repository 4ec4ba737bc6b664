"""Secrets (the PBX client secret, OAuth tokens): in the OS keyring, never in a profile.

A profile file, an export and the log never hold a secret: they live in the OS keyring
(Secret Service on Linux, Keychain on macOS, Credential Manager on Windows) under the service
``pbxdesk`` and the user name ``<profile>/<name>``.

Where no keyring backend exists (a headless Linux box without a Secret Service) pbxdesk says
so (``backend_description()``) and keeps a secret set now in memory for this session only.
A secret can also come from the environment: ``PBXDESK_<NAME>`` (``PBXDESK_CLIENT_SECRET`` for
``client_secret``, ``PBXDESK_ACCESS_TOKEN`` for ``access_token``), which is read when neither
the keyring nor the session has it.

Values are never logged: log lines name the profile and the secret's name only.
"""

from __future__ import annotations

import logging
import os
import re
import threading

from pbxdesk.domain import ValidationError

log = logging.getLogger(__name__)

SERVICE = "pbxdesk"
CLIENT_SECRET = "client_secret"
ACCESS_TOKEN = "access_token"
REFRESH_TOKEN = "refresh_token"
KNOWN_NAMES = (CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN)
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

_session: dict[tuple[str, str], str] = {}  # (profile, name) -> value, when there is no keyring
_lock = threading.Lock()


def env_var(name: str) -> str:
    """The environment variable a secret can be given in: ``PBXDESK_CLIENT_SECRET``..."""
    return f"PBXDESK_{_check(name).upper()}"


def from_environment(name: str) -> str | None:
    """The secret given in ``PBXDESK_<NAME>``, if any (a command without a profile, such as
    the emulator, has no keyring entry to look in)."""
    return os.environ.get(env_var(name)) or None


def _check(name: str) -> str:
    if not _NAME.match(name):
        raise ValidationError(
            f"{name!r} is not a secret name (lowercase letters, digits, '_')", where="secret"
        )
    return name


def _user(profile: str, name: str) -> str:
    return f"{profile}/{_check(name)}"


def _backend():  # -> keyring backend or None
    """The keyring backend, or None when there is none that can store anything."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration must not stop the app
        return None
    if isinstance(backend, fail.Keyring):
        return None
    try:
        if float(getattr(backend, "priority", 1)) <= 0:
            return None
    except Exception:
        pass
    return backend


def backend_description() -> str:
    """One sentence for a user: where secrets go on this machine."""
    backend = _backend()
    if backend is None:
        return (
            "no OS keyring is available on this machine (e.g. no Secret Service on a headless Linux): "
            "secrets are kept for this session only; set PBXDESK_CLIENT_SECRET to give the client "
            "secret without typing it"
        )
    name = getattr(backend, "name", type(backend).__name__)
    return f"secrets are stored in the OS keyring ({name})"


def set_secret(profile: str, name: str, value: str) -> str:
    """Store a secret for ``profile``; returns where it went: ``"keyring"`` or ``"session"``
    (no keyring, or the keyring refused: kept in memory until pbxdesk exits)."""
    user = _user(profile, name)
    backend = _backend()
    if backend is not None:
        try:
            backend.set_password(SERVICE, user, value)
            with _lock:
                _session.pop((profile, name), None)
            log.info("secret %s of profile %s stored in the OS keyring", name, profile)
            return "keyring"
        except Exception as exc:  # locked collection, D-Bus gone...
            log.warning(
                "the OS keyring refused secret %s of profile %s (%s); kept for this session only",
                name,
                profile,
                type(exc).__name__,
            )
    else:
        log.warning("no OS keyring: secret %s of profile %s kept for this session only", name, profile)
    with _lock:
        _session[(profile, name)] = value
    return "session"


def get_secret(profile: str, name: str) -> str | None:
    """The secret from the keyring, else this session's memory, else ``PBXDESK_<NAME>``."""
    user = _user(profile, name)
    backend = _backend()
    if backend is not None:
        try:
            value = backend.get_password(SERVICE, user)
            if value is not None:
                return value
        except Exception as exc:
            log.warning("the OS keyring could not be read for profile %s (%s)", profile, type(exc).__name__)
    with _lock:
        if (profile, name) in _session:
            return _session[(profile, name)]
    return from_environment(name)


def delete_secret(profile: str, name: str) -> bool:
    """Forget a secret (keyring and session); True if there was one."""
    user = _user(profile, name)
    found = False
    with _lock:
        found = _session.pop((profile, name), None) is not None
    backend = _backend()
    if backend is not None:
        try:
            if backend.get_password(SERVICE, user) is not None:
                backend.delete_password(SERVICE, user)
                found = True
        except Exception as exc:
            log.warning("the OS keyring could not delete secret %s of profile %s (%s)", name, profile,
                        type(exc).__name__)  # fmt: skip
    return found


def rename_profile_secrets(old: str, new: str) -> None:
    """Move the known secrets of a renamed profile to its new name."""
    for name in KNOWN_NAMES:
        value = _stored(old, name)
        if value is not None:
            set_secret(new, name, value)
            delete_secret(old, name)


def delete_profile_secrets(profile: str) -> None:
    for name in KNOWN_NAMES:
        delete_secret(profile, name)


def _stored(profile: str, name: str) -> str | None:
    """Keyring or session only (not the environment)."""
    backend = _backend()
    if backend is not None:
        try:
            value = backend.get_password(SERVICE, _user(profile, name))
            if value is not None:
                return value
        except Exception:
            pass
    with _lock:
        return _session.get((profile, name))
