"""Screenshots of the main window as a person sees it after a few seconds of the demo feed:
each size and language asked for, a row selected, filters chosen, saved as PNG; per language
also a shipped scenario as the feed, and the banner shown when the profile's writer fails
for good (made to fail as tests/gui/test_writer_failed_banner.py does).

    QT_QPA_PLATFORM=offscreen python bench/screenshots.py OUT_DIR [--sizes 1280x800,1600x1000]
        [--languages en,ru] [--seconds 6]

Runs on a throwaway profile in a temporary PBXDESK_HOME (the user's profiles untouched), its
receiver on a free port.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--sizes", default="1280x800,1600x1000")
    ap.add_argument("--languages", default="en,ru")
    ap.add_argument("--seconds", type=float, default=6.0, help="feed time before each shot")
    ap.add_argument("--scenario", default="call-centre.toml", help="a shipped scenario, shot too ('': none)")
    ap.add_argument(
        "--no-writer-failed", dest="writer_failed", action="store_false",
        help="skip the shot of the writer-failed banner",
    )  # fmt: skip
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["PBXDESK_HOME"] = tempfile.mkdtemp(prefix="pbxdesk-shots-")

    import qasync
    from PySide6.QtCore import QSettings

    from pbxdesk.engine.session import RECEIVER_PORT_SETTING, ensure_demo
    from pbxdesk.resources_dir import resource
    from pbxdesk.store.paths import profile_path
    from pbxdesk.store.profile import Profile
    from pbxdesk.ui import i18n
    from pbxdesk.ui.app import make_application
    from pbxdesk.ui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, os.environ["PBXDESK_HOME"])
    app = make_application()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    profile = Profile.open(profile_path("default"))
    profile.set_setting(RECEIVER_PORT_SETTING, _free_port())
    ensure_demo(profile)

    async def shoot(
        language: str, width: int, height: int, scenario: str = "", *, fail_writer: bool = False
    ) -> Path:
        i18n.install_language(app, language)
        window = MainWindow(profile, "default")
        window.resize(width, height)
        window.speed_combo.setCurrentIndex(3)  # 5×: a full timeline in a few seconds
        if scenario:  # that shipped scenario as the feed: the strip above the timeline, its config
            feed = window.feed_combo
            feed.setCurrentIndex(feed.findData(str(resource("scenarios", scenario))))
        window.show()
        await window.start_session()
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if fail_writer and window.session.writer is not None:
            # A statement that fails in every writer process and in the thread: for good.
            window.session.writer.execute("INSERT INTO no_such_table (x) VALUES (?)", (1,))
            deadline = time.monotonic() + 15
            while window.writer_banner.isHidden() and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
        bar = window.filter_bar
        if not scenario:
            bar.extension.setCurrentIndex(1)
            bar.delivery.setCurrentIndex(bar.delivery.findData("delivered"))
            bar.time_range.setCurrentIndex(3)
        await asyncio.sleep(0.8)
        window.table.setCurrentIndex(window.model.index(max(0, window.model.rowCount() - 3), 0))
        await asyncio.sleep(0.5)
        name = f"-{Path(scenario).stem}" if scenario else ""
        name += "-writer-failed" if fail_writer else ""
        path = args.out / f"main-{width}x{height}-{language}{name}.png"
        window.grab().save(str(path))
        await window.stop_feed()
        await window.session.close()
        window.close()
        window.deleteLater()
        return path

    async def run() -> None:
        for language in args.languages.split(","):
            for size in args.sizes.split(","):
                w, h = (int(v) for v in size.split("x"))
                print(await shoot(language, w, h))
            w, h = (int(v) for v in args.sizes.split(",")[0].split("x"))
            if args.scenario:
                print(await shoot(language, w, h, args.scenario))
            if args.writer_failed:
                print(await shoot(language, w, h, fail_writer=True))

    try:
        with loop:
            loop.run_until_complete(run())
    finally:
        profile.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
