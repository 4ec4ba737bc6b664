"""Units in the UI's language: "4 ms", "5 s", "5 min", "2 h" read "4 мс", "5 с", "5 мин",
"2 ч" in Russian (they stayed English). The number comes formatted; only the unit is
translated, in one context for the whole app."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def ms(number: str) -> str:
    return QCoreApplication.translate("Units", "{0} ms").format(number)


def seconds(number: str) -> str:
    return QCoreApplication.translate("Units", "{0} s").format(number)


def minutes(number: str) -> str:
    return QCoreApplication.translate("Units", "{0} min").format(number)


def hours(number: str) -> str:
    return QCoreApplication.translate("Units", "{0} h").format(number)
