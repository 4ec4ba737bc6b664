"""A call saved from a profile as a scenario replays it verbatim, to the subscriptions it reached.

Round trip over real HTTP and real profiles: a call is played and delivered (GET and POST);
`export --format scenario` writes it as [[replay]] tables; playing that file again sends the
same requests byte for byte (unknown fields and EventTime included), with the same gaps.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from pbxdesk.domain import ValidationError
from pbxdesk.engine.headless import run_scenario
from pbxdesk.engine.scenario import load_scenario, parse_scenario
from pbxdesk.store.history_export import export_file

SCENARIO = """\
[pbx]
client_prefix = "7781"
domain = "sipproxy.telphin.ru"

[[extensions]]
id = 300101
name = "101"
type = "phone"
record = true

[[extensions]]
id = 300090
name = "090"
type = "ivr"
route = "101"
did = "74951112233"

[[calls]]
from = "+79991234567"
to = "74951112233"
answer_after = 2
talk = 4

[[replay]]        # an event the way the live PBX sent it, with a field pbxdesk does not know
at = 20
extension = 300101
[replay.fields]
EventType = "hangup"
CallID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
EventTime = "1714554900000000"
CallStatus = "ANSWER"
BridgedDuration = "120"
Tag = "vip"
"""


def subs(base: str) -> str:
    out = ""
    for ext in (300101, 300090):
        for et, method in (("dial-in", "GET"), ("answer", "POST"), ("hangup", "POST"), ("hangup", "GET")):
            out += (f'[[subscriptions]]\nextension = {ext}\nevent_type = "{et}"\nmethod = "{method}"\n'
                    f'url = "{base}/{ext}?mine=1"\n')  # fmt: skip
    return out


def received(recorder) -> list[tuple[str, str, dict[str, str], bytes]]:
    """(method, path, fields, the raw query or body) of every request, in order."""
    out = []
    for r in recorder.requests:
        pairs = r.query[1:] if r.method == "GET" else parse_qsl(r.body.decode(), keep_blank_values=True)
        raw = r.path_qs.encode() if r.method == "GET" else r.body
        out.append((r.method, r.path, dict(pairs), raw))
    recorder.requests.clear()
    return out


async def test_a_saved_call_replays_the_same_requests(recorder, tmp_path: Path) -> None:
    sc = parse_scenario(SCENARIO + subs(recorder.base_url))
    first_profile = tmp_path / "first.sqlite"
    await run_scenario(sc, first_profile, instant=True)
    original = received(recorder)
    call_ids = {f["CallID"] for _, _, f, _ in original}
    assert len(call_ids) == 2  # the simulated call and the replayed live event
    (simulated,) = call_ids - {"0a1b2c3d4e5f60718293a4b5c6d7e8f9"}

    out = tmp_path / "saved.toml"
    result = export_file(first_profile, out, call_id=simulated)
    assert result.events == 5 and result.format == "scenario"
    saved = tomllib.loads(out.read_text(encoding="utf-8"))
    assert [r["at"] for r in saved["replay"]] == [0.0, 3.0, 5.0, 9.0, 9.0]  # the call's own gaps
    assert {(s["extension"], s["event_type"], s["method"]) for s in saved["subscriptions"]} == {
        (300090, "dial-in", "GET"), (300090, "hangup", "POST"), (300090, "hangup", "GET"),
        (300101, "dial-in", "GET"), (300101, "answer", "POST"), (300101, "hangup", "POST"),
        (300101, "hangup", "GET"),
    }  # fmt: skip

    replay = load_scenario(out)
    assert replay.calls == () and len(replay.replays) == 5
    summary = await run_scenario(replay, tmp_path / "second.sqlite", instant=True)
    assert summary.failed == 0 and summary.delivered == summary.deliveries
    again = received(recorder)
    mine = [req for req in original if req[2]["CallID"] == simulated]

    def raw(reqs: list) -> list[tuple[str, bytes]]:
        return sorted((method, data) for method, _, _, data in reqs)

    assert raw(again) == raw(mine)  # byte for byte: every field, EventTime included, in order


async def test_unknown_fields_of_a_live_event_survive_the_round_trip(recorder, tmp_path: Path) -> None:
    sc = parse_scenario(SCENARIO + subs(recorder.base_url))
    profile = tmp_path / "p.sqlite"
    await run_scenario(sc, profile, instant=True)
    received(recorder)
    out = tmp_path / "live.toml"
    export_file(profile, out, call_id="0a1b2c3d4e5f60718293a4b5c6d7e8f9")
    await run_scenario(load_scenario(out), tmp_path / "again.sqlite", instant=True)
    reqs = received(recorder)
    assert len(reqs) == 2  # the hangup, to its GET and POST subscriptions
    for _, path, f, _ in reqs:
        assert path == "/300101"
        assert (f["BridgedDuration"], f["Tag"], f["CallStatus"]) == ("120", "vip", "ANSWER")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ('{ CallID = "x", EventTime = "1" }', "replay[0].fields: EventType None is not an event"),
        ('{ EventType = "hangup", EventTime = "1" }', "replay[0].fields: CallID is missing"),
        ('{ EventType = "hangup", CallID = "x", EventTime = 5 }', "replay[0].fields: EventTime: every value"),
    ],
)
def test_bad_replay_tables_are_named(fields: str, message: str) -> None:
    phone = '[[extensions]]\nid = 1\nname = "101"\ntype = "phone"\n'
    text = f"{phone}[[replay]]\nextension = 1\nfields = {fields}\n"
    with pytest.raises(ValidationError) as info:
        parse_scenario(text)
    assert str(info.value).startswith(f"<scenario>: {message}")


def test_cli_export_scenario_needs_a_call(tmp_path: Path) -> None:
    env = {"PBXDESK_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    create = [sys.executable, "-m", "pbxdesk", "profile", "create", "p"]
    subprocess.run(create, env=env, check=True, capture_output=True, timeout=60)
    proc = subprocess.run(
        [sys.executable, "-m", "pbxdesk", "export", "--profile", "p", "--format", "scenario",
         str(tmp_path / "x.toml")],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    expected = "pbxdesk: error: --format scenario saves one call: say which with --call-id ID"
    assert proc.stderr.strip() == expected
