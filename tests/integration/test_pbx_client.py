"""The PBX REST client against the emulator, over real HTTP on 127.0.0.1: CRUD, tokens,
and every error path through the emulator's fault injection (no mock of the transport)."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest

from pbxdesk.domain import EventType, Extension, ExtensionStatus, ExtensionType, HttpMethod, PbxDeskError
from pbxdesk.domain.ids import CALL_ID_RE
from pbxdesk.pbx.client import OFFLINE, ONLINE, PbxClient
from pbxdesk.pbx.emulator import Fault, PbxEmulator, running_emulator
from pbxdesk.pbx.errors import (
    AuthError,
    NotFoundError,
    OfflineError,
    PbxValidationError,
    RateLimitedError,
    ServerError,
)

CID, SECRET = "app-42", "s3cret-Do-Not-Log"
EXTS = (
    Extension(175, "000*099", ExtensionType.PHONE, label="Anna"),
    Extension(200, "000*200", ExtensionType.PHONE, label="Sales desk"),
    Extension(300, "000*300", ExtensionType.IVR, label="Menu", route="000*200"),
)


@pytest.fixture
async def emu():
    e = PbxEmulator(CID, SECRET, extensions=EXTS, subscription_limit=4)
    await e.start()
    yield e
    await e.stop()


@pytest.fixture
async def client(emu):
    c = PbxClient(CID, SECRET, base_url=emu.base_url, backoff=0.01, max_backoff=0.05)
    yield c
    await c.aclose()


def _statuses(emu: PbxEmulator, path_part: str) -> list[int]:
    return [status for _m, path, status in emu.log if path_part in path]


async def _fault(emu: PbxEmulator, **fault: object) -> None:
    """Inject through the admin endpoint, as a user of the emulator would."""
    async with httpx.AsyncClient() as http:
        resp = await http.post(f"{emu.base_url}/admin/faults", json=fault)
        assert resp.status_code == 200, resp.text


# -- CRUD -----------------------------------------------------------------------------------------


async def test_extensions_crud(client: PbxClient, emu: PbxEmulator) -> None:
    listed = await client.list_extensions()
    assert [(e.id, e.name, e.type) for e in listed] == [(e.id, e.name, e.type) for e in EXTS]
    assert [e.id for e in await client.list_extensions(type="ivr")] == [300]

    made = await client.create_extension("201", ExtensionType.PHONE, label="Ivan")
    assert made.name == "000*201"  # the PBX adds the client prefix to a short name
    assert made.id not in {e.id for e in EXTS}
    assert (await client.get_extension(made.id)) == made
    assert (await client.get_extension("@201")) == made

    changed = await client.update_extension("@201", label="Ivan P.", status=ExtensionStatus.BLOCKED)
    assert (changed.label, changed.status) == ("Ivan P.", ExtensionStatus.BLOCKED)
    assert (await client.get_extension(made.id)).label == "Ivan P."

    await client.delete_extension(made.id)
    with pytest.raises(NotFoundError):
        await client.get_extension(made.id)
    assert len(await client.list_extensions()) == len(EXTS)


async def test_subscriptions_crud_and_limit(client: PbxClient, emu: PbxEmulator) -> None:
    a = await client.create_subscription(175, EventType.DIAL_OUT, "https://crm.example/show.php?myid=175")
    assert a.id is not None and a.extension_id == 175 and a.method is HttpMethod.GET
    b = await client.create_subscription("@099", "hangup", "https://crm.example/h", "POST")
    assert [s.id for s in await client.list_subscriptions(175)] == [a.id, b.id]
    assert await client.get_subscription(175, b.id) == b

    moved = await client.update_subscription(
        175, a.id, event_type="answer", url="https://crm.example/a", method="POST"
    )
    assert (moved.id, moved.event_type, moved.method, moved.url) == (
        a.id,
        EventType.ANSWER,
        HttpMethod.POST,
        "https://crm.example/a",
    )
    assert (await client.get_subscription(175, a.id)).event_type is EventType.ANSWER

    await client.delete_subscription(175, b.id)
    assert [s.id for s in await client.list_subscriptions(175)] == [a.id]
    with pytest.raises(NotFoundError):
        await client.delete_subscription(175, b.id)

    limits = await client.limits()
    assert limits.subscriptions == 4
    for et in ("dial-in", "dial-out", "hangup"):
        await client.create_subscription(200, et, "https://crm.example/x")
    with pytest.raises(PbxValidationError, match="limit"):
        await client.create_subscription(200, "answer", "https://crm.example/x")

    # Deleting an extension removes its subscriptions (and frees the limit).
    await client.delete_extension(200)
    assert len(emu.subscriptions) == 1
    await client.create_subscription(175, "dial-in", "https://crm.example/x")


async def test_server_validation_carries_the_servers_message(client: PbxClient) -> None:
    with pytest.raises(PbxValidationError) as exc:
        await client.create_subscription(300, "message-in", "https://crm.example/m")
    assert exc.value.status == 400
    assert "only available on 'phone'" in str(exc.value)
    assert "message-in" in exc.value.server_message
    with pytest.raises(PbxValidationError, match="already exists"):
        await client.create_extension("099", "phone")
    with pytest.raises(PbxValidationError, match="type: Input should be .phone., .queue., .ivr. or .fax."):
        await client.request(
            "POST", "/client/@me/extension/", "creating", json={"name": "555", "type": "robot"}
        )


async def test_unknown_extension_is_404_with_a_hint(client: PbxClient) -> None:
    with pytest.raises(NotFoundError) as exc:
        await client.list_subscriptions("@999")
    assert exc.value.status == 404
    assert "@999" in str(exc.value) and "pull" in str(exc.value)
    assert isinstance(exc.value, PbxDeskError)


# -- tokens ---------------------------------------------------------------------------------------


async def test_token_is_cached_then_renewed_before_it_expires() -> None:
    async with (
        running_emulator(CID, SECRET, extensions=EXTS, token_ttl=1.0) as emu,
        PbxClient(CID, SECRET, base_url=emu.base_url) as c,
    ):
        await c.list_extensions()
        await c.list_extensions()
        assert c.token_fetches == 1  # cached
        await asyncio.sleep(1.0)  # expires at 1.0 s; renewed from 0.9 s on
        await c.list_extensions()
        assert c.token_fetches == 2
        assert 401 not in [s for _m, _p, s in emu.log]  # renewed before, not after a refusal


async def test_a_refused_token_is_renewed_and_the_call_retried_once(
    client: PbxClient, emu: PbxEmulator
) -> None:
    await client.list_extensions()
    async with httpx.AsyncClient() as http:
        assert (await http.post(f"{emu.base_url}/admin/revoke-tokens")).json() == {"revoked": 1}
    assert len(await client.list_extensions()) == len(EXTS)
    assert client.token_fetches == 2
    assert _statuses(emu, "/client/4711/extension") == [200, 401, 200]

    # Refused again after renewing: a clear error, not a loop.
    await _fault(emu, status=401, count=2, path="/api/")
    with pytest.raises(AuthError, match="client id and secret"):
        await client.list_extensions()
    assert _statuses(emu, "/client/4711/extension")[-2:] == [401, 401]


async def test_bad_secret_and_wrong_application_type(emu: PbxEmulator, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with PbxClient(CID, "wrong-secret-value", base_url=emu.base_url) as c:
        with pytest.raises(AuthError) as exc:
            await c.list_extensions()
        assert exc.value.status == 401 and "client id and secret" in str(exc.value)
        assert "wrong-secret-value" not in str(exc.value) and "wrong-secret-value" not in repr(c)
    async with PbxClient(CID, SECRET, base_url=emu.base_url) as c:
        await _fault(emu, status=403, path="/oauth/token")
        with pytest.raises(AuthError, match="'trusted' type"):
            await c.list_extensions()
    assert SECRET not in caplog.text and "wrong-secret-value" not in caplog.text


# -- 429, 5xx, latency, offline -----------------------------------------------------------------------


async def test_429_waits_for_retry_after_then_succeeds(client: PbxClient, emu: PbxEmulator) -> None:
    await client.list_extensions()  # sign in first: the fault is for the API call
    await _fault(emu, status=429, count=1, retry_after=1, path="/api/")
    t0 = time.monotonic()
    assert len(await client.list_extensions()) == len(EXTS)
    assert time.monotonic() - t0 >= 0.95  # honoured Retry-After: 1
    assert _statuses(emu, "/client/4711/extension")[-2:] == [429, 200]


async def test_429_that_persists_or_asks_too_long_is_reported(client: PbxClient, emu: PbxEmulator) -> None:
    await client.list_extensions()
    await _fault(emu, status=429, count=10, retry_after=0, path="/api/")
    with pytest.raises(RateLimitedError) as exc:
        await client.list_extensions()
    assert _statuses(emu, "/client/4711/extension")[-4:] == [429] * 4  # 1 + 3 retries
    assert exc.value.retry_after == 0
    emu.faults.clear()

    await _fault(emu, status=429, count=1, retry_after=600, path="/api/")
    t0 = time.monotonic()
    with pytest.raises(RateLimitedError) as exc:
        await client.list_extensions()
    assert time.monotonic() - t0 < 1.0  # does not sleep ten minutes
    assert exc.value.retry_after == 600 and "600 s" in str(exc.value)


async def test_5xx_is_retried_with_backoff_then_reported(client: PbxClient, emu: PbxEmulator) -> None:
    await client.list_extensions()
    await _fault(emu, status=503, count=2, path="/api/")
    assert len(await client.list_extensions()) == len(EXTS)
    assert _statuses(emu, "/client/4711/extension")[-3:] == [503, 503, 200]

    await _fault(emu, status=500, count=10, path="/api/")
    with pytest.raises(ServerError, match="HTTP 500"):
        await client.get_extension(175)
    assert _statuses(emu, "/extension/175")[-4:] == [500] * 4
    emu.faults.clear()

    # A POST that failed with 500 may have been carried out: not repeated.
    await _fault(emu, status=500, count=1, path="/api/")
    with pytest.raises(ServerError):
        await client.create_subscription(175, "hangup", "https://crm.example/h")
    assert _statuses(emu, "/extension/175/event") == [500]
    assert emu.subscriptions == {}


async def test_latency_is_injected_and_a_timeout_is_offline(emu: PbxEmulator) -> None:
    async with PbxClient(CID, SECRET, base_url=emu.base_url, timeout=0.3) as c:
        await c.list_extensions()
        await _fault(emu, latency=0.15, count=1, path="/api/")
        t0 = time.monotonic()
        await c.list_extensions()
        assert time.monotonic() - t0 >= 0.15
        emu.faults.append(Fault(latency=1.0, count=1, path="/api/"))
        with pytest.raises(OfflineError, match="did not answer in time"):
            await c.list_extensions()
        assert c.state == OFFLINE


async def test_offline_when_the_pbx_is_down_then_online_again() -> None:
    emu = PbxEmulator(CID, SECRET, extensions=EXTS)
    port = await emu.start()
    states: list[str] = []
    async with PbxClient(CID, SECRET, base_url=emu.base_url, on_state=states.append) as c:
        await c.list_extensions()
        await emu.stop()
        with pytest.raises(OfflineError) as exc:
            await c.list_extensions()
        assert exc.value.offline and c.offline
        assert "cannot reach the PBX" in str(exc.value) and "connection refused" in str(exc.value)
        emu2 = PbxEmulator(CID, SECRET, extensions=EXTS)
        await emu2.start(port=port)
        try:
            assert len(await c.list_extensions()) == len(EXTS)  # a new token from the new PBX
        finally:
            await emu2.stop()
        assert c.state == ONLINE
    assert states == [ONLINE, OFFLINE, ONLINE]


async def test_callback_answers_with_the_call_id(client: PbxClient, emu: PbxEmulator) -> None:
    result = await client.callback("@200", "+79817654321", ["200"])
    assert result.call_id and CALL_ID_RE.fullmatch(result.call_id)
    with pytest.raises(PbxValidationError, match="cannot place calls"):
        await client.callback("@200", "+79817654321", ["300"])
    with pytest.raises(NotFoundError):
        await client.callback("@404", "+79817654321", ["200"])
    with pytest.raises(PbxValidationError, match="not a phone number"):
        await client.callback("@200", "call me", ["200"])
