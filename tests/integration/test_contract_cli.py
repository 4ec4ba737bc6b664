"""`pbxdesk test` as CI runs it: a subprocess, scenario files, a real handler on loopback.

The handlers here are small webhook receivers of the kinds integrators write: one that
answers every event, one that refuses hangups, one that is not idempotent, one that rejects
unknown fields, one that takes only POST. Exit codes, the terminal summary, the JUnit XML
and the HTML report are checked as a CI system and a person would read them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

Handler = Callable[[str, dict[str, str]], tuple[int, str, dict[str, str]]]


class Crm:
    """A webhook handler on 127.0.0.1: ``decide(method, fields)`` -> (status, body, headers)."""

    def __init__(self, decide: Handler) -> None:
        self.decide = decide
        self.seen: list[tuple[str, dict[str, str]]] = []
        crm = self

        class _H(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                query = urlsplit(self.path).query
                fields = dict(parse_qsl(body if self.command == "POST" else query))
                fields.pop("myid", None)
                crm.seen.append((self.command, fields))
                status, text, headers = crm.decide(self.command, fields)
                data = text.encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        class _Server(ThreadingHTTPServer):
            request_queue_size = 128  # a listen backlog of 5 made a burst's connections wait 1 s

        self.server = _Server(("127.0.0.1", 0), _H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?myid=1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def crm() -> Iterator[Callable[[Handler], Crm]]:
    made: list[Crm] = []

    def make(decide: Handler) -> Crm:
        made.append(Crm(decide))
        return made[-1]

    yield make
    for c in made:
        c.close()


def ok(method: str, fields: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    return 200, json.dumps({"result": {"status": "accepted"}}), {"X-Request-Id": "r-1"}


def scenario(url: str, extra: str = "", method: str = "GET") -> str:
    subs = "".join(
        f'[[subscriptions]]\nextension = 101\nevent_type = "{et}"\nmethod = "{method}"\nurl = "{url}"\n'
        for et in ("dial-out", "answer", "hangup")
    )
    return (
        '[pbx]\nclient_prefix = "000"\n[[extensions]]\nid = 101\nname = "101"\ntype = "phone"\n'
        + subs
        + '[[calls]]\nfrom = "000*101"\nto = "+79990001122"\nanswer_after = 1\ntalk = 2\n'
        + '[[calls]]\nat = 1\nfrom = "000*101"\nto = "+79990003344"\nanswer_after = 1\n'
        + extra
    )


def pbxdesk_test(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {"PBXDESK_HOME": str(home), "NO_PROXY": "127.0.0.1,localhost", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "pbxdesk", "test", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write(tmp_path: Path, text: str, name: str = "contract.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def junit_cases(path: Path) -> dict[str, ET.Element]:
    root = ET.parse(path).getroot()
    return {case.get("name", ""): case for case in root.iter("testcase")}


def test_a_handler_that_answers_everything_passes_with_reports(crm, tmp_path: Path) -> None:
    handler = crm(ok)
    expect = (
        '[[expect]]\nevent_type = "hangup"\nstatus = 200\njson_path = "result.status"\n'
        'json_equals = "accepted"\nheader = "X-Request-Id"\n'
        '[[expect]]\nname = "fast"\nmax_latency_ms = 5000\nbody_matches = "accept"\n'
    )
    path = write(tmp_path, scenario(handler.url, expect))
    junit, report = tmp_path / "junit.xml", tmp_path / "report.html"
    proc = pbxdesk_test(tmp_path / "home", path, "--junit", junit, "--html", report)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    assert "1 of 1 scenarios passed" in proc.stdout
    cases = junit_cases(junit)
    assert set(cases) == {
        "expect: hangup: status 200, result.status == 'accepted', header X-Request-Id",
        "expect: fast",
    }
    assert all(case.find("failure") is None for case in cases.values())
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("2", "0")
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.count('class="fail"') == 0
    assert page.count('<tr class="ok">') == 6  # the timeline: six events, each answered 2xx
    assert len(handler.seen) == 6


def test_a_handler_that_refuses_hangups_fails_with_the_request_and_answer(crm, tmp_path: Path) -> None:
    def refuse_hangup(method: str, fields: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        if fields.get("EventType") == "hangup":
            return 500, "database is locked", {}
        return 200, "ok", {}

    handler = crm(refuse_hangup)
    path = write(tmp_path, scenario(handler.url))  # no [[expect]]: every delivery must be 2xx
    junit = tmp_path / "junit.xml"
    proc = pbxdesk_test(tmp_path / "home", path, "--junit", junit)
    assert proc.returncode == 1
    assert "FAIL" in proc.stdout and "status 500, expected 2xx" in proc.stdout
    (case,) = junit_cases(junit).values()
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "2 of 6: status 500, expected 2xx"
    text = failure.text or ""
    assert "GET http://127.0.0.1:" in text and "EventType=hangup" in text  # the request...
    assert "database is locked" in text  # ...and the answer
    # One attempt per delivery: a contract test judges the answer, not the retries.
    assert sum(f.get("EventType") == "hangup" for _, f in handler.seen) == 2
    report = tmp_path / "report.html"
    assert pbxdesk_test(tmp_path / "home", path, "--html", report).returncode == 1
    page = report.read_text(encoding="utf-8")
    assert page.count("<p>call ") == 2  # a ladder of each failing call
    assert '<span class="fail">hangup (out) → 500</span>' in page
    assert '<span class="pass">dial-out (out) → 200</span>' in page


def test_probes_catch_what_the_real_pbx_will_do(crm, tmp_path: Path) -> None:
    firsts: set[tuple[str, str]] = set()
    lock = threading.Lock()

    def fussy(method: str, fields: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        if method == "GET":
            return 405, "POST only", {}
        if set(fields) - {"EventType", "CallID", "SubCallID", "CallerIDNum", "CallerIDName",
                          "CallerExtension", "CallerExtensionID", "CalledNumber", "CallStatus",
                          "CallFlow", "CallAPIID", "EventTime", "Duration"}:  # fmt: skip
            return 400, "unexpected field", {}
        key = (fields["CallID"], fields["EventType"])
        with lock:
            if key in firsts:
                return 409, "duplicate", {}  # not idempotent
            firsts.add(key)
        return 200, "ok", {}

    handler = crm(fussy)
    names = '"duplicate", "reorder", "unknown-field", "get-and-post", "slow-burst"'
    probes = f"[test]\nprobes = [{names}]\nburst = 4\n"
    path = write(tmp_path, scenario(handler.url, probes, method="POST"))
    junit = tmp_path / "junit.xml"
    proc = pbxdesk_test(tmp_path / "home", path, "--junit", junit)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    cases = junit_cases(junit)
    verdicts = {name: case.find("failure") is None for name, case in cases.items()}
    assert verdicts == {
        "expect: every delivery answered 2xx": True,
        "probe: duplicate": False,  # 409 the second time
        "probe: reorder": True,  # new calls, out of order: this handler does not mind
        "probe: unknown-field": False,  # 400
        "probe: get-and-post": False,  # 405 for GET
        "probe: slow-burst": True,  # new CallIDs: every copy accepted
    }
    dup = cases["probe: duplicate"].find("failure")
    assert dup is not None
    assert "answered 200 the first time, 409 when delivered again" in (dup.get("message") or "")
    burst_out = cases["probe: slow-burst"].find("system-out")
    assert burst_out is not None
    assert (burst_out.text or "").count("-> 200") == 4 * 3  # 4 copies of a 3-event call
    unknown = [f for _, f in handler.seen if "X-Pbxdesk-Probe" in f]
    assert unknown  # the probe really sent the unknown field


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[[expect]]\nstatuz = 200\n", "expect[0]: unknown key 'statuz'"),
        ('[[expect]]\nstatus = "2xy"\n', "expect[0].status: must be a class like '2xx'"),
        ('[[expect]]\nevent_type = "hangup"\n', "expect[0]: says nothing to check"),
        ('[[expect]]\nbody_matches = "("\n', "expect[0].body_matches: not a regular expression"),
        ("[[expect]]\nextension = 999\nstatus = 200\n", "expect[0].extension: unknown extension id 999"),
        ('[test]\nprobes = ["fuzz"]\n', "test.probes: unknown probe 'fuzz'"),
    ],
)
def test_bad_expectations_are_refused_before_anything_is_sent(
    crm, tmp_path: Path, extra: str, message: str
) -> None:
    handler = crm(ok)
    path = write(tmp_path, scenario(handler.url, extra))
    proc = pbxdesk_test(tmp_path / "home", path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"pbxdesk: error: {path}: {message}" or (
        proc.stderr.startswith(f"pbxdesk: error: {path}: {message}")
    ), proc.stderr
    assert "Traceback" not in proc.stderr
    assert handler.seen == []


def test_target_overrides_every_subscription_url(crm, tmp_path: Path) -> None:
    handler = crm(ok)
    path = write(tmp_path, scenario("http://127.0.0.1:9/nowhere"))
    proc = pbxdesk_test(tmp_path / "home", path, "--target", handler.url)
    assert proc.returncode == 0, proc.stdout
    assert len(handler.seen) == 6


ALL_PROBES = ("duplicate", "reorder", "unknown-field", "get-and-post", "slow-burst")
KNOWN_FIELDS = {"EventType", "CallID", "SubCallID", "CallerIDNum", "CallerIDName", "CallerExtension",
                "CallerExtensionID", "CalledNumber", "CallStatus", "CallFlow", "CallAPIID", "EventTime",
                "Duration"}  # fmt: skip


def not_idempotent() -> Handler:
    seen: set[tuple[str, str]] = set()
    lock = threading.Lock()

    def decide(method: str, fields: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        key = (fields.get("CallID", ""), fields.get("EventType", ""))
        with lock:
            repeat = key in seen
            seen.add(key)
        return (500, "duplicate key value violates unique constraint", {}) if repeat else (200, "ok", {})

    return decide


def strict_fields(method: str, fields: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    unknown = set(fields) - KNOWN_FIELDS
    return (500, f"unexpected {sorted(unknown)}", {}) if unknown else (200, "ok", {})


def slow_under_burst() -> Handler:
    in_flight = [0]
    lock = threading.Lock()

    def decide(method: str, fields: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        with lock:
            in_flight[0] += 1
            busy = in_flight[0] > 2
        try:
            time.sleep(0.6 if busy else 0.05)  # a handler that queues behind one database connection
            return 200, "ok", {}
        finally:
            with lock:
                in_flight[0] -= 1

    return decide


def get_ignored(method: str, fields: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    return (404, "no route for GET", {}) if method == "GET" else (200, "ok", {})


@pytest.mark.parametrize(
    ("make", "caught_by"),
    [
        (lambda: ok, None),
        (not_idempotent, "duplicate"),
        (lambda: strict_fields, "unknown-field"),
        (slow_under_burst, "slow-burst"),
        (lambda: get_ignored, "get-and-post"),
    ],
    ids=["correct", "not-idempotent", "500-on-unknown-fields", "slow-under-burst", "get-ignored"],
)
def test_each_wrong_handler_fails_exactly_its_probe(crm, tmp_path: Path, make, caught_by) -> None:
    handler = crm(make())
    names = ", ".join(f'"{p}"' for p in ALL_PROBES)
    probes = f"[test]\nprobes = [{names}]\nburst = 8\nburst_max_ms = 400\n"
    path = write(tmp_path, scenario(handler.url, probes, method="POST"))
    junit = tmp_path / "junit.xml"
    proc = pbxdesk_test(tmp_path / "home", path, "--junit", junit)
    failed = {name for name, case in junit_cases(junit).items() if case.find("failure") is not None}
    assert failed == ({f"probe: {caught_by}"} if caught_by else set()), proc.stdout
    assert proc.returncode == (1 if caught_by else 0)
    if caught_by:  # a readable failure: what was sent and what came back
        failure = junit_cases(junit)[f"probe: {caught_by}"].find("failure")
        assert failure is not None and failure.get("message") and "-> " in (failure.text or "")


def test_reports_validate_and_the_html_opens_in_a_browser_without_network(crm, tmp_path: Path) -> None:
    """The JUnit file validates against the common JUnit structure (tests/fixtures/junit.xsd);
    the HTML report loads in headless Chromium with no network and shows the failures."""
    xmlschema = pytest.importorskip("xmlschema")

    def refuse_hangup(method: str, fields: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        return (500, "boom", {}) if fields.get("EventType") == "hangup" else (200, "ok", {})

    handler = crm(refuse_hangup)
    probes = '[test]\nprobes = ["duplicate", "unknown-field"]\n'
    path = write(tmp_path, scenario(handler.url, probes))
    junit, report = tmp_path / "junit.xml", tmp_path / "report.html"
    assert pbxdesk_test(tmp_path / "home", path, "--junit", junit, "--html", report).returncode == 1
    schema = xmlschema.XMLSchema(Path(__file__).resolve().parents[1] / "fixtures" / "junit.xsd")
    schema.validate(junit)

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
        "--disable-background-networking", "--disable-component-update", "--window-size=1280,900",
        f"--user-data-dir={tmp_path / 'chromium'}", "--proxy-server=127.0.0.1:9",  # no network
    ]  # fmt: skip
    dom = subprocess.run([chromium, *flags, "--dump-dom", report.as_uri()], capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert "<h1>pbxdesk test</h1>" in dom.stdout, dom.stderr[-2000:]
    assert dom.stdout.count('class="fail"') >= 2 and "status 500, expected 2xx" in dom.stdout
    shot = tmp_path / "report.png"
    subprocess.run([chromium, *flags, f"--screenshot={shot}", report.as_uri()], capture_output=True,
                   timeout=120)  # fmt: skip
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("PBXDESK_SHOTS"):  # keep the picture to look at
        shutil.copy(shot, Path(os.environ["PBXDESK_SHOTS"]) / "pbxdesk-test-report.png")
