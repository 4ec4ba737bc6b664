"""Thousands of random requests at the live receiver (hypothesis), over real HTTP.

Whatever arrives, the receiver never crashes, and every request is either stored (200, one
raw row, which became an event or carries a flag saying why not) or refused with a reason
(403 / 405 / 413 and a text). Well-formed events among them are always relayed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_from_bytes, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbxdesk.domain import EventType
from pbxdesk.engine.live_receiver import LiveSession
from pbxdesk.store.profile import Profile

TOKEN = "fuzz-token-0123456789abcdef"
SENT: list[int] = []  # requests per example, for the count check after the storm
MAX_BODY = 4096


class ThreadedLive:
    """A LiveSession in its own thread and loop, so a sync hypothesis test can drive it."""

    def __init__(self, path: Path) -> None:
        self.profile = Profile.open(path)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.session = LiveSession(self.profile, port=0, token=TOKEN)

    def _call(self, coro):  # noqa: ANN001, ANN202
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=20)

    def start(self) -> None:
        self.thread.start()
        self.rx = self._call(self.session.open())
        self.rx.max_body = MAX_BODY  # a small limit, so random bodies cross it

    def stop(self) -> None:
        self._call(self.session.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
        self.profile.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory):
    t = ThreadedLive(tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite")
    t.start()
    yield t
    t.stop()


@dataclass
class Sent:
    valid_event: bool
    status: int
    text: str
    method: str


text = st.text(max_size=30)
wire_names = st.sampled_from(
    [
        "EventType",
        "CallID",
        "SubCallID",
        "CallerIDNum",
        "CallerIDName",
        "CalledExtensionID",
        "CallStatus",
        "CallFlow",
        "EventTime",
        "Duration",
        "Transfered",
        "X-Unknown",
        "",
    ]
)
field_values = st.one_of(
    text,
    st.sampled_from([e.value for e in EventType] + ["ANSWER", "in", "out", "0", "007", "9" * 30, "-5"]),
    st.integers(min_value=0, max_value=10**20).map(str),
)
valid_fields = st.fixed_dictionaries(
    {
        "EventType": st.sampled_from([e.value for e in EventType]),
        "CallID": text.filter(bool),
        "EventTime": st.integers(min_value=0, max_value=10**17).map(str),
    },
    optional={"CallerIDName": text, "CallStatus": field_values, "Duration": field_values, "Zzz": text},
)
random_fields = st.dictionaries(st.one_of(wire_names, text), field_values, max_size=8)
raw_bytes = st.binary(max_size=MAX_BODY * 2)


@st.composite
def requests(draw):  # noqa: ANN001, ANN201
    method = draw(st.sampled_from(["GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]))
    path_kind = draw(st.sampled_from(["ok", "ok", "ok", "noext", "badext", "wrong", "prefix", "none"]))
    ext = draw(st.sampled_from(["175", "0", "12345678901234567890", "abc", "%FF", ""]))
    path = {
        "ok": f"/{TOKEN}/175",
        "noext": f"/{TOKEN}",
        "badext": f"/{TOKEN}/{ext}",
        "wrong": f"/{TOKEN[:-1]}x/175",
        "prefix": f"/tunnel/{TOKEN}/{quote(ext) or '1'}",
        "none": "/" + quote(draw(text)),
    }[path_kind]
    kind = draw(st.sampled_from(["valid", "random", "bytes", "empty"]))
    valid = kind == "valid" and path_kind == "ok" and method in ("GET", "POST")
    if kind == "valid":
        fields_ = draw(valid_fields)
        payload = urlencode(fields_).encode()
    elif kind == "random":
        payload = urlencode(draw(random_fields)).encode()
    elif kind == "bytes":
        payload = draw(raw_bytes)
        valid = False
    else:
        payload = b""
    in_query = method == "GET" or draw(st.booleans())
    if in_query and method != "POST":
        query, body = (payload.decode() if kind != "bytes" else quote_from_bytes(payload[:1500])), b""
    else:
        query, body = "", payload
    ctype = draw(
        st.sampled_from(["application/x-www-form-urlencoded", "text/plain", "application/json", None])
    )
    return method, path + ("?" + query if query else ""), body, ctype, valid


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(batch=st.lists(requests(), min_size=20, max_size=60))
def test_random_requests_are_stored_or_refused_never_a_crash(live: ThreadedLive, batch: list) -> None:
    rx = live.rx
    before = _count(live)
    sent: list[Sent] = []
    with httpx.Client(base_url=rx.base_url, timeout=10) as http:
        for method, url, body, ctype, valid in batch:
            headers = {"Content-Type": ctype} if ctype else {}
            resp = http.request(method, url, content=body, headers=headers)
            sent.append(Sent(valid, resp.status_code, resp.text, method))
    for s in sent:
        assert s.status in (200, 403, 405, 413), (s.status, s.text)
        if s.status != 200:
            assert s.text.strip(), "a refusal says why"
    SENT.append(len(sent))
    stored = [s for s in sent if s.status == 200]
    live.session.writer.flush()
    rows = _rows(live, before)
    assert len(rows) == len(stored)  # every 200 is exactly one raw row
    for s, (event_id, flag) in zip(stored, rows, strict=True):
        assert event_id is not None or flag, "a stored request became an event or says why not"
        if s.valid_event:
            assert event_id is not None, (flag, s)
        if event_id is None:
            assert s.text.startswith("stored, not relayed:")
    assert live.session.writer.error is None


def test_after_the_storm_the_receiver_still_works(live: ThreadedLive) -> None:
    with httpx.Client(base_url=live.rx.base_url) as http:
        resp = http.get(f"/{TOKEN}/175", params={"EventType": "hangup", "CallID": "c", "EventTime": "1"})
    assert resp.status_code == 200 and resp.text == "ok\n"
    live.session.writer.flush()
    conn = sqlite3.connect(live.profile.path)
    try:
        total, flagged, events = conn.execute(
            "SELECT COUNT(*), COUNT(flag), COUNT(event_id) FROM raw_requests"
        ).fetchone()
    finally:
        conn.close()
    assert total >= 1 and events >= 1
    assert live.rx.stats["stored"] == total
    if SENT:  # the storm ran in this session (not when this test is selected alone)
        assert sum(SENT) >= 1000
        refused = sum(n for k, n in live.rx.stats.items() if k.startswith("refused"))
        assert total + refused == sum(SENT) + 1  # every request stored or refused


def _count(live: ThreadedLive) -> int:
    live.session.writer.flush()
    conn = sqlite3.connect(live.profile.path)
    try:
        return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM raw_requests").fetchone()[0])
    finally:
        conn.close()


def _rows(live: ThreadedLive, after_id: int) -> list[tuple]:
    conn = sqlite3.connect(live.profile.path)
    try:
        return conn.execute(
            "SELECT event_id, flag FROM raw_requests WHERE id > ? ORDER BY id", (after_id,)
        ).fetchall()
    finally:
        conn.close()
