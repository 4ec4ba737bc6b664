"""The seed's worked example, end to end, against a real HTTP server standing in for show.php.

The PBX manual's example: extension 000*099 (id 175, call recording on) subscribes
``dial-out``, ``answer`` and ``hangup``, all GET to ``show.php?myid=175``; ``show.php``
logs ``------`` then one ``key => value`` line per ``$_GET`` entry. A call from 000*099 to
00010005, answered then hung up, leaves three blocks in that log, in order: dial-out,
answer, hangup; each with ``myid => 175``, the same CallID and ``CallFlow => out``; the
hangup with ``CallStatus => ANSWER``, a ``Duration`` and a ``RecID``.

``run_scenario(target_url=...)`` (the CLI's ``--target``) sends every delivery to that URL
instead of the subscription's, so the target carries its own ``?myid=175``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web

from pbxdesk.domain.ids import CALL_API_ID_RE, CALL_ID_RE, dashed
from pbxdesk.engine.headless import run_scenario
from pbxdesk.engine.scenario import load_scenario
from pbxdesk.resources_dir import resource
from pbxdesk.store import queries
from pbxdesk.store.profile import Profile


class ShowPhp:
    """A loopback aiohttp server doing what the seed's show.php does with ``$_GET``."""

    def __init__(self) -> None:
        self.log: list[str] = []  # the web server's log file, line by line
        self.requests: list[tuple[str, str, list[tuple[str, str]]]] = []  # method, path, query
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _show(self, request: web.Request) -> web.Response:
        query = list(request.query.items())
        self.requests.append((request.method, request.path, query))
        self.log.append("------")
        # PHP's $_GET: one entry per key, the last value wins, in order of first appearance.
        get: dict[str, str] = {}
        for key, value in query:
            get[key] = value
        self.log.extend(f"{key} => {value}" for key, value in get.items())
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/fordel/show.php", self._show)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def blocks(self) -> list[dict[str, str]]:
        """The log read back: one dict per ``------`` block."""
        out: list[dict[str, str]] = []
        for line in self.log:
            if line == "------":
                out.append({})
            else:
                key, _, value = line.partition(" => ")
                out[-1][key] = value
        return out


@pytest.fixture
async def show_php():
    server = ShowPhp()
    await server.start()
    yield server
    await server.stop()


async def test_seed_worked_example_end_to_end(show_php: ShowPhp, tmp_path: Path) -> None:
    scenario = load_scenario(resource("scenarios", "seed-example.toml"))
    # The example as the manual gives it: extension 175, three GET subscriptions with myid=175.
    ext = scenario.extension(175)
    assert ext is not None and (ext.name, ext.record) == ("000*099", True)
    assert sorted(s.event_type.value for s in scenario.subscriptions) == ["answer", "dial-out", "hangup"]
    assert all(s.method.value == "GET" and s.url.endswith("?myid=175") for s in scenario.subscriptions)

    target = f"http://127.0.0.1:{show_php.port}/fordel/show.php?myid=175"
    profile_path = tmp_path / "p.sqlite"
    summary = await run_scenario(scenario, profile_path=profile_path, target_url=target, instant=True)

    assert summary.as_dict()["events"] == 3
    assert (summary.deliveries, summary.delivered, summary.failed) == (3, 3, 0)

    # Three GET requests to show.php, each carrying myid=175 in its query, once.
    assert [(method, path) for method, path, _ in show_php.requests] == [("GET", "/fordel/show.php")] * 3
    for _, _, query in show_php.requests:
        assert query[0] == ("myid", "175")  # the subscription URL's own query comes first
        assert [k for k, _ in query].count("myid") == 1

    blocks = show_php.blocks()
    assert show_php.log.count("------") == 3
    assert [b["EventType"] for b in blocks] == ["dial-out", "answer", "hangup"]
    for block in blocks:
        assert block["myid"] == "175"
        assert block["CallFlow"] == "out"
        assert block["CallerIDNum"] == "000*099"
        assert block["CallerExtensionID"] == "175"
        assert block["CalledNumber"] == "00010005"
    assert len({b["CallID"] for b in blocks}) == 1
    assert blocks[0]["CallID"]
    assert len({b["SubCallID"] for b in blocks}) == 1
    dial_out, answer, hangup = blocks
    assert dial_out["CallStatus"] == "CALLING"
    assert answer["CallStatus"] == "ANSWER"
    assert hangup["CallStatus"] == "ANSWER"
    # answered after 1 s, 2 s of talk: Duration is the talk time (answer -> hangup), in
    # microseconds, as the public record's real calls show (not ring + talk)
    assert hangup["Duration"] == "2000000"
    assert int(hangup["EventTime"]) - int(answer["EventTime"]) == 2_000_000
    # Ids in the real PBX's formats; the recording's id is the hangup's SubCallID.
    assert CALL_ID_RE.fullmatch(dial_out["CallID"])
    assert dial_out["SubCallID"] == f"175-{dial_out['CallID']}"  # 175 started the call
    assert CALL_API_ID_RE.fullmatch(dial_out["CallAPIID"])
    assert dial_out["CallAPIID"].endswith(dashed(dial_out["CallID"]))
    assert hangup["RecID"] == hangup["SubCallID"]
    for block in (dial_out, answer):
        assert "Duration" not in block and "RecID" not in block
    times = [int(b["EventTime"]) for b in blocks]
    assert times == sorted(times)
    assert times[2] - times[0] == 3_000_000

    # The run's history is in the profile: three events, three successful deliveries.
    with Profile.open(profile_path, create=False) as profile:
        assert profile.counts() == {"events": 3, "deliveries": 3, "delivered": 3}
        recorded = sorted(queries.events_by_ids(profile.conn, [1, 2, 3]), key=lambda e: e.id)
    assert [e.event_type for e in recorded] == ["dial-out", "answer", "hangup"]
    assert {e.call_id for e in recorded} == {dial_out["CallID"]}
    for event in recorded:
        (delivery,) = event.summary.deliveries
        assert delivery["method"] == "GET" and delivery["status_code"] == 200
