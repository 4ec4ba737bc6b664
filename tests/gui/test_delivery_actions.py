"""The timeline's context menu drives the engine's manual controls for real."""

import sqlite3

from fixtures.waiting import marker_passes
from gui_helpers import until

from pbxdesk.engine.demo_receiver import DemoReceiver
from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.ui.main_window import MainWindow


def test_redeliver_replay_send_pause_from_the_menu(qtbot, pbx_home, run_async, free_port):
    profile = Profile.open(profile_path("default"))
    profile.set_setting(RECEIVER_PORT_SETTING, free_port)
    ensure_demo(profile)
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.speed_combo.setCurrentIndex(4)
    actions = window.delivery_actions
    receiver = window.session.receiver

    def delivered_rows():
        # Not the demo's /flaky endpoint: it fails every fifth request, so a redelivery may retry.
        return [
            r
            for r in window.model.iter_rows()
            if r.deliveries
            and all(d["state"] == "delivered" and "/flaky" not in d["url"] for d in r.deliveries.values())
        ]

    async def scenario():
        await window.start_session()
        await until(lambda: len(delivered_rows()) >= 2)
        await window.stop_feed()
        engine = window.session.engine
        await engine.wait_idle(10, until_due_within=1)
        row = delivered_rows()[0]
        delivery_id = min(i for i, d in row.deliveries.items() if d["state"] == "delivered")
        menu = actions.build_menu(row)
        texts = [a.text() for a in menu.actions()]
        assert any(t.startswith(f"Redeliver #{delivery_id} to http://127.0.0.1:{free_port}/") for t in texts)
        assert any(t.startswith("Pause endpoint 127.0.0.1:") for t in texts)

        before = receiver.count
        message = await actions.run(actions.redeliver(delivery_id))
        assert message.startswith(f"Delivery #{delivery_id} queued again as #")
        await until(lambda: receiver.count >= before + 1)

        calls = len(window.model.call_rows(row.call_id))
        message = await actions.run(actions.send_call(row, f"{receiver.base_url}/elsewhere"))
        noun = "event" if calls == 1 else "events"  # the call may have only its first event yet
        assert message.startswith(f"{calls} {noun} of the call sent to")
        await until(lambda: sum(r.path_qs.startswith("/elsewhere") for r in receiver.requests) == calls)

        endpoint = f"127.0.0.1:{free_port}"
        actions.pause(endpoint)
        assert endpoint in engine.paused_endpoints
        assert any(a.text() == f"Resume endpoint {endpoint}" for a in actions.build_menu(row).actions())
        paused_count = receiver.count
        message = await actions.run(actions.replay(row.call_id))
        assert message.startswith("Call replayed: ")
        marker_server = DemoReceiver()  # another server, not paused: the engine goes past
        await marker_server.start()
        try:
            await marker_passes(engine, marker_server, event_id=row.event_id)
        finally:
            await marker_server.stop()
        assert receiver.count == paused_count  # held while the endpoint is paused
        actions.resume(endpoint)
        await until(lambda: receiver.count > paused_count)
        await engine.wait_idle(10, until_due_within=1)
        await window.session.close()
        return delivery_id

    delivery_id = run_async(scenario())
    conn = sqlite3.connect(profile_path("default"))
    try:
        redelivered = conn.execute(
            "SELECT state FROM deliveries WHERE redelivery_of = ?", (delivery_id,)
        ).fetchall()
        sent_elsewhere = conn.execute(
            "SELECT COUNT(*) FROM deliveries WHERE url LIKE ? AND subscription_id IS NULL", ("%/elsewhere",)
        ).fetchone()[0]
    finally:
        conn.close()
    assert redelivered == [("delivered",)]
    assert sent_elsewhere >= 1
    profile.close()
