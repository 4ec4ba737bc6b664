"""Extension and subscription dialogs: inline validation from the PBX model's rules, saving to
the profile, "Send test event" against a real loopback server, and the main window's wiring."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qsl

from aiohttp import web
from gui_helpers import until
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMenu, QMessageBox

from pbxdesk.domain import EventData, EventType, ExtensionType, HttpMethod, Subscription
from pbxdesk.engine.policy import POLICY_SETTING, DeliveryPolicy
from pbxdesk.ui.dialogs import ExtensionDialog, PreferencesDialog, SubscriptionDialog
from pbxdesk.ui.main_window import MainWindow


def shown_error(dialog, key: str) -> str:
    """The red line under a field, as the user sees it ('' when hidden)."""
    label = dialog.error_labels[key]
    return "" if label.isHidden() else label.text()


class Server:
    """A real aiohttp server on 127.0.0.1 that records requests and answers as told."""

    def __init__(self, status: int = 200, delay: float = 0.0) -> None:
        self.status, self.delay = status, delay
        self.requests: list[tuple[str, str, list[tuple[str, str]], bytes, dict[str, str]]] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(
            (request.method, request.path, list(request.query.items()), body, dict(request.headers))
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(status=self.status, text="handled\n")

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


# -- extensions -------------------------------------------------------------------------------------
def test_new_extension_valid_is_saved(qtbot, profile):
    d = ExtensionDialog(profile)
    qtbot.addWidget(d)
    d.show()
    assert d.id_edit.text() == "301"  # a free id is offered
    assert not d.ok_button.isEnabled() and shown_error(d, "name") == "A name is required, e.g. 000*105"
    d.name_edit.setText("105")  # the short number: the client prefix is added
    d.label_edit.setText("Dmitry")
    d.did_edit.setText("78123332399")
    assert d.errors == {} and d.ok_button.isEnabled()
    assert all(shown_error(d, k) == "" for k in d.error_labels)
    qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
    assert d.result() == d.DialogCode.Accepted
    saved = profile.extension(301)
    assert saved is not None and saved.name == "000*105" and saved.label == "Dmitry"
    assert saved.type is ExtensionType.PHONE and saved.did == "78123332399"


def test_extension_resource_fields_are_edited_and_the_pbxs_kept(qtbot, profile):
    from dataclasses import replace

    made = replace(
        profile.extension(101), create_date="2024-03-16 10:02:44", client_id=4711, domain="sip.pbx"
    )
    profile.update_extension(made)
    d = ExtensionDialog(profile, profile.extension(101))
    qtbot.addWidget(d)
    d.show()
    assert d.created_edit.text() == "2024-03-16 10:02:44" and d.created_edit.isReadOnly()
    assert d.account_edit.text() == "4711 · sip.pbx"
    d.caller_id_edit.setText("Anna P. (sales)")
    d.group_edit.setText("x")
    assert shown_error(d, "extension_group_id") == "A group id is a positive whole number"
    d.group_edit.setText("12")
    d.extra_edit.setText("{not json")
    assert shown_error(d, "extra_params").startswith("Extra parameters are JSON text")
    assert not d.ok_button.isEnabled()
    d.extra_edit.setText('{"crm_user": 5}')
    assert d.errors == {} and d.ok_button.isEnabled()
    qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
    saved = profile.extension(101)
    assert (saved.caller_id_name, saved.extension_group_id, saved.extra_params) == (
        "Anna P. (sales)",
        12,
        '{"crm_user": 5}',
    )
    assert (saved.create_date, saved.client_id, saved.domain) == ("2024-03-16 10:02:44", 4711, "sip.pbx")
    new = ExtensionDialog(profile)  # a new one: nothing the PBX sets is shown
    qtbot.addWidget(new)
    new.show()
    assert not new.created_edit.isVisible() and not new.account_edit.isVisible()


def test_extension_name_and_id_rules(qtbot, profile):
    d = ExtensionDialog(profile)
    qtbot.addWidget(d)
    d.show()
    cases = {
        "abc": "Use <client prefix>*<short number>, e.g. 000*105 (or just 105)",
        "001*105": "The name must carry this PBX's client prefix: 000*105",
        "101": "000*101 is already the name of extension 101",
        "000*101": "000*101 is already the name of extension 101",
    }
    for text, message in cases.items():
        d.name_edit.setText(text)
        assert shown_error(d, "name") == message
        assert not d.ok_button.isEnabled()
    d.name_edit.setText("106")
    d.id_edit.setText("102")
    assert shown_error(d, "id") == "Id 102 is taken by 000*102"
    d.id_edit.setText("-3")
    assert shown_error(d, "id") == "The id must be a positive whole number"
    d.id_edit.setText("106")
    d.did_edit.setText("78123332300")  # the IVR's number
    assert shown_error(d, "did") == "78123332300 is already routed to 000*300"
    d.did_edit.setText("7812-333")
    assert shown_error(d, "did").startswith("Digits only")
    d.did_edit.setText("")
    assert d.ok_button.isEnabled()
    d.accept()  # the Enter key: saved only when valid
    assert profile.extension(106).name == "000*106"


def test_queue_and_ivr_routing_rules(qtbot, profile):
    d = ExtensionDialog(profile)
    qtbot.addWidget(d)
    d.show()
    d.name_edit.setText("400")
    d.type_combo.setCurrentIndex(d.type_combo.findData("queue"))
    assert not d.field_rows["agents"].isHidden() and d.field_rows["route"].isHidden()
    assert shown_error(d, "agents") == "A queue needs at least one agent"
    d.agents_edit.setText("101, 300")
    assert shown_error(d, "agents") == "000*300 is not a phone (its type: ivr): queue agents must be phones"
    d.agents_edit.setText("101, 999")
    assert shown_error(d, "agents") == "There is no extension 000*999"
    d.agents_edit.setText("101, 103")
    assert d.ok_button.isEnabled()
    d.type_combo.setCurrentIndex(d.type_combo.findData("ivr"))
    assert d.field_rows["agents"].isHidden() and not d.field_rows["route"].isHidden()
    assert shown_error(d, "agents") == ""
    assert shown_error(d, "route") == "An IVR needs a route: where callers go after the menu"
    d.route_combo.setEditText("000*300")  # an ivr routing to the ivr 300, which goes to queue 200: fine
    assert shown_error(d, "route") == "" and d.ok_button.isEnabled()
    d.accept()
    assert profile.extension(301).route == "000*300"
    # Now point 300 at the new ivr: a loop 300 -> 400 -> 300
    e = ExtensionDialog(profile, profile.extension(300))
    qtbot.addWidget(e)
    e.route_combo.setEditText("400")
    assert shown_error(e, "route") == "Route loop: 000*300 → 000*400 → 000*300"
    assert not e.ok_button.isEnabled()


def test_edit_extension_type_change_respects_its_subscriptions(qtbot, profile):
    profile.add_subscription(Subscription(102, EventType.MESSAGE_IN, HttpMethod.POST, "http://127.0.0.1:9/m"))
    d = ExtensionDialog(profile, profile.extension(102))
    qtbot.addWidget(d)
    assert d.id_edit.isReadOnly() and d.errors == {}
    d.type_combo.setCurrentIndex(d.type_combo.findData("fax"))
    assert shown_error(d, "type") == (
        "This extension has message-in subscriptions: message events exist only on phone extensions"
    )
    assert not d.ok_button.isEnabled()
    # 101 is an agent of the sales queue: it must stay a phone
    e = ExtensionDialog(profile, profile.extension(101))
    qtbot.addWidget(e)
    e.type_combo.setCurrentIndex(e.type_combo.findData("fax"))
    assert shown_error(e, "type") == "It is an agent of queue 000*200: queue agents must be phones"


def test_rename_carries_into_queue_agents(qtbot, profile):
    d = ExtensionDialog(profile, profile.extension(101))
    qtbot.addWidget(d)
    d.name_edit.setText("111")
    d.accept()
    assert d.result() == d.DialogCode.Accepted
    assert profile.extension(101).name == "000*111"
    assert profile.extension(200).agents == ("000*111", "000*102")


# -- subscriptions ----------------------------------------------------------------------------------
def test_subscription_rules_and_save(qtbot, profile):
    d = SubscriptionDialog(profile, extension_id=200)  # the sales queue
    qtbot.addWidget(d)
    d.show()
    assert shown_error(d, "url") == "A URL is required" and not d.ok_button.isEnabled()
    d.event_combo.setCurrentIndex(d.event_combo.findData("message-in"))
    assert shown_error(d, "event_type") == (
        "message-in events exist only on phone extensions; 000*200 is of type queue"
    )
    d.event_combo.setCurrentIndex(d.event_combo.findData("hangup"))
    assert shown_error(d, "event_type") == ""
    for url, message in (
        ("ftp://crm.example/x", "Only http:// and https:// URLs: the PBX calls nothing else"),
        ("http://", "The URL has no host"),
        ("http://crm.example:0/x", "Port 0 is not a port"),
        ("http://crm.example:99999/x",
         "Not a valid URL: 'http://crm.example:99999/x' is not a valid URL (Port out of range 0-65535)"),
    ):  # fmt: skip
        d.url_edit.setText(url)
        assert shown_error(d, "url") == message
        assert not d.ok_button.isEnabled() and not d.test_button.isEnabled()
    url = profile.subscriptions()[5].url  # the queue's own hangup subscription (POST)
    d.method_combo.setCurrentText("POST")
    d.url_edit.setText(url)
    assert shown_error(d, "url").startswith("This extension already sends hangup to this URL (subscription #")
    assert d.test_button.isEnabled()  # a duplicate can still be tried
    d.method_combo.setCurrentText("GET")
    assert d.errors == {} and d.ok_button.isEnabled()
    before = len(profile.subscriptions())
    qtbot.mouseClick(d.ok_button, Qt.MouseButton.LeftButton)
    subs = profile.subscriptions()
    assert len(subs) == before + 1
    new = subs[-1]
    assert (new.extension_id, new.event_type, new.method, new.url) == (
        200,
        EventType.HANGUP,
        HttpMethod.GET,
        url,
    )
    assert d.saved == new


def test_edit_subscription(qtbot, profile):
    sub = profile.subscriptions()[0]
    d = SubscriptionDialog(profile, sub)
    qtbot.addWidget(d)
    assert d.url_edit.text() == sub.url and d.errors == {}
    d.url_edit.setText("https://crm.example/pbx?myid=101")
    d.event_combo.setCurrentIndex(d.event_combo.findData("message-out"))  # 101 is a phone: allowed
    d.accept()
    again = profile.subscription(sub.id)
    assert again.url == "https://crm.example/pbx?myid=101" and again.event_type is EventType.MESSAGE_OUT


# -- send test event --------------------------------------------------------------------------------
def test_send_test_event_get_and_post(qtbot, profile, run_async):
    server = Server()
    ok = Server(status=503)
    profile.set_setting(POLICY_SETTING, DeliveryPolicy(timeout=3.0, http_client="httpx").to_json())

    async def scenario():
        base = await server.start()
        base_503 = await ok.start()
        d = SubscriptionDialog(profile, extension_id=175 if profile.extension(175) else 101)
        qtbot.addWidget(d)
        d.event_combo.setCurrentIndex(d.event_combo.findData("dial-out"))
        d.method_combo.setCurrentText("GET")
        d.url_edit.setText(f"{base}/fordel/show.php?myid=175")
        qtbot.mouseClick(d.test_button, Qt.MouseButton.LeftButton)
        assert not d.test_button.isEnabled()  # one send at a time
        await until(lambda: d.last_outcome is not None)
        method, path, query, _body, headers = server.requests[0]
        assert (method, path) == ("GET", "/fordel/show.php")
        assert query[0] == ("myid", "175")  # the URL's own query first, then the event's fields
        fields = dict(query)
        assert fields["EventType"] == "dial-out" and fields["CallFlow"] == "out"
        assert fields["CallerExtension"] == "000*101@demo.pbxdesk.local"
        assert fields["CallStatus"] == "CALLING" and fields["CallID"].startswith("pbxdesk-test-")
        assert headers["User-Agent"] == "pbxdesk"
        assert d.last_outcome.status_code == 200
        assert shown_error(d, "url") == ""
        text = d.test_result.text()
        assert text.startswith("✔ 200 OK · ") and text.endswith(" ms")
        assert d.test_button.isEnabled()

        # POST to a handler answering 503: the body is the form, the failure shows inline
        d.method_combo.setCurrentText("POST")
        d.event_combo.setCurrentIndex(d.event_combo.findData("hangup"))
        d.url_edit.setText(f"{base_503}/crm")
        d.last_outcome = None
        d.test_button.click()
        await until(lambda: d.last_outcome is not None)
        method, _, _, body, headers = ok.requests[0]
        form = dict(parse_qsl(body.decode()))
        assert method == "POST" and headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert (
            form["EventType"] == "hangup"
            and form["CallStatus"] == "ANSWER"
            and form["RecID"].startswith("rec-")
        )
        assert d.test_result.text().startswith("✘ 503 Service Unavailable · non-2xx status · ")
        await server.stop()
        await ok.stop()

    run_async(scenario())


def test_send_test_event_refused_and_never_blocks(qtbot, profile, run_async, closed_port):
    slow = Server(delay=0.4)
    profile.set_setting(POLICY_SETTING, DeliveryPolicy(timeout=3.0).to_json())

    async def scenario():
        base = await slow.start()
        d = SubscriptionDialog(profile, extension_id=102)
        qtbot.addWidget(d)
        d.url_edit.setText(f"http://127.0.0.1:{closed_port}/nobody")
        d.send_test()
        await until(lambda: d.last_outcome is not None)
        assert d.last_outcome.error == "connection refused"
        assert d.test_result.text().startswith("✘ connection refused · ")
        # The UI keeps running while a slow handler thinks: Qt timers fire meanwhile.
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(20)
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start()
        d.url_edit.setText(f"{base}/slow")
        d.last_outcome = None
        d.send_test()
        assert d.test_result.text() == f"Sending dial-in to {base}/slow…"
        await until(lambda: d.last_outcome is not None)
        timer.stop()
        assert len(ticks) >= 5
        assert d.last_outcome.status_code == 200 and d.last_outcome.latency_ms >= 350
        await slow.stop()

    run_async(scenario())


# -- the main window -------------------------------------------------------------------------------
def _item(window, name: str, child_event: str | None = None):
    tree = window.ext_tree
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        if top.text(0) == name:
            if child_event is None:
                return top
            for j in range(top.childCount()):
                if top.child(j).text(0) == child_event:
                    return top.child(j)
    raise AssertionError(f"no item {name} {child_event}")


def test_window_menus_create_edit_delete(qtbot, profile, run_async):
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.show()
    menus = window.menus
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&PBX"]
    assert [a.text() for a in menus.pbx_menu.actions() if a.text()] == [
        "New &extension…", "&Edit…", "&Delete", "New &subscription…",
        "&Monitor an extension on the PBX…", "Stop monitoring", "S&ync with account…"]  # fmt: skip
    assert menus.export_action.shortcut().toString() == "Ctrl+E"
    assert menus.preferences_action.shortcut().toString() == "Ctrl+,"

    async def scenario():
        await window.start_session(autostart=False)  # the engine runs, the feed does not
        engine = window.session.engine
        # New extension from the menu
        menus.new_extension_action.trigger()
        d = menus.dialog
        assert isinstance(d, ExtensionDialog) and d.isVisible()
        d.name_edit.setText("150")
        d.ok_button.click()
        assert menus.dialog is None
        assert _item(window, "000*150").data(0, Qt.ItemDataRole.UserRole) == 301
        # New subscription from the extension's context menu: the extension is preselected
        item = _item(window, "000*150")
        menu = menus.context_menu(window.ext_tree.visualItemRect(item).center())
        assert isinstance(menu, QMenu)
        labels = [a.text() for a in menu.actions() if a.text()]
        assert labels == ["Edit extension…", "New subscription…", "Delete extension"]
        menu.close()
        menus.new_subscription(301)
        s = menus.dialog
        assert isinstance(s, SubscriptionDialog) and s.ext_combo.currentData() == 301
        s.url_edit.setText("http://127.0.0.1:9/new")
        s.ok_button.click()
        sub_item = _item(window, "000*150", "dial-in")
        assert sub_item.text(1) == "GET http://127.0.0.1:9/new"
        # The running engine delivers to it from now on
        ev = EventData(extension_id=301, event_type=EventType.DIAL_IN, call_id="c", event_time=1)
        assert [x.url for x in engine.matching(ev)] == ["http://127.0.0.1:9/new"]
        # Double-click a subscription: edit it
        window.ext_tree.itemDoubleClicked.emit(sub_item, 0)
        e = menus.dialog
        assert isinstance(e, SubscriptionDialog) and e.original is not None
        e.url_edit.setText("http://127.0.0.1:9/changed")
        e.accept()
        assert [x.url for x in engine.matching(ev)] == ["http://127.0.0.1:9/changed"]
        # Delete it: asked first; "Cancel" keeps it, "Delete" removes it
        window.ext_tree.setCurrentItem(_item(window, "000*150", "dial-in"))
        menus.delete_action.trigger()
        box = menus.question
        assert isinstance(box, QMessageBox)
        assert box.text() == "Delete the dial-in subscription to GET http://127.0.0.1:9/changed?"
        box.button(QMessageBox.StandardButton.No).click()
        assert engine.matching(ev)
        window.ext_tree.setCurrentItem(_item(window, "000*150", "dial-in"))
        menus.delete_action.trigger()
        menus.question.button(QMessageBox.StandardButton.Yes).click()
        assert engine.matching(ev) == []
        assert _item(window, "000*150").childCount() == 0
        # An extension a queue routes to is not deleted: the user is told why
        window.ext_tree.setCurrentItem(_item(window, "000*101"))
        menus.delete_current()
        assert "000*101 cannot be deleted: 000*200 route calls to it." in menus.question.text()
        menus.question.button(QMessageBox.StandardButton.Ok).click()
        assert profile.extension(101) is not None
        # Double-click an extension: edit; then delete it with its subscriptions
        window.ext_tree.itemDoubleClicked.emit(_item(window, "000*150"), 0)
        assert isinstance(menus.dialog, ExtensionDialog) and menus.dialog.original.id == 301
        menus.dialog.reject()
        window.ext_tree.setCurrentItem(_item(window, "000*103"))
        menus.delete_action.trigger()
        assert menus.question.text() == "Delete extension 000*103 and its 4 subscriptions? Its history stays."
        menus.question.button(QMessageBox.StandardButton.Yes).click()
        assert profile.extension(103) is None
        assert not [s for s in profile.subscriptions() if s.extension_id == 103]
        assert "000*103" not in window.names.values() and 103 not in engine.names
        await window.session.close()

    run_async(scenario())


def test_preferences_apply_to_the_running_engine(qtbot, profile, run_async):
    """OK in Preferences: the engine of the open session delivers under the new policy at once."""
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)

    async def scenario():
        await window.start_session(autostart=False)
        engine = window.session.engine
        assert engine.policy.timeout != 7.0
        window.menus.preferences_action.trigger()
        d = window.menus.dialog
        assert isinstance(d, PreferencesDialog)
        d.timeout_spin.setValue(7.0)
        d.concurrency_spin.setValue(5)
        d.accept()
        assert engine.policy.timeout == 7.0 and engine.policy.max_concurrency == 5
        assert len(engine._workers) == 5  # the new generation of workers, with new clients
        assert "apply now" in window.statusBar().currentMessage()
        await window.session.close()

    run_async(scenario())
