"""The PBX model's rules for user input, each failing with one clear ValidationError."""

from __future__ import annotations

import re
from enum import Enum
from urllib.parse import urlsplit

from pbxdesk.domain.enums import (
    MESSAGE_EVENTS,
    EventType,
    ExtensionType,
    HttpMethod,
)
from pbxdesk.domain.errors import ValidationError
from pbxdesk.domain.models import Extension, Subscription

_EXTENSION_NAME = re.compile(r"^[0-9]+\*[0-9]+$")
_PREFIX = re.compile(r"^[0-9]+$")


def _choices(enum: type[Enum]) -> str:
    return ", ".join(repr(m.value) for m in enum)


def parse_extension_type(value: object, *, where: str = "type") -> ExtensionType:
    try:
        return ExtensionType(str(value))
    except ValueError:
        raise ValidationError(
            f"unknown extension type {value!r} (expected one of {_choices(ExtensionType)})",
            where=where,
        ) from None


def parse_event_type(value: object, *, where: str = "event_type") -> EventType:
    try:
        return EventType(str(value))
    except ValueError:
        raise ValidationError(
            f"unknown event type {value!r} (expected one of {_choices(EventType)})", where=where
        ) from None


def parse_method(value: object, *, where: str = "method") -> HttpMethod:
    try:
        return HttpMethod(str(value).upper())
    except ValueError:
        raise ValidationError(f"method must be GET or POST, not {value!r}", where=where) from None


def validate_url(value: object, *, where: str = "url") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("a URL is required", where=where)
    url = value.strip()
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise ValidationError(f"{url!r} is not a valid URL ({exc})", where=where) from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError(
            f"{url!r} is not an http(s) URL (the PBX only calls http:// or https://)",
            where=where,
        )
    if not parts.hostname:
        raise ValidationError(f"{url!r} has no host", where=where)
    if port == 0:
        raise ValidationError(f"{url!r} has port 0", where=where)
    return url


def validate_extension_name(value: object, *, prefix: str | None = None, where: str = "name") -> str:
    """``prefix*short``; given only the short part and a prefix, the prefix is added."""
    if not isinstance(value, str | int):
        raise ValidationError(f"extension name must be text like '000*099', not {value!r}", where=where)
    name = str(value).strip()
    if prefix is not None and "*" not in name and name.isdigit():
        name = f"{prefix}*{name}"
    if not _EXTENSION_NAME.match(name):
        raise ValidationError(
            f"extension name {name!r} must be '<client prefix>*<short number>', e.g. '000*099'",
            where=where,
        )
    if prefix is not None and not name.startswith(prefix + "*"):
        raise ValidationError(
            f"extension name {name!r} does not carry the PBX's client prefix {prefix!r}",
            where=where,
        )
    return name


def validate_prefix(value: object, *, where: str = "client_prefix") -> str:
    if not isinstance(value, str) or not _PREFIX.match(value):
        raise ValidationError(f"client prefix must be digits, e.g. '000', not {value!r}", where=where)
    return value


def check_event_allowed(ext_type: ExtensionType, event_type: EventType, *, where: str = "event_type") -> None:
    """Message events exist only on phone extensions; ivr never dials out or answers."""
    if event_type in MESSAGE_EVENTS and ext_type is not ExtensionType.PHONE:
        raise ValidationError(
            f"{event_type.value} is only available on 'phone' extensions, not on '{ext_type.value}'",
            where=where,
        )


def make_subscription(
    extension: Extension,
    *,
    event_type: object,
    method: object,
    url: object,
    id: int | None = None,
) -> Subscription:
    """Validate raw values into a Subscription of ``extension``."""
    et = parse_event_type(event_type)
    check_event_allowed(extension.type, et)
    return Subscription(
        extension_id=extension.id,
        event_type=et,
        method=parse_method(method),
        url=validate_url(url),
        id=id,
    )
