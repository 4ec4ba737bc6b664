"""`pbxdesk --self-test`: prove that an installation works, with no display and no user data.

It runs what a user's first minute runs, each step checked:

1. Qt starts (the ``offscreen`` platform when there is no X11/Wayland display) and the SVG
   app icon renders, so the Qt plugins an installer must carry are there;
2. the main window opens on a throwaway profile (a temporary ``PBXDESK_HOME``: nothing is
   written to the user's profiles, log or Qt settings) and is painted; the time from the
   process start to that moment is printed;
3. the engine runs the shipped seed example (``resources/scenarios/seed-example.toml``) on
   its virtual clock against a loopback :class:`~pbxdesk.engine.demo_receiver.DemoReceiver`;
   every delivery must arrive with a 2xx, as many as the receiver counted and the profile
   stored;
4. the window closes.

Exit status 0 when every step passed; 1 with the failing step and the reason on stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

from pbxdesk.cli.exit_codes import ExitCode

SCENARIO = "seed-example.toml"
STEP_TIMEOUT_S = 30.0

_IMPORTED_AT = time.time()


class SelfTestFailure(Exception):
    """A check that did not hold: the message says which and why."""


def _say(message: str) -> None:
    print(f"self-test: {message}", flush=True)


def process_start_time() -> tuple[float, str]:
    """When this process started (seconds since the epoch), and where that figure comes from.

    Linux reads the kernel's start time of the process (/proc, 10 ms resolution); Windows asks
    GetProcessTimes. Elsewhere the best known figure is when this module was imported.
    """
    if sys.platform.startswith("linux"):
        try:
            stat = Path("/proc/self/stat").read_text()
            # Fields after the command name (which may hold spaces) start at field 3.
            start_ticks = int(stat.rsplit(")", 1)[1].split()[19])
            uptime = float(Path("/proc/uptime").read_text().split()[0])
            age = uptime - start_ticks / os.sysconf("SC_CLK_TCK")
            return time.time() - max(age, 0.0), "process start"
        except (OSError, ValueError, IndexError):
            pass
    elif sys.platform == "win32":
        try:
            import ctypes
            from ctypes import wintypes

            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
            kernel32.GetCurrentProcess.restype = wintypes.HANDLE
            kernel32.GetProcessTimes.argtypes = [wintypes.HANDLE] + [ctypes.POINTER(wintypes.FILETIME)] * 4
            kernel32.GetProcessTimes.restype = wintypes.BOOL
            creation, exit_, kernel, user = (wintypes.FILETIME() for _ in range(4))
            if kernel32.GetProcessTimes(
                kernel32.GetCurrentProcess(),
                ctypes.byref(creation),
                ctypes.byref(exit_),
                ctypes.byref(kernel),
                ctypes.byref(user),
            ):
                ticks = (creation.dwHighDateTime << 32) | creation.dwLowDateTime  # 100 ns since 1601
                return ticks / 1e7 - 11_644_473_600, "process start"
        except (AttributeError, OSError):
            pass
    return _IMPORTED_AT, "self-test import"


def use_offscreen_if_headless() -> None:
    """No X11/Wayland display (CI, ssh, containers): Qt's offscreen platform needs none."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


@contextlib.contextmanager
def _scoped_environ(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextlib.contextmanager
def _log_to(path: Path) -> Iterator[None]:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(min(old_level or logging.INFO, logging.INFO))
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()


def _no_proxy_for_loopback() -> str:
    current = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    hosts = [h for h in current.split(",") if h.strip()]
    for host in ("127.0.0.1", "localhost"):
        if host not in hosts:
            hosts.append(host)
    return ",".join(hosts)


def run_self_test() -> int:
    """Run every check; print one line a step; 0 when all passed, 1 (and the reason) if not."""
    from pbxdesk.domain import PbxDeskError

    started, start_label = process_start_time()
    use_offscreen_if_headless()
    with tempfile.TemporaryDirectory(prefix="pbxdesk-selftest-", ignore_cleanup_errors=True) as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        no_proxy = _no_proxy_for_loopback()
        with (
            _scoped_environ(PBXDESK_HOME=str(home), NO_PROXY=no_proxy, no_proxy=no_proxy),
            _log_to(Path(tmp) / "selftest.log"),
        ):
            try:
                _run(Path(tmp), started, start_label)
            except (SelfTestFailure, PbxDeskError) as exc:
                print(f"self-test: FAILED: {exc}", file=sys.stderr, flush=True)
                return ExitCode.FAILED
            except Exception as exc:  # anything unexpected is a failure too, with its trace
                traceback.print_exc()
                print(f"self-test: FAILED: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                return ExitCode.FAILED
    _say(f"passed in {time.time() - started:.2f} s")
    return ExitCode.OK


def _run(tmp: Path, started: float, start_label: str) -> None:
    from pbxdesk import __version__

    _say(f"pbxdesk {__version__}, Python {sys.version.split()[0]}, {'frozen' if _frozen() else 'source'}")
    try:
        import qasync
        from PySide6.QtCore import QSettings

        from pbxdesk.ui.app import make_application
        from pbxdesk.ui.icons import app_icon
    except ImportError as exc:
        raise SelfTestFailure(
            f"Qt cannot be loaded: {exc}. On Debian/Ubuntu install the Qt system libraries "
            "listed in the README (Quick start)."
        ) from None

    # Qt settings (window geometry) go to the temporary folder, not the user's.
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "qt-settings"))
    app = make_application()
    app.setQuitOnLastWindowClosed(False)  # closing the window is a step, not the end
    _say(f"Qt {_qt_version()} started on the '{app.platformName()}' platform")
    icon = app_icon()
    if icon.isNull() or icon.pixmap(64, 64).isNull():
        raise SelfTestFailure("the SVG app icon did not render: Qt's SVG icon engine plugin is missing")
    _say("SVG app icon renders")
    # A frozen app's Qt may look for its translations where the build machine had them: check
    # that Qt's own translation of every language we ship is found (see ui/i18n.py).
    from PySide6.QtCore import QTranslator

    from pbxdesk.ui import i18n

    for lang in i18n.LANGUAGES:
        if lang != i18n.SOURCE_LANGUAGE and i18n.qt_translation_file(lang) is None:
            raise SelfTestFailure(
                f"Qt's own translation qtbase_{lang}.qm is missing (looked in "
                f"{', '.join(map(str, i18n.qt_translation_dirs()))}): its standard buttons stay English"
            )
        # Ours too, English's included: without it a count reads "1 event(s)".
        ours = i18n.translation_file(lang)
        if not QTranslator().load(ours):
            raise SelfTestFailure(f"pbxdesk's translation {ours} is missing or unreadable")
    _say("pbxdesk's and Qt's own translations found")

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop, _quiet_offscreen_notice():
            loop.run_until_complete(asyncio.wait_for(_async_checks(started, start_label), 4 * STEP_TIMEOUT_S))
    except TimeoutError:
        raise SelfTestFailure(f"did not finish within {4 * STEP_TIMEOUT_S:.0f} s") from None
    finally:
        asyncio.set_event_loop(None)


@contextlib.contextmanager
def _quiet_offscreen_notice() -> Iterator[None]:
    """Drop the offscreen platform's one harmless notice; pass every other Qt message on."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if "does not support propagateSizeHints" not in message:
            print(message, file=sys.stderr, flush=True)

    previous = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


async def _async_checks(started: float, start_label: str) -> None:
    from pbxdesk.engine.session import ensure_demo
    from pbxdesk.store.paths import profile_path
    from pbxdesk.store.profile import Profile

    # The window's profile: the demo PBX, as a first start creates it. Its feed is not
    # started, so the built-in receiver never binds the port a running pbxdesk may hold.
    profile = Profile.open(profile_path("selftest"))
    try:
        ensure_demo(profile)
        window = await _open_window(profile, started, start_label)
        try:
            await asyncio.to_thread(_check_writer_process, profile_path("selftest-writer"))
            await _run_scenario()
        finally:
            await _close_window(window)
    finally:
        profile.close()


async def _open_window(profile, started: float, start_label: str):
    from PySide6.QtCore import QEvent, QObject

    from pbxdesk.ui.main_window import MainWindow

    painted: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    class _FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and not painted.done():
                painted.set_result(time.time())
            return False

    window = MainWindow(profile, "selftest")
    watcher = _FirstPaint(window)
    window.installEventFilter(watcher)
    window.show()
    try:
        shown_at = await asyncio.wait_for(painted, STEP_TIMEOUT_S)
    except TimeoutError:
        raise SelfTestFailure(f"the main window was not painted within {STEP_TIMEOUT_S:.0f} s") from None
    finally:
        window.removeEventFilter(watcher)
    if not window.isVisible():
        raise SelfTestFailure("the main window is not visible after show()")
    _say(
        f"main window shown {shown_at - started:.3f} s after {start_label} "
        f"({window.width()}x{window.height()}, title {window.windowTitle()!r})"
    )
    return window


async def _close_window(window) -> None:
    window.close()
    await asyncio.sleep(0)
    await window.session.close()
    if window.isVisible():
        raise SelfTestFailure("the main window did not close")
    _say("main window closed")


async def _run_scenario() -> None:
    from pbxdesk.engine.demo_receiver import DemoReceiver
    from pbxdesk.engine.headless import check_calls, run_scenario
    from pbxdesk.engine.scenario import load_scenario
    from pbxdesk.resources_dir import resource
    from pbxdesk.store.paths import profile_path
    from pbxdesk.store.profile import Profile

    scenario_file = resource("scenarios", SCENARIO)
    scenario = load_scenario(scenario_file)
    check_calls(scenario)
    receiver = DemoReceiver()
    try:
        await receiver.start()
    except OSError as exc:
        raise SelfTestFailure(f"the loopback receiver could not listen on 127.0.0.1: {exc}") from None
    try:
        target = f"{receiver.base_url}/selftest"
        run_profile = profile_path("selftest-run")
        summary = await asyncio.wait_for(
            run_scenario(scenario, run_profile, target_url=target, instant=True), STEP_TIMEOUT_S
        )
    finally:
        await receiver.stop()
    received = list(receiver.requests)
    with Profile.open(run_profile, create=False) as stored:
        counts = stored.counts()

    _check(summary.events > 0, f"{SCENARIO} produced no events")
    _check(summary.deliveries > 0, f"{SCENARIO} made no deliveries")
    _check(
        summary.failed == 0 and summary.delivered == summary.deliveries,
        f"only {summary.delivered} of {summary.deliveries} deliveries got a 2xx from {target} "
        f"({summary.failed} failed, {getattr(summary, 'retrying', 0)} still retrying)",
    )
    _check(
        receiver.count == summary.deliveries,
        f"the receiver got {receiver.count} requests, the engine reports {summary.deliveries} deliveries",
    )
    _check(
        all(_event_type(r) for r in received),
        "a request reached the receiver without its EventType field",
    )
    _check(
        counts["events"] == summary.events
        and counts["deliveries"] == summary.deliveries
        and counts["delivered"] == summary.deliveries,
        f"the profile stored {counts}, the run reported {summary.as_dict()}",
    )
    types = sorted({_event_type(r) for r in received})
    _say(
        f"{SCENARIO}: {summary.events} events, {summary.deliveries} deliveries to {receiver.base_url}, "
        f"all 2xx ({', '.join(types)}), all stored"
    )


def _check_writer_process(path: Path) -> None:
    """The profile writer's own process starts (in the frozen app: this executable started
    with --writer-process) and commits; without it pbxdesk would write from a thread."""
    from pbxdesk.domain import EventData, EventType
    from pbxdesk.store.profile import Profile
    from pbxdesk.store.writer import BatchWriter, event_row

    Profile.open(path).close()
    writer = BatchWriter(path)
    try:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        n = 0
        while writer.process_pid is None and writer.error is None and time.monotonic() < deadline:
            n += 1  # the process takes over at a commit once it is ready
            writer.add_event(event_row(n, EventData(100, EventType.DIAL_IN, f"selftest-{n}", n), "", "sim"))
            writer.flush()
            time.sleep(0.02)
        pid = writer.process_pid
        writer.flush()
    finally:
        writer.close()
    _check(pid is not None, f"the profile writer process did not start ({writer.error or 'no answer'})")
    with Profile.open(path, create=False) as stored:
        events = stored.counts()["events"]
    _check(events == n, f"the writer committed {events} of {n} events")
    _say(f"profile writer process (pid {pid}) commits")


def _check(condition: bool, reason: str) -> None:
    if not condition:
        raise SelfTestFailure(reason)


def _event_type(request) -> str:
    fields = dict(request.query)
    if request.body:
        fields.update({k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()})
    return fields.get("EventType", "")


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _qt_version() -> str:
    from PySide6.QtCore import qVersion

    return qVersion()
