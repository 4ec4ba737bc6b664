"""Scenario files: a valid file loads as the PBX it describes; every mistake is located."""

from __future__ import annotations

from pathlib import Path

import pytest

from pbxdesk.domain import (
    CallStatus,
    EventType,
    ExtensionStatus,
    ExtensionType,
    HttpMethod,
    ValidationError,
)
from pbxdesk.engine.scenario import CallPlan, load_scenario, parse_scenario

BASE = """\
[pbx]
client_prefix = "000"
domain = "pbx.example.test"
seed = 7

[[extensions]]
id = 175
name = "099"
type = "phone"
record = true
label = "Reception"

[[extensions]]
id = 200
name = "000*200"
type = "phone"
did = "74951230000"

[[extensions]]
id = 300
name = "300"
type = "queue"
agents = ["099", "000*200"]
strategy = "sequential"
ring_time = 10

[[extensions]]
id = 400
name = "400"
type = "ivr"
route = "300"
menu_time = 2.5

[[subscriptions]]
extension = 175
event_type = "hangup"
method = "get"
url = "https://somehost.com/fordel/show.php?myid=175"

[[subscriptions]]
extension = "200"
event_type = "message-in"
method = "POST"
url = "http://crm.example.test/hook"

[[calls]]
at = 1.5
from = "000*099"
to = "00010005"
answer_after = 1
talk = 2

[[calls]]
at = 3
from = "+79817654321"
to = 74951230000
hangup = "BUSY"
ring = 4
"""


def test_valid_scenario_loads_as_written(write_scenario) -> None:
    path = write_scenario(BASE, name="office.toml")
    sc = load_scenario(path)
    assert sc.source == str(path)
    assert (sc.pbx.client_prefix, sc.pbx.domain, sc.pbx.seed) == ("000", "pbx.example.test", 7)

    phone, phone2, queue, ivr = sc.extensions
    assert (phone.id, phone.name, phone.type, phone.record, phone.label) == (
        175,
        "000*099",
        ExtensionType.PHONE,
        True,
        "Reception",
    )
    assert phone.status is ExtensionStatus.ACTIVE
    assert phone2.did == "74951230000"
    assert queue.agents == ("000*099", "000*200")  # bare short numbers got the prefix
    assert (queue.strategy, queue.ring_time) == ("sequential", 10.0)
    assert (ivr.route, ivr.menu_time) == ("000*300", 2.5)
    assert sc.extension("000*300") is queue
    assert sc.extension(400) is ivr
    assert sc.extension("000*999") is None

    s1, s2 = sc.subscriptions
    assert (s1.extension_id, s1.event_type, s1.method, s1.url) == (
        175,
        EventType.HANGUP,
        HttpMethod.GET,
        "https://somehost.com/fordel/show.php?myid=175",
    )
    assert (s2.extension_id, s2.event_type, s2.method) == (200, EventType.MESSAGE_IN, HttpMethod.POST)

    assert sc.calls == (
        CallPlan(at=1.5, from_="000*099", to="00010005", answer_after=1.0, talk=2.0),
        CallPlan(at=3.0, from_="+79817654321", to="74951230000", hangup=CallStatus.BUSY, ring=4.0),
    )


def test_empty_file_is_an_empty_pbx() -> None:
    sc = parse_scenario("")
    assert sc.extensions == () and sc.subscriptions == () and sc.calls == ()
    assert sc.pbx.client_prefix == "000"


# -- every mistake names the file, the entry and the field -------------------------------------


def _error(text: str, name: str = "bad.toml") -> str:
    with pytest.raises(ValidationError) as info:
        parse_scenario(text, source=name)
    return str(info.value)


def test_missing_file_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ValidationError) as info:
        load_scenario(missing)
    assert str(info.value) == f"{missing}: no such file"


def test_not_utf8_named(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[pbx]\ndomain = "caf\xe9"\n')
    with pytest.raises(ValidationError) as info:
        load_scenario(path)
    assert str(info.value) == f"{path}: not UTF-8 text"


def test_directory_instead_of_file_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        load_scenario(tmp_path)
    assert str(info.value).startswith(f"{tmp_path}: cannot read")


def test_malformed_toml_named(write_scenario) -> None:
    path = write_scenario("[[extensions]\nid = 1\n", name="broken.toml")
    with pytest.raises(ValidationError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: malformed TOML: ")
    assert "line 1" in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("snippet", "where", "key"),
    [
        ("colour = 'red'\n", "scenario", "colour"),
        ("[pbx]\nregion = 'eu'\n", "pbx", "region"),
        ("[[extensions]]\nid = 1\nname = '001'\ntype = 'phone'\ncolour = 'red'\n", "extensions[0]", "colour"),
        (
            "[[extensions]]\nid = 1\nname = '001'\ntype = 'phone'\n"
            "[[subscriptions]]\nextension = 1\nevent_type = 'answer'\nurl = 'http://x.test/'\n"
            "headers = 'X'\n",
            "subscriptions[0]",
            "headers",
        ),
        ("[[calls]]\nfrom = '+7999'\nto = '+7888'\nduration = 5\n", "calls[0]", "duration"),
    ],
)
def test_unknown_key_named(snippet: str, where: str, key: str) -> None:
    msg = _error(snippet)
    assert msg.startswith(f"bad.toml: {where}: unknown key {key!r}")
    assert "allowed:" in msg


def test_unknown_key_in_second_call_names_that_call() -> None:
    text = "[[calls]]\nfrom = '+7999'\nto = '+7888'\n[[calls]]\nfrom = '+7999'\nto = '+7888'\nx = 1\n"
    assert _error(text).startswith("bad.toml: calls[1]: unknown key 'x'")


PHONE_175 = "[[extensions]]\nid = 175\nname = '099'\ntype = 'phone'\n"


def _sub(**fields: str) -> str:
    body = {
        "extension": "175",
        "event_type": "'answer'",
        "method": "'GET'",
        "url": "'http://x.test/'",
        **fields,
    }
    return "[[subscriptions]]\n" + "".join(f"{k} = {v}\n" for k, v in body.items())


@pytest.mark.parametrize("url", ["'ftp://x.test/hook'", "'http://'", "'garbage'", "''", "'x.test/hook'"])
def test_invalid_url_named(url: str) -> None:
    msg = _error(PHONE_175 + _sub(url=url))
    assert msg.startswith("bad.toml: subscriptions[0].url: ")


def test_url_query_kept_in_scenario() -> None:
    sc = parse_scenario(PHONE_175 + _sub(url="'https://h.test/show.php?myid=175&a=b'"))
    assert sc.subscriptions[0].url == "https://h.test/show.php?myid=175&a=b"


def test_invalid_event_type_named() -> None:
    msg = _error(PHONE_175 + _sub(event_type="'ringing'"))
    assert msg.startswith("bad.toml: subscriptions[0].event_type: unknown event type 'ringing'")


def test_invalid_method_named() -> None:
    assert _error(PHONE_175 + _sub(method="'PUT'")).startswith(
        "bad.toml: subscriptions[0].method: method must be GET or POST"
    )


def test_missing_url_named() -> None:
    text = PHONE_175 + "[[subscriptions]]\nextension = 175\nevent_type = 'answer'\n"
    assert _error(text) == "bad.toml: subscriptions[0].url: is required"


def test_missing_or_mistyped_subscription_fields_named_once() -> None:
    text = PHONE_175 + "[[subscriptions]]\nextension = 175\nurl = 'http://x.test/'\n"
    assert _error(text) == "bad.toml: subscriptions[0].event_type: is required"
    assert _error(PHONE_175 + _sub(url="5")) == ("bad.toml: subscriptions[0].url: must be text, not 5")
    assert _error(PHONE_175 + _sub(method="true")) == (
        "bad.toml: subscriptions[0].method: must be text, not True"
    )


def test_subscription_to_unknown_extension_named() -> None:
    assert _error(PHONE_175 + _sub(extension="999")) == (
        "bad.toml: subscriptions[0].extension: unknown extension id 999"
    )
    assert _error(PHONE_175 + _sub(extension="'555'")) == (
        "bad.toml: subscriptions[0].extension: unknown extension '555'"
    )


@pytest.mark.parametrize("ext_type", ["queue", "ivr", "fax"])
def test_message_subscription_on_non_phone_named(ext_type: str) -> None:
    ext = f"[[extensions]]\nid = 300\nname = '300'\ntype = '{ext_type}'\n"
    ext += {"queue": "agents = ['099']\n", "ivr": "route = '099'\n", "fax": ""}[ext_type]
    msg = _error(PHONE_175 + ext + _sub(extension="300", event_type="'message-out'"))
    assert msg.startswith("bad.toml: subscriptions[0].event_type: message-out is only available")


def test_unknown_extension_in_a_call_named() -> None:
    text = PHONE_175 + "[[calls]]\nfrom = '000*099'\nto = '000*555'\n"
    assert _error(text) == "bad.toml: calls[0].to: unknown extension '000*555'"
    text = PHONE_175 + "[[calls]]\nfrom = '000*777'\nto = '+7999'\n"
    assert _error(text) == "bad.toml: calls[0].from: unknown extension '000*777'"


def test_call_party_neither_extension_nor_number_named() -> None:
    text = PHONE_175 + "[[calls]]\nfrom = '000*099'\nto = 'reception'\n"
    assert _error(text).startswith("bad.toml: calls[0].to: 'reception' is neither")


def test_queue_without_agents_named() -> None:
    text = "[[extensions]]\nid = 300\nname = '300'\ntype = 'queue'\n"
    assert _error(text) == "bad.toml: extensions[0].agents: a queue needs at least one agent"


def test_queue_agent_unknown_or_not_a_phone_named() -> None:
    text = PHONE_175 + "[[extensions]]\nid = 300\nname = '300'\ntype = 'queue'\nagents = ['555']\n"
    assert _error(text) == "bad.toml: extensions[1].agents: unknown agent extension '000*555'"
    text = (
        PHONE_175 + "[[extensions]]\nid = 300\nname = '300'\ntype = 'queue'\nagents = ['099']\n"
        "[[extensions]]\nid = 301\nname = '301'\ntype = 'queue'\nagents = ['300']\n"
    )
    assert _error(text).startswith("bad.toml: extensions[2].agents: agent '000*300' is a queue")


def test_ivr_route_loop_named() -> None:
    text = (
        "[[extensions]]\nid = 400\nname = '400'\ntype = 'ivr'\nroute = '401'\n"
        "[[extensions]]\nid = 401\nname = '401'\ntype = 'ivr'\nroute = '400'\n"
    )
    assert _error(text) == ("bad.toml: extensions[0].route: route loop: 000*400 -> 000*401 -> 000*400")


def test_ivr_routing_to_itself_named() -> None:
    text = "[[extensions]]\nid = 400\nname = '400'\ntype = 'ivr'\nroute = '400'\n"
    assert _error(text) == "bad.toml: extensions[0].route: route loop: 000*400 -> 000*400"


def test_ivr_without_route_is_a_menu_only_unknown_route_named() -> None:
    text = "[[extensions]]\nid = 400\nname = '400'\ntype = 'ivr'\n"
    (ivr,) = parse_scenario(text).extensions
    assert ivr.route is None  # callers hear the menu and hang up
    text = "[[extensions]]\nid = 400\nname = '400'\ntype = 'ivr'\nroute = '555'\n"
    assert _error(text) == "bad.toml: extensions[0].route: unknown extension '000*555'"


@pytest.mark.parametrize("field", ["at", "answer_after", "talk", "ring"])
def test_negative_call_times_named(field: str) -> None:
    text = PHONE_175 + f"[[calls]]\nfrom = '000*099'\nto = '+7999'\n{field} = -1\n"
    assert _error(text) == f"bad.toml: calls[0].{field}: must be >= 0, not -1"


@pytest.mark.parametrize("field", ["menu_time", "ring_time"])
def test_negative_extension_times_named(field: str) -> None:
    text = PHONE_175 + f"[[extensions]]\nid = 2\nname = '2'\ntype = 'phone'\n{field} = -0.5\n"
    assert _error(text) == f"bad.toml: extensions[1].{field}: must be >= 0, not -0.5"


def test_boolean_is_not_a_time() -> None:
    text = PHONE_175 + "[[calls]]\nfrom = '000*099'\nto = '+7999'\ntalk = true\n"
    assert _error(text) == "bad.toml: calls[0].talk: must be a number of seconds, not True"


def test_answered_hangup_status_is_not_an_unanswered_status() -> None:
    text = PHONE_175 + "[[calls]]\nfrom = '000*099'\nto = '+7999'\nhangup = 'ANSWER'\n"
    assert _error(text).startswith("bad.toml: calls[0].hangup: must be one of BUSY, CANCEL")


@pytest.mark.parametrize(
    ("extension", "where", "message"),
    [
        ("id = 0\nname = '1'\ntype = 'phone'", "extensions[0].id", "must be a positive integer"),
        ("id = 1\nname = 'abc'\ntype = 'phone'", "extensions[0].name", "'<client prefix>"),
        ("id = 1\nname = '111*001'\ntype = 'phone'", "extensions[0].name", "client prefix '000'"),
        ("id = 1\nname = '1'\ntype = 'pager'", "extensions[0].type", "unknown extension type"),
        ("id = 1\nname = '1'\ntype = 'phone'\nstatus = 'gone'", "extensions[0].status", "'active'"),
        ("id = 1\nname = '1'", "extensions[0].type", "is required"),
        ("name = '1'\ntype = 'phone'", "extensions[0].id", "is required"),
        ("id = '1'\nname = '1'\ntype = 'phone'", "extensions[0].id", "must be an integer"),
        (
            "id = 1\nname = '1'\ntype = 'phone'\nagents = ['2']",
            "extensions[0].agents",
            "only a queue has agents",
        ),
    ],
)
def test_bad_extension_fields_named(extension: str, where: str, message: str) -> None:
    msg = _error(f"[[extensions]]\n{extension}\n")
    assert msg.startswith(f"bad.toml: {where}: ")
    assert message in msg


def test_duplicates_named() -> None:
    assert _error(PHONE_175 + "[[extensions]]\nid = 175\nname = '100'\ntype = 'phone'\n") == (
        "bad.toml: extensions[1].id: duplicate extension id 175"
    )
    assert _error(PHONE_175 + "[[extensions]]\nid = 176\nname = '000*099'\ntype = 'phone'\n") == (
        "bad.toml: extensions[1].name: duplicate extension name '000*099'"
    )


def test_extensions_not_an_array_of_tables_named() -> None:
    assert _error("extensions = 5\n") == (
        "bad.toml: extensions: must be an array of tables ([[extensions]]), not 5"
    )


def test_error_from_file_names_the_path(write_scenario) -> None:
    path = write_scenario(PHONE_175 + _sub(url="'ftp://x.test/'"), name="office.toml")
    with pytest.raises(ValidationError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}: subscriptions[0].url: ")
    assert info.value.where == f"{path}: subscriptions[0].url"


def test_extension_resource_keys_are_optional_and_checked() -> None:
    base = '[[extensions]]\nid = 101\nname = "101"\ntype = "phone"\n'
    plain = parse_scenario(base).extensions[0]
    assert (plain.caller_id_name, plain.client_id, plain.create_date, plain.extra_params) == (
        "",
        None,
        "",
        None,
    )
    full = parse_scenario(
        base + 'caller_id_name = "Anna"\nextension_group_id = 3\ncreate_date = "2024-03-16 10:02:44"\n'
        'client_id = 4711\ndomain = "sipproxy.telphin.ru"\nextra_params = "{}"\n'
    ).extensions[0]
    assert (full.caller_id_name, full.extension_group_id, full.client_id) == ("Anna", 3, 4711)
    assert (full.create_date, full.domain, full.extra_params) == (
        "2024-03-16 10:02:44",
        "sipproxy.telphin.ru",
        "{}",
    )
    for extra, where in (
        ('create_date = "16.03.2024"\n', "extensions[0].create_date"),
        ("client_id = 0\n", "extensions[0].client_id"),
        ('extension_group_id = "x"\n', "extensions[0].extension_group_id"),
    ):
        with pytest.raises(ValidationError) as exc:
            parse_scenario(base + extra)
        assert exc.value.where.endswith(where)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # an item of a list is named by its index
        ("[[extensions]]\nid = 1\nname = '1'\ntype = 'queue'\nagents = [true]\n",
         "extensions[0].agents[0]: must be text or an integer, not True"),
        ("[[callbacks]]\nextension = 1\nsrc_num = [1.5]\ndst_num = '1'\n",
         "callbacks[0].src_num[0]: must be text or an integer, not 1.5"),
        # the allowed keys are the file's ("from"), never the code's names
        ("[[calls]]\nfrom = '1'\nto = '2'\nfrm = 1\n",
         "calls[0]: unknown key 'frm' (allowed: answer_after, "),
        ("[pbx]\nseed = 'x'\n", "pbx.seed: must be an integer, not 'x'"),
        ("pbx = 3\n", "pbx: must be a table ([pbx]), not 3"),
        ("[[traffic]]\nto = '+7999'\nrate = 0\nduration = 5\n",
         "traffic[0].rate: must be a positive number of calls per second, not 0"),
        ("[[calls]]\nfrom = '+7999'\nto = '+7888'\ndiversion = 'abc'\n",
         "calls[0].diversion: must be a phone number, not 'abc'"),
    ],
)  # fmt: skip
def test_the_models_name_the_entry_key_and_item(text: str, message: str) -> None:
    """The tables are pydantic models (engine/scenario_model.py); their errors read as before."""
    assert _error(text).startswith(f"bad.toml: {message}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[expect]]\nstatus = 700\n", "expect[0].status: must be an HTTP status code (100-599), not 700"),
        ("[[expect]]\nstatus = true\n", "expect[0].status: must be text or an integer, not True"),
        ("[[expect]]\ncall = -1\nstatus = 200\n",
         "expect[0].call: must be 0 or more (the run's first call is 0), not -1"),
        ("[[expect]]\nmax_latency_ms = 0\n", "expect[0].max_latency_ms: must be more than 0, not 0"),
        ("[[expect]]\nmax_latency_ms = 'fast'\n",
         "expect[0].max_latency_ms: must be a number of milliseconds, not 'fast'"),
        ("[[expect]]\njson_path = 'a.b'\n", "expect[0].json_equals: json_path and json_equals go together"),
        ("[[expect]]\njson_equals = 1\n", "expect[0].json_path: json_path and json_equals go together"),
        ("[[expect]]\nevent_type = ['hangup', 'ring']\nstatus = 200\n",
         "expect[0].event_type: unknown event type 'ring'"),
        ("[test]\nburst = 0\n", "test.burst: must be between 1 and 1000, not 0"),
        ("[test]\nburst_max_ms = -1\n", "test.burst_max_ms: must be more than 0, not -1"),
        ("[test]\nprobe = ['duplicate']\n",
         "test: unknown key 'probe' (allowed: burst, burst_max_ms, probes)"),
    ],
)  # fmt: skip
def test_expect_and_test_tables_are_models_too(text: str, message: str) -> None:
    """`pbxdesk test`'s tables (engine/contract) are checked by the same model library."""
    assert _error(text).startswith(f"bad.toml: {message}")


def test_expect_and_test_tables_read_as_written() -> None:
    sc = parse_scenario(
        PHONE_175 + "[[expect]]\nevent_type = 'hangup'\nextension = 175\nstatus = '2XX'\njson_path = 'r.ok'\n"
        "json_equals = false\nbody_matches = '^ok'\n[test]\nprobes = ['duplicate', 'duplicate']\n"
    )
    [exp] = sc.expect
    assert (exp.event_types, exp.extension_id, exp.status) == (("hangup",), 175, "2xx")
    assert exp.json_path == ("r", "ok") and exp.json_equals is False
    assert exp.body_matches is not None and exp.body_matches.search("ok!")
    assert (sc.test.probes, sc.test.burst, sc.test.burst_max_ms) == (("duplicate",), 20, 2000.0)
