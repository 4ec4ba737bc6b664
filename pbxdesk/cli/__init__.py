"""The command line: `pbxdesk` (the app), `pbxdesk run`, `profile`, `outbox`, `export`, `test`,
`emulator`, `monitor`, `sync`. One module per command group; `main` is the entry point."""

from pbxdesk.cli.main import EXIT_BAD_INPUT, main

__all__ = ["EXIT_BAD_INPUT", "main"]
