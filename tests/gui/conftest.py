import asyncio
import gc
import os
import socket
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
import qasync  # noqa: E402


@pytest.fixture(autouse=True)
def collect_in_the_gui_thread(qapp) -> Iterator[None]:
    """Each test's garbage (windows, models, their timers, in reference cycles) is collected
    here, in the GUI thread. Left to chance, a collection that a background thread (the
    profile writer's reader) happened to trigger destroyed Qt objects in that thread; a
    QTimer deleted outside its thread corrupts the GUI thread's timer list, and a later test
    segfaulted in QTimerInfoList::activateTimers (gdb), at random, more often with
    tests/unit collected in the same run."""
    yield
    gc.collect()


@pytest.fixture
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pbx_home(tmp_path, monkeypatch):
    monkeypatch.setenv("PBXDESK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def run_async(qapp) -> Iterator[Callable[[Coroutine[Any, Any, Any]], Any]]:
    """Run a coroutine on a qasync loop: Qt events and asyncio tasks both progress."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop.run_until_complete
    finally:
        loop.close()
        asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def qt_settings(tmp_path):
    """QSettings in the test's own folder, never the user's."""
    from PySide6.QtCore import QSettings

    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qt-settings"))


@pytest.fixture(autouse=True)
def english_ui(qapp):
    """The UI in English as the app starts it (make_application): with its plural forms
    ("1 event", "2 events") and English number grouping, whatever this machine's locale."""
    from pbxdesk.ui import i18n

    assert i18n.install_language(qapp, "en") == "en"
    yield
    i18n.remove_translators(qapp)


@pytest.fixture
def profile(pbx_home, free_port):
    """The default profile with the demo PBX, its built-in receiver on a free port."""
    from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
    from pbxdesk.store.paths import profile_path
    from pbxdesk.store.profile import Profile

    p = Profile.open(profile_path("default"))
    p.set_setting(RECEIVER_PORT_SETTING, free_port)
    ensure_demo(p)
    yield p
    p.close()
