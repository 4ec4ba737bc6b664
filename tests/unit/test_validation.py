"""The PBX model's input rules: each accepted when valid, refused with a located message."""

from __future__ import annotations

import pytest

from pbxdesk.domain import (
    EventType,
    Extension,
    ExtensionType,
    HttpMethod,
    Subscription,
    ValidationError,
)
from pbxdesk.domain.validation import (
    check_event_allowed,
    make_subscription,
    parse_event_type,
    parse_extension_type,
    parse_method,
    validate_extension_name,
    validate_prefix,
    validate_url,
)

PHONE = Extension(id=175, name="000*099", type=ExtensionType.PHONE)


# -- URL ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.test/hook",
        "https://somehost.com/fordel/show.php?myid=175",
        "http://127.0.0.1:8080/",
        "HTTPS://EXAMPLE.TEST/x",
        "http://[::1]:9000/ipv6",
    ],
)
def test_url_accepts_http_and_https(url: str) -> None:
    assert validate_url(url) == url


def test_url_keeps_its_own_query_and_trims_blanks() -> None:
    url = "https://somehost.com/fordel/show.php?myid=175&x=a%20b"
    assert validate_url(f"  {url}\n") == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.test/hook", "not an http(s) URL"),
        ("example.test/hook", "not an http(s) URL"),  # no scheme
        ("mailto:ops@example.test", "not an http(s) URL"),
        ("http://", "has no host"),
        ("https:///path-only", "has no host"),
        ("not a url at all", "not an http(s) URL"),
        ("http://example.test:99999/", "not a valid URL"),
        ("http://example.test:0/", "port 0"),
        ("", "a URL is required"),
        ("   ", "a URL is required"),
    ],
)
def test_url_rejected(url: str, why: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_url(url)
    assert info.value.where == "url"
    assert why in str(info.value)
    assert str(info.value).startswith("url: ")


def test_url_none_or_non_text_rejected() -> None:
    for value in (None, 42, b"http://x.test/"):
        with pytest.raises(ValidationError, match="a URL is required"):
            validate_url(value)


def test_url_error_names_the_given_field() -> None:
    with pytest.raises(ValidationError) as info:
        validate_url("ftp://x.test/", where="--target")
    assert info.value.where == "--target"
    assert str(info.value).startswith("--target: ")


# -- method -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("GET", HttpMethod.GET), ("get", HttpMethod.GET), ("Post", HttpMethod.POST), ("POST", HttpMethod.POST)],
)
def test_method_get_or_post_any_case(raw: str, expected: HttpMethod) -> None:
    assert parse_method(raw) is expected


@pytest.mark.parametrize("raw", ["PUT", "DELETE", "", "GETS", "PATCH"])
def test_method_other_rejected(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_method(raw)
    assert info.value.where == "method"
    assert "GET or POST" in str(info.value)


# -- event type ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["dial-in", "dial-out", "answer", "hangup", "message-in", "message-out", "voicemail"],
)
def test_event_type_all_seven_known(raw: str) -> None:
    assert parse_event_type(raw).value == raw


@pytest.mark.parametrize("raw", ["dial_in", "Dial-In", "ring", "", "extension-call-status"])
def test_event_type_unknown_rejected(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_event_type(raw)
    assert info.value.where == "event_type"
    assert f"unknown event type {raw!r}" in str(info.value)
    assert "'dial-in'" in str(info.value)  # the message lists what is allowed


def test_extension_type_unknown_rejected() -> None:
    assert parse_extension_type("queue") is ExtensionType.QUEUE
    with pytest.raises(ValidationError) as info:
        parse_extension_type("conference")
    assert info.value.where == "type"
    assert "'phone'" in str(info.value)


# -- message events only on phones ----------------------------------------------------------


@pytest.mark.parametrize("event", [EventType.MESSAGE_IN, EventType.MESSAGE_OUT])
def test_message_events_allowed_on_phone(event: EventType) -> None:
    check_event_allowed(ExtensionType.PHONE, event)  # no error
    sub = make_subscription(PHONE, event_type=event.value, method="POST", url="http://x.test/")
    assert sub.event_type is event


@pytest.mark.parametrize("ext_type", [ExtensionType.QUEUE, ExtensionType.IVR, ExtensionType.FAX])
@pytest.mark.parametrize("event", ["message-in", "message-out"])
def test_message_events_refused_on_other_types(ext_type: ExtensionType, event: str) -> None:
    ext = Extension(id=300, name="000*300", type=ext_type)
    with pytest.raises(ValidationError) as info:
        make_subscription(ext, event_type=event, method="GET", url="http://x.test/")
    assert info.value.where == "event_type"
    assert f"{event} is only available on 'phone' extensions, not on '{ext_type.value}'" in str(info.value)


@pytest.mark.parametrize("ext_type", [ExtensionType.QUEUE, ExtensionType.IVR, ExtensionType.FAX])
def test_call_events_allowed_on_every_type(ext_type: ExtensionType) -> None:
    ext = Extension(id=300, name="000*300", type=ext_type)
    sub = make_subscription(ext, event_type="hangup", method="get", url="http://x.test/?a=1")
    assert sub == Subscription(300, EventType.HANGUP, HttpMethod.GET, "http://x.test/?a=1")


def test_make_subscription_reports_the_field_at_fault() -> None:
    cases = [
        ({"event_type": "ring", "method": "GET", "url": "http://x.test/"}, "event_type"),
        ({"event_type": "answer", "method": "PUT", "url": "http://x.test/"}, "method"),
        ({"event_type": "answer", "method": "GET", "url": "ftp://x.test/"}, "url"),
    ]
    for kwargs, where in cases:
        with pytest.raises(ValidationError) as info:
            make_subscription(PHONE, **kwargs)
        assert info.value.where == where, kwargs


# -- extension names ----------------------------------------------------------------------


def test_extension_name_full_form_kept() -> None:
    assert validate_extension_name("000*099") == "000*099"
    assert validate_extension_name("000*099", prefix="000") == "000*099"


def test_extension_name_bare_short_number_gets_the_prefix() -> None:
    assert validate_extension_name("099", prefix="000") == "000*099"
    assert validate_extension_name(200, prefix="0003") == "0003*200"
    assert validate_extension_name(" 201 ", prefix="000") == "000*201"


@pytest.mark.parametrize(
    "name",
    ["099", "abc", "000*", "*099", "000**099", "000*09a", "000-099", "", "0 00*099", "a*1"],
)
def test_extension_name_malformed_rejected_without_prefix(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_extension_name(name)
    assert info.value.where == "name"
    assert "'<client prefix>*<short number>'" in str(info.value)


@pytest.mark.parametrize("name", ["abc", "000*", "*099", "09a", "", "+7999"])
def test_extension_name_malformed_rejected_with_prefix(name: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_extension_name(name, prefix="000")
    assert info.value.where == "name"


def test_extension_name_with_another_clients_prefix_rejected() -> None:
    with pytest.raises(ValidationError) as info:
        validate_extension_name("111*099", prefix="000", where="extensions[0].name")
    assert info.value.where == "extensions[0].name"
    assert "does not carry the PBX's client prefix '000'" in str(info.value)


def test_extension_name_non_text_rejected() -> None:
    with pytest.raises(ValidationError, match="must be text like '000\\*099'"):
        validate_extension_name(["000*099"])


def test_prefix_must_be_digits() -> None:
    assert validate_prefix("0003") == "0003"
    for bad in ("", "00a", "000*", 0):
        with pytest.raises(ValidationError) as info:
            validate_prefix(bad)
        assert info.value.where == "client_prefix"


# -- ValidationError's location --------------------------------------------------------------


def test_located_puts_file_and_entry_in_front() -> None:
    err = ValidationError("unknown extension '000*555'", where="calls[2].to")
    located = err.located("demo.toml")
    assert located.where == "demo.toml: calls[2].to"
    assert str(located) == "demo.toml: calls[2].to: unknown extension '000*555'"
    assert str(ValidationError("bare")) == "bare"
    assert ValidationError("bare").located("f.toml").where == "f.toml"
