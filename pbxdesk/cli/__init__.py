"""The command line: `pbxdesk` (the app), `pbxdesk run`, `profile`, `outbox`, `export`, `test`,
`emulator`, `monitor`, `sync`. One module per command group (see ``main``); exit codes in
``exit_codes``. ``main`` is the entry point (`pbxdesk = "pbxdesk.cli:main"`)."""

from pbxdesk.cli.exit_codes import ExitCode
from pbxdesk.cli.main import main

__all__ = ["ExitCode", "main"]
