"""The toolbar's profile selector: it lists the profiles, switches the window to another
(the old session closed, the new one running) and creates a new profile by name."""

from __future__ import annotations

import socket

import pytest
import shiboken6
from gui_helpers import until
from PySide6.QtWidgets import QInputDialog

from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
from pbxdesk.store.paths import profile_path
from pbxdesk.store.profile import Profile
from pbxdesk.ui.app import AppWindow
from pbxdesk.ui.profile_switcher import NEW_PROFILE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _make(name: str) -> None:
    with Profile.open(profile_path(name)) as p:
        p.set_setting(RECEIVER_PORT_SETTING, _free_port())
        ensure_demo(p)


@pytest.fixture
def two_profiles(pbx_home):
    _make("default")
    _make("support")


def _names(combo) -> list[str]:
    return [combo.itemData(i) for i in range(combo.count()) if combo.itemData(i)]


def test_switching_reopens_the_window_on_the_other_profile(qtbot, two_profiles, run_async) -> None:
    app_window = AppWindow("default")
    first = app_window.window  # not given to qtbot: the switch deletes it
    combo = first.profiles.combo
    assert _names(combo) == ["default", "support", NEW_PROFILE]
    assert combo.currentData() == "default"

    async def scenario() -> None:
        first.show()
        await first.start_session(autostart=False)
        first_session = first.session
        assert first_session.writer is not None
        # The user picks "support" in the toolbar.
        combo.activated.emit(combo.findData("support"))
        assert app_window.closed.is_set() and app_window.switch_to == "support"
        await app_window.switch("support")
        second = app_window.window
        qtbot.addWidget(second)
        assert second is not first and second.profile_name == "support"
        assert second.windowTitle().endswith("support") and second.isVisible()
        await until(lambda: not shiboken6.isValid(first))  # closed, and freed
        assert first_session.writer is None  # the old session is closed: history flushed
        assert second.session.engine is not None  # the new one runs
        assert second.profiles.combo.currentData() == "support"
        assert app_window.profile.path == profile_path("support")
        await app_window.close_session()

    run_async(scenario())
    app_window.profile.close()


def test_new_profile_asks_again_on_a_bad_name_then_switches(qtbot, two_profiles) -> None:
    app_window = AppWindow("default")
    window = app_window.window
    qtbot.addWidget(window)
    switcher = window.profiles
    asked: list[str] = []
    switcher.switch_requested.connect(asked.append)

    switcher.combo.activated.emit(switcher.combo.findData(NEW_PROFILE))
    dialogs = [d for d in window.findChildren(QInputDialog) if d.isVisible()]
    assert len(dialogs) == 1 and "Name of the new profile" in dialogs[0].labelText()
    assert switcher.combo.currentData() == "default"  # unchanged until a switch happens
    dialogs[0].reject()

    assert not switcher.create_and_switch("bad/name")
    again = [d for d in window.findChildren(QInputDialog) if d.isVisible()]
    assert again and "is not" in again[-1].labelText()  # the reason, before the question
    assert again[-1].textValue() == "bad/name"  # what was typed stays, to correct
    assert not profile_path("default").with_name("bad").exists() and asked == []
    for d in again:
        d.reject()

    assert not switcher.create_and_switch("support")  # taken
    assert asked == []

    assert switcher.create_and_switch("night shift")
    assert profile_path("night shift").exists() and asked == ["night shift"]
    app_window.profile.close()
