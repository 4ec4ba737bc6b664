"""The OpenAPI 3.0 document of what the emulator implements (GET /openapi.json).

It describes the emulator, not the provider's whole API: the calls pbxdesk uses, with the
shapes the emulator answers (see ``pbxdesk.pbx.api`` for what is an ASSUMPTION), plus the
emulator's own ``/admin`` endpoints.
"""

from __future__ import annotations

from typing import Any

from pbxdesk.domain import EventType, ExtensionStatus, ExtensionType, HttpMethod
from pbxdesk.pbx.api import API_PREFIX, LIMITS_PATH, OPENAPI_PATH, TOKEN_PATH


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "invalid data (the message says which field and why)",
        401: "missing, invalid or expired access token",
        404: "no such extension or subscription",
        429: "rate limited (Retry-After says when to try again)",
        500: "server failure",
    }
    return {str(c): _json(_ref("Error"), text[c]) for c in codes}


_STD = (400, 401, 404, 429, 500)
_EXT_PARAM = {
    "name": "extension",
    "in": "path",
    "required": True,
    "description": "the extension's id, or @<short number> (e.g. @200)",
    "schema": {"type": "string"},
}
_CLIENT_PARAM = {
    "name": "client_id",
    "in": "path",
    "required": True,
    "description": "@me: the authorised client",
    "schema": {"type": "string", "default": "@me"},
}
_EVENT_PARAM = {"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    api = API_PREFIX
    limit_path = api + LIMITS_PATH.replace("@me", "{client_id}")
    paths: dict[str, Any] = {
        TOKEN_PATH: {
            "post": {
                "summary": "OAuth2 client credentials: an access token",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {"application/x-www-form-urlencoded": {"schema": _ref("TokenRequest")}},
                },
                "responses": {"200": _json(_ref("Token")), **_errors(400, 401, 429, 500)},
            }
        },
        f"{api}/client/{{client_id}}/extension/": {
            "parameters": [_CLIENT_PARAM],
            "get": {
                "summary": "list the account's extensions",
                "parameters": [
                    {
                        "name": "type",
                        "in": "query",
                        "schema": {"type": "string", "enum": _values(ExtensionType)},
                    }
                ],
                "responses": {"200": _json({"type": "array", "items": _ref("Extension")}), **_errors(*_STD)},
            },
            "post": {
                "summary": "create an extension (a short name gets the client prefix)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("NewExtension")}},
                },
                "responses": {"201": _json(_ref("Extension"), "created"), **_errors(*_STD)},
            },
        },
        f"{api}/extension/{{extension}}/": {
            "parameters": [_EXT_PARAM],
            "get": {
                "summary": "one extension",
                "responses": {"200": _json(_ref("Extension")), **_errors(*_STD)},
            },
            "put": {
                "summary": "change an extension's name, type, status or label",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ExtensionChange")}},
                },
                "responses": {"200": _json(_ref("Extension")), **_errors(*_STD)},
            },
            "delete": {
                "summary": "delete an extension and its event subscriptions",
                "responses": {"204": {"description": "deleted"}, **_errors(*_STD)},
            },
        },
        f"{api}/extension/{{extension}}/event/": {
            "parameters": [_EXT_PARAM],
            "get": {
                "summary": "the extension's event subscriptions",
                "responses": {
                    "200": _json({"type": "array", "items": _ref("Subscription")}),
                    **_errors(*_STD),
                },
            },
            "post": {
                "summary": "subscribe: the PBX calls url on event_type (answered back with its id)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("NewSubscription")}},
                },
                "responses": {"201": _json(_ref("Subscription"), "created"), **_errors(*_STD)},
            },
        },
        f"{api}/extension/{{extension}}/event/{{event_id}}/": {
            "parameters": [_EXT_PARAM, _EVENT_PARAM],
            "get": {
                "summary": "one subscription",
                "responses": {"200": _json(_ref("Subscription")), **_errors(*_STD)},
            },
            "put": {
                "summary": "replace a subscription",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("NewSubscription")}},
                },
                "responses": {"200": _json(_ref("Subscription")), **_errors(*_STD)},
            },
            "delete": {
                "summary": "unsubscribe",
                "responses": {"204": {"description": "deleted"}, **_errors(*_STD)},
            },
        },
        f"{api}/extension/{{extension}}/callback/": {
            "parameters": [_EXT_PARAM],
            "post": {
                "summary": "ring src_num, then connect it to dst_num (events as the PBX sends them)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("Callback")}},
                },
                "responses": {"200": _json(_ref("CallbackStarted")), **_errors(*_STD)},
            },
        },
        limit_path: {
            "parameters": [_CLIENT_PARAM],
            "get": {
                "summary": "the account's limits",
                "responses": {"200": _json(_ref("Limits")), **_errors(*_STD)},
            },
        },
        "/admin/faults": {
            "get": {
                "summary": "emulator: the faults waiting to be injected",
                "security": [],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"faults": {"type": "array", "items": _ref("Fault")}},
                        }
                    )
                },
            },
            "post": {
                "summary": "emulator: inject faults into the next API requests (an object or a list)",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [_ref("Fault"), {"type": "array", "items": _ref("Fault")}]}
                        }
                    },
                },
                "responses": {"200": _json({"type": "object"}), "400": _json(_ref("Error"))},
            },
            "delete": {
                "summary": "emulator: clear the faults",
                "security": [],
                "responses": {"200": _json({"type": "object"})},
            },
        },
        "/admin/revoke-tokens": {
            "post": {
                "summary": "emulator: invalidate every access token issued so far (the next call gets 401)",
                "security": [],
                "responses": {"200": _json({"type": "object"})},
            }
        },
        "/admin/state": {
            "get": {
                "summary": "emulator: counters (token requests, API requests, calls, deliveries)",
                "security": [],
                "responses": {"200": _json({"type": "object"})},
            }
        },
        OPENAPI_PATH: {
            "get": {
                "summary": "this document",
                "security": [],
                "responses": {"200": _json({"type": "object"})},
            }
        },
    }
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "pbxdesk PBX emulator",
            "version": "1.0",
            "description": "A local stand-in for the cloud PBX's REST API and its event webhooks. "
            'Error bodies are JSON {"message": ...} (an assumption: the provider\'s are not public).',
        },
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(),
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc


def _values(enum: type) -> list[str]:
    return [m.value for m in enum]  # type: ignore[attr-defined]


def _schemas() -> dict[str, Any]:
    s = {"type": "string"}
    ext_props = {
        "name": {
            "type": "string",
            "example": "000*200",
            "description": "prefix*short, or just the short part",
        },
        "type": {"type": "string", "enum": _values(ExtensionType)},
        "status": {"type": "string", "enum": _values(ExtensionStatus)},
        "label": s,
    }
    sub_props = {
        "url": {"type": "string", "format": "uri"},
        "method": {"type": "string", "enum": _values(HttpMethod)},
        "event_type": {"type": "string", "enum": _values(EventType)},
    }
    return {
        "Error": {"type": "object", "required": ["message"], "properties": {"message": s}},
        "TokenRequest": {
            "type": "object",
            "required": ["grant_type", "client_id", "client_secret"],
            "properties": {
                "grant_type": {"type": "string", "enum": ["client_credentials"]},
                "client_id": s,
                "client_secret": s,
                "scope": s,
            },
        },
        "Token": {
            "type": "object",
            "required": ["access_token", "token_type", "expires_in"],
            "properties": {"access_token": s, "token_type": s, "expires_in": {"type": "integer"}},
        },
        "Extension": {
            "type": "object",
            "required": ["id", "name", "type", "status"],
            "properties": {"id": {"type": "integer"}, **ext_props},
        },
        "NewExtension": {"type": "object", "required": ["name", "type"], "properties": ext_props},
        "ExtensionChange": {"type": "object", "properties": ext_props},
        "Subscription": {
            "type": "object",
            "required": ["id", "url", "method", "event_type"],
            "properties": {"id": {"type": "integer"}, **sub_props},
        },
        "NewSubscription": {
            "type": "object",
            "required": ["url", "method", "event_type"],
            "properties": sub_props,
        },
        "Callback": {
            "type": "object",
            "required": ["dst_num", "src_num"],
            "properties": {
                "dst_num": {"type": "string", "example": "+79817654321"},
                "src_num": {"type": "array", "items": s, "example": ["200"]},
                "caller_id_name": s,
            },
        },
        "CallbackStarted": {
            "type": "object",
            "properties": {
                "call_id": {"type": "string", "nullable": True},
                "call_api_id": {"type": "string", "nullable": True},
            },
        },
        "Limits": {"type": "object", "properties": {"event_subscriptions": {"type": "integer"}}},
        "Fault": {
            "type": "object",
            "properties": {
                "status": {"type": "integer", "description": "answer this HTTP status instead"},
                "count": {
                    "type": "integer",
                    "description": "how many requests (default 1; latency only: until cleared)",
                },
                "retry_after": {"type": "number", "description": "seconds, sent as Retry-After"},
                "latency": {"type": "number", "description": "seconds to wait before answering"},
                "path": {"type": "string", "description": "only requests whose path starts with this"},
                "method": {"type": "string", "description": "only requests with this method"},
                "message": s,
            },
        },
    }
