"""The detail pane: the event's fields, each request as the subscriber got it, every attempt from
the attempts table, and Copy as curl (run for real against the receiver that got the original)."""

from __future__ import annotations

import asyncio
import shlex
import shutil
import subprocess
from urllib.parse import parse_qsl, urlsplit

import pytest
from gui_helpers import until
from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtGui import QGuiApplication
from test_timeline_model import make_history

from pbxdesk.domain import HttpMethod
from pbxdesk.domain.wire import build_request
from pbxdesk.engine.demo import demo_subscriptions
from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.ui.main_window import MainWindow


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    return make_history(tmp_path_factory.mktemp("detail") / "history.sqlite", 3000)


@pytest.fixture
def settings_dir(qapp, tmp_path):
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield
    default = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, default)


@pytest.fixture
def window(settings_dir, qtbot, history):
    profile = Profile.open(history["path"], create=False)
    w = MainWindow(profile, "history")
    qtbot.addWidget(w)
    w.resize(1300, 850)
    w.show()
    yield w
    w.close()
    profile.close()


def _select(window, event_id: int) -> None:
    row = window.model.row_of_event(event_id)
    window.table.setCurrentIndex(window.model.index(row, 0))
    assert window.detail.row is not None and window.detail.row.event_id == event_id


def _tree_items(pane) -> list[tuple[str, str, list[tuple[str, str]]]]:
    out = []
    for i in range(pane.tree.topLevelItemCount()):
        top = pane.tree.topLevelItem(i)
        kids = [(top.child(k).text(0), top.child(k).text(1)) for k in range(top.childCount())]
        out.append((top.text(0), top.text(1), kids))
    return out


def _first(history, outcome: int, method: str | None = None) -> int:
    """The first event whose delivery went as OUTCOMES[outcome] says (by a ``method`` subscription)."""
    subs = {(s.extension_id, s.event_type): s for s in demo_subscriptions("http://127.0.0.1:9")}
    for i, ev in enumerate(history["events"], 1):
        sub = subs.get((ev.extension_id, ev.event_type))
        if (
            i in history["deliveries"]
            and i % 10 == outcome
            and (method is None or sub.method.value == method)
        ):
            return i
    raise AssertionError("no such event in the history")


def test_a_delivered_get_event(window, history) -> None:
    event_id = _first(history, 0, "GET")
    _select(window, event_id)
    pane = window.detail
    ev = history["events"][event_id - 1]
    fields = {pane.fields.topLevelItem(i).text(0): pane.fields.topLevelItem(i).text(1)
              for i in range(pane.fields.topLevelItemCount())}  # fmt: skip
    assert fields == ev.to_fields()
    [(top, result, attempts)] = _tree_items(pane)
    assert top.startswith(f"#{event_id} GET http://127.0.0.1:9/crm/")
    assert result == "delivered · 200"
    assert len(attempts) == 1 and attempts[0][1] == "HTTP 200"
    # The exchange: the URL as the subscriber got it (the fields joined to the URL's own query).
    text = pane.exchange.toPlainText()
    sent = build_request(HttpMethod.GET, pane.deliveries[0].url, ev.to_fields())
    assert f"GET {sent.url}" in text
    query = dict(parse_qsl(urlsplit(sent.url).query))
    assert query["CallID"] == ev.call_id and query["myid"] in ("101", "300")
    assert "Response: HTTP 200" in text and "content-type: text/plain" in text and "ok" in text
    assert pane.copy_curl_button.isEnabled()


def test_a_failed_post_event_shows_every_attempt(window, history, qtbot) -> None:
    event_id = _first(history, 8, "POST")
    _select(window, event_id)
    pane = window.detail
    [(top, result, attempts)] = _tree_items(pane)
    assert top.startswith(f"#{event_id} POST http://127.0.0.1:9/")
    assert result == "failed · connection refused"
    assert [a[1] for a in attempts] == [
        "HTTP 500",
        "HTTP 500",
        "connection refused",
    ]
    # The last attempt is selected: what the user came to see.
    text = pane.exchange.toPlainText()
    assert text.startswith("Attempt 3")
    assert "Response: none — connection refused" in text and "[Errno 111] Connection refused" in text
    ev = history["events"][event_id - 1]
    body = build_request(HttpMethod.POST, "http://x/", ev.to_fields()).body.decode()
    assert "Content-Type: application/x-www-form-urlencoded" in text and body in text
    # Another attempt: its own status, headers, body.
    pane.tree.setCurrentItem(pane.tree.topLevelItem(0).child(0))
    text = pane.exchange.toPlainText()
    assert "Response: HTTP 500" in text and "x-try: 1" in text and "try later" in text
    # Copy as curl: a command sending the same request.
    pane.copy_curl_button.click()
    assert pane.copy_curl_button.text() == "Copied ✓"  # a sign that it happened, for a moment
    qtbot.waitUntil(lambda: pane.copy_curl_button.text() == "Copy as curl", timeout=3000)
    args = shlex.split(QGuiApplication.clipboard().text())
    assert args[:3] == ["curl", "-X", "POST"]
    assert args[3] == pane.deliveries[0].url
    assert args[args.index("--data-raw") + 1] == body
    headers = [args[i + 1] for i, a in enumerate(args) if a == "-H"]
    assert "Content-Type: application/x-www-form-urlencoded" in headers and "User-Agent: pbxdesk" in headers
    # Everything as text too (for a bug report).
    dump = pane.toPlainText()
    assert f"CallID {ev.call_id}" in dump and dump.count("Attempt ") == 3


def test_a_retried_delivery_and_an_event_without_subscriber(window, history) -> None:
    event_id = _first(history, 7)
    _select(window, event_id)
    [(_, result, attempts)] = _tree_items(window.detail)
    assert result == "delivered · 200" and [a[1] for a in attempts] == [
        "HTTP 503",
        "HTTP 200",
    ]
    lonely = next(i for i in range(1, len(history["events"]) + 1) if i not in history["deliveries"])
    _select(window, lonely)
    assert "No subscription" in _tree_items(window.detail)[0][0]
    assert not window.detail.copy_curl_button.isEnabled()


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl command")
def test_live_failed_attempt_and_curl_reproduces_the_request(
    settings_dir, qtbot, pbx_home, run_async, free_port
) -> None:
    profile = Profile.open(profile_path("default"))
    profile.set_setting(RECEIVER_PORT_SETTING, free_port)
    ensure_demo(profile)
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.speed_combo.setCurrentIndex(4)
    reader = Profile.open(profile_path("default"))

    def flaky_attempt():
        return reader.conn.execute(
            "SELECT d.event_id FROM attempts a JOIN deliveries d ON d.id = a.delivery_id "
            "WHERE a.status_code = 500 ORDER BY a.id LIMIT 1"
        ).fetchone()

    async def scenario():
        await window.start_session()
        await until(lambda: flaky_attempt() is not None, 40)
        await window.stop_feed()
        window.model.drain()
        event_id = flaky_attempt()[0]
        _select(window, event_id)
        pane = window.detail
        d = pane.deliveries[0]
        assert d.url.endswith("/helpdesk/flaky") and d.method == "POST"
        codes = [a["status_code"] for a in d.attempts]
        assert 500 in codes
        failed = next(a for a in d.attempts if a["status_code"] == 500)
        assert failed["response_body"].startswith(b"flaky endpoint failed")
        assert failed["request_headers"] == {"Content-Type": "application/x-www-form-urlencoded"}
        # The request the receiver got for this delivery, then curl's.
        original = next(r for r in window.session.receiver.requests if r.body == d.request.body)
        pane.copy_curl_button.click()
        command = QGuiApplication.clipboard().text()
        before = window.session.receiver.count
        proc = await asyncio.create_subprocess_exec(
            *shlex.split(command), "-s", "-o", "/dev/null", stdout=subprocess.DEVNULL
        )
        assert await proc.wait() == 0
        await until(lambda: window.session.receiver.count == before + 1, 10)
        again = window.session.receiver.requests[-1]
        assert (again.method, again.path_qs, again.body) == (original.method, original.path_qs, original.body)
        await window.session.close()

    run_async(scenario())
    reader.close()
    window.close()
    profile.close()
