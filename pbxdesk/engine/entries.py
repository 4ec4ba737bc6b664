"""Typed access to one table of a TOML input file, every failure naming the table and key.

Shared by the scenario format (``scenario.py``) and its test expectations
(``expectations.py``), so a bad value reads the same wherever it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pbxdesk.domain import ValidationError


class Entry:
    """Typed access to one TOML table, failing with the table's location."""

    def __init__(self, table: Any, where: str, allowed: set[str]) -> None:
        if not isinstance(table, dict):
            raise ValidationError("must be a table", where=where)
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise ValidationError(
                f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})",
                where=where,
            )
        self.table = table
        self.where = where

    def at(self, key: str) -> str:
        return f"{self.where}.{key}"

    def fail(self, key: str, message: str) -> ValidationError:
        return ValidationError(message, where=self.at(key))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., *, what: str = "") -> Any:
        if key not in self.table:
            if default is ...:
                raise self.fail(key, "is required")
            return default
        value = self.table[key]
        # bool is an int in Python; a TOML `true` is never a valid number here.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(key, f"must be {what or kind_name(kind)}, not {value!r}")
        if not isinstance(value, kind):
            raise self.fail(key, f"must be {what or kind_name(kind)}, not {value!r}")
        return value

    def number(self, key: str, default: Any = ..., *, minimum: float = 0.0) -> Any:
        value = self.get(key, (int, float), default, what="a number of seconds")
        if value is not None and value is not default and value < minimum:
            raise self.fail(key, f"must be >= {minimum:g}, not {value!r}")
        return None if value is None else float(value)

    def wrap(self, key: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, where=self.at(key), **kwargs)
        except ValidationError as exc:
            raise exc from None


def kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "text",
        int: "an integer",
        float: "a number",
        bool: "true or false",
        list: "a list",
        dict: "a table",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)
