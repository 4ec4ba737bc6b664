"""How the PBX encodes an event into the HTTP request a subscriber receives."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pbxdesk.domain import HttpMethod

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    method: HttpMethod
    url: str  # the full URL, query included
    body: bytes  # empty for GET

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Type": FORM_CONTENT_TYPE} if self.method is HttpMethod.POST else {}


def build_request(method: HttpMethod, url: str, fields: dict[str, str]) -> WebhookRequest:
    """GET: the fields join the URL's own query (kept, e.g. ``?myid=175``); POST: a form body."""
    if method is HttpMethod.GET:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        query.extend(fields.items())
        return WebhookRequest(method, urlunsplit(parts._replace(query=urlencode(query))), b"")
    return WebhookRequest(method, url, urlencode(fields).encode("ascii"))
