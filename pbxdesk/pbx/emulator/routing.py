"""One route of the emulator: its handler and what the OpenAPI document says about it.

Each resource module lists its ``ROUTES``; the server registers them (with and without the
trailing slash) and ``openapi.py`` describes exactly them, from the same pydantic models.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel

if TYPE_CHECKING:
    from pbxdesk.pbx.emulator.core import PbxEmulator

Handler = Callable[["PbxEmulator", web.Request], Awaitable[web.StreamResponse]]

# Evidence of a route, as in the public record: documented by the provider, seen in client code,
# or our own choice (an ASSUMPTION), or the emulator's own (admin, openapi).
DOC, CLIENT, ASSUMED, EMULATOR = "documented", "client code", "assumed", "emulator"


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    kind: str = "string"  # a JSON schema type
    required: bool = False
    enum: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str  # under the API prefix unless it starts with "/oauth", "/admin" or "/openapi"
    handler: Handler
    summary: str
    evidence: str = DOC
    ok: int = 200
    body: type[BaseModel] | None = None
    response: Any = None  # a model, ("list", model), "audio" or None (no body)
    query: tuple[Query, ...] = ()
    auth: bool = True
    errors: tuple[int, ...] = (400, 401, 404, 429)
    form_body: bool = False  # the token endpoint: form, query string or multipart


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON answer from a model, a list of models or plain data."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list):
        data = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in data]
    return web.json_response(data, status=status)
