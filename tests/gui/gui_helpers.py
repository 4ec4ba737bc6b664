"""Helpers the GUI tests share (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

from fixtures.waiting import until  # the tests' one until(), under the name GUI tests import

__all__ = ["shown", "until"]


def shown(label) -> str:
    """A label's text if it is shown, else ""."""
    return "" if label.isHidden() else label.text()
