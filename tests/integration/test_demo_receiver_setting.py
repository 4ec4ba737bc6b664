"""The demo receiver's port setting was saved as `test_receiver_port` before the rename: a
real profile file carrying it gets the receiver on that port, and the key is moved once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from pbxdesk.engine.session import FeedSession, receiver_port
from pbxdesk.store.profile import Profile


def _port_settings(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT key, value FROM settings WHERE key LIKE '%receiver_port' ORDER BY key"
        ).fetchall()


async def test_a_port_saved_under_the_old_name_is_moved_and_listened_on(
    tmp_path: Path, closed_port: int
) -> None:
    port = closed_port  # free: the demo receiver is to listen there
    path = tmp_path / "older.sqlite"
    with Profile.open(path) as profile:
        profile.set_setting("test_receiver_port", port)  # as an earlier pbxdesk saved it
    assert _port_settings(path) == [("test_receiver_port", str(port))]

    with Profile.open(path) as profile:
        session = FeedSession(profile, on_event=lambda *a: None, on_delivery=lambda *a: None)
        await session.open()
        try:
            assert session.receiver_error is None and session.receiver.port == port
            async with httpx.AsyncClient() as client:
                answer = await client.get(f"http://127.0.0.1:{port}/crm?x=1")
            assert answer.status_code == 200 and session.receiver.count == 1
        finally:
            await session.close()
    assert _port_settings(path) == [("demo_receiver_port", str(port))]  # moved, the old key gone

    with Profile.open(path) as profile:  # read again: nothing left to move, the same port
        assert receiver_port(profile) == port
    assert _port_settings(path) == [("demo_receiver_port", str(port))]


def test_a_port_set_under_the_new_name_wins_over_a_stale_old_one(tmp_path: Path) -> None:
    path = tmp_path / "both.sqlite"
    with Profile.open(path) as profile:
        profile.set_setting("demo_receiver_port", 20001)
        profile.set_setting("test_receiver_port", 20002)
        assert receiver_port(profile) == 20001
    assert _port_settings(path) == [("demo_receiver_port", "20001")]
