"""The main window fits a laptop's screen (1280 px wide) in every language it speaks, and its
filter boxes still say which is which when they are cut short."""

from __future__ import annotations

import contextlib

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


@pytest.mark.parametrize("language", ["en", "ru"])
def test_at_1280_px_every_chosen_filter_and_the_count_show_in_full(qtbot, qapp, profile, language):
    """Each box chosen at its longest item shows "Name: choice" unelided (as wide as that text
    needs; the boxes wrap to another line rather than shrink), and the match count is as wide
    as its text, at 1280 px, in English and Russian."""
    assert i18n.install_language(qapp, language) == language
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.resize(SCREEN_WIDTH, 800)
    window.show()
    qtbot.waitUntil(lambda: window.width() == SCREEN_WIDTH)
    bar = window.filter_bar
    combos = (bar.event_type, bar.extension, bar.call_status, bar.delivery, bar.time_range)
    for combo in combos:
        width = combo.fontMetrics().horizontalAdvance
        longest = max(range(1, combo.count()), key=lambda i, c=combo, w=width: w(c.itemText(i)))
        combo.setCurrentIndex(longest)
    bar.show_result(123_456, True, False, calls=12_345)
    with contextlib.suppress(Exception):  # the layout settles (pytestqt's TimeoutError: said below)
        qtbot.waitUntil(lambda: all(c.width() >= c.sizeHint().width() for c in combos), timeout=2000)
    for combo in combos:
        assert combo.display_text().startswith(combo.name + ": ")
        assert combo.width() >= combo.sizeHint().width(), (combo.display_text(), combo.width())
    label = bar.result_label
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text()), label.text()
    assert label.geometry().right() <= bar.width()
