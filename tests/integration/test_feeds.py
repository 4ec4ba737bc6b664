"""The client-wide feeds on the wire: global phone events and queue agent events.

pbx-api-public.md 4.2/4.3: a global (`phone_events`) subscription covers every phone
extension and adds `extension-call-status`, whose data are snake_case with
`event_type=call-status-change`; a queue agent's subscription gets `agent-login` and
`agent-logout`. Both fire only on a real change. Played by `run_scenario` against a real
loopback server, by GET and POST, and kept in a real profile like call events.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from pbxdesk.domain import ValidationError
from pbxdesk.engine.headless import run_scenario
from pbxdesk.engine.scenario import parse_scenario
from pbxdesk.store.history_export import export_file

BASE_US = 1_714_554_843_000_000  # 2024-05-01 09:14:03 UTC

PBX = """\
[pbx]
client_prefix = "7781"
domain = "sipproxy.telphin.ru"
client_id = 4711
seed = 3

[[extensions]]
id = 300101
name = "101"
type = "phone"

[[extensions]]
id = 300102
name = "102"
type = "phone"

[[extensions]]
id = 300095
name = "095"
type = "queue"
agents = ["101", "102"]

[[call_statuses]]
id = 7
name = "Lunch"

[[call_statuses]]
id = 8
name = "Meeting"
"""


def feeds(base: str) -> str:
    return f"""
[[phone_events]]
event_type = "extension-call-status"
method = "POST"
url = "{base}/status"

[[phone_events]]
event_type = "hangup"
method = "GET"
url = "{base}/all-hangups?src=global"

[[agent_events]]
agent = "102"
event_type = "agent-login"
method = "GET"
url = "{base}/agent"

[[agent_events]]
agent = 300102
event_type = "agent-logout"
method = "POST"
url = "{base}/agent"

[[status_changes]]
at = 1
extension = "101"
status = "Lunch"

[[status_changes]]
at = 2
extension = "101"
status = 7          # the same status again: no event

[[status_changes]]
at = 3
extension = "101"
status = 8

[[status_changes]]
at = 4
extension = "101"   # no status: cleared

[[agent_changes]]
at = 1
agent = "102"
status = "available"    # agents start available: no event

[[agent_changes]]
at = 5
agent = "102"
status = "logged_out"

[[agent_changes]]
at = 6
agent = "102"
status = "available"

[[calls]]
at = 10
from = "+79991234567"
to = "7781*095"
answer_after = 2
answered_by = "7781*102"
"""


def fields_of(req) -> dict[str, str]:
    if req.method == "GET":
        return {k: v for k, v in req.query if k != "src"}
    return dict(parse_qsl(req.body.decode("ascii"), keep_blank_values=True))


async def test_status_and_agent_feeds_fire_on_real_changes(recorder, tmp_path: Path) -> None:
    sc = parse_scenario(PBX + feeds(recorder.base_url))
    profile = tmp_path / "feeds.sqlite"
    summary = await run_scenario(sc, profile, instant=True, base_us=BASE_US)
    assert summary.failed == 0 and summary.delivered == summary.deliveries

    status = [fields_of(r) for r in recorder.requests if r.path == "/status"]
    assert [(f["old_status_id"], f["new_status_id"]) for f in status] == [("", "7"), ("7", "8"), ("8", "")]
    assert status[0] == {
        "old_status_id": "",
        "new_status_id": "7",
        "extension_id": "300101",
        "extension_name": "7781*101",
        "client_id": "4711",
        "change_dt": "2024-05-01 09:14:04",
        "event_type": "call-status-change",
    }
    for f in status:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", f["change_dt"])

    agent = [(r.method, fields_of(r)) for r in recorder.requests if r.path == "/agent"]
    assert agent == [
        ("POST", {"agent_id": "300102", "agent_status": "logged_out", "agent_type": "local",
                  "extension_name": "7781*102@sipproxy.telphin.ru", "event_source": "api"}),
        ("GET", {"agent_id": "300102", "agent_status": "available", "agent_type": "local",
                 "extension_name": "7781*102@sipproxy.telphin.ru", "event_source": "api"}),
    ]  # fmt: skip

    # The global hangup subscription: every phone's hangup (both agents rung), no queue's.
    hangups = [fields_of(r) for r in recorder.requests if r.path == "/all-hangups"]
    assert sorted(f["CalledExtensionID"] for f in hangups) == ["300101", "300102"]
    assert all(f["CallFlow"] == "in" for f in hangups)

    # Kept in the profile like call events: types, no call, data as sent; exported too.
    out = tmp_path / "history.json"
    export_file(profile, out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    kinds = [e["event_type"] for e in doc["events"]]
    assert kinds.count("extension-call-status") == 3
    assert kinds.count("agent-logout") == 1 and kinds.count("agent-login") == 1
    stored = next(e for e in doc["events"] if e["event_type"] == "extension-call-status")
    assert stored["fields"] == status[0]
    assert not stored.get("call_id")


def test_a_per_extension_subscription_cannot_take_a_feed_event() -> None:
    text = (
        PBX
        + '[[subscriptions]]\nextension = 300101\nevent_type = "extension-call-status"\nurl = "http://x/"\n'
    )
    with pytest.raises(ValidationError, match=r"subscriptions\[0\]\.event_type: unknown event type"):
        parse_scenario(text)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[[phone_events]]\nevent_type = "agent-login"\nurl = "http://x/"\n',
         "phone_events[0].event_type: must be one of answer, dial-in, dial-out, extension-call-status"),
        ('[[agent_events]]\nagent = "095"\nevent_type = "agent-login"\nurl = "http://x/"\n',
         "agent_events[0].agent: a queue agent is a phone extension; '7781*095' is a queue"),
        ('[[status_changes]]\nextension = "101"\nstatus = "Holiday"\n',
         "status_changes[0].status: no [[call_statuses]] entry named 'Holiday'"),
        ('[[agent_changes]]\nagent = "101"\nstatus = "away"\n',
         "agent_changes[0].status: must be 'available' or 'logged_out', not 'away'"),
    ],
)  # fmt: skip
def test_bad_feed_tables_are_named(table: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_scenario(PBX + table)
    assert str(info.value).startswith(f"<scenario>: {message}")
