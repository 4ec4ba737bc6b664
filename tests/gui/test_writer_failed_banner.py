"""When the profile's writer fails for good, the window says so in place and keeps saying it:
deliveries stopped, the outbox is intact, what to do (not a status-bar message that fades)."""

from __future__ import annotations

import asyncio

from gui_helpers import until
from PySide6.QtCore import QCoreApplication

from pbxdesk.ui import i18n
from pbxdesk.ui.main_window import MainWindow


def test_a_writer_that_fails_for_good_shows_a_banner_that_stays(qtbot, profile, run_async) -> None:
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.show()
    window.speed_combo.setCurrentIndex(4)  # 10x: deliveries under way when the writer fails
    banner = window.writer_banner

    async def scenario() -> None:
        await window.start_session()
        assert not banner.isVisible()
        await until(lambda: window.model.delivered >= 3)
        # A statement that fails in every writer process and in the thread: the writer gives
        # up for good (as a full disk or a damaged file would), and the engine says why.
        window.session.writer.execute("INSERT INTO no_such_table (x) VALUES (?)", (1,))
        await until(lambda: banner.isVisible(), timeout=15)
        text = banner.label.text()
        assert "Deliveries stopped" in text and "no_such_table" in text
        assert "outbox is intact" in text and "pbxdesk outbox resume" in text
        assert "pbxdesk profile check default" in text
        # It stays: a second later, and after the status bar changed, it is still there.
        window.statusBar().showMessage("something else", 100)
        await asyncio.sleep(1.0)
        assert banner.isVisible() and banner.label.text() == text
        # Nothing could be recorded: Start stays off, even once the feed has stopped.
        await window.stop_feed()
        window._refresh_status()
        assert not window.start_action.isEnabled()
        await window.stop_feed()
        await window.session.close()

    run_async(scenario())


def test_the_banner_text_is_translated_to_russian(qapp) -> None:
    assert i18n.install_language(qapp, "ru") == "ru"
    try:
        source = (
            "⚠ Deliveries stopped: the profile's history writer failed and could not be "
            "restarted ({0}). Nothing more is sent or recorded in this session. The outbox "
            "is intact: %Ln delivery(ies) wait in it. Quit pbxdesk and start it again to "
            "send them (or run `pbxdesk outbox resume`); `pbxdesk profile check {1}` tells "
            "whether the profile file is damaged."
        )
        text = QCoreApplication.translate("WriterFailedBanner", source, "", 5)
        assert "Доставка остановлена" in text and "5 доставок" in text and "{0}" in text
    finally:
        i18n.install_language(qapp, "en")
