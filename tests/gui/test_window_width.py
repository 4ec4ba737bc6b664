"""The main window fits a laptop's screen (1280 px wide) in every language it speaks, and its
filter boxes still say which is which when they are cut short."""

from __future__ import annotations

import pytest

from pbxdesk.ui import i18n
from pbxdesk.ui.main_window import MainWindow

SCREEN_WIDTH = 1280


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_window_fits_a_1280_px_screen(qtbot, qapp, profile, language):
    assert i18n.install_language(qapp, language) == language
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.show()
    assert window.minimumSizeHint().width() <= SCREEN_WIDTH
    window.resize(SCREEN_WIDTH, 800)
    qtbot.waitUntil(lambda: window.width() == SCREEN_WIDTH)
    bar = window.filter_bar
    combos = (bar.event_type, bar.extension, bar.call_status, bar.delivery, bar.time_range)
    # Each "no filter" text begins with its own word, so even elided the boxes differ.
    starts = {c.itemText(0).split(":")[0] for c in combos}
    assert len(starts) == len(combos)
    for combo in combos:  # and the drop-down lists show their items whole
        assert combo.view().minimumWidth() >= combo.view().sizeHintForColumn(0)
    bar.set_extensions(profile.extensions())
    assert bar.extension.view().minimumWidth() >= bar.extension.view().sizeHintForColumn(0)
