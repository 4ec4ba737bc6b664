"""Golden events: the four call shapes the public record shows from real PBXs, on the wire.

Each shape of pbx-api-public.md 8.3 (outside caller -> IVR -> phone answered; outside caller
-> queue -> agent; a phone dialling out; a callback to an outside number) is played by
``run_scenario`` (what `pbxdesk run` does) against a real loopback server, every extension
subscribed to every call event twice, by GET and by POST. Every field of every event must
be the recorded shape: the same keys, the same values where the record fixes them, and the
record's formats and relations where the values are invented (ids, times).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from pbxdesk.domain.ids import CALL_ID_RE, dashed
from pbxdesk.engine.headless import run_scenario
from pbxdesk.engine.scenario import parse_scenario

DOMAIN = "sipproxy.telphin.ru"
BASE_US = 1_714_554_843_000_000

PBX = """\
[pbx]
client_prefix = "7781"
domain = "sipproxy.telphin.ru"
seed = 2024

[[extensions]]
id = 300101
name = "101"
type = "phone"
label = "Anna Petrova"
record = true

[[extensions]]
id = 300102
name = "102"
type = "phone"
label = "Boris Ivanov"

[[extensions]]
id = 300090
name = "090"
type = "ivr"
route = "101"
did = "74951112233"
menu_time = 3

[[extensions]]
id = 300095
name = "095"
type = "queue"
agents = ["101", "102"]
did = "74951112244"
"""

CALL_EVENTS = ("dial-in", "dial-out", "answer", "hangup")
# What every call event carries, whoever it is for.
ALWAYS = {"EventType", "CallID", "SubCallID", "CallerIDNum", "CallerIDName", "CalledNumber",
          "CallStatus", "CallFlow", "CallAPIID", "EventTime"}  # fmt: skip


def subscriptions(base: str) -> str:
    out = []
    for ext in (300101, 300102, 300090, 300095):
        for event in CALL_EVENTS:
            for method in ("GET", "POST"):
                out.append(
                    f'[[subscriptions]]\nextension = {ext}\nevent_type = "{event}"\nmethod = "{method}"\n'
                    f'url = "{base}/{method.lower()}/{ext}?mine=1"\n'
                )
    return "\n".join(out)


async def play(recorder, tmp_path: Path, flow: str) -> dict[int, list[dict[str, str]]]:
    """The events each extension received, in order; GET and POST checked to carry the same."""
    sc = parse_scenario(PBX + subscriptions(recorder.base_url) + flow)
    summary = await run_scenario(sc, tmp_path / "golden.sqlite", instant=True, base_us=BASE_US)
    assert summary.failed == 0 and summary.delivered == summary.deliveries > 0
    got: dict[tuple[str, int], list[dict[str, str]]] = {}
    for req in recorder.requests:
        _, method, ext = req.path.split("/")
        if method == "get":
            pairs = req.query
            assert pairs[0] == ("mine", "1")  # the subscription's own query first, then the event
            pairs = pairs[1:]
        else:
            pairs = parse_qsl(req.body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
            assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
        fields = dict(pairs)
        assert len(fields) == len(pairs)  # no field twice
        got.setdefault((method, int(ext)), []).append(fields)
    by_ext: dict[int, list[dict[str, str]]] = {}
    for (method, ext), events in got.items():
        other = got[("post" if method == "get" else "get", ext)]
        assert sorted(map(sorted_items, events)) == sorted(map(sorted_items, other))
        by_ext[ext] = sorted(events, key=lambda f: (int(f["EventTime"]), CALL_EVENTS.index(f["EventType"])))
    return by_ext


def sorted_items(fields: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(fields.items())


def check(fields: dict[str, str], keys: set[str], **values: str) -> None:
    """Exactly these keys; these values where given."""
    assert set(fields) == keys, (fields["EventType"], sorted(set(fields) ^ keys))
    for key, value in values.items():
        assert fields[key] == value, (key, fields)


def addr(short: str) -> str:
    return f"7781*{short}@{DOMAIN}"


def one_call(by_ext: dict[int, list[dict[str, str]]]) -> tuple[str, str]:
    every = [f for events in by_ext.values() for f in events]
    (call_id,) = {f["CallID"] for f in every}
    (api_id,) = {f["CallAPIID"] for f in every}
    assert CALL_ID_RE.fullmatch(call_id)
    for f in every:
        assert re.fullmatch(r"\d{16}", f["EventTime"])
        ext_id, _, hex32 = f["SubCallID"].partition("-")
        assert CALL_ID_RE.fullmatch(hex32) and ext_id.isdigit()
    return call_id, api_id


def sub_ids(events: list[dict[str, str]]) -> str:
    (sub,) = {f["SubCallID"] for f in events}
    return sub


def talk(events: list[dict[str, str]]) -> int:
    answer = next(f for f in events if f["EventType"] == "answer")
    return int(events[-1]["EventTime"]) - int(answer["EventTime"])


async def test_outside_caller_through_an_ivr_to_a_phone_that_answers(recorder, tmp_path: Path) -> None:
    by_ext = await play(recorder, tmp_path, '[[calls]]\nfrom = "+79991234567"\nto = "74951112233"\n'
                                            "answer_after = 2\ntalk = 7\n")  # fmt: skip
    call_id, api_id = one_call(by_ext)
    assert re.fullmatch(r"\d{10}-" + dashed(call_id), api_id)
    caller = {"CallerIDNum": "+79991234567", "CallerIDName": "+79991234567", "CalledDID": "74951112233"}
    # The phone: dial-in, answer, hangup; the IVR named as the caller extension.
    phone = by_ext[300101]
    assert [f["EventType"] for f in phone] == ["dial-in", "answer", "hangup"]
    on_phone = ALWAYS | {"CalledDID", "CalledExtension", "CalledExtensionID", "CallerExtension",
                         "CallerExtensionID"}  # fmt: skip
    for f, status in zip(phone, ("CALLING", "ANSWER", "ANSWER"), strict=True):
        keys = on_phone | ({"Duration", "RecID"} if f["EventType"] == "hangup" else set())
        check(f, keys, **caller, CallFlow="in", CallStatus=status, CalledNumber="7781*101",
              CalledExtension=addr("101"), CalledExtensionID="300101",
              CallerExtension=addr("090"), CallerExtensionID="300090")  # fmt: skip
    sub = sub_ids(phone)
    assert sub.startswith("300101-") and sub != f"300101-{call_id}"
    assert phone[-1]["Duration"] == str(talk(phone)) == "7000000"
    assert phone[-1]["RecID"] == sub
    # The IVR: dial-in and hangup only, Bridged on the hangup, no Duration.
    ivr = by_ext[300090]
    assert [f["EventType"] for f in ivr] == ["dial-in", "hangup"]
    on_ivr = ALWAYS | {"CalledDID", "CalledExtension", "CalledExtensionID"}
    check(ivr[0], on_ivr, **caller, CallFlow="in", CallStatus="CALLING", CalledNumber="7781*090",
          CalledExtension=addr("090"), CalledExtensionID="300090")  # fmt: skip
    check(ivr[1], on_ivr | {"Bridged"}, **caller, CallFlow="in", CallStatus="ANSWER", Bridged="yes",
          CalledNumber="7781*090")  # fmt: skip
    assert sub_ids(ivr).startswith("300090-") and sub_ids(ivr) != sub
    assert set(by_ext) == {300101, 300090}


async def test_outside_caller_through_a_queue_to_an_agent(recorder, tmp_path: Path) -> None:
    flow = '[[calls]]\nfrom = "+79997654321"\nto = "74951112244"\nanswer_after = 3\ntalk = 5\n'
    by_ext = await play(recorder, tmp_path, flow + 'answered_by = "7781*102"\n')
    call_id, _ = one_call(by_ext)
    caller = {"CallerIDNum": "+79997654321", "CallerIDName": "+79997654321", "CalledDID": "74951112244"}
    via_queue = {"CallerExtension": addr("095"), "CallerExtensionID": "300095"}
    on_phone = ALWAYS | {"CalledDID", "CalledExtension", "CalledExtensionID", "CallerExtension",
                         "CallerExtensionID"}  # fmt: skip
    agent = by_ext[300102]  # answers
    assert [f["EventType"] for f in agent] == ["dial-in", "answer", "hangup"]
    for f in agent:
        keys = on_phone | ({"Duration"} if f["EventType"] == "hangup" else set())
        check(f, keys, **caller, **via_queue, CallFlow="in", CalledNumber="7781*102",
              CalledExtension=addr("102"), CalledExtensionID="300102")  # fmt: skip
    assert agent[-1]["Duration"] == "5000000" and agent[-1]["CallStatus"] == "ANSWER"
    other = by_ext[300101]  # rang with it, stopped when 102 answered
    assert [(f["EventType"], f["CallStatus"]) for f in other] == [
        ("dial-in", "CALLING"), ("hangup", "CANCEL")]  # fmt: skip
    for f in other:
        check(f, on_phone, **caller, **via_queue, CallFlow="in", CalledNumber="7781*101")
    # The queue: its `in` thread (dial-in, hangup with Bridged) and an `out` thread per agent,
    # whose events name the queue itself as the caller extension.
    queue = by_ext[300095]
    in_thread = [f for f in queue if f["CallFlow"] == "in"]
    out_thread = [f for f in queue if f["CallFlow"] == "out"]
    assert [f["EventType"] for f in in_thread] == ["dial-in", "hangup"]
    on_queue_in = ALWAYS | {"CalledDID", "CalledExtension", "CalledExtensionID"}
    check(in_thread[0], on_queue_in, **caller, CalledNumber="7781*095", CalledExtensionID="300095")
    check(in_thread[1], on_queue_in | {"Bridged"}, **caller, Bridged="yes", CallStatus="ANSWER")
    assert sorted((f["EventType"], f["CalledNumber"]) for f in out_thread) == [
        ("answer", "7781*102"), ("dial-in", "7781*101"), ("dial-in", "7781*102"),
        ("hangup", "7781*101"), ("hangup", "7781*102")]  # fmt: skip
    for f in out_thread:
        talked = f["EventType"] == "hangup" and f["CallStatus"] == "ANSWER"
        keys = on_phone | ({"Duration"} if talked else set())
        check(f, keys, **caller, CallerExtension=addr("095"), CallerExtensionID="300095")
        assert f["SubCallID"].startswith("300095-") and f["SubCallID"] != f"300095-{call_id}"
    assert set(by_ext) == {300101, 300102, 300095}


async def test_a_phone_dialling_out(recorder, tmp_path: Path) -> None:
    by_ext = await play(recorder, tmp_path, '[[calls]]\nfrom = "7781*101"\nto = "+74957654321"\n'
                                            "answer_after = 4\ntalk = 6\n")  # fmt: skip
    call_id, api_id = one_call(by_ext)
    assert re.fullmatch(r"\d{10}-" + dashed(call_id), api_id)
    phone = by_ext[300101]
    assert [f["EventType"] for f in phone] == ["dial-out", "answer", "hangup"]
    on_out = ALWAYS | {"CallerExtension", "CallerExtensionID"}  # no CalledExtension, no CalledDID
    for f, status in zip(phone, ("CALLING", "ANSWER", "ANSWER"), strict=True):
        keys = on_out | ({"Duration", "RecID"} if f["EventType"] == "hangup" else set())
        check(f, keys, CallerIDNum="7781*101", CallerIDName="Anna Petrova", CallFlow="out",
              CallStatus=status, CallerExtension=addr("101"), CallerExtensionID="300101",
              CalledNumber="+74957654321", SubCallID=f"300101-{call_id}")  # fmt: skip
    assert phone[-1]["Duration"] == "6000000" and phone[-1]["RecID"] == f"300101-{call_id}"
    assert set(by_ext) == {300101}


async def test_a_callback_to_an_outside_number(recorder, tmp_path: Path) -> None:
    flow = '[[callbacks]]\nextension = "101"\nsrc_num = ["101"]\ndst_num = "+79161234567"\n'
    by_ext = await play(recorder, tmp_path, flow + "answer_after = 2\ntalk = 3\n")
    call_id, api_id = one_call(by_ext)
    assert re.fullmatch(rf"cb-\d{{10}}-{call_id}", api_id)
    phone = by_ext[300101]
    assert [f["EventType"] for f in phone] == ["dial-out", "answer", "hangup"]
    on_out = ALWAYS | {"CallerExtension", "CallerExtensionID", "CallBackID"}
    for f in phone:
        keys = on_out | ({"Duration", "RecID"} if f["EventType"] == "hangup" else set())
        check(f, keys, CallerIDNum="7781*101", CallerIDName="Anna Petrova", CallFlow="out",
              CallBackID=call_id, CalledNumber="+79161234567", SubCallID=f"300101-{call_id}")  # fmt: skip
    assert phone[-1]["RecID"] == phone[-1]["SubCallID"] and phone[-1]["Duration"] == "3000000"
    assert set(by_ext) == {300101}


@pytest.mark.parametrize("seeded", [True, False])
async def test_ids_repeat_only_when_the_scenario_has_a_seed(recorder, tmp_path: Path, seeded: bool) -> None:
    flow = '[[calls]]\nfrom = "7781*101"\nto = "+74957654321"\nanswer_after = 1\n'
    pbx = PBX if seeded else PBX.replace("seed = 2024\n", "")
    runs = []
    for i in range(2):
        sc = parse_scenario(pbx + subscriptions(recorder.base_url) + flow)
        await run_scenario(sc, tmp_path / f"run{i}.sqlite", instant=True, base_us=BASE_US)
        runs.append([r.path_qs for r in recorder.requests if r.method == "GET"])
        recorder.requests.clear()
    if seeded:
        assert runs[0] == runs[1]  # byte for byte
    else:
        ids = [{dict(parse_qsl(q.split("?", 1)[1]))["CallID"] for q in run} for run in runs]
        assert ids[0].isdisjoint(ids[1])
