"""The open profile's configuration as the window's controllers see it: its extensions, their
names and its subscriptions, with one ``changed`` signal.

Whoever changes the profile's extensions or subscriptions (the extension and subscription
dialogs, a delete, a sync) calls ``reload()``; whoever shows or uses them (the side panel, the
delivery engine's subscriptions and names, the call-flow ladder) listens to ``changed``.
Before, the menus wrote the window's private lists and called its fill method by name.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from pbxdesk.domain import Extension, Subscription
from pbxdesk.store.profile import Profile


class ProfileConfig(QObject):
    changed = Signal()

    def __init__(self, profile: Profile, profile_name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self.profile_name = profile_name
        self.extensions: list[Extension] = []
        self.names: dict[int, str] = {}  # extension id -> name, as the timeline shows it
        self._read()

    def _read(self) -> None:
        self.extensions = self.profile.extensions()
        self.names = {e.id: e.name for e in self.extensions}

    def subscriptions(self) -> list[Subscription]:
        return self.profile.subscriptions()

    def reload(self) -> None:
        """Read the profile's extensions again and tell the listeners."""
        self._read()
        self.changed.emit()
