"""How the PBX encodes an event into the HTTP request a subscriber receives.

The one home of the wire encoding: the engine sends these bytes, the exports (JSON, HAR) and
the detail pane show them, the probes of `pbxdesk test` resend them. Stdlib only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote_plus, urlsplit, urlunsplit

from pbxdesk.domain.enums import HttpMethod

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
USER_AGENT = "pbxdesk"  # the User-Agent of every request pbxdesk sends as the PBX
_POST_HEADERS = {"Content-Type": FORM_CONTENT_TYPE}
_SAFE = re.compile(r"[A-Za-z0-9_.\-~]*")


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    method: HttpMethod
    url: str  # the full URL, query included
    body: bytes  # empty for GET

    @property
    def headers(self) -> dict[str, str]:
        return _POST_HEADERS if self.method is HttpMethod.POST else {}


def _quote(value: str) -> str:
    # The same bytes as urllib's urlencode; most values need no quoting at all.
    return value if _SAFE.fullmatch(value) else quote_plus(value)


# Numbers, extensions and statuses repeat from event to event: each (name, value) pair's
# encoded form is kept, one lookup a field (quoting field by field showed in profiles of
# bench/delivery.py; quote_plus is pure Python). Fields that name one call or one moment are
# new nearly every time: kept, they filled the cache within a thousand events, and each
# clearing evicted the pairs that do repeat, so they are quoted every time instead.
_PAIR_CACHE_SIZE = 4096
_pairs: dict[tuple[str, str], str] = {}
_UNIQUE_FIELDS = frozenset(
    {"CallID", "SubCallID", "CallAPIID", "EventTime", "Duration", "RecID", "CallBackID"}
)


def encode_fields(fields: dict[str, str]) -> str:
    """``application/x-www-form-urlencoded``, exactly as ``urllib.parse.urlencode`` writes it."""
    cached = _pairs.get
    return "&".join([cached(item) or _pair(item) for item in fields.items()])


def _pair(item: tuple[str, str]) -> str:
    name, value = item
    if name in _UNIQUE_FIELDS:
        return f"{name}={_quote(value)}"
    if len(_pairs) >= _PAIR_CACHE_SIZE:
        _pairs.clear()
    text = _pairs[item] = f"{_quote(name)}={_quote(value)}"
    return text


def build_request(method: HttpMethod, url: str, fields: dict[str, str] | str) -> WebhookRequest:
    """GET: the fields join the URL's own query (kept, e.g. ``?myid=175``); POST: a form body.

    ``fields`` may come already encoded (``encode_fields``), so one event's encoding serves
    all of its deliveries and attempts.
    """
    encoded = fields if isinstance(fields, str) else encode_fields(fields)
    if method is HttpMethod.GET:
        parts = urlsplit(url)
        query = f"{parts.query}&{encoded}" if parts.query and encoded else parts.query or encoded
        return WebhookRequest(method, urlunsplit(parts._replace(query=query)), b"")
    return WebhookRequest(method, url, encoded.encode("ascii"))
