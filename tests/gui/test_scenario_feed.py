"""The feed selector plays a scenario file on its own PBX and subscriptions."""

from gui_helpers import until

from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.ui.main_window import MainWindow

SCENARIO = """\
[pbx]
seed = 3

[[extensions]]
id = 175
name = "099"
type = "phone"
record = true

[[subscriptions]]
extension = 175
event_type = "hangup"
method = "POST"
url = "{base}/crm/scenario"

[[calls]]
at = 0.0
from = "000*099"
to = "00010005"
answer_after = 0.5
talk = 0.5
"""




def _window(free_port):
    profile = Profile.open(profile_path("default"))
    profile.set_setting(RECEIVER_PORT_SETTING, free_port)
    ensure_demo(profile)
    return profile, MainWindow(profile, "default")


def test_shipped_scenarios_are_offered(qtbot, pbx_home, free_port):
    profile, window = _window(free_port)
    qtbot.addWidget(window)
    items = [window.feed_combo.itemText(i) for i in range(window.feed_combo.count())]
    assert items[0].startswith("Simulated PBX")
    assert "Scenario: call-centre" in items and "Scenario: seed-example" in items
    assert items[-1] == "Open scenario file…"
    profile.close()


def test_a_scenario_file_plays_on_its_own_subscriptions(qtbot, pbx_home, run_async, free_port, tmp_path):
    profile, window = _window(free_port)
    qtbot.addWidget(window)
    path = tmp_path / "mine.toml"
    path.write_text(SCENARIO.format(base=f"http://127.0.0.1:{free_port}"))
    window.feed_combo.insertItem(1, "Scenario: mine", str(path))
    window.feed_combo.setCurrentIndex(1)
    window.speed_combo.setCurrentIndex(4)

    async def scenario():
        await window.start_session()  # autostart plays the chosen feed
        receiver = window.session.receiver
        await until(lambda: any(r.path_qs.startswith("/crm/scenario") for r in receiver.requests))
        await until(lambda: not window.session.running)  # the scenario ends by itself
        await window.session.close()
        # The timeline takes in new rows on its own timer (at most DRAIN_MS later).
        await until(lambda: window.model.rowCount() >= 3)
        return [r for r in receiver.requests]

    requests = run_async(scenario())
    assert [r.path_qs for r in requests] == ["/crm/scenario"]  # only the scenario's subscription
    rows = list(window.model.iter_rows())
    assert [r.event_type for r in rows] == ["dial-out", "answer", "hangup"]
    assert {r.extension for r in rows} == {"000*099"}
    window._refresh_status()
    assert window.start_action.isEnabled() and not window.stop_action.isEnabled()
    profile.close()


def test_a_bad_scenario_file_is_reported_inline_until_fixed_or_removed(
    qtbot, pbx_home, run_async, free_port, tmp_path
):
    """Checked when chosen; the error (file, entry, key) stays in the strip above the timeline,
    through Start and beyond a status bar message's time, until the file is fixed or removed."""
    profile, window = _window(free_port)
    qtbot.addWidget(window)
    path = tmp_path / "broken.toml"
    path.write_text('[[calls]]\nfrom = "000*999"\nto = "1"\n')
    window.feed_combo.insertItem(1, "Scenario: broken", str(path))
    window.feed_combo.setCurrentIndex(1)
    bar = window.scenario_bar
    assert not bar.isHidden() and "broken.toml: calls[0].from" in bar.label.text()
    assert "000*999" in bar.label.text() and bar.check_button.isVisibleTo(window)

    async def scenario():
        await window.start_session()  # autostart: refused, the error still shown
        assert not window.session.running and window.start_action.isEnabled()
        window.start_feed()
        assert "broken.toml: calls[0].from" in bar.label.text()
        path.write_text(SCENARIO.format(base="http://127.0.0.1:1"))
        assert bar.check()  # "Check again" (a watched file is checked again by itself too)
        assert "⚠" not in bar.label.text() and "1 extension" in bar.label.text()
        path.write_text("not toml [")
        assert not bar.check() and "malformed TOML" in bar.label.text()
        await window.session.close()

    run_async(scenario())
    bar.remove_button.click()
    assert window.feed_combo.findData(str(path)) < 0 and window.feed_combo.currentIndex() == 0
    assert bar.isHidden()
    profile.close()


def test_a_shipped_scenario_goes_to_the_test_receiver_and_shows_its_config(
    qtbot, pbx_home, run_async, free_port
):
    """A shipped scenario's subscriptions name a CRM on this machine: by default they go to
    the app's test receiver (paths kept), and the side panel shows the scenario's extensions
    and subscriptions, read-only, while it is the feed."""
    from pbxdesk.resources_dir import resource

    profile, window = _window(free_port)
    qtbot.addWidget(window)
    path = str(resource("scenarios", "messages.toml"))
    window.feed_combo.setCurrentIndex(window.feed_combo.findData(path))
    window.speed_combo.setCurrentIndex(4)
    tree = window.ext_tree
    names = {tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())}
    scenario = window.scenario_bar.scenario
    assert scenario is not None and names == {e.name for e in scenario.extensions}
    urls = [tree.topLevelItem(i).child(j).text(1) for i in range(tree.topLevelItemCount())
            for j in range(tree.topLevelItem(i).childCount())]  # fmt: skip
    assert urls and all(f"127.0.0.1:{free_port}/" in u for u in urls)
    assert tree.topLevelItem(0).data(0, 256) is None  # not editable through the profile's menus

    async def play():
        await window.start_session()
        receiver = window.session.receiver
        await until(lambda: receiver.count >= 1)
        await window.stop_feed()
        await window.session.close()
        return receiver.requests

    requests = run_async(play())
    own = {s.url.split("/", 3)[3] for s in scenario.subscriptions}
    assert {r.path_qs.lstrip("/") for r in requests} <= own
    window.feed_combo.setCurrentIndex(0)
    assert window.scenario_bar.isHidden()
    names = {tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())}
    assert names == {e.name for e in profile.extensions()}
    profile.close()


def test_file_open_scenario_file_asks_for_a_file_and_makes_it_the_feed(qtbot, pbx_home, free_port, tmp_path):
    """File → Open scenario file… (Ctrl+O) opens the same window-modal file dialog as the feed
    selector's last entry; the file chosen becomes the feed; cancelled, the feed is as before.
    Disabled while a feed runs, as the feed selector is."""
    profile, window = _window(free_port)
    qtbot.addWidget(window)
    action = window.open_scenario_action
    assert action in window.menus.file_menu.actions() and action.shortcut().toString() == "Ctrl+O"
    path = tmp_path / "mine.toml"
    path.write_text(SCENARIO.format(base="http://127.0.0.1:1"))
    action.trigger()
    dialog = window.open_dialog
    assert dialog is not None and dialog.isVisible() and not window.scenario_bar.isVisibleTo(window)
    dialog.reject()
    assert window.feed_combo.currentIndex() == 0  # cancelled: the demo feed still
    action.trigger()
    window.open_dialog.fileSelected.emit(str(path))
    assert window.feed_combo.currentData() == str(path)
    assert "1 extension" in window.scenario_bar.label.text()
    window._set_running(True)
    assert not action.isEnabled()
    window._set_running(False)
    profile.close()
