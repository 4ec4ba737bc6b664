"""The PBX REST API's wire contract, shared by the client and the emulator.

What the public record does not state is decided in ``pbxdesk.pbx.assumptions`` (one list,
shown in the README); the client-side ones are imported here under their old names.
"""

from __future__ import annotations

from typing import Any

from pbxdesk.domain import (
    EventType,
    Extension,
    ExtensionStatus,
    ExtensionType,
    HttpMethod,
    Subscription,
)
from pbxdesk.pbx import assumptions

DEFAULT_BASE_URL = "https://apiproxy.telphin.ru"
API_PREFIX = "/api/ver1.0"
TOKEN_PATH = "/oauth/token"  # at the host root, not under API_PREFIX
OPENAPI_PATH = "/openapi.json"  # served by the emulator only

# Public client code reads GET /client/{client_id}/limit/ (its body: an assumption).
LIMITS_PATH = "/client/{client_id}/limit/"
USER_PATH = "/user/"  # the token's user: its numeric client_id goes into /client/{client_id}/ paths
SUBSCRIPTION_LIMIT_KEYS = assumptions.SUBSCRIPTION_LIMIT_KEYS
ERROR_MESSAGE_KEYS = assumptions.ERROR_MESSAGE_KEYS
LIMIT_EXCEEDED_STATUS = assumptions.LIMIT_EXCEEDED_STATUS

# The callback answers 201 ``{"call_id", "call_api_id"}`` (record section 5).
# The extension fields pbxdesk reads and writes through the API (record section 3); the rest
# of pbxdesk's Extension (recording, DIDs, queue agents, ivr routes) is simulator configuration.
EXTENSION_API_FIELDS = ("id", "name", "type", "status", "label", "caller_id_name", "extension_group_id",
                        "extra_params")  # fmt: skip
SUBSCRIPTION_API_FIELDS = ("id", "url", "method", "event_type")

# The access token is renewed this long before it expires (a fraction of short lifetimes).
TOKEN_REFRESH_MARGIN_S = 60.0
TOKEN_REFRESH_FRACTION = 0.1


def extension_ref(ext: int | str) -> str:
    """How an extension is addressed in a path: its id, or ``@<short>`` (``@200``)."""
    if isinstance(ext, bool):
        raise TypeError("an extension is addressed by id or '@short'")
    if isinstance(ext, int):
        return str(ext)
    text = str(ext).strip()
    if text.isdigit():
        return text
    if text.startswith("@") and len(text) > 1:
        return text
    if "*" in text:  # a full name "000*200": its short part
        return "@" + text.split("*", 1)[1]
    return "@" + text


def extension_to_json(ext: Extension) -> dict[str, Any]:
    """The fields pbxdesk writes through the API (create and change)."""
    return {
        "id": ext.id,
        "name": ext.name,
        "type": ext.type.value,
        "status": ext.status.value,
        "label": ext.label,
        "caller_id_name": ext.caller_id_name or None,
        "extension_group_id": ext.extension_group_id,
        "extra_params": ext.extra_params,
    }


def _opt_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def extension_from_json(data: dict[str, Any]) -> Extension:
    """An Extension from the API's JSON (unknown keys ignored; KeyError/ValueError if malformed)."""
    extra = data.get("extra_params")
    return Extension(
        id=int(data["id"]),
        name=str(data["name"]),
        type=ExtensionType(str(data["type"])),
        status=ExtensionStatus(str(data.get("status") or "active")),
        label=str(data.get("label") or ""),
        caller_id_name=str(data.get("caller_id_name") or ""),
        extension_group_id=_opt_int(data.get("extension_group_id")),
        create_date=str(data.get("create_date") or ""),
        client_id=_opt_int(data.get("client_id")),
        domain=str(data.get("domain") or ""),
        extra_params=None if extra is None else str(extra),
    )


def subscription_to_json(sub: Subscription) -> dict[str, Any]:
    return {"id": sub.id, "url": sub.url, "method": sub.method.value, "event_type": sub.event_type.value}


def subscription_from_json(extension_id: int, data: dict[str, Any]) -> Subscription:
    return Subscription(
        extension_id=extension_id,
        event_type=EventType(str(data["event_type"])),
        method=HttpMethod(str(data["method"]).upper()),
        url=str(data["url"]),
        id=int(data["id"]),
    )


def error_message(body: Any) -> str | None:
    """The server's own explanation from an error body, if it gave one."""
    if isinstance(body, dict):
        for key in ERROR_MESSAGE_KEYS:
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    if isinstance(body, str) and body.strip():
        return body.strip()[:300]
    return None
