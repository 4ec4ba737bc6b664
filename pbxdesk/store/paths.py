"""Where profiles live: the user data dir (platformdirs), or $PBXDESK_HOME when set."""

from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs

from pbxdesk.domain import ValidationError

APP_NAME = "pbxdesk"
DEFAULT_PROFILE = "default"
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


def data_dir() -> Path:
    home = os.environ.get("PBXDESK_HOME")
    return Path(home) if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    home = os.environ.get("PBXDESK_HOME")
    return Path(home) / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def profiles_dir() -> Path:
    return data_dir() / "profiles"


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name) or name.strip() != name:
        raise ValidationError(
            "a profile name is 1-64 letters, digits, spaces, '.', '_' or '-', "
            f"starting with a letter or digit; {name!r} is not",
            where="profile",
        )
    return name


def profile_path(name: str) -> Path:
    return profiles_dir() / f"{check_profile_name(name)}.sqlite"
