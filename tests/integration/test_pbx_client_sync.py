"""Sync between a profile and the PBX account (the emulator), over real HTTP: pull, the diff
shown before a push, and a push whose failed item does not undo the others."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fixtures.pbx_account import QUEUE_URL, SHOW_URL, account_pbx

from pbxdesk.domain import EventType, Extension, ExtensionType, HttpMethod, Subscription
from pbxdesk.engine.scenario import parse_scenario
from pbxdesk.pbx import sync
from pbxdesk.pbx.client import PbxClient
from pbxdesk.pbx.emulator import Fault, PbxEmulator
from pbxdesk.pbx.monitor import MONITOR_SETTING
from pbxdesk.store.profile import Profile

CID, SECRET = "sync-app", "sync-secret"
PBX = account_pbx(
    (175, "dial-out", "GET", SHOW_URL),
    (175, "hangup", "GET", SHOW_URL),
    (200, "dial-in", "POST", QUEUE_URL),
)


@pytest.fixture
async def env(tmp_path: Path):
    emu = PbxEmulator(CID, SECRET, scenario=parse_scenario(PBX))
    await emu.start(play=False)
    client = PbxClient(CID, SECRET, base_url=emu.base_url, backoff=0.01)
    profile = Profile.open(tmp_path / "sync.sqlite")
    yield emu, client, profile
    profile.close()
    await client.aclose()
    await emu.stop()


async def test_pull_takes_the_accounts_config_and_keeps_simulator_settings(env) -> None:
    emu, client, profile = env
    # The profile already simulates 175 with recording and a DID: the PBX API knows neither.
    profile.replace_config(
        [Extension(175, "000*099", ExtensionType.PHONE, label="old", record=True, did="78120000000")], []
    )
    # A subscription a live monitor made is not configuration: a pull leaves it out.
    monitor_sub = await client.create_subscription(175, "answer", "https://tunnel.example/tok/175")
    profile.set_setting(
        MONITOR_SETTING,
        [
            {
                "base_url": client.base_url,
                "client_id": CID,
                "extension": 175,
                "subscriptions": [monitor_sub.id],
            }
        ],
    )

    report = await sync.pull(client, profile)
    assert (report.extensions, report.subscriptions, report.skipped_monitor) == (2, 3, 1)
    exts = {e.id: e for e in profile.extensions()}
    assert exts[175].label == "Anna (PBX)" and exts[175].record and exts[175].did == "78120000000"
    assert exts[200].type is ExtensionType.QUEUE
    subs = profile.subscriptions()
    assert [(s.id, s.extension_id, s.event_type.value) for s in subs] == [
        (1, 175, "dial-out"),
        (2, 175, "hangup"),
        (3, 200, "dial-in"),
    ]
    assert "tunnel.example" not in str(subs)
    assert (await sync.plan_push(client, profile)).empty  # nothing to push right after a pull


async def test_diff_then_push_reports_each_item_and_a_failure_undoes_nothing(env) -> None:
    emu, client, profile = env
    await sync.pull(client, profile)
    exts = {e.id: e for e in profile.extensions()}
    subs = {s.id: s for s in profile.subscriptions()}
    # Local edits: relabel 175, drop subscription 2, retarget 3, a new extension with a subscription,
    # and a new subscription on 175.
    new_ext = Extension(901, "000*301", ExtensionType.PHONE, label="New desk")
    profile.replace_config(
        [replace(exts[175], label="Anna"), exts[200], new_ext],
        [
            subs[1],
            replace(subs[3], url="https://crm.example/queue2"),
            Subscription(901, EventType.ANSWER, HttpMethod.POST, "https://crm.example/new", id=10),
            Subscription(175, EventType.ANSWER, HttpMethod.GET, "https://crm.example/a", id=11),
        ],
    )

    plan = await sync.plan_push(client, profile)
    assert sorted(plan.describe()) == sorted(
        [
            "~ extension 000*099 (phone, 'Anna'): label 'Anna (PBX)' -> 'Anna'",
            "+ extension 000*301 (phone, 'New desk')",
            "- subscription #2: extension 175 hangup GET https://crm.example/show.php?myid=175",
            "~ subscription #3: extension 200 dial-in POST https://crm.example/queue2: "
            "URL 'https://crm.example/queue' -> 'https://crm.example/queue2'",
            "+ subscription: extension 901 answer POST https://crm.example/new",
            "+ subscription: extension 175 answer GET https://crm.example/a",
        ]
    )
    assert plan.counts() == {"added": 3, "changed": 2, "removed": 1}
    assert plan.notes == []

    # The PBX fails the new subscription on 175 (a POST: not retried, so it really fails).
    emu.faults.append(Fault(status=500, count=1, path="/api/ver1.0/extension/175/event", method="POST"))
    seen = []
    report = await sync.push(client, profile, plan, on_result=seen.append)
    assert seen == report.results and len(report.results) == 6
    failed = report.failed
    assert [f.change.describe() for f in failed] == [
        "+ subscription: extension 175 answer GET https://crm.example/a"
    ]
    assert "HTTP 500" in failed[0].message and "FAILED" in failed[0].describe()

    # Everything else is on the PBX.
    assert (await client.get_extension(175)).label == "Anna"
    made = next(e for e in await client.list_extensions() if e.name == "000*301")
    assert made.id != 901  # the PBX chose its id; the mapping remembers it
    assert [(s.event_type.value, s.url) for s in await client.list_subscriptions(made.id)] == [
        ("answer", "https://crm.example/new")
    ]
    assert [s.id for s in await client.list_subscriptions(175)] == [1]
    assert (await client.get_subscription(200, 3)).url == "https://crm.example/queue2"

    # Only the failed item is left; pushing it again completes the sync.
    again = await sync.plan_push(client, profile)
    assert again.describe() == ["+ subscription: extension 175 answer GET https://crm.example/a"]
    assert (await sync.push(client, profile, again)).ok
    assert (await sync.plan_push(client, profile)).empty


async def test_a_failed_extension_skips_its_subscriptions_and_remote_only_items_are_noted(env) -> None:
    emu, client, profile = env
    await sync.pull(client, profile)
    exts = profile.extensions()
    profile.replace_config(
        [*exts, Extension(902, "000*777", ExtensionType.PHONE)],
        [
            *profile.subscriptions(),
            Subscription(902, EventType.HANGUP, HttpMethod.GET, "https://crm.example/h", id=20),
        ],
    )
    await client.create_extension("555", "fax")  # made on the PBX by someone else
    emu.faults.append(
        Fault(status=422, path="/api/ver1.0/client/4711/extension", method="POST", message="name taken")
    )
    plan = await sync.plan_push(client, profile)
    assert plan.notes == ["extension 000*555 (id 1001) is on the PBX only: pull to get it"]
    report = await sync.push(client, profile, plan)
    assert [(r.ok, r.change.entity) for r in report.results] == [
        (False, "extension"),
        (False, "subscription"),
    ]
    assert "name taken" in report.results[0].message
    assert "skipped: extension 902 could not be created" in report.results[1].message
    assert len(await client.list_extensions()) == 3  # nothing half-made


async def test_the_extension_resources_own_fields_are_pulled_compared_and_pushed(env) -> None:
    emu, client, profile = env
    await client.update_extension(175, caller_id_name="Anna (PBX)", extension_group_id=3)
    await sync.pull(client, profile)
    anna = profile.extension(175)
    assert (anna.caller_id_name, anna.extension_group_id, anna.client_id) == ("Anna (PBX)", 3, 4711)
    assert anna.create_date and anna.domain
    assert (await sync.plan_push(client, profile)).empty
    profile.update_extension(replace(anna, caller_id_name="Anna P.", extra_params='{"crm": 1}'))
    new = Extension(902, "000*302", ExtensionType.PHONE, caller_id_name="Boris")
    profile.replace_config([*profile.extensions(), new], profile.subscriptions())
    plan = await sync.plan_push(client, profile)
    assert sorted(plan.describe()) == [
        "+ extension 000*302 (phone)",
        "~ extension 000*099 (phone, 'Anna (PBX)'): caller ID name 'Anna (PBX)' -> 'Anna P.', "
        "extra parameters None -> '{\"crm\": 1}'",
    ]
    assert (await sync.push(client, profile, plan)).ok
    assert (emu.extensions[175].caller_id_name, emu.extensions[175].extra_params) == ("Anna P.", '{"crm": 1}')
    made = next(e for e in emu.extensions.values() if e.name == "000*302")
    assert made.caller_id_name == "Boris"
    assert (await sync.plan_push(client, profile)).empty
