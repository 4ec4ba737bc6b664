"""PBX → Sync with account… against the emulator on 127.0.0.1: the difference is shown before
anything is sent; Push applies it item by item (a refused item says why in its row); Pull
replaces the profile's configuration after asking; errors show in the dialog."""

from __future__ import annotations

from dataclasses import replace

from fixtures.pbx_account import QUEUE_URL, SHOW_URL, account_pbx
from gui_helpers import shown, until
from PySide6.QtWidgets import QMessageBox

from pbxdesk.domain import EventType, Extension, ExtensionType, HttpMethod, Subscription
from pbxdesk.engine.scenario import parse_scenario
from pbxdesk.pbx import sync
from pbxdesk.pbx.emulator import Fault, PbxEmulator
from pbxdesk.pbx.errors import PbxValidationError
from pbxdesk.ui import i18n
from pbxdesk.ui.dialogs.sync_dialog import (
    COL_CHANGE,
    COL_FIELD,
    COL_ITEM,
    COL_LOCAL,
    COL_PBX,
    COL_RESULT,
    SyncDialog,
)
from pbxdesk.ui.main_window import MainWindow

CID, SECRET = "sync-gui-app", "sync-gui-secret"
PBX = account_pbx((175, "dial-out", "GET", SHOW_URL), (200, "dial-in", "POST", QUEUE_URL))


def rows(dialog) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    """The tree as the user reads it: (change, item, [(field, on the PBX, in this profile)])."""
    out = []
    for i in range(dialog.tree.topLevelItemCount()):
        top = dialog.tree.topLevelItem(i)
        fields = [
            (top.child(j).text(COL_FIELD), top.child(j).text(COL_PBX), top.child(j).text(COL_LOCAL))
            for j in range(top.childCount())
        ]
        out.append((top.text(COL_CHANGE), top.text(COL_ITEM), fields))
    return out


def test_sync_shows_the_diff_then_pull_and_push(qtbot, profile, run_async):
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    emu = PbxEmulator(CID, SECRET, scenario=parse_scenario(PBX))

    async def scenario():
        await emu.start(play=False)
        await window.start_session(autostart=False)
        # Not connected and nothing saved: said in the dialog, nothing can be pushed.
        window.live_feed.sync_action.trigger()
        d = window.live_feed.sync_dialog
        await until(lambda: not d.busy)
        assert "not connected to a PBX account" in shown(d.error)
        assert not d.push_button.isEnabled() and not d.pull_button.isEnabled()
        # Connect from the dialog; it compares at once.
        d.connect_button.click()
        c = d.connect_dialog
        c.base_url.setText(emu.base_url)
        c.client_id.setText(CID)
        c.secret.setText(SECRET)
        c.remember.setChecked(False)
        c.ok_button.click()
        await until(lambda: d.plan is not None and not d.busy)
        assert d.account_label.text() == f"Account: <b>{CID} @ 127.0.0.1:{emu.port}</b>"
        # The demo profile was never on the account: everything is to add; the PBX's own
        # extensions are listed as left alone.
        shown_rows = rows(d)
        assert ("Add", "extension 000*101", [("Name", "—", "000*101"), ("Type", "—", "phone"),
                ("Status", "—", "active"), ("Label", "—", "Anna Petrova (sales)")]) in shown_rows  # fmt: skip
        # ...except the queue 000*200, id 200 on both sides: the same extension, its label differs
        kinds = {r[1]: r[0] for r in shown_rows}
        assert kinds.pop("extension 000*200") == "Change"
        assert set(kinds.values()) == {"Add"}
        assert "extension 000*099 (id 175) is on the PBX only" in shown(d.notes)
        assert d.summary.text().startswith(f"{len(shown_rows) - 1} to add, 1 to change, 0 to remove")
        assert 101 not in emu.extensions  # shown, not sent

        # Pull: asked first; "Cancel" changes nothing.
        d.pull_button.click()
        d.question.button(QMessageBox.StandardButton.No).click()
        assert profile.extension(101) is not None
        d.pull_button.click()
        assert "Replace this profile's 5 extensions" in d.question.text()
        d.question.button(QMessageBox.StandardButton.Yes).click()
        await until(lambda: not d.busy and "Pulled" in d.summary.text())
        assert d.summary.text() == "Pulled 2 extensions and 2 subscriptions from the account."
        assert [e.name for e in profile.extensions()] == ["000*099", "000*200"]
        assert d.tree.topLevelItemCount() == 0  # the profile is the account now
        assert window.ext_tree.topLevelItem(0).text(0) == "000*099"  # the side panel follows

        # Local changes, then compare: the diff shows the PBX's value and the profile's.
        anna = profile.extension(175)
        profile.update_extension(replace(anna, label="Anna"))
        profile.add_subscription(
            Subscription(175, EventType.ANSWER, HttpMethod.POST, "https://crm.example/a")
        )
        d.compare_button.click()
        await until(lambda: not d.busy and d.tree.topLevelItemCount() == 2)
        assert rows(d) == [
            ("Change", "extension 000*099", [("Label", "Anna (PBX)", "Anna")]),
            ("Add", "subscription 000*099 · answer",
             [("Extension", "—", "000*099"), ("Event", "—", "answer"), ("Method", "—", "POST"),
              ("URL", "—", "https://crm.example/a")]),
        ]  # fmt: skip
        assert emu.extensions[175].label == "Anna (PBX)"  # still nothing sent

        # Push: each row gets its result; the account is like the profile.
        d.push_button.click()
        await until(lambda: not d.busy and d.report is not None)
        assert [d.tree.topLevelItem(i).text(COL_RESULT) for i in range(2)] == ["✔ done", "✔ done"]
        assert d.summary.text() == "Pushed: 2 done. The account now matches this profile."
        assert emu.extensions[175].label == "Anna"
        on_175 = [(s.event_type.value, s.url) for s in emu.subscriptions.values() if s.extension_id == 175]
        assert on_175 == [
            ("dial-out", "https://crm.example/show.php?myid=175"),
            ("answer", "https://crm.example/a"),
        ]
        assert not d.push_button.isEnabled()  # the plan shown is done: compare again first
        d.compare_button.click()
        await until(lambda: not d.busy)
        assert d.summary.text() == "The account matches this profile: nothing to push."
        d.close_button.click()
        await window.session.close()
        await window.account.disconnect()
        await emu.stop()

    run_async(scenario())


def test_push_failures_and_an_unreachable_pbx_are_shown_in_place(qtbot, profile, run_async):
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    emu = PbxEmulator(CID, SECRET, scenario=parse_scenario(PBX))

    async def scenario():
        await emu.start(play=False)
        await window.start_session(autostart=False)
        await window.account.connect(emu.base_url, CID, SECRET)
        d = window.live_feed.open_sync()
        await until(lambda: d.plan is not None and not d.busy)
        d.pull_button.click()
        d.question.button(QMessageBox.StandardButton.Yes).click()
        await until(lambda: not d.busy and "Pulled" in d.summary.text())
        profile.add_subscription(Subscription(175, EventType.HANGUP, HttpMethod.GET, "https://crm.example/h"))
        profile.update_extension(replace(profile.extension(200), label="Queue"))
        d.compare_button.click()
        await until(lambda: not d.busy and d.tree.topLevelItemCount() == 2)
        # The PBX refuses new subscriptions (HTTP 400): that row says why, the other is done.
        emu.faults.append(Fault(status=400, path="/api/ver1.0/extension/175/event", method="POST",
                                message="no more events today"))  # fmt: skip
        d.push_button.click()
        await until(lambda: not d.busy and d.report is not None)
        results = {d.tree.topLevelItem(i).text(COL_ITEM): d.tree.topLevelItem(i).text(COL_RESULT)
                   for i in range(2)}  # fmt: skip
        assert results["extension 000*200"] == "✔ done"
        assert results["subscription 000*099 · hangup"].startswith("✘ ")
        assert "no more events today" in results["subscription 000*099 · hangup"]
        assert d.summary.text().startswith("Pushed: 1 done, 1 failed")
        assert emu.extensions[200].label == "Queue"
        # The PBX goes away: comparing again says so in the dialog, not in a traceback.
        await emu.stop()
        d.compare_button.click()
        await until(lambda: not d.busy)
        said = shown(d.error)
        assert "check the network" in said or "the connection to the PBX failed" in said, said
        assert d.isVisible() and d.close_button.isEnabled()
        d.close_button.click()
        await window.session.close()
        await window.account.disconnect()

    run_async(scenario())


def test_an_identical_account_shows_no_changes(qtbot, profile, run_async):
    """A profile holding exactly the account's extensions and subscriptions, never pulled: the
    ids pair them, so nothing is to add, change or remove, and nothing is "on the PBX only"."""
    scenario_ = parse_scenario(PBX)
    profile.replace_config(scenario_.extensions, scenario_.subscriptions)
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    emu = PbxEmulator(CID, SECRET, scenario=scenario_)

    async def scenario():
        await emu.start(play=False)
        await window.start_session(autostart=False)
        window.live_feed.sync_action.trigger()
        d = window.live_feed.sync_dialog
        await until(lambda: not d.busy)
        d.connect_button.click()
        c = d.connect_dialog
        c.base_url.setText(emu.base_url)
        c.client_id.setText(CID)
        c.secret.setText(SECRET)
        c.remember.setChecked(False)
        c.ok_button.click()
        await until(lambda: d.plan is not None and not d.busy)
        assert d.plan.empty and d.tree.topLevelItemCount() == 0
        assert d.summary.text() == "The account matches this profile: nothing to push."
        assert shown(d.notes) == ""
        assert not d.push_button.isEnabled()
        d.close_button.click()
        await window.session.close()
        await window.account.disconnect()
        await emu.stop()

    run_async(scenario())


def test_notes_and_results_in_russian(qtbot, qapp, profile):
    """pbx/sync.py writes English (the CLI's); the dialog says each note and result in the
    user's language, from its kind and parameters."""
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    remote = [Extension(175, "000*099", ExtensionType.PHONE)]
    remote_subs = [Subscription(175, EventType.DIAL_IN, HttpMethod.GET, SHOW_URL, id=12)]
    mapping = sync.IdMapping({}, {})  # nothing pulled yet: everything local is to add
    plan = sync.diff(profile.extensions(), profile.subscriptions(), remote, remote_subs, mapping)
    assert plan.notes == [  # the CLI's English, unchanged
        "extension 000*099 (id 175) is on the PBX only: pull to get it",
        "subscription #12 (dial-in of extension 175) is on the PBX only",
    ]
    subs = [c for c in plan.changes if c.entity == sync.SUBSCRIPTION]
    refused = PbxValidationError("the PBX refused the data: no more events today", status=400)
    results = [
        sync.ItemResult(subs[0], False, sync.SyncText(sync.RESULT_SKIPPED, extension_id=101)),
        sync.ItemResult(subs[1], False, sync.SyncText(sync.RESULT_ERROR, error=refused)),
    ]
    skipped = "— skipped: extension 101 could not be created or changed on the PBX"
    assert results[0].describe().endswith(skipped)  # the CLI's line, unchanged
    try:
        assert i18n.install_language(qapp, "ru") == "ru"
        d = SyncDialog(profile, window.account)
        qtbot.addWidget(d)
        d._show_plan(plan)
        assert shown(d.notes).split("\n") == [
            "Отправка не затронет: добавочный 000*099 (id 175) есть только на АТС: "
            "загрузите из аккаунта, чтобы получить его",
            "Отправка не затронет: подписка №12 (dial-in добавочного 000*099) есть только на АТС",
        ]
        for r in results:
            d._show_result(r)
        said = [d._items[id(r.change)].text(COL_RESULT) for r in results]
        assert said == [
            "✘ пропущено: не удалось создать или изменить на АТС добавочный 000*101",
            "✘ АТС отклонила запрос — the PBX refused the data: no more events today",
        ]
    finally:
        i18n.install_language(qapp, "en")


def test_fields_are_named_in_the_users_language(qtbot, qapp, profile):
    """A difference's Field column shows a label (Russian here), never an internal key."""
    from pbxdesk.ui.dialogs.sync_dialog import FIELD_TEXT

    assert FIELD_TEXT == sync.FIELD_LABELS  # one set of labels: the CLI's and the dialog's English
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    local = Extension(175, "000*099", ExtensionType.PHONE, label="Anna", caller_id_name="Anna P.")
    remote = Extension(175, "000*099", ExtensionType.PHONE, label="Anna", extra_params='{"crm": 1}')
    sub_l = Subscription(175, EventType.HANGUP, HttpMethod.POST, SHOW_URL, id=1)
    sub_r = Subscription(175, EventType.DIAL_IN, HttpMethod.GET, SHOW_URL, id=7)
    plan = sync.diff([local], [sub_l], [remote], [sub_r], sync.IdMapping({175: 175}, {1: 7}))
    try:
        assert i18n.install_language(qapp, "ru") == "ru"
        d = SyncDialog(profile, window.account)
        qtbot.addWidget(d)
        d._show_plan(plan)
        fields = sorted(f for r in rows(d) for f, _pbx, _local in r[2])
        assert fields == ["Дополнительные параметры", "Имя абонента (Caller ID)", "Метод", "Событие"]
    finally:
        i18n.install_language(qapp, "en")
