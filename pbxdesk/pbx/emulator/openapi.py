"""The OpenAPI 3.1 document of the emulator (``GET /openapi.json``), generated from its routes.

Each ``Route`` says its method, path, evidence, success code and the pydantic models of its
request and response bodies; the schemas are those models' own JSON schemas, so what the
document promises is what the server validates and writes.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from pbxdesk.pbx.emulator import models as m
from pbxdesk.pbx.emulator.core import full_path
from pbxdesk.pbx.emulator.routing import Route

_INT_PARAMS = {"event_id", "status_id", "agent_id", "did_id"}
_PARAM_TEXT = {
    "client_id": "@me, or the account's numeric client id (GET /user/ -> client_id)",
    "extension": "the extension's id, or @<short number> (e.g. @200)",
    "call_api_id": "the call's CallAPIID",
    "call_uuid": "the call's CallID (any case)",
    "record_uuid": "the record's id (the hangup's RecID, any case)",
}
_ERROR_TEXT = {
    400: "invalid data (message names the field and why)",
    401: "missing, invalid or expired access token",
    404: "no such resource (status client_not_found for another client id)",
    409: "the emulator cannot do this to a simulated call (status not_supported)",
    429: "rate limited (status rate_limit_exceeded) or a concurrent statistics request",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _models(routes: list[Route]) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = [m.Error, m.OAuthError, m.TokenRequest]
    for r in routes:
        for x in (r.body, r.response[1] if isinstance(r.response, tuple) else r.response):
            if isinstance(x, type) and issubclass(x, BaseModel) and x not in found:
                found.append(x)
    return found


def _content(response: Any) -> dict[str, Any] | None:
    if response is None:
        return None
    if response == "audio":
        return {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}
    if response == "object":
        return {"application/json": {"schema": {"type": "object"}}}
    if isinstance(response, tuple):
        return {"application/json": {"schema": {"type": "array", "items": _ref(response[1].__name__)}}}
    return {"application/json": {"schema": _ref(response.__name__)}}


def _op_id(route: Route) -> str:
    return route.method.lower() + "_" + re.sub(r"[^a-z0-9]+", "_", full_path(route).lower()).strip("_")


def _operation(route: Route, examples: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": route.summary,
        "description": f"Evidence: {route.evidence}.",
        "operationId": _op_id(route),
    }
    if not route.auth:
        op["security"] = []
    params: list[dict[str, Any]] = []
    for name in re.findall(r"{(\w+)}", route.path):
        schema: dict[str, Any] = {"type": "integer"} if name in _INT_PARAMS else {"type": "string"}
        param = {"name": name, "in": "path", "required": True, "description": _PARAM_TEXT.get(name, name),
                 "schema": schema}  # fmt: skip
        if name in examples:  # a value that exists on this server, so a fuzzer gets past 404
            param["example"] = examples[name]
        params.append(param)
    for q in route.query:
        qs: dict[str, Any] = {"type": q.kind}
        if q.enum:
            qs["enum"] = list(q.enum)
        if q.kind == "integer":
            qs["minimum"] = 1
        params.append({"name": q.name, "in": "query", "required": q.required, "schema": qs,
                       **({"description": q.description} if q.description else {})})  # fmt: skip
    if params:
        op["parameters"] = params
    if route.form_body:
        op["requestBody"] = {
            "required": False,
            "description": "the credentials: in this form, as multipart, or in the query string",
            "content": {
                "application/x-www-form-urlencoded": {"schema": _ref("TokenRequest")},
                "multipart/form-data": {"schema": _ref("TokenRequest")},
            },
        }
    elif route.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(route.body.__name__)}},
        }
    ok: dict[str, Any] = {"description": {201: "created", 204: "done, no body"}.get(route.ok, "OK")}
    content = _content(route.response if route.ok != 204 else None)
    if content:
        ok["content"] = content
    responses: dict[str, Any] = {str(route.ok): ok}
    for code in route.errors:
        error_schema = "OAuthError" if route.form_body and code in (400, 401) else "Error"
        responses[str(code)] = {
            "description": _ERROR_TEXT.get(code, "error"),
            "content": {"application/json": {"schema": _ref(error_schema)}},
        }
    op["responses"] = responses
    return op


def openapi_document(
    routes: list[Route], server_url: str | None = None, examples: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The document; ``examples``: path parameter values that exist on the server describing itself."""
    paths: dict[str, Any] = {}
    for route in routes:
        paths.setdefault(full_path(route), {})[route.method.lower()] = _operation(route, examples or {})
    _, top = models_json_schema(
        [(model, "serialization") for model in _models(routes)],
        ref_template="#/components/schemas/{model}",
    )
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "pbxdesk PBX emulator",
            "version": "2.0",
            "description": "A local stand-in for the Telphin cloud PBX's REST API (/api/ver1.0) and its "
            "event webhooks. Every path also answers without its trailing slash. Each operation "
            "says whether the provider documents it, public client code shows it, or it is an "
            "assumption (listed in pbxdesk.pbx.assumptions and the README).",
        },
        "paths": paths,
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": top.get("$defs", {}),
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
