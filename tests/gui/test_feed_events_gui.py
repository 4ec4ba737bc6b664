"""Feed events (a phone's call status, a queue agent logging out) in the app's timeline.

A scenario with a global status subscription plays in the app: the status changes arrive in
the timeline next to the call events, with their snake_case fields and delivery result, and
the event-type filter finds them in the profile (they belong to no call).
"""

from gui_helpers import until

from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.store.queries import DisplayFilter
from pbxdesk.ui.main_window import MainWindow

SCENARIO = """\
[pbx]
client_id = 4711

[[extensions]]
id = 175
name = "099"
type = "phone"

[[call_statuses]]
id = 7
name = "Lunch"

[[phone_events]]
event_type = "extension-call-status"
method = "POST"
url = "{base}/crm/status"

[[agent_events]]
agent = 175
event_type = "agent-logout"
method = "GET"
url = "{base}/crm/agents"

[[status_changes]]
at = 0.1
extension = "099"
status = "Lunch"

[[agent_changes]]
at = 0.2
agent = "099"
status = "logged_out"
"""


def test_status_and_agent_events_show_in_the_timeline(qtbot, pbx_home, run_async, free_port, tmp_path):
    profile = Profile.open(profile_path("default"))
    profile.set_setting(RECEIVER_PORT_SETTING, free_port)
    ensure_demo(profile)
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    path = tmp_path / "feeds.toml"
    path.write_text(SCENARIO.format(base=f"http://127.0.0.1:{free_port}"))
    window.feed_combo.insertItem(1, "Scenario: feeds", str(path))
    window.feed_combo.setCurrentIndex(1)

    async def play():
        await window.start_session()
        receiver = window.session.receiver
        await until(lambda: len(receiver.requests) >= 2)
        await until(lambda: not window.session.running)
        await window.session.close()
        await until(lambda: window.model.rowCount() >= 2)
        await until(lambda: all(r.delivery_state == "ok" for r in window.model.iter_rows()))
        return sorted(r.path_qs.split("?")[0] for r in receiver.requests)

    assert run_async(play()) == ["/crm/agents", "/crm/status"]
    rows = list(window.model.iter_rows())
    assert [r.event_type for r in rows] == ["extension-call-status", "agent-logout"]
    status = rows[0]
    assert status.call_id == "" and status.extension == "000*099"
    assert status.fields["event_type"] == "call-status-change"
    assert (status.fields["new_status_id"], status.fields["client_id"]) == ("7", "4711")
    # Filtering by type reads them back from the profile (no call: no CallID to join on).
    window.model.set_filter(DisplayFilter(event_types=("agent-logout",)), sync=True)
    (only,) = list(window.model.iter_rows())
    assert only.event_type == "agent-logout" and only.fields["agent_status"] == "logged_out"
    profile.close()
