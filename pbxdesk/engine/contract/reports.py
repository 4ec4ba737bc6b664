"""`pbxdesk test`'s reports: JUnit XML for CI systems, a self-contained HTML page for people.

JUnit: a test suite per scenario, a test case per expectation and per probe; a failure's text
holds the requests and answers that broke it. HTML: the same verdicts, each failure with its
request and answer, and the run's timeline (every event and what each subscriber answered).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from pbxdesk.engine.contract.expectations import ExpectationResult, Failure
from pbxdesk.engine.contract.probes import Exchange, ProbeResult
from pbxdesk.engine.contract.runner import ScenarioReport
from pbxdesk.store.history_export import Delivery, iso

MAX_SHOWN = 20  # failures or exchanges written out per check; the rest are counted
BODY_CHARS = 2000


def _answer_text(d: Delivery) -> str:
    last = d.attempts[-1] if d.attempts else None
    if last is None:
        return "(never attempted)"
    head = (
        f"{last.status_code}" if last.status_code is not None else f"{last.error} {last.error_detail or ''}"
    )
    headers = "".join(f"{k}: {v}\n" for k, v in last.response_headers.items())
    body = last.response_body.decode("utf-8", "replace")[:BODY_CHARS]
    return f"{head.strip()} ({last.latency_ms:.1f} ms)\n{headers}\n{body}"


def failure_text(f: Failure) -> str:
    d = f.delivery
    request = f"{d.method} {d.request_url}" + (f"\n\n{d.request_body}" if d.request_body else "")
    ev = f.event
    return (
        f"{f.reason}\nevent {ev.id} {ev.event_type} on {ev.extension_name or ev.extension_id}"
        f" (CallID {ev.call_id})\n--- request\n{request}\n--- answer\n{_answer_text(d)}"
    )


def exchange_text(ex: Exchange) -> str:
    got = f"{ex.status}" if ex.status is not None else f"error: {ex.error}"
    body = f"\n{ex.body}" if ex.body else ""
    return f"[{ex.note}] {ex.method} {ex.url}{body}\n  -> {got} ({ex.latency_ms:.1f} ms) {ex.answer[:300]}"


def _some(texts: list[str]) -> str:
    shown = texts[:MAX_SHOWN]
    more = f"\n... and {len(texts) - MAX_SHOWN} more" if len(texts) > MAX_SHOWN else ""
    return "\n\n".join(shown) + more


def expectation_detail(r: ExpectationResult) -> str:
    if r.checked == 0:
        return "no delivery matched this expectation"
    return _some([failure_text(f) for f in r.failures])


def probe_detail(p: ProbeResult) -> str:
    return _some([exchange_text(ex) for ex in p.exchanges])


# -- JUnit XML ---------------------------------------------------------------------------------
def junit_xml(reports: Iterable[ScenarioReport]) -> str:
    root = ET.Element("testsuites", name="pbxdesk test")
    for rep in reports:
        suite = ET.SubElement(root, "testsuite", name=rep.source)
        tests = failures = 0
        for r in rep.expectations:
            tests += 1
            case = ET.SubElement(
                suite, "testcase", classname=rep.source, name=f"expect: {r.expectation.name}"
            )
            ET.SubElement(case, "system-out").text = f"{r.checked} deliveries checked"
            if not r.passed:
                failures += 1
                message = r.failures[0].reason if r.failures else "no delivery matched"
                failed = ET.SubElement(
                    case, "failure", message=f"{len(r.failures)} of {r.checked}: {message}"
                )
                failed.text = expectation_detail(r)
        for p in rep.probes:
            tests += 1
            case = ET.SubElement(suite, "testcase", classname=rep.source, name=f"probe: {p.name}")
            ET.SubElement(case, "system-out").text = probe_detail(p)
            if not p.passed:
                failures += 1
                ET.SubElement(case, "failure", message=p.reason).text = probe_detail(p)
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# -- HTML --------------------------------------------------------------------------------------
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f4f4}.pass{color:#1a7f37;font-weight:600}.fail{color:#c62828;font-weight:600}
pre{background:#f7f7f7;border:1px solid #ddd;padding:.6em;white-space:pre-wrap;word-break:break-all}
pre{font-size:12px}.ok{background:#eaf6ec}.bad{background:#fdecea}
"""


def _verdict(ok: bool) -> str:
    return '<span class="pass">pass</span>' if ok else '<span class="fail">FAIL</span>'


def _row(cells: Iterable[str], css: str = "", head: bool = False) -> str:
    tag = "th" if head else "td"
    attr = f' class="{css}"' if css else ""
    return f"<tr{attr}>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"


def _timeline(rep: ScenarioReport) -> str:
    rows = [_row(("time (UTC)", "event", "extension", "call", "deliveries"), head=True)]
    for ev in sorted(rep.events, key=lambda e: (e.event_time, e.id)):
        answers = []
        ok = True
        for d in ev.deliveries:
            last = d.attempts[-1] if d.attempts else None
            code = last.status_code if last else None
            ok &= code is not None and 200 <= code < 300
            outcome = code if code is not None else d.error or d.state
            answers.append(f"{d.method} {html.escape(d.url)} → {outcome}")
        cells = (
            iso(ev.event_time),
            html.escape(ev.event_type),
            html.escape(ev.extension_name or str(ev.extension_id)),
            html.escape(ev.call_id[:12]),
            "<br>".join(answers) or "(no subscriber)",
        )
        rows.append(_row(cells, "ok" if ok else "bad"))
    return "<table>" + "".join(rows) + "</table>"


def _ladder(rep: ScenarioReport, call_id: str) -> str:
    """A call's ladder: a column per extension it touched, a row per event in time order, each
    event in its extension's column with what its subscribers answered."""
    events = sorted((e for e in rep.events if e.call_id == call_id), key=lambda e: (e.event_time, e.id))
    if not events:
        return ""
    columns = list(dict.fromkeys(e.extension_name or str(e.extension_id) for e in events))
    t0 = events[0].event_time
    rows = [_row(("+s", *map(html.escape, columns)), head=True)]
    for ev in events:
        codes = []
        ok = True
        for d in ev.deliveries:
            code = d.attempts[-1].status_code if d.attempts else None
            ok &= code is not None and 200 <= code < 300
            codes.append(str(code) if code is not None else d.error or d.state)
        mark = f"{html.escape(ev.event_type)} ({ev.fields.get('CallFlow', '')}) → {', '.join(codes) or '-'}"
        col = columns.index(ev.extension_name or str(ev.extension_id))
        cells = ["" for _ in columns]
        cells[col] = f'<span class="{"pass" if ok else "fail"}">{mark}</span>'
        rows.append(_row((f"{(ev.event_time - t0) / 1e6:.1f}", *cells)))
    return f"<p>call {html.escape(call_id)}</p><table>{''.join(rows)}</table>"


def html_report(reports: list[ScenarioReport]) -> str:
    head = f"<meta charset='utf-8'><title>pbxdesk test</title><style>{_CSS}</style>"
    parts = [f"<!doctype html><html><head>{head}</head><body><h1>pbxdesk test</h1>"]
    for rep in reports:
        s = rep.summary
        parts.append(f"<h2>{html.escape(rep.source)} {_verdict(rep.passed)}</h2>")
        parts.append(f"<p>{s.events} events, {s.deliveries} deliveries: {s.delivered} delivered, ")
        parts.append(f"{s.failed} failed.</p><table>{_row(('check', 'result', 'detail'), head=True)}")
        for r in rep.expectations:
            detail = f"{r.checked} checked, {len(r.failures)} failed"
            name = html.escape(r.expectation.name)
            parts.append(_row((f"expect: {name}", _verdict(r.passed), detail)))
        for p in rep.probes:
            detail = f"{html.escape(p.reason)} ({len(p.exchanges)} requests)"
            parts.append(_row((f"probe: {html.escape(p.name)}", _verdict(p.passed), detail)))
        parts.append("</table>")
        for r in rep.expectations:
            if not r.passed:
                name = html.escape(r.expectation.name)
                parts.append(f"<h3>expect: {name}</h3><pre>{html.escape(expectation_detail(r))}</pre>")
                failing_calls = list(dict.fromkeys(f.event.call_id for f in r.failures if f.event.call_id))
                parts.extend(_ladder(rep, call_id) for call_id in failing_calls[:3])
        for p in rep.probes:
            title = f"probe: {html.escape(p.name)} {_verdict(p.passed)}"
            parts.append(f"<h3>{title}</h3><pre>{html.escape(probe_detail(p))}</pre>")
        parts.append(f"<h3>timeline</h3>{_timeline(rep)}")
    parts.append("</body></html>\n")
    return "".join(parts)
