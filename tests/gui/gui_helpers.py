"""Helpers the GUI tests share (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def until(predicate: Callable[[], object], timeout: float = 20.0, what: str = "") -> None:
    """Let the Qt/asyncio loop run until ``predicate()`` is true; fail after ``timeout`` s
    (saying ``what`` was awaited)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in time{': ' + what if what else ''}")
        await asyncio.sleep(0.02)


def shown(label) -> str:
    """A label's text if it is shown, else ""."""
    return "" if label.isHidden() else label.text()
