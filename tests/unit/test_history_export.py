"""History export: CSV, JSON and HAR 1.2 documents built from a real profile's rows."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from fixtures.profile_factory import make_profile

from pbxdesk.cli import main
from pbxdesk.domain import CallFlow, CallStatus, EventData, EventType, HttpMethod, PbxDeskError
from pbxdesk.domain.wire import build_request as engine_build_request
from pbxdesk.store import history_export as hx
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.store.writer import EVENT_SQL, event_row

T0 = 1_700_000_000_000_000
BASE = "http://127.0.0.1:8000"


def _event(i: int, call: str, et: EventType, **kw) -> EventData:
    return EventData(
        extension_id=175,
        event_type=et,
        call_id=call,
        event_time=T0 + i * 1_000_000,
        sub_call_id=f"{call}-leg",
        caller_id_num="+79817654321",
        caller_id_name="Анна & Co",
        called_extension="000*099@sip.example.test",
        call_status=CallStatus.ANSWER if et is not EventType.DIAL_IN else CallStatus.CALLING,
        call_flow=CallFlow.IN,
        **kw,
    )


def _attempt(conn, delivery_id, n, started, latency, status, error=None, body=b"ok\n", headers=None,
             truncated=False, request_headers=None):  # fmt: skip
    conn.execute(
        "INSERT INTO attempts (delivery_id, n, started_at, finished_at, latency_ms, status_code, error, "
        "error_detail, request_headers, response_headers, response_body, response_truncated) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (delivery_id, n, started, started + int(latency * 1000), latency, status, error,
         "timed out after 0.5 s" if error == "timeout" else None,
         json.dumps(request_headers) if request_headers else None,
         json.dumps(headers if headers is not None else {"content-type": "text/plain; charset=utf-8"}),
         body, int(truncated)),
    )  # fmt: skip


def _delivery(conn, d_id, event_id, sub_id, method, url, state, status, attempts, call):
    conn.execute(
        "INSERT INTO deliveries (id, event_id, subscription_id, method, url, state, call_id, endpoint, "
        "ordered, attempts, created_at, status_code) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, '127.0.0.1:8000', 1, ?, ?, ?)",
        (d_id, event_id, sub_id, method, url, state, call, attempts, T0 + event_id, status),
    )


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Three events of call c-1 and one of c-2; deliveries as the engine records them:
    #1 GET delivered at once, #2 POST 503 then 200, #3 GET timed out (failed), #4 POST with a
    binary answer, event 4 (c-2) has no delivery."""
    path = tmp_path / "history.sqlite"
    with Profile.open(path) as profile, profile.conn as conn:
        events = [
            _event(0, "c-1", EventType.DIAL_IN),
            _event(1, "c-1", EventType.ANSWER),
            _event(2, "c-1", EventType.HANGUP, duration=3_000_000, rec_id="rec-1", extra={"Custom": "kept"}),
            _event(3, "c-2", EventType.DIAL_IN),
        ]
        conn.executemany(EVENT_SQL, [event_row(i, ev, "000*099", "sim") for i, ev in enumerate(events, 1)])
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        _delivery(conn, 1, 1, 72, "GET", f"{BASE}/show.php?myid=175", "delivered", 200, 1, "c-1")
        _attempt(conn, 1, 1, T0 + 10_000, 12.5, 200)
        _delivery(conn, 2, 2, 73, "POST", f"{BASE}/crm", "delivered", 200, 2, "c-1")
        _attempt(conn, 2, 1, T0 + 20_000, 3.0, 503, "non-2xx status", b"busy", {"retry-after": "1"},
                 request_headers=form)  # fmt: skip
        _attempt(conn, 2, 2, T0 + 1_020_000, 4.0, 200, request_headers=form)
        _delivery(conn, 3, 3, 74, "GET", f"{BASE}/show.php?myid=175", "failed", None, 1, "c-1")
        _attempt(conn, 3, 1, T0 + 30_000, 500.0, None, "timeout", b"", {})
        _delivery(conn, 4, 3, 75, "POST", f"{BASE}/bin", "delivered", 200, 1, "c-1")
        png = {"content-type": "image/png"}
        _attempt(conn, 4, 1, T0 + 40_000, 1.0, 200, body=b"\xff\x00\xfe", headers=png, truncated=True,
                 request_headers=form)  # fmt: skip
    return path


def check_har(doc: dict) -> list[dict]:
    """Structural HAR 1.2 check (the fields the spec requires, their types); returns the entries."""
    log = doc["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "pbxdesk" and isinstance(log["creator"]["version"], str)
    assert isinstance(log["entries"], list)
    for e in log["entries"]:
        started = dt.datetime.fromisoformat(e["startedDateTime"])
        assert started.tzinfo is not None  # ISO 8601 with an offset
        assert isinstance(e["time"], int | float) and e["time"] >= 0
        req, resp = e["request"], e["response"]
        for key in (
            "method",
            "url",
            "httpVersion",
            "cookies",
            "headers",
            "queryString",
            "headersSize",
            "bodySize",
        ):
            assert key in req, key
        assert all(set(h) == {"name", "value"} for h in req["headers"] + req["queryString"])
        if "postData" in req:
            assert {"mimeType", "text"} <= set(req["postData"])
        for key in ("status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL",
                    "headersSize", "bodySize"):  # fmt: skip
            assert key in resp, key
        assert isinstance(resp["status"], int)
        assert {"size", "mimeType"} <= set(resp["content"])
        assert "cache" in e
        timings = e["timings"]
        for key in ("send", "wait", "receive"):
            assert timings[key] >= 0
        # HAR: time is the sum of the timings that are not -1
        assert e["time"] == pytest.approx(sum(v for v in timings.values() if v != -1))
        assert all(k.startswith("_") for k in e if k not in {
            "pageref", "startedDateTime", "time", "request", "response", "cache", "timings",
            "serverIPAddress", "connection", "comment"})  # fmt: skip
    return log["entries"]


def test_har_one_entry_per_attempt_with_the_request_as_sent(history: Path, tmp_path: Path):
    out = tmp_path / "out.har"
    result = hx.export_file(history, out)
    assert (result.format, result.events, result.deliveries, result.attempts) == ("har", 4, 4, 5)
    entries = check_har(json.loads(out.read_text(encoding="utf-8")))
    assert len(entries) == 5
    assert [(e["_deliveryId"], e["_attempt"]) for e in entries] == [(1, 1), (2, 1), (2, 2), (3, 1), (4, 1)]
    get = entries[0]
    # GET: the event's fields join the subscription URL's own query, myid first
    query = get["request"]["queryString"]
    assert query[0] == {"name": "myid", "value": "175"}
    assert {"name": "EventType", "value": "dial-in"} in query
    assert {"name": "CallerIDName", "value": "Анна & Co"} in query
    assert get["request"]["url"].startswith(f"{BASE}/show.php?myid=175&EventType=dial-in&CallID=c-1")
    assert "postData" not in get["request"]
    assert {"name": "User-Agent", "value": "pbxdesk"} in get["request"]["headers"]
    assert get["response"]["status"] == 200 and get["response"]["statusText"] == "OK"
    assert get["response"]["content"] == {"size": 3, "mimeType": "text/plain; charset=utf-8", "text": "ok\n"}
    assert get["startedDateTime"] == "2023-11-14T22:13:20.010+00:00"
    assert get["time"] == 12.5
    # POST: a form body, first answered 503 then 200
    first, second = entries[1], entries[2]
    post = first["request"]["postData"]
    assert post["mimeType"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(post["text"]))["EventType"] == "answer"
    assert {"name": "EventType", "value": "answer"} in post["params"]
    assert first["request"]["url"] == f"{BASE}/crm" and first["request"]["queryString"] == []
    assert first["request"]["bodySize"] == len(post["text"].encode())
    assert first["response"]["status"] == 503 and first["response"]["statusText"] == "Service Unavailable"
    assert {"name": "retry-after", "value": "1"} in first["response"]["headers"]
    assert first["_error"] == "non-2xx status" and second["response"]["status"] == 200
    # A timeout: no answer (status 0), the error class kept
    timeout = entries[3]
    assert timeout["response"]["status"] == 0 and timeout["response"]["httpVersion"] == ""
    assert timeout["_error"] == "timeout" and timeout["_errorDetail"] == "timed out after 0.5 s"
    assert timeout["_deliveryState"] == "failed"
    # A binary (and truncated) answer travels base64
    binary = entries[4]["response"]
    assert binary["content"]["encoding"] == "base64" and binary["content"]["text"] == "/wD+"
    assert binary["bodySize"] == -1 and entries[4]["_responseTruncated"] is True
    # Unknown event fields travel too
    hangup_url = timeout["request"]["url"]
    assert dict(parse_qsl(urlsplit(hangup_url).query))["Custom"] == "kept"


def test_exported_requests_are_the_engines_bytes(tmp_path: Path):
    """The export rebuilds each request from the event's stored fields and the delivery's URL:
    the HAR must show exactly what the engine sends (domain.wire, the one encoding), for a URL
    with its own query, one without, a POST, and fields that need escaping."""
    event = _event(0, "c-ä", EventType.DIAL_IN, extra={"X y": "a/b?c=d&e"})
    urls = ((HttpMethod.GET, f"{BASE}/p?myid=1&x=%20y"), (HttpMethod.GET, f"{BASE}/p"),
            (HttpMethod.POST, f"{BASE}/p?keep=1"))  # fmt: skip
    path = tmp_path / "wire.sqlite"
    with Profile.open(path) as profile, profile.conn as conn:
        conn.execute(EVENT_SQL, event_row(1, event, "000*099", "sim"))
        for d_id, (method, url) in enumerate(urls, 1):
            _delivery(conn, d_id, 1, None, method.value, url, "delivered", 200, 1, "c-ä")
            _attempt(conn, d_id, 1, T0 + d_id, 5.0, 200)
    out = tmp_path / "wire.har"
    hx.export_file(path, out)
    entries = json.loads(out.read_text(encoding="utf-8"))["log"]["entries"]
    assert len(entries) == len(urls)
    for entry, (method, url) in zip(entries, urls, strict=True):
        sent = engine_build_request(method, url, event.to_fields())
        assert entry["request"]["method"] == method.value and entry["request"]["url"] == sent.url
        assert entry["request"].get("postData", {}).get("text", "").encode() == sent.body


def test_csv_one_row_per_event_with_every_field(history: Path, tmp_path: Path):
    out = tmp_path / "out.csv"
    hx.export_file(history, out)
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["event_id"] for r in rows] == ["1", "2", "3", "4"]
    first, _, third, fourth = rows
    assert first["event_type"] == "dial-in" and first["EventType"] == "dial-in"
    assert first["CallerIDName"] == "Анна & Co" and first["caller"] == "+79817654321"
    assert first["called"] == "000*099" and first["call_id"] == "c-1"
    assert first["time"] == "2023-11-14T22:13:20.000+00:00"
    assert first["deliveries"] == "1" and first["delivered"] == "1"
    assert "GET http://127.0.0.1:8000/show.php?myid=175&EventType=dial-in" in first["delivery"]
    assert third["deliveries"] == "2" and third["failed"] == "1" and third["delivered"] == "1"
    assert "-> timeout (failed, 1 attempt(s))" in third["delivery"]
    assert third["Duration"] == "3000000" and third["RecID"] == "rec-1"
    assert json.loads(third["extra_fields"]) == {"Custom": "kept"}
    assert fourth["deliveries"] == "0" and fourth["delivery"] == ""


def test_json_events_deliveries_attempts(history: Path, tmp_path: Path):
    out = tmp_path / "out.json"
    hx.export_file(history, out, profile_name="demo")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["format"] == "pbxdesk-history" and doc["profile"] == "demo"
    events = doc["events"]
    assert [e["id"] for e in events] == [1, 2, 3, 4]
    assert events[0]["fields"]["CallerIDName"] == "Анна & Co"
    d2 = events[1]["deliveries"][0]
    assert d2["method"] == "POST" and "EventType=answer" in d2["request_body"]
    assert [a["status_code"] for a in d2["attempts"]] == [503, 200]
    assert d2["attempts"][0]["response_body"] == "busy" and d2["attempts"][0]["error"] == "non-2xx status"
    binary = events[2]["deliveries"][1]["attempts"][0]
    assert binary["response_body_encoding"] == "base64" and binary["response_truncated"] is True
    assert events[3]["deliveries"] == []


def test_subsets_by_ids_and_by_call(history: Path, tmp_path: Path):
    result = hx.export_file(history, tmp_path / "some.json", event_ids=[3, 1, 99])
    ids = [e["id"] for e in json.loads((tmp_path / "some.json").read_text())["events"]]
    assert ids == [1, 3] and result.events == 2
    hx.export_file(history, tmp_path / "call.csv", call_id="c-2")
    with (tmp_path / "call.csv").open(newline="") as fh:
        assert [r["call_id"] for r in csv.DictReader(fh)] == ["c-2"]


def test_chunks_cover_a_longer_history(history: Path):
    conn = sqlite3.connect(history)
    try:
        assert [e.id for e in hx.iter_events(conn, chunk=3)] == [1, 2, 3, 4]
        assert [e.id for e in hx.iter_events(conn, event_ids=[4, 2, 1], chunk=2)] == [1, 2, 4]
    finally:
        conn.close()


def test_v1_profile_deliveries_keep_their_request(tmp_path: Path):
    """A v1 profile stored the full request URL and no attempts: exported as it was sent."""
    path = tmp_path / "old.sqlite"
    make_profile(path, 1, n=6)
    Profile.open(path).close()  # migrates to the current schema
    out = tmp_path / "old.har"
    result = hx.export_file(path, out)
    entries = check_har(json.loads(out.read_text()))
    assert result.attempts == len(entries) > 0
    for e in entries:
        url = e["request"]["url"]
        assert url.startswith("http://127.0.0.1:9/crm?") and url.count("EventType=") == 1
        assert e["response"]["status"] == 200 and e["response"]["content"]["text"] == "ok\n"


def test_bad_format_or_target_leaves_nothing(history: Path, tmp_path: Path):
    assert hx.format_for("a.HAR") == "har" and hx.format_for("a.txt") is None
    with pytest.raises(PbxDeskError, match="csv, .json, .har or .toml"):
        hx.export_file(history, tmp_path / "out.txt")
    with pytest.raises(PbxDeskError, match="cannot write"):
        hx.export_file(history, tmp_path / "missing-dir" / "out.csv")
    assert not list(tmp_path.glob("**/*.part"))


def test_cli_export(history: Path, tmp_path: Path, capsys):
    target = profile_path("hist")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(history.read_bytes())
    out = tmp_path / "cli.har"
    assert main(["export", "--profile", "hist", "--call-id", "c-1", str(out)]) == 0
    assert "3 events, 4 deliveries, 5 attempts" in capsys.readouterr().out
    assert len(check_har(json.loads(out.read_text()))) == 5
    out2 = tmp_path / "cli.data"
    assert main(["export", "--profile", "hist", "--format", "json", str(out2)]) == 0
    assert len(json.loads(out2.read_text())["events"]) == 4
    assert main(["export", "--profile", "hist", str(tmp_path / "x.txt")]) == 2
    assert main(["export", "--profile", "nobody", str(out)]) == 2
    assert main(["export", "--profile", "hist", "--call-id", "nope", str(tmp_path / "n.csv")]) == 2
    assert "no events of call 'nope'" in capsys.readouterr().err
