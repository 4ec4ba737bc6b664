"""The API's wire contract, the error messages, the emulator's faults and its OpenAPI document."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from pbxdesk.domain import PbxDeskError, ValidationError
from pbxdesk.pbx import api
from pbxdesk.pbx.client import PbxClient
from pbxdesk.pbx.emulator import Fault, PbxEmulator
from pbxdesk.pbx.emulator.openapi import openapi_document
from pbxdesk.pbx.errors import (
    AuthError,
    NotFoundError,
    PbxApiError,
    PbxValidationError,
    RateLimitedError,
    ServerError,
    message_for_status,
)
from pbxdesk.pbx.sync import ADDED, CHANGED, EXTENSION, SUBSCRIPTION, Change


def test_extension_refs() -> None:
    assert api.extension_ref(175) == "175"
    assert api.extension_ref("175") == "175"
    assert api.extension_ref("@200") == "@200"
    assert api.extension_ref("200") == "200"  # digits: an id
    assert api.extension_ref("000*200") == "@200"
    with pytest.raises(TypeError):
        api.extension_ref(True)


def test_error_messages_say_what_to_do() -> None:
    cases = {
        401: (AuthError, "client id and secret"),
        403: (AuthError, "'trusted' type"),
        404: (NotFoundError, "not found on the PBX"),
        400: (PbxValidationError, "refused it: bad url"),
        422: (PbxValidationError, "refused it: bad url"),
        429: (RateLimitedError, "rate limiting"),
        502: (ServerError, "HTTP 502"),
        418: (PbxApiError, "unexpected answer HTTP 418"),
    }
    for status, (kind, text) in cases.items():
        err = message_for_status(status, "extension @200", "bad url")
        assert type(err) is kind and text in str(err) and err.status == status
        assert isinstance(err, PbxDeskError)
    assert "no reason given" in str(message_for_status(400, "x", None))
    assert api.error_message({"error_description": " nope "}) == "nope"
    assert api.error_message("  plain text ") == "plain text"
    assert api.error_message({"other": 1}) is None


def test_faults_are_validated() -> None:
    f = Fault.from_json({"status": 429, "count": 2, "retry_after": 1})
    assert (f.status, f.count, f.retry_after) == (429, 2, 1)
    assert f.applies("GET", "/api/ver1.0/extension/1/") and f.applies("POST", "/oauth/token")
    assert not f.applies("GET", "/admin/faults")
    lat = Fault.from_json({"latency": 0.5})
    assert lat.count is None and lat.status is None  # latency: until cleared
    only_post = Fault.from_json({"status": 500, "method": "post", "path": "/api/"})
    assert only_post.applies("POST", "/api/x") and not only_post.applies("GET", "/api/x")
    for bad, where in (
        ({"status": 999}, "fault.status"),
        ({}, "fault"),
        ({"status": 500, "count": 0}, "fault.count"),
        ({"latency": -1}, "fault.latency"),
        ({"status": 500, "colour": "red"}, "fault"),
        ([1], "fault"),
    ):
        with pytest.raises(ValidationError) as exc:
            Fault.from_json(bad)
        assert exc.value.where == where


def test_openapi_describes_exactly_the_emulators_routes() -> None:
    emu = PbxEmulator("id", "secret")
    served = set()
    for route in emu.app.router.routes():
        path = route.resource.canonical  # type: ignore[union-attr]
        served.add(
            (route.method.lower(), path if path.endswith("/") or not path.startswith("/api") else path + "/")
        )
    doc = openapi_document(emu.routes, "http://127.0.0.1:8089")
    validate(doc)  # openapi-spec-validator: a valid OpenAPI 3.1 document
    described = {(m, p) for p, item in doc["paths"].items() for m in item if m != "parameters"}
    assert described == served
    assert doc["servers"] == [{"url": "http://127.0.0.1:8089"}]
    # Every $ref points at a schema that exists.
    text = repr(doc)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in doc["components"]["schemas"]


def test_client_needs_credentials_and_never_shows_its_secret() -> None:
    with pytest.raises(ValidationError, match="client id"):
        PbxClient("", "s")
    with pytest.raises(ValidationError, match="secret"):
        PbxClient("id", "")
    with pytest.raises(ValidationError, match="base_url"):
        PbxClient("id", "s", base_url="ftp://pbx")
    c = PbxClient("id", "very-secret-value")
    assert "very-secret-value" not in repr(c) and "very-secret-value" not in str(c)
    assert c.base_url == api.DEFAULT_BASE_URL and c.state == "unknown"


def test_change_descriptions() -> None:
    added = Change(
        ADDED, EXTENSION, 5, None, None, {"name": "000*201", "type": "phone", "status": "active", "label": ""}
    )
    assert added.describe() == "+ extension 000*201 (phone)"
    changed = Change(
        CHANGED,
        SUBSCRIPTION,
        1,
        7,
        {"extension_id": 175, "event_type": "hangup", "method": "GET", "url": "http://a/"},
        {"extension_id": 175, "event_type": "hangup", "method": "POST", "url": "http://a/"},
    )
    assert changed.fields == ["method"]
    assert (
        changed.describe() == "~ subscription #7: extension 175 hangup POST http://a/: method 'GET' -> 'POST'"
    )


def test_readme_lists_every_emulator_resource_and_assumption() -> None:
    from pathlib import Path

    from pbxdesk.pbx.assumptions import ASSUMPTIONS
    from pbxdesk.pbx.emulator.core import full_path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for route in PbxEmulator("id", "secret").routes:
        assert f"| `{full_path(route).replace('/api/ver1.0', '')}` |" in readme, route.path
    for topic, _text in ASSUMPTIONS:
        assert f"- **{topic}**:" in readme, topic
