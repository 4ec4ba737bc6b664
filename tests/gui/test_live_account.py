"""Live mode on the PBX account (the emulator on 127.0.0.1): choosing "Live: PBX account"
connects; the extension and subscription dialogs then change the account and the profile,
with progress and the PBX's refusals shown in the dialog; Start/Stop monitor an extension."""

from __future__ import annotations

import socket

from gui_helpers import shown, until
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from pbxdesk.domain import Extension, ExtensionType
from pbxdesk.pbx import sync
from pbxdesk.pbx.client import PbxClient
from pbxdesk.pbx.emulator import PbxEmulator
from pbxdesk.ui.dialogs import ExtensionDialog, SubscriptionDialog
from pbxdesk.ui.live_feed import LIVE_FEED
from pbxdesk.ui.live_monitor import LIVE_SETTING
from pbxdesk.ui.main_window import MainWindow

CID, SECRET = "live-gui-app", "live-gui-secret"


def item(window: MainWindow, name: str, child_event: str | None = None):
    tree = window.ext_tree
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        if top.text(0) == name:
            if child_event is None:
                return top
            for j in range(top.childCount()):
                if top.child(j).text(0) == child_event:
                    return top.child(j)
    return None


async def go_live(window: MainWindow, emu: PbxEmulator, secret: str = SECRET):
    """Choose Live in the feed selector and connect with the dialog it opens."""
    index = window.feed_combo.findData(LIVE_FEED)
    window.feed_combo.setCurrentIndex(index)
    window.feed_combo.activated.emit(index)
    await until(lambda: window.live_feed.dialog is not None)
    d = window.live_feed.dialog
    d.base_url.setText(emu.base_url)
    d.client_id.setText(CID)
    d.secret.setText(secret)
    d.remember.setChecked(False)  # not the OS keyring of the machine running the tests
    d.ok_button.click()
    return d


def test_live_dialogs_change_the_account_and_the_profile(qtbot, profile, run_async):
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.show()
    menus = window.menus
    on_pbx = Extension(120, "000*120", ExtensionType.PHONE, label="On PBX")
    emu = PbxEmulator(CID, SECRET, extensions=[on_pbx])

    async def scenario():
        await emu.start()
        await window.start_session(autostart=False)
        await go_live(window, emu)
        await until(lambda: window.live_mode)
        assert window.live_feed.dialog is None
        assert window.account.label == f"{CID} @ 127.0.0.1:{emu.port}"
        # The demo extensions are only in the profile: greyed, and their dialogs say so.
        assert "not on the PBX account" in item(window, "000*101").toolTip(0)

        # -- a new extension: made on the PBX (which assigns the id), then in the profile
        menus.new_extension_action.trigger()
        d = menus.dialog
        assert isinstance(d, ExtensionDialog) and d.account is window.account
        assert "Live mode" in shown(d.banner) and d.field_rows["id"].isHidden()
        d.name_edit.setText("150")
        d.label_edit.setText("Front desk")
        d.record_check.setChecked(True)
        d.ok_button.click()
        assert shown(d.busy_row.label) == "Saving to the PBX…" and not d.ok_button.isEnabled()
        d.reject()  # the Cancel of a half-done save is ignored: it would part PBX and profile
        await until(lambda: menus.dialog is None)
        made = next(e for e in emu.extensions.values() if e.name == "000*150")
        assert made.id > 1000 and made.label == "Front desk"
        local = profile.extension(made.id)  # the profile takes the PBX's id
        assert local is not None and local.label == "Front desk" and local.record  # simulator setting kept
        assert item(window, "000*150").data(0, Qt.ItemDataRole.UserRole) == made.id
        assert "not on the PBX account" not in item(window, "000*150").toolTip(0)
        assert "Saved on the PBX account" in window.statusBar().currentMessage()

        # -- edit it
        window.ext_tree.itemDoubleClicked.emit(item(window, "000*150"), 0)
        e = menus.dialog
        assert isinstance(e, ExtensionDialog) and e.original.id == made.id
        e.label_edit.setText("Reception")
        e.status_combo.setCurrentIndex(e.status_combo.findData("blocked"))
        e.ok_button.click()
        await until(lambda: menus.dialog is None)
        assert emu.extensions[made.id].label == "Reception"
        assert emu.extensions[made.id].status.value == "blocked"
        assert profile.extension(made.id).label == "Reception"

        # -- a subscription on it
        menus.new_subscription(made.id)
        s = menus.dialog
        assert isinstance(s, SubscriptionDialog) and "Live mode" in shown(s.banner)
        s.url_edit.setText("https://crm.example/pbx?myid=150")
        s.ok_button.click()
        await until(lambda: menus.dialog is None)
        (remote_sub,) = [x for x in emu.subscriptions.values() if x.extension_id == made.id]
        assert remote_sub.url == "https://crm.example/pbx?myid=150"
        (local_sub,) = [x for x in profile.subscriptions() if x.extension_id == made.id]
        assert local_sub.url == remote_sub.url
        assert item(window, "000*150", "dial-in").text(1) == "GET https://crm.example/pbx?myid=150"

        # What was made here is paired for sync: a comparison does not offer it again.
        async with PbxClient(CID, SECRET, base_url=emu.base_url) as client:
            plan = await sync.plan_push(client, profile)
        assert not [c for c in plan.changes if c.local_id in (made.id, local_sub.id)]

        # -- edit the subscription: POST to another URL
        window.ext_tree.itemDoubleClicked.emit(item(window, "000*150", "dial-in"), 0)
        es = menus.dialog
        es.method_combo.setCurrentText("POST")
        es.url_edit.setText("https://crm.example/pbx2")
        es.ok_button.click()
        await until(lambda: menus.dialog is None)
        assert (emu.subscriptions[remote_sub.id].method.value, emu.subscriptions[remote_sub.id].url) == (
            "POST", "https://crm.example/pbx2",
        )  # fmt: skip
        assert profile.subscription(local_sub.id).url == "https://crm.example/pbx2"

        # -- delete the subscription: asked first, then gone on the PBX and here
        window.ext_tree.setCurrentItem(item(window, "000*150", "dial-in"))
        menus.delete_action.trigger()
        box = menus.question
        assert "deleted on the PBX account" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()
        await until(lambda: menus.pending is not None and menus.pending.done())
        assert remote_sub.id not in emu.subscriptions
        assert profile.subscription(local_sub.id) is None
        assert item(window, "000*150").childCount() == 0

        # -- delete the extension
        window.ext_tree.setCurrentItem(item(window, "000*150"))
        menus.delete_action.trigger()
        menus.question.button(QMessageBox.StandardButton.Yes).click()
        await until(lambda: item(window, "000*150") is None)
        assert made.id not in emu.extensions and profile.extension(made.id) is None
        assert 120 in emu.extensions  # nothing else touched

        # Back to Simulated: the dialogs edit the profile only again.
        window.feed_combo.setCurrentIndex(0)
        window.feed_combo.activated.emit(0)
        await until(lambda: not window.account.connected)
        menus.new_extension_action.trigger()
        assert menus.dialog.account is None and menus.dialog.banner.isHidden()
        menus.dialog.reject()
        await window.session.close()
        await emu.stop()

    run_async(scenario())


def test_the_pbx_refusing_shows_in_the_dialog_and_nothing_is_lost(qtbot, profile, run_async):
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    menus = window.menus
    emu = PbxEmulator(
        CID,
        SECRET,
        extensions=[Extension(120, "000*120", ExtensionType.PHONE, label="On PBX")],
        subscription_limit=0,
    )

    async def scenario():
        await emu.start()
        await window.start_session(autostart=False)
        # Wrong secret: said in the connect dialog, which stays open with what was typed.
        d = await go_live(window, emu, secret="wrong")
        await until(lambda: "refused the credentials" in shown(d.form_error))
        assert d.isVisible() and d.client_id.text() == CID and d.ok_button.isEnabled()
        assert not window.account.connected
        d.secret.setText(SECRET)
        d.ok_button.click()
        await until(lambda: window.live_mode)

        # The PBX has a 000*120 the profile does not know: the dialog's own rules pass, the
        # PBX refuses; its reason shows in the dialog, which keeps what was typed.
        menus.new_extension_action.trigger()
        e = menus.dialog
        e.name_edit.setText("120")
        e.label_edit.setText("Mine")
        e.ok_button.click()
        await until(lambda: not e.busy)
        assert e.isVisible() and menus.dialog is e
        assert "the PBX refused it" in shown(e.form_error) and "already exists" in shown(e.form_error)
        assert e.name_edit.text() == "120" and e.label_edit.text() == "Mine" and e.ok_button.isEnabled()
        assert profile.extension(120) is None and emu.extensions[120].label == "On PBX"
        e.name_edit.setText("121")  # typing again clears the old complaint
        assert shown(e.form_error) == ""
        e.ok_button.click()
        await until(lambda: menus.dialog is None)
        ext_id = next(x.id for x in emu.extensions.values() if x.name == "000*121")

        # The account's subscription limit (0): refused, said in place, nothing saved locally.
        menus.new_subscription(ext_id)
        s = menus.dialog
        s.url_edit.setText("https://crm.example/in")
        s.ok_button.click()
        await until(lambda: not s.busy)
        assert "limit reached" in shown(s.form_error) and s.isVisible()
        assert not [x for x in profile.subscriptions() if x.extension_id == ext_id]
        s.reject()
        await until(lambda: menus.dialog is None)

        # An extension only in the profile cannot be edited on the account: said, OK disabled.
        window.ext_tree.itemDoubleClicked.emit(item(window, "000*101"), 0)
        o = menus.dialog
        assert "only in this profile, not on the PBX account" in shown(o.form_error)
        assert not o.ok_button.isEnabled()
        o.reject()
        # Nor can a subscription be added to it.
        menus.new_subscription(101)
        s2 = menus.dialog
        s2.url_edit.setText("https://crm.example/x")
        assert "only in this profile" in s2.error("extension") and not s2.ok_button.isEnabled()
        s2.reject()
        await window.session.close()
        await emu.stop()

    run_async(scenario())


def test_cancelling_the_connect_dialog_goes_back_to_the_feed_before(qtbot, profile, run_async):
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)

    async def scenario():
        index = window.feed_combo.findData(LIVE_FEED)
        window.feed_combo.setCurrentIndex(index)
        window.feed_combo.activated.emit(index)
        await until(lambda: window.live_feed.dialog is not None)
        window.live_feed.dialog.reject()
        await until(lambda: window.live_feed.dialog is None)

    run_async(scenario())
    assert window.feed_combo.currentIndex() == 0 and not window.live_mode


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_start_and_stop_in_live_mode_monitor_an_extension(qtbot, profile, run_async):
    live_port = _port()
    profile.set_setting(LIVE_SETTING, {"host": "127.0.0.1", "port": live_port})
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    emu = PbxEmulator(CID, SECRET, extensions=[Extension(101, "000*101", ExtensionType.PHONE)])

    async def scenario():
        await emu.start()
        await window.start_session(autostart=False)
        await go_live(window, emu)
        await until(lambda: window.live_mode)
        window.start_action.trigger()
        m = window.live.dialog
        assert m is not None  # the monitor's dialog, prefilled from the connected account
        assert (m.base_url.text(), m.client_id.text(), m.secret.text()) == (emu.base_url, CID, SECRET)
        m.extension.setText("101")
        m.public_url.setText(f"http://127.0.0.1:{live_port}")
        m.remember.setChecked(False)
        m.buttons.button(m.buttons.StandardButton.Ok).click()
        await until(lambda: window.live.active)
        assert window.live.dialog is None
        assert sorted(s.event_type.value for s in emu.subscriptions.values()) == [
            "answer", "dial-in", "dial-out", "hangup"]  # fmt: skip
        assert window.stop_action.isEnabled() and not window.start_action.isEnabled()
        assert not window.pause_action.isEnabled()  # a real PBX does not pause
        assert not window.feed_combo.isEnabled()
        await window.stop_feed()
        assert emu.subscriptions == {}  # exactly what the monitor made is removed
        assert window.start_action.isEnabled() and window.feed_combo.isEnabled()
        assert window.live_mode  # still connected: the dialogs keep acting on the account
        await window.session.close()
        await window.account.disconnect()
        await emu.stop()

    run_async(scenario())


def test_monitor_dialog_keeps_open_with_the_error(qtbot, profile, run_async):
    live_port = _port()
    profile.set_setting(LIVE_SETTING, {"host": "127.0.0.1", "port": live_port})
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    emu = PbxEmulator(CID, SECRET, extensions=[Extension(101, "000*101", ExtensionType.PHONE)])

    async def scenario():
        await emu.start()
        await window.start_session(autostart=False)
        window.live.start_action.trigger()  # the PBX menu's entry still works
        m = window.live.dialog
        m.base_url.setText(emu.base_url)
        m.client_id.setText(CID)
        m.secret.setText(SECRET)
        m.extension.setText("999")  # not on the PBX
        m.public_url.setText(f"http://127.0.0.1:{live_port}")
        m.remember.setChecked(False)
        m.buttons.button(m.buttons.StandardButton.Ok).click()
        await until(lambda: m._task is None and m.problem.text() != "")
        assert "not found" in m.problem.text() and m.isVisible() and not window.live.active
        assert emu.subscriptions == {}
        m.reject()
        await window.session.close()
        await window.account.disconnect()
        await emu.stop()

    run_async(scenario())
