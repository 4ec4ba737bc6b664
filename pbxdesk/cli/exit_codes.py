"""The exit codes of every `pbxdesk` command, defined once (the README's "Exit codes")."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the command ran, and what it checked or sent did not all succeed
    BAD_INPUT = 2  # the user's input (arguments, files, a damaged profile): nothing was done
    INTERNAL = 3  # pbxdesk's own failure (e.g. the profile's writer failed for good)
    INTERRUPTED = 130  # Ctrl+C before the command could end on its own (128 + SIGINT)
