"""Logging to a rotating file in the user log dir. Secrets are never passed to the logger.

Two guards keep it so when a stranger talks to pbxdesk's HTTP servers (the live receiver, the
demo receiver, the emulator):

- ``ProtocolErrorFilter`` on aiohttp's ``aiohttp.server`` logger: aiohttp's ``handle_error``
  logs every malformed request as "Error handling request from ..." with the exception and its
  traceback, and a ``BadHttpMessage`` quotes the request line, i.e. the live receiver's secret
  token. A client's mistake becomes one line (who, what kind, the status answered: never the
  message or the target), at most PROTOCOL_LINES_PER_MINUTE of them a minute, with a count of
  the rest; an error of pbxdesk's own keeps its traceback.
- ``RedactFilter`` on the file handler: any text registered with ``add_secret`` (the live
  receiver's token while it runs) is replaced in every line and traceback, whoever logs it.
"""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import threading
import time
from collections.abc import Callable
from pathlib import Path

from pbxdesk.store.paths import log_dir

LOG_MAX_BYTES = 2_000_000
PROTOCOL_LINES_PER_MINUTE = 5
PROTOCOL_WINDOW_S = 60.0

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def add_secret(text: str) -> None:
    """Never let ``text`` reach the log file (replaced by ``<secret>``)."""
    if text:
        with _secrets_lock:
            _secrets.add(text)


def forget_secret(text: str) -> None:
    with _secrets_lock:
        _secrets.discard(text)


def redact(text: str) -> str:
    with _secrets_lock:
        secrets = list(_secrets)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "<secret>")
    return text


class RedactFilter(logging.Filter):
    """Takes every registered secret out of a record's message and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        with _secrets_lock:
            if not _secrets:
                return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = redact(message), None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None  # the text above is what gets written
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _client_mistake(exc: BaseException | None) -> bool:
    """What a client causes (a malformed request, a body cut short, a hang-up), not a bug."""
    from aiohttp.http_exceptions import HttpProcessingError

    return exc is None or isinstance(
        exc, HttpProcessingError | ConnectionError | EOFError | asyncio.IncompleteReadError
    )


class ProtocolErrorFilter(logging.Filter):
    """aiohttp's "Error handling request" for a client's mistake: one line, a few a minute."""

    def __init__(
        self,
        per_window: int = PROTOCOL_LINES_PER_MINUTE,
        window_s: float = PROTOCOL_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.per_window = per_window
        self.window_s = window_s
        self.clock = clock
        self._lock = threading.Lock()
        self._window_start = clock()
        self._logged = 0
        self._suppressed = 0  # in this window
        self._unreported = 0  # suppressed in earlier windows, not yet told

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Error handling request"):
            return True
        exc = record.exc_info[1] if record.exc_info else None
        if not _client_mistake(exc):
            return True  # pbxdesk's own error: its traceback is wanted (RedactFilter guards it)
        with self._lock:
            now = self.clock()
            if now - self._window_start >= self.window_s:
                self._unreported += self._suppressed
                self._window_start, self._logged, self._suppressed = now, 0, 0
            if self._logged >= self.per_window:
                self._suppressed += 1
                return False
            self._logged += 1
            unreported, self._unreported = self._unreported, 0
        remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        kind = type(exc).__name__ if exc is not None else "timeout"
        status = getattr(exc, "code", None) or (504 if exc is None else 400)
        more = f"; {unreported} more not logged before this one" if unreported else ""
        limit = f" (at most {self.per_window} such lines a minute{more})"
        record.msg = "protocol error from %s: %s, answered %s%s"
        record.args = (remote, kind, status, limit)
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


_protocol_filter: ProtocolErrorFilter | None = None


def quiet_protocol_errors() -> ProtocolErrorFilter:
    """Install the protocol-error filter on aiohttp's server logger (once per process; every
    pbxdesk HTTP server calls this when it starts)."""
    global _protocol_filter
    if _protocol_filter is None:
        _protocol_filter = ProtocolErrorFilter()
        logging.getLogger("aiohttp.server").addFilter(_protocol_filter)
    return _protocol_filter


def file_handler(path: Path) -> logging.Handler:
    """The log file's handler: rotating, formatted, secrets taken out."""
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_MAX_BYTES, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactFilter())
    return handler


def setup_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        return
    try:
        directory = log_dir()
        directory.mkdir(parents=True, exist_ok=True)
        handler = file_handler(directory / "pbxdesk.log")
    except OSError:
        handler = logging.NullHandler()  # a read-only home must not stop the app
    root.addHandler(handler)
    root.setLevel(level)
    quiet_protocol_errors()
