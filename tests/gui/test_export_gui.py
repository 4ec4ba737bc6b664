"""File → Export…: a real scenario's history, exported from the main window through the
(non-native) file dialog as HAR, CSV and JSON, all rows or the selection."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from aiohttp import web
from gui_helpers import until
from PySide6.QtWidgets import QFileDialog

from pbxdesk.engine.headless import run_scenario
from pbxdesk.engine.policy import DeliveryPolicy
from pbxdesk.engine.scenario import parse_scenario
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.ui.export import timeline_event_ids
from pbxdesk.ui.main_window import MainWindow

SCENARIO = """\
[pbx]
client_prefix = "000"
domain = "sip.example.test"
seed = 5

[[extensions]]
id = 175
name = "099"
type = "phone"
record = true

[[subscriptions]]
extension = 175
event_type = "dial-out"
method = "GET"
url = "{base}/fordel/show.php?myid=175"

[[subscriptions]]
extension = 175
event_type = "hangup"
method = "POST"
url = "{base}/crm/hangup"

[[calls]]
at = 0
from = "000*099"
to = "00010005"
answer_after = 0.2
talk = 0.3

[[calls]]
at = 0.1
from = "000*099"
to = "+79817654321"
"""


async def _history(path: Path) -> web.AppRunner:
    """Play the scenario into the profile against a handler whose first hangup gets a 503."""
    hits: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        await request.read()
        hits.append(request.path)
        if request.path == "/crm/hangup" and hits.count("/crm/hangup") == 1:
            return web.Response(status=503, text="try later")
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    policy = DeliveryPolicy(schedule=(0.0, 0.05), jitter=0.0, timeout=3.0)
    summary = await run_scenario(
        parse_scenario(SCENARIO.format(base=base)), path, instant=True, policy=policy
    )
    assert summary.delivered == summary.deliveries == 4 and summary.attempts == 5
    return runner


def _save_through_dialog(window: MainWindow, path: Path) -> None:
    dialog = window.menus.exporter.file_dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    assert dialog.testOption(QFileDialog.Option.DontUseNativeDialog)
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    dialog.selectFile(str(path))
    dialog.accept()


def test_export_all_rows_as_har_csv_json(qtbot, run_async, tmp_path):
    path = profile_path("exported")

    async def scenario():
        runner = await _history(path)
        profile = Profile.open(path)
        window = MainWindow(profile, "exported")
        qtbot.addWidget(window)
        window.show()
        ids = timeline_event_ids(window.table, selected_only=False)
        assert len(ids) == 5  # dial-out, answer, hangup of the answered call; dial-out, hangup of the other
        results = []
        window.menus.exporter.finished.connect(results.append)

        window.menus.export_action.trigger()
        _save_through_dialog(window, tmp_path / "all.har")
        await until(lambda: len(results) == 1)
        har = json.loads((tmp_path / "all.har").read_text(encoding="utf-8"))
        entries = har["log"]["entries"]
        assert har["log"]["version"] == "1.2" and har["log"]["creator"]["name"] == "pbxdesk"
        assert len(entries) == 5  # 4 deliveries, one retried after a 503
        statuses = sorted(e["response"]["status"] for e in entries)
        assert statuses == [200, 200, 200, 200, 503]
        for e in entries:
            assert dt.datetime.fromisoformat(e["startedDateTime"]).tzinfo is not None
            if e["request"]["method"] == "GET":
                assert "/fordel/show.php?myid=175&EventType=dial-out&" in e["request"]["url"]
            else:
                assert "EventType=hangup" in e["request"]["postData"]["text"]
        failed_once = next(x["_deliveryId"] for x in entries if x["response"]["status"] == 503)
        retried = [e for e in entries if e["_deliveryId"] == failed_once]
        assert [e["_attempt"] for e in retried] == [1, 2]
        assert "Exported 5 events, 5 delivery attempts" in window.statusBar().currentMessage()

        # Without an extension, the chosen filter decides the format
        window.menus.export_action.trigger()
        dialog = window.menus.exporter.file_dialog
        dialog.selectNameFilter(window.menus.exporter.filters["json"])
        dialog.filterSelected.emit(window.menus.exporter.filters["json"])
        _save_through_dialog(window, tmp_path / "all")
        await until(lambda: len(results) == 2)
        assert results[1].format == "json"
        doc = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
        assert sorted(e["id"] for e in doc["events"]) == sorted(ids)
        assert sum(len(d["attempts"]) for e in doc["events"] for d in e["deliveries"]) == 5

        # The selected row only, as CSV
        window.table.selectRow(2)
        selected = timeline_event_ids(window.table, selected_only=True)
        assert len(selected) == 1
        window.menus.export_selected_action.trigger()
        _save_through_dialog(window, tmp_path / "one.csv")
        await until(lambda: len(results) == 3)
        with (tmp_path / "one.csv").open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert [int(r["event_id"]) for r in rows] == selected
        assert rows[0]["EventType"] == rows[0]["event_type"] and rows[0]["call_id"]

        # An unwritable target: said in the status bar, nothing left behind
        failures = []
        window.menus.exporter.failed.connect(failures.append)
        await window.menus.exporter.export(tmp_path / "no-such-dir" / "x.csv", selected, "csv")
        assert failures and "cannot write" in window.statusBar().currentMessage()
        await window.session.close()
        profile.close()
        await runner.cleanup()

    run_async(scenario())


def test_nothing_to_export(qtbot, tmp_path):
    profile = Profile.open(tmp_path / "empty.sqlite")
    window = MainWindow(profile, "empty")
    qtbot.addWidget(window)
    window.menus.export_action.trigger()
    assert window.menus.exporter.file_dialog is None
    assert window.statusBar().currentMessage() == "The timeline is empty: nothing to export"
    window.menus.export_selected_action.trigger()
    assert window.statusBar().currentMessage() == "Select rows in the timeline first"
    profile.close()
