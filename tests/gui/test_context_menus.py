"""Context menus over a long session: each right-click builds a menu; the last one goes when
the next opens, so a window open all day keeps one of each, not one per click."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from pbxdesk.ui.main_window import MainWindow


def test_context_menus_do_not_pile_up(qtbot, profile, run_async) -> None:
    window = MainWindow(profile, "default")
    qtbot.addWidget(window)
    window.show()
    tree = window.ext_tree
    pos = tree.visualItemRect(tree.topLevelItem(0)).center()

    def menus() -> int:
        return len(window.findChildren(QMenu))

    async def scenario() -> None:
        window._column_menu(QPoint(10, 5))
        window.menus.context_menu(pos)
        await asyncio.sleep(0.05)
        start = menus()
        for _ in range(20):
            window.column_menu.hide()
            window._column_menu(QPoint(10, 5))
            window.menus.tree_menu.hide()
            window.menus.context_menu(pos)
            await asyncio.sleep(0)
        await asyncio.sleep(0.05)  # deleteLater has run
        assert menus() == start

    run_async(scenario())
