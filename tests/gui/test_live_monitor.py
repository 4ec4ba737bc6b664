"""Live mode in the app: monitor an extension of an (emulated) PBX and relay its events."""

import socket

from gui_helpers import until

from pbxdesk.domain import EventType, Extension, ExtensionType
from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
from pbxdesk.pbx.client import PbxClient
from pbxdesk.pbx.emulator import PbxEmulator
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.ui.live_monitor import LIVE_SETTING, MonitorDialog, MonitorRequest
from pbxdesk.ui.main_window import MainWindow

CID, SECRET = "gui-app", "gui-secret-value"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_monitor_relays_the_pbx_events_and_cleans_up(qtbot, pbx_home, run_async, free_port):
    live_port = _port()
    profile = Profile.open(profile_path("default"))
    profile.set_setting(RECEIVER_PORT_SETTING, free_port)
    profile.set_setting(LIVE_SETTING, {"host": "127.0.0.1", "port": live_port})
    ensure_demo(profile)  # extension 101 subscribes dial-out/answer/hangup to the test receiver
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    emulator = PbxEmulator(
        CID,
        SECRET,
        extensions=[Extension(101, "000*101", ExtensionType.PHONE, label="Anna")],
        callback_src_answer_after=0.1,
        callback_answer_after=0.1,
        callback_talk=0.2,
    )

    async def scenario():
        await emulator.start("127.0.0.1", 0)
        await window.start_session(autostart=False)  # no simulated feed: only live events
        request = MonitorRequest(
            emulator.base_url, CID, SECRET, "101", f"http://127.0.0.1:{live_port}",
            (EventType.DIAL_OUT, EventType.ANSWER, EventType.HANGUP), remember_secret=False,
        )  # fmt: skip
        await window.live.start(request)
        subscribed = list(emulator.subscriptions.values())
        assert sorted(s.event_type.value for s in subscribed) == ["answer", "dial-out", "hangup"]
        assert all(
            s.url.startswith(f"http://127.0.0.1:{live_port}/") and s.url.endswith("/101") for s in subscribed
        )
        assert window.live.status.startswith("Live: 000*101")
        assert window.live.receiver.token not in window.live.status  # the token is not shown
        async with PbxClient(CID, SECRET, base_url=emulator.base_url) as client:
            await client.callback(101, "+79817654321", ["101"])  # the owner calls out: rule 5
        received = window.session.receiver
        await until(lambda: received.count >= 3)
        await window.live.stop()
        assert emulator.subscriptions == {}  # exactly what the monitor made is gone
        await window.session.close()
        await emulator.stop()
        return [r.query for r in received.requests]

    queries = run_async(scenario())
    assert [q["EventType"] for q in queries] == ["dial-out", "answer", "hangup"]
    assert all(q["myid"] == "101" and q["CallFlow"] == "out" for q in queries)
    assert len({q["CallID"] for q in queries}) == 1
    assert not window.live.active and window.live.start_action.isEnabled()
    with Profile.open(profile_path("default")) as again:
        sources = {r[0] for r in again.conn.execute("SELECT source FROM events")}
        raw = again.conn.execute("SELECT COUNT(*) FROM raw_requests").fetchone()[0]
    assert sources == {"live"} and raw == 3
    assert SECRET.encode() not in (pbx_home / "profiles" / "default.sqlite").read_bytes()
    profile.close()


def test_monitor_dialog_validates_inline(qtbot, pbx_home, free_port):
    profile = Profile.open(profile_path("default"))
    profile.set_setting(RECEIVER_PORT_SETTING, free_port)
    ensure_demo(profile)
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    dialog = MonitorDialog(window.profile, window.account, window)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.client_id.setText("app")
    dialog.secret.setText("s3cret")
    dialog.extension.setText("abc")
    assert "Extension" in dialog.problem.text() and not ok.isEnabled()
    dialog.extension.setText("@200")
    dialog.public_url.setText("ftp://tunnel")
    assert "Public URL" in dialog.problem.text() and not ok.isEnabled()
    dialog.public_url.setText("https://tunnel.example")
    assert ok.isEnabled() and dialog.problem.text() == ""
    req = dialog.request()
    assert (req.extension, req.public_url, len(req.events)) == ("@200", "https://tunnel.example", 4)
    profile.close()
