"""The connected PBX account: one API client the window's Live mode, the live monitor and the
sync dialog share, and the dialog that connects it.

Connecting signs in and lists the extensions once, so wrong credentials or an unreachable
PBX show in the connect dialog rather than at the first edit. The API address and client id
are saved in the profile (as the live monitor and the CLI save them); the secret only in the
OS keyring (or this session's memory), and only if the user asks.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QDialog, QLineEdit, QWidget

from pbxdesk.domain import PbxDeskError, ValidationError
from pbxdesk.domain.validation import validate_url
from pbxdesk.pbx import api
from pbxdesk.pbx.client import PbxClient
from pbxdesk.store import secrets
from pbxdesk.store.profile import Profile
from pbxdesk.ui.dialogs.common import FormDialog

log = logging.getLogger(__name__)

API_SETTING = "pbx_api"  # {"base_url": ..., "client_id": ...}: never the secret


class AccountConnection(QObject):
    """Owns the PbxClient while connected; ``changed`` when it connects or disconnects."""

    changed = Signal()

    def __init__(self, profile: Profile, profile_name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self.profile_name = profile_name
        self.client: PbxClient | None = None
        self.__secret = ""  # for prefilling the monitor dialog; never logged or shown

    # -- what is saved ---------------------------------------------------------------------------
    def saved(self) -> tuple[str, str]:
        """The saved API address and client id ('' when none)."""
        raw = self.profile.get_setting(API_SETTING, {}) or {}
        return str(raw.get("base_url") or api.DEFAULT_BASE_URL), str(raw.get("client_id") or "")

    def saved_secret(self) -> str:
        if self.client is not None and self.__secret:
            return self.__secret
        return secrets.get_secret(self.profile_name, secrets.CLIENT_SECRET) or ""

    @property
    def connected(self) -> bool:
        return self.client is not None

    @property
    def label(self) -> str:
        """``client id @ host``: which account, without the secret."""
        if self.client is None:
            return ""
        return f"{self.client.client_id} @ {urlsplit(self.client.base_url).netloc}"

    # -- connecting ------------------------------------------------------------------------------
    async def connect(
        self, base_url: str, client_id: str, secret: str, *, remember: bool = False
    ) -> PbxClient:
        """Sign in and check access (PbxDeskError saying what is wrong); then the shared client."""
        if (
            self.client is not None
            and (self.client.base_url, self.client.client_id) == (base_url.rstrip("/"), client_id)
            and self.__secret == secret
        ):
            return self.client
        client = PbxClient(client_id, secret, base_url=base_url)
        try:
            await client.list_extensions()
        except BaseException:
            await client.aclose()
            raise
        old, self.client, self.__secret = self.client, client, secret
        if old is not None:
            await old.aclose()
        self.profile.set_setting(API_SETTING, {"base_url": client.base_url, "client_id": client_id})
        if remember:
            secrets.set_secret(self.profile_name, secrets.CLIENT_SECRET, secret)
        log.info("connected to the PBX account at %s", client.base_url)
        self.changed.emit()
        return client

    async def connect_saved(self) -> PbxClient:
        """The shared client, connecting with what is saved; PbxDeskError when nothing is."""
        if self.client is not None:
            return self.client
        base_url, client_id = self.saved()
        secret = self.saved_secret()
        if not client_id or not secret:
            raise PbxDeskError(
                self.tr("not connected to a PBX account: choose “Live: PBX account” in the feed "
                        "selector and connect")
            )  # fmt: skip
        return await self.connect(base_url, client_id, secret)

    async def disconnect(self) -> None:
        client, self.client, self.__secret = self.client, None, ""
        if client is not None:
            await client.aclose()
            self.changed.emit()


class AccountDialog(FormDialog):
    """API address, client id and secret; Connect signs in with progress and errors in place."""

    def __init__(
        self, account: AccountConnection, parent: QWidget | None = None, *, problem: str = ""
    ) -> None:
        super().__init__(parent)
        self.account = account
        self.setWindowTitle(self.tr("Connect to the PBX account"))
        self.setMinimumWidth(520)
        base_url, client_id = account.saved()
        self.base_url = QLineEdit(base_url)
        self.client_id = QLineEdit(client_id)
        self.client_id.setPlaceholderText(self.tr("the API application's client id"))
        self.secret = QLineEdit(account.saved_secret())
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        # The backend's description is long: under the box, wrapped, not in its one-line text.
        self.remember = QCheckBox(self.tr("Keep the secret"))
        self.remember.setChecked(True)
        self.banner.show_message(
            self.tr("In Live mode the extension and subscription dialogs change this account through "
                    "its API; Simulated mode changes only this profile.")
        )  # fmt: skip
        self.add_field("base_url", self.tr("API address:"), self.base_url)
        self.add_field("client_id", self.tr("Client id:"), self.client_id)
        self.add_field("secret", self.tr("Client secret:"), self.secret)
        self.add_field("remember", "", self.remember, secrets.backend_description())
        self.ok_button.setText(self.tr("Connect"))
        for edit in (self.base_url, self.client_id, self.secret):
            edit.textChanged.connect(self.revalidate)
        self.revalidate()
        # The keyboard starts in the first box to fill (the API address is prefilled with the
        # real PBX's): without it, typing went nowhere until a click or Tab.
        first = next((e for e in (self.client_id, self.secret) if not e.text()), self.base_url)
        first.setFocus()
        if problem:
            self.show_form_error(problem)

    def validate(self) -> dict[str, str]:
        errors = {"base_url": "", "client_id": "", "secret": ""}
        try:
            validate_url(self.base_url.text().strip())
        except ValidationError:
            errors["base_url"] = self.tr("An http:// or https:// address, e.g. {0}").format(
                api.DEFAULT_BASE_URL
            )
        if not self.client_id.text().strip():
            errors["client_id"] = self.tr("Required: the client id of the PBX's API application")
        if not self.secret.text():
            errors["secret"] = self.tr("Required")
        return errors

    def accept(self) -> None:
        if self.busy or not self.revalidate():
            return
        work = self.account.connect(
            self.base_url.text().strip(),
            self.client_id.text().strip(),
            self.secret.text(),
            remember=self.remember.isChecked(),
        )
        self.run_busy(self.tr("Connecting to the PBX…"), work, lambda _client: QDialog.accept(self))
