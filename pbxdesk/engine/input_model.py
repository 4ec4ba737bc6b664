"""User input is checked one way: a pydantic v2 model per table or setting (the library the
emulator's API models use), and its first error said as one ValidationError naming the
setting or entry and the key, in the words the rest of pbxdesk uses::

    demo.toml: calls[2].talk: must be a number of seconds, not 'long'
    delivery_policy: unknown key 'timout' (allowed: follow_redirects, …, timeout)

An ``InputModel`` field's ``description`` is what a wrong value is told it must be ("a number
of seconds"); a field without one (or another model's) is named from its type. Rules that need
more than one table (an extension the entry names must exist) stay with the code that builds
the entry.
"""

from __future__ import annotations

import re
from types import UnionType
from typing import Any, TypeVar, Union, get_origin

import pydantic
from pydantic import BaseModel, ConfigDict

from pbxdesk.domain import ValidationError


class InputModel(BaseModel):
    """One table of user input: unknown keys refused, nothing coerced (a TOML ``true`` is not a
    number, ``"5"`` is not 5; an integer is a number)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


M = TypeVar("M", bound=BaseModel)
# How pydantic names the member of a union it tried, deeper than a field: "str", "list[str]"...
_MEMBER_TAG = re.compile(r"str|int|float|bool|none|[a-z-]+\[.*\]")

_TYPE_WORDS = {
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "none_required": "absent",
}


def checked(model: type[M], data: Any, where: str) -> M:
    """``data`` validated by ``model``, or a ValidationError at ``where`` (a setting or an entry)."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise input_error(exc, model, where) from None


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields by the key the input uses (its alias: ``from`` for ``from_``)."""
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _path(loc: tuple[Any, ...], model: type[BaseModel]) -> str:
    """``('schedule', 2)`` -> ``schedule[2]``; a union member's name (``('b', 'int')``) is dropped."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i == 0:
            out = str(part)
        elif (i == 1 and _is_union(_fields(model).get(str(loc[0])))) or _MEMBER_TAG.fullmatch(str(part)):
            continue  # pydantic names the member of a union it tried: not a key of the input
        else:
            out += f".{part}"
    return out


def input_error(exc: pydantic.ValidationError, model: type[BaseModel], where: str) -> ValidationError:
    errors = exc.errors(include_url=False)
    err = errors[0]
    loc = tuple(err["loc"])
    value = err.get("input")
    kind = err["type"]
    if not loc:  # the table as a whole
        if kind in ("model_type", "dict_type"):
            return ValidationError("must be a table", where=where)
        return ValidationError(_said(err["msg"]), where=where)
    key = str(loc[0])
    at = f"{where}.{_path(loc, model)}" if where else _path(loc, model)
    if kind == "extra_forbidden":
        allowed = ", ".join(sorted(_fields(model)))
        return ValidationError(f"unknown key {key!r} (allowed: {allowed})", where=where)
    if kind == "missing":
        return ValidationError("is required", where=at)
    field = _fields(model).get(key)
    # An input model's descriptions say what a value must be; another model's (the emulator's
    # API bodies) document the field instead.
    one_key = len(loc) == 1 or _is_member(loc, model)
    described = issubclass(model, InputModel) and field is not None and one_key
    what = field.description if described and field is not None else None
    if kind in _TYPE_WORDS:
        if what is None:
            # a union: every member pydantic tried for this key ("text or an integer")
            tried = [e for e in errors if tuple(e["loc"])[:1] == loc[:1] and e["type"] in _TYPE_WORDS]
            words = dict.fromkeys(_TYPE_WORDS[e["type"]] for e in tried if e["type"] != "none_required")
            what = " or ".join(words) or _TYPE_WORDS[kind]
        return ValidationError(f"must be {what}, not {value!r}", where=at)
    ctx = err.get("ctx") or {}
    limits = {
        "greater_than_equal": ">= {ge:g}",
        "greater_than": "more than {gt:g}",
        "less_than_equal": "<= {le:g}",
        "less_than": "less than {lt:g}",
    }
    if kind in limits:
        return ValidationError(f"must be {limits[kind].format(**ctx)}, not {value!r}", where=at)
    if kind == "literal_error":
        return ValidationError(f"must be {ctx.get('expected', '')}, not {value!r}", where=at)
    if kind == "too_short":
        return ValidationError(f"needs at least {ctx.get('min_length')} item(s), not {value!r}", where=at)
    if kind == "too_long":
        return ValidationError(f"takes at most {ctx.get('max_length')} item(s), not {value!r}", where=at)
    return ValidationError(_said(err["msg"]), where=at)


def _is_union(field: Any) -> bool:
    return field is not None and get_origin(field.annotation) in (Union, UnionType)


def _is_member(loc: tuple[Any, ...], model: type[BaseModel]) -> bool:
    return len(loc) == 2 and not isinstance(loc[1], int) and _is_union(_fields(model).get(str(loc[0])))


def _said(msg: str) -> str:
    """pydantic's text of a validator's own ValueError, without its prefix."""
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
