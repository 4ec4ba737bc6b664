"""Timeline → right-click → "Save this call as a scenario…": the call's events as a scenario
file whose [[replay]] tables hold them verbatim (issue: `pbxdesk test` for a call that went
wrong). The file dialog opens window-modal (no nested loop) while the feed keeps running."""

from gui_helpers import until

from pbxdesk.engine.scenario import load_scenario
from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.ui.main_window import MainWindow


def test_save_a_call_as_a_scenario_from_the_context_menu(qtbot, pbx_home, run_async, free_port, tmp_path):
    profile = Profile.open(profile_path("default"))
    profile.set_setting(RECEIVER_PORT_SETTING, free_port)
    ensure_demo(profile)
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.speed_combo.setCurrentIndex(4)
    out = tmp_path / "saved-call"

    async def scenario():
        await window.start_session()
        await until(lambda: any(r.event_type == "hangup" for r in window.model.iter_rows()))
        row = next(r for r in window.model.iter_rows() if r.event_type == "hangup")
        menu = window.delivery_actions.build_menu(row)
        (save,) = [a for a in menu.actions() if a.text() == "Save this call as a scenario…"]
        assert save.isEnabled()
        save.trigger()
        exporter = window.menus.exporter
        dialog = exporter.file_dialog
        assert dialog is not None and dialog.isVisible()
        events_before = window.model.event_count
        await until(lambda: window.model.event_count > events_before)  # the feed runs on
        dialog.fileSelected.emit(str(out))  # what choosing a file and pressing Save does
        await until(lambda: exporter.task is not None and exporter.task.done())
        await window.stop_feed()
        return row.call_id, [r.event_id for r in window.model.call_rows(row.call_id)]

    call_id, event_ids = run_async(scenario())
    saved = load_scenario(out.with_suffix(".toml"))
    assert [dict(r.fields)["CallID"] for r in saved.replays] == [call_id] * len(event_ids)
    assert saved.replays[0].at == 0.0 and saved.subscriptions
    assert "Exported" in window.statusBar().currentMessage()
    profile.close()
