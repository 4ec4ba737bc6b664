"""The main window on the demo profile: the feed runs and delivery results reach the timeline."""

import asyncio

from gui_helpers import until
from PySide6.QtCore import Qt

from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.ui.main_window import MainWindow


def _demo_profile(port: int) -> Profile:
    profile = Profile.open(profile_path("default"))
    profile.set_setting(RECEIVER_PORT_SETTING, port)
    ensure_demo(profile)
    return profile


def test_feed_runs_and_rows_show_delivery_results(qtbot, pbx_home, run_async, tmp_path, free_port):
    port = free_port
    profile = _demo_profile(port)
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.show()
    assert window.timeline_stack.currentWidget() is window.empty_label
    window.speed_combo.setCurrentIndex(4)  # 10x: the demo's calls come quickly

    async def scenario():
        await window.start_session()
        assert window.session.running
        assert window.session.receiver.port == port
        model = window.model
        await until(lambda: any(r.deliveries for r in model.iter_rows()))
        await until(lambda: model.delivered >= 3)
        window.grab().save(str(tmp_path / "main_window.png"))
        await window.stop_feed()
        await window.session.close()

    run_async(scenario())
    model = window.model
    assert window.timeline_stack.currentWidget() is window.table
    assert model.rowCount() >= 3
    delivered = next(i for i, r in enumerate(model.iter_rows()) if r.deliveries and r.delivery_state == "ok")
    text = model.data(model.index(delivered, 6), Qt.ItemDataRole.DisplayRole)
    assert text.startswith("200 · ")
    assert model.data(model.index(delivered, 1)) in {"dial-in", "dial-out", "answer", "hangup"}
    # The receiver really got the requests the timeline reports.
    assert window.session.receiver.count >= model.delivered
    # Everything shown was also stored in the profile.
    profile.close()
    with Profile.open(profile_path("default")) as again:
        counts = again.counts()
    assert counts["events"] == model.event_count == model.rowCount()
    # Deliveries still retrying (the demo's flaky endpoint) stay in the outbox, so >=.
    assert counts["deliveries"] >= model.delivered + model.failed
    assert window.start_action.isEnabled() and not window.stop_action.isEnabled()


def test_detail_pane_shows_fields_and_request(qtbot, pbx_home, run_async, free_port):
    profile = _demo_profile(free_port)
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.speed_combo.setCurrentIndex(4)

    async def scenario():
        await window.start_session()
        await until(lambda: any(r.deliveries for r in window.model.iter_rows()))
        await window.session.close()

    run_async(scenario())
    window.model.drain()
    row = next(i for i, r in enumerate(window.model.iter_rows()) if r.deliveries)
    window.table.selectRow(row)
    text = window.detail.toPlainText()
    r = window.model.row_at(row)
    assert f"CallID {r.call_id}" in text
    assert "EventTime" in text and "CallStatus" in text
    first = next(iter(r.deliveries.values()))
    assert f"{first['method']} http://127.0.0.1:" in text
    profile.close()


def test_call_flow_and_stats_tabs(qtbot, pbx_home, run_async, free_port, tmp_path):
    profile = _demo_profile(free_port)
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.resize(1300, 850)
    window.show()
    window.speed_combo.setCurrentIndex(4)

    async def scenario():
        await window.start_session()
        # wait for a finished call through the IVR and the queue (its ivr hangup is there)
        await until(
            lambda: any(
                r.extension == "000*300" and r.event_type == "hangup" for r in window.model.iter_rows()
            ),
            40,
        )
        window.model.drain()
        row = next(i for i, r in enumerate(window.model.iter_rows()) if r.extension == "000*300")
        window.table.selectRow(row)
        window.bottom_tabs.setCurrentIndex(1)
        await asyncio.sleep(0.1)
        window.grab().save(str(tmp_path / "call_flow.png"))
        window.bottom_tabs.setCurrentIndex(2)
        await asyncio.sleep(0.7)
        window.grab().save(str(tmp_path / "stats.png"))
        await window.session.close()

    run_async(scenario())
    flow = window.flow
    call_id = flow.call_id
    assert call_id and all(s.fields["CallID"] == call_id for s in flow.steps)
    # the caller, then the ivr, then the queue and its agents, in order of appearance
    assert flow.lanes[1:3] == ["000*300", "000*200"]
    assert flow.lanes[0].startswith("+7")
    assert [s.time_us for s in flow.steps] == sorted(s.time_us for s in flow.steps)
    assert window.stats.events_total >= len(flow.steps)
    assert window.stats_view.table.rowCount() >= 1
    assert window.stats_view.table.item(0, 0).text() == f"127.0.0.1:{free_port}"
    profile.close()


def test_side_panel_says_which_extensions_are_blocked(qtbot, profile) -> None:
    from dataclasses import replace

    from pbxdesk.domain import ExtensionStatus

    first = profile.extensions()[0]
    profile.update_extension(replace(first, status=ExtensionStatus.BLOCKED))
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    tree = window.ext_tree
    items = {tree.topLevelItem(i).text(0): tree.topLevelItem(i) for i in range(tree.topLevelItemCount())}
    blocked = items[first.name]
    assert blocked.text(1).startswith("blocked · ") and blocked.toolTip(0).endswith("· blocked")
    others = [item for name, item in items.items() if name != first.name]
    assert others and all(i.toolTip(0).endswith("· active") and "blocked" not in i.text(1) for i in others)


def test_toolbar_icons_follow_the_theme(qtbot, profile) -> None:
    """Start/Pause/Stop are drawn in the palette's button text colour: light on the dark
    theme (the style's own were black on dark grey), and repainted when the palette changes."""
    from PySide6.QtGui import QPalette

    from pbxdesk.ui.theme import _dark_palette

    window = MainWindow(profile, "default")
    qtbot.addWidget(window)

    def centre_lightness() -> int:
        image = window.stop_action.icon().pixmap(32, 32).toImage()
        return image.pixelColor(image.width() // 2, image.height() // 2).lightness()

    light = window.palette().color(QPalette.ColorRole.ButtonText).lightness()
    assert abs(centre_lightness() - light) < 40
    window.setPalette(_dark_palette())
    assert centre_lightness() > 180  # light grey on the dark theme
