"""The strip above the timeline while a scenario file is the chosen feed: what the scenario
holds, where its requests go ("Deliver to"), or, for a file that does not load, its error
(file, entry, key) — shown when the file is chosen and kept until it is fixed or removed.

Where the requests go: a scenario's subscriptions name their own URLs (the shipped ones a
CRM on this machine), and nothing may be listening there. By default the app sends them to
its built-in test receiver, each URL's path and query kept (the receiver records it), so a
shipped scenario shows answers, not a wall of "connection refused". The user may choose the
scenario's own URLs, or one other URL for every request (as ``pbxdesk run --target``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import QFileSystemWatcher, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPushButton, QWidget

from pbxdesk.domain import PbxDeskError, ValidationError
from pbxdesk.domain.validation import validate_url
from pbxdesk.engine.headless import check_calls
from pbxdesk.engine.scenario import Scenario, load_scenario

TO_RECEIVER = "receiver"  # the built-in test receiver, paths kept (the default)
TO_OWN = "own"  # the scenario's own URLs
TO_OTHER = "other"  # every request to one URL the user gives


def rebase(url: str, base_url: str) -> str:
    """``url`` with the scheme, host and port of ``base_url``; its path and query kept."""
    parts, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path or "/", parts.query, ""))


def retarget(scenario: Scenario, how: str, *, receiver_url: str, other_url: str = "") -> Scenario:
    """The scenario with its subscriptions' URLs as ``how`` says (see the module doc)."""
    if how == TO_OWN:
        return scenario
    if how == TO_OTHER:
        url_of: Callable[[str], str] = lambda _url: other_url  # noqa: E731 - one expression
    else:
        url_of = lambda url: rebase(url, receiver_url)  # noqa: E731
    subs = tuple(dataclasses.replace(s, url=url_of(s.url)) for s in scenario.subscriptions)
    return dataclasses.replace(scenario, subscriptions=subs)


def check_scenario(path: str) -> Scenario:
    """Load and validate ``path`` the way Start will play it (every call simulated once)."""
    scenario = load_scenario(path)
    check_calls(scenario)
    return scenario


class ScenarioBar(QWidget):
    """Shows the chosen scenario (or its error) and the "Deliver to" chooser."""

    changed = Signal()  # the scenario shown, its validity or its target changed
    remove_requested = Signal(str)  # the path of a broken opened file to take off the feed list

    def __init__(self, receiver_url: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenario_bar")
        self._receiver_url = receiver_url
        self.path: str | None = None
        self.scenario: Scenario | None = None  # as loaded (its own URLs); None: none chosen, or broken
        self.error: str | None = None
        self.removable = False  # an opened file (not a shipped one) can be taken off the list
        self.other_url = ""
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(lambda _p: self.check())

        self.label = QLabel()
        self.label.setObjectName("scenario_label")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.target_label = QLabel(self.tr("Deliver to:"))
        self.target_combo = QComboBox()
        self.target_combo.setObjectName("scenario_target")
        self.target_combo.addItem(self.tr("Test receiver (paths kept)"), TO_RECEIVER)
        self.target_combo.addItem(self.tr("The scenario's own URLs"), TO_OWN)
        self.target_combo.addItem(self.tr("Another URL…"), TO_OTHER)
        self.target_combo.setToolTip(
            self.tr("Where this scenario's requests go. The test receiver built into the app answers "
                    "and records every request; the scenario's own URLs are sent as written; another "
                    "URL takes every request, as pbxdesk run --target does.")
        )  # fmt: skip
        self.target_combo.activated.connect(self._target_chosen)
        self.check_button = QPushButton(self.tr("Check again"))
        self.check_button.clicked.connect(self.check)
        self.remove_button = QPushButton(self.tr("Remove from list"))
        self.remove_button.clicked.connect(lambda: self.path and self.remove_requested.emit(self.path))
        self.dialog: QInputDialog | None = None  # the open "another URL" question
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.label, 1)
        for w in (self.target_label, self.target_combo, self.check_button, self.remove_button):
            layout.addWidget(w)
        self.setVisible(False)

    # -- what is shown ---------------------------------------------------------------------------
    @property
    def target(self) -> str:
        return str(self.target_combo.currentData())

    def show_path(self, path: str | None, *, removable: bool = False) -> None:
        """Show scenario ``path`` (validated now), or hide the strip (None: not a scenario feed)."""
        if self._watcher.files():
            self._watcher.removePaths(self._watcher.files())
        self.path, self.removable = path, removable
        if path is not None and Path(path).exists():
            self._watcher.addPath(path)
        self.check()

    def check(self) -> bool:
        """Validate the file again; True when it loads. The error stays shown until it loads."""
        self.scenario, self.error = None, None
        if self.path is not None:
            if self.path not in self._watcher.files() and Path(self.path).exists():
                self._watcher.addPath(self.path)  # an editor that replaces the file drops the watch
            try:
                self.scenario = check_scenario(self.path)
            except (PbxDeskError, ValidationError) as exc:
                self.error = str(exc)
        self._show()
        self.changed.emit()
        return self.scenario is not None

    def playable(self) -> Scenario | None:
        """The scenario as Start plays it: its subscriptions sent where "Deliver to" says."""
        if self.scenario is None:
            return None
        return retarget(
            self.scenario, self.target, receiver_url=self._receiver_url(), other_url=self.other_url
        )

    def _show(self) -> None:
        self.setVisible(self.path is not None)
        broken = self.error is not None
        for w in (self.target_label, self.target_combo):
            w.setVisible(not broken)
        self.check_button.setVisible(broken)
        self.remove_button.setVisible(broken and self.removable)
        if broken:
            self.label.setText(self.tr("⚠ This scenario cannot be played: {0}").format(self.error))
            self.label.setStyleSheet("color: #cf222e; font-weight: bold;")
            self.label.setToolTip(self.error or "")
            return
        self.label.setStyleSheet("")
        sc = self.scenario
        if sc is None:
            return
        pieces = [
            self.tr("Scenario {0}").format(Path(self.path or "").stem),
            self.tr("%Ln extension(s)", "", len(sc.extensions)),
            self.tr("%Ln subscription(s)", "", len(sc.subscriptions)),
        ]
        self.label.setText(" · ".join(pieces))
        self.label.setToolTip(self.path or "")

    # -- "Deliver to" ------------------------------------------------------------------------------
    def _target_chosen(self, index: int) -> None:
        if self.target_combo.itemData(index) != TO_OTHER:
            self.changed.emit()
            return
        # Window-modal with open(): no nested event loop, the feed and engine keep running.
        dialog = QInputDialog(self)
        dialog.setWindowTitle(self.tr("Deliver the scenario to"))
        dialog.setLabelText(self.tr("Every request of the scenario goes to this URL (method kept):"))
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(self.other_url or f"{self._receiver_url()}/scenario")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self._other_url_given)
        dialog.rejected.connect(self._other_url_cancelled)
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()

    def _other_url_given(self, text: str) -> None:
        try:
            self.other_url = validate_url(text.strip(), where=self.tr("Deliver to"))
        except ValidationError as exc:
            self.other_url = ""
            self.target_combo.setCurrentIndex(0)
            self.label.setText(f"⚠ {exc}")
            self.label.setStyleSheet("color: #cf222e;")
            return
        self.target_combo.setItemText(2, self.tr("Another URL: {0}").format(self.other_url))
        self.changed.emit()

    def _other_url_cancelled(self) -> None:
        if not self.other_url:
            self.target_combo.setCurrentIndex(0)
        self.changed.emit()
