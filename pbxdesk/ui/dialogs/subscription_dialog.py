"""Create or edit an event subscription; send a sample event to its URL to see the answer."""

from __future__ import annotations

import asyncio
import contextlib
import http
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from pbxdesk.domain import EventType, Extension, HttpMethod, PbxDeskError, Subscription, ValidationError
from pbxdesk.domain.validation import check_event_allowed, parse_method, validate_url
from pbxdesk.domain.wire import build_request
from pbxdesk.engine.policy import POLICY_SETTING, DeliveryPolicy
from pbxdesk.engine.senders import AttemptOutcome, make_senders
from pbxdesk.pbx import account_edit
from pbxdesk.store.profile import Profile
from pbxdesk.ui.dialogs.common import ERROR_COLOUR, OK_COLOUR, FormDialog, MessageLabel
from pbxdesk.ui.dialogs.extension_dialog import pbx_domain
from pbxdesk.ui.dialogs.sample import sample_event

if TYPE_CHECKING:
    from pbxdesk.ui.account import AccountConnection

log = logging.getLogger(__name__)

# The senders' error classes (pbxdesk.engine.senders.classify_error), for translation.
ERROR_CLASSES = {
    "timeout": QT_TRANSLATE_NOOP("SubscriptionDialog", "timeout"),
    "DNS failure": QT_TRANSLATE_NOOP("SubscriptionDialog", "DNS failure"),
    "TLS error": QT_TRANSLATE_NOOP("SubscriptionDialog", "TLS error"),
    "connection refused": QT_TRANSLATE_NOOP("SubscriptionDialog", "connection refused"),
    "connection reset": QT_TRANSLATE_NOOP("SubscriptionDialog", "connection reset"),
    "connection failed": QT_TRANSLATE_NOOP("SubscriptionDialog", "connection failed"),
    "non-2xx status": QT_TRANSLATE_NOOP("SubscriptionDialog", "non-2xx status"),
    "body too large": QT_TRANSLATE_NOOP("SubscriptionDialog", "body too large"),
}


def profile_policy(profile: Profile) -> DeliveryPolicy:
    """The profile's delivery policy; the defaults when its setting is broken (said in the log)."""
    try:
        return DeliveryPolicy.from_json(profile.get_setting(POLICY_SETTING))
    except (PbxDeskError, TypeError, ValueError) as exc:
        log.warning("the delivery policy setting is not valid (%s); using the defaults", exc)
        return DeliveryPolicy()


class SubscriptionDialog(FormDialog):
    """``subscription`` None: a new one on ``extension_id`` (if given); else it is edited. With
    ``account`` (Live mode) OK saves on the PBX account first, then in the profile."""

    test_finished = Signal(object)  # the AttemptOutcome of a test send

    def __init__(
        self,
        profile: Profile,
        subscription: Subscription | None = None,
        *,
        extension_id: int | None = None,
        parent: QWidget | None = None,
        account: AccountConnection | None = None,
    ) -> None:
        super().__init__(parent)
        self.profile = profile
        self.account = account
        self.original = subscription
        self.extensions = profile.extensions()
        self.others = [s for s in profile.subscriptions() if subscription is None or s.id != subscription.id]
        self.saved: Subscription | None = None
        self.last_outcome: AttemptOutcome | None = None
        self.last_request_url = ""
        self._test_task: asyncio.Task[None] | None = None
        self.testable = False  # extension, event, method and URL are fine (a duplicate may be tested)
        self.setWindowTitle(
            self.tr("New subscription") if subscription is None else self.tr("Edit subscription")
        )
        self.setMinimumWidth(520)

        self.ext_combo = QComboBox()
        kinds = {  # the type in the UI's language ("phone" read "(phone)" in Russian too)
            "phone": self.tr("phone"), "queue": self.tr("queue"),
            "ivr": self.tr("IVR"), "fax": self.tr("fax"),
        }  # fmt: skip
        for e in self.extensions:
            text = f"{e.name} — {e.label}" if e.label else e.name
            kind = kinds.get(e.type.value, e.type.value)
            self.ext_combo.addItem(self.tr("{0} ({1})").format(text, kind), e.id)
        self.event_combo = QComboBox()
        for et in EventType:
            self.event_combo.addItem(et.value, et.value)
        self.method_combo = QComboBox()
        self.method_combo.addItems([HttpMethod.GET.value, HttpMethod.POST.value])
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://crm.example/pbx/events.php?myid=175")

        self.add_field("extension", self.tr("Extension:"), self.ext_combo)
        self.add_field("event_type", self.tr("Event:"), self.event_combo)
        self.add_field(
            "method",
            self.tr("Method:"),
            self.method_combo,
            self.tr("GET: the event's fields are added to the URL's query; POST: a form body"),
        )
        self.add_field("url", self.tr("URL:"), self.url_edit)

        self.test_button = QPushButton(self.tr("Send test event"))
        self.test_button.setToolTip(
            self.tr("Send a sample event of this type to the URL now, with the profile's delivery settings")
        )
        self.test_button.clicked.connect(self.send_test)
        self.test_result = MessageLabel(OK_COLOUR)
        self.test_result.setObjectName("test_result")
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 6, 0, 0)
        line.addWidget(self.test_button)
        line.addWidget(self.test_result, 1)
        self.add_widget(row)

        if subscription is not None:
            self.ext_combo.setCurrentIndex(max(0, self.ext_combo.findData(subscription.extension_id)))
            self.event_combo.setCurrentIndex(max(0, self.event_combo.findData(subscription.event_type.value)))
            self.method_combo.setCurrentText(subscription.method.value)
            self.url_edit.setText(subscription.url)
        elif extension_id is not None:
            self.ext_combo.setCurrentIndex(max(0, self.ext_combo.findData(extension_id)))
        self.ext_combo.currentIndexChanged.connect(self.revalidate)
        self.event_combo.currentIndexChanged.connect(self.revalidate)
        self.method_combo.currentIndexChanged.connect(self.revalidate)
        self.url_edit.textChanged.connect(self.revalidate)
        self.finished.connect(self._cancel_test)
        if account is not None:
            self.banner.show_message(
                self.tr("Live mode: OK saves on the PBX account {0}, then in this profile.").format(
                    account.label
                )
            )
        self.revalidate()

    # -- the rules -------------------------------------------------------------------------------
    def _extension(self):  # noqa: ANN202
        ext_id = self.ext_combo.currentData()
        return next((e for e in self.extensions if e.id == ext_id), None)

    def _url_problem(self, text: str) -> str:
        if not text.strip():
            return self.tr("A URL is required")
        try:
            validate_url(text)
        except ValidationError as exc:
            msg = exc.message
            if "not an http(s) URL" in msg:
                return self.tr("Only http:// and https:// URLs: the PBX calls nothing else")
            if "has no host" in msg:
                return self.tr("The URL has no host")
            if "port 0" in msg:
                return self.tr("Port 0 is not a port")
            return self.tr("Not a valid URL: {0}").format(msg)
        return ""

    def validate(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        ext = self._extension()
        if ext is None:
            errors["extension"] = self.tr("Add an extension first")
        et = EventType(self.event_combo.currentData())
        if ext is not None:
            try:
                check_event_allowed(ext.type, et)
            except ValidationError:
                errors["event_type"] = self.tr(
                    "{0} events exist only on phone extensions; {1} is of type {2}"
                ).format(et.value, ext.name, ext.type.value)
        try:
            parse_method(self.method_combo.currentText())
        except ValidationError:
            errors["method"] = self.tr("The method must be GET or POST")
        errors["url"] = self._url_problem(self.url_edit.text())
        self.testable = not any(errors.values())
        if self.account is not None:
            self._live_problems(ext, errors)
        self.test_button.setEnabled(self.testable and self._test_task is None)
        if self.testable and ext is not None:
            url = self.url_edit.text().strip()
            method = self.method_combo.currentText()
            same = next(
                (s for s in self.others
                 if (s.extension_id, s.event_type, s.method.value, s.url) == (ext.id, et, method, url)),
                None,
            )  # fmt: skip
            if same is not None:
                errors["url"] = self.tr(
                    "This extension already sends {0} to this URL (subscription #{1})"
                ).format(et.value, same.id)
        return errors

    def _live_problems(self, ext: Extension | None, errors: dict[str, str]) -> None:
        """What the account cannot take: an extension or subscription it does not have."""
        if ext is not None and account_edit.remote_extension_id(self.profile, ext.id) is None:
            errors["extension"] = self.tr(
                "{0} is only in this profile, not on the PBX account: push it with "
                "PBX → Sync with account… first"
            ).format(ext.name)
        original = self.original
        if (
            original is not None
            and original.id is not None
            and (account_edit.remote_subscription_id(self.profile, original.id) is None)
        ):
            errors["live"] = self.tr(
                "This subscription is only in this profile, not on the PBX account: push it with "
                "PBX → Sync with account…, or edit it in Simulated mode"
            )

    def subscription(self) -> Subscription:
        ext = self._extension()
        assert ext is not None
        return Subscription(
            extension_id=ext.id,
            event_type=EventType(self.event_combo.currentData()),
            method=parse_method(self.method_combo.currentText()),
            url=validate_url(self.url_edit.text()),
            id=None if self.original is None else self.original.id,
        )

    def accept(self) -> None:
        if not self.revalidate():
            return
        sub = self.subscription()
        if self.account is not None:
            self._save_on_account(self.account, sub)
            return
        try:
            if self.original is None:
                sub = self.profile.add_subscription(sub)
            else:
                self.profile.update_subscription(sub)
        except PbxDeskError as exc:
            self.show_form_error(str(exc))
            return
        self.saved = sub
        super().accept()

    def _save_on_account(self, account: AccountConnection, sub: Subscription) -> None:
        save = account_edit.create_subscription if self.original is None else account_edit.update_subscription

        async def work() -> Subscription:
            client = await account.connect_saved()
            return await save(client, self.profile, sub)

        def done(saved: Subscription) -> None:
            self.saved = saved
            QDialog.accept(self)

        self.run_busy(self.tr("Saving to the PBX…"), work(), done)

    # -- the test send -----------------------------------------------------------------------------
    def send_test(self) -> None:
        """Send a sample event in the background (the app's asyncio loop); the result shows inline."""
        self.revalidate()
        if self._test_task is not None or not self.testable:
            return
        ext = self._extension()
        assert ext is not None
        et = EventType(self.event_combo.currentData())
        method = parse_method(self.method_combo.currentText())
        url = validate_url(self.url_edit.text())
        event = sample_event(ext, et, domain=pbx_domain(self.profile))
        request = build_request(method, url, event.to_fields())
        self.last_request_url = request.url
        self.test_result.set_colour("palette(mid)")
        self.test_result.show_message(self.tr("Sending {0} to {1}…").format(et.value, url))
        self.test_result.setToolTip(f"{method.value} {request.url}")
        self.test_button.setEnabled(False)
        policy = profile_policy(self.profile)
        self._test_task = asyncio.ensure_future(self._send(policy, request))

    async def _send(self, policy: DeliveryPolicy, request) -> None:  # noqa: ANN001
        sender = make_senders(policy, 1)[0]
        try:
            outcome = await sender.send(request)
        except Exception as exc:  # noqa: BLE001 - shown to the user, not swallowed silently
            log.exception("test send failed")
            outcome = AttemptOutcome(started_at=0, error=type(exc).__name__, error_detail=str(exc))
        finally:
            with contextlib.suppress(Exception):
                await sender.aclose()
        self._test_task = None
        self._show_outcome(outcome)

    def _show_outcome(self, out: AttemptOutcome) -> None:
        self.last_outcome = out
        if out.status_code is not None:
            try:
                reason = http.HTTPStatus(out.status_code).phrase
            except ValueError:
                reason = ""
            status = f"{out.status_code} {reason}".strip()
        else:
            status = ""
        if out.ok:
            text = self.tr("✔ {0} · {1} ms").format(status, f"{out.latency_ms:.1f}")
            self.test_result.set_colour(OK_COLOUR)
        else:
            error = out.error or ""
            if error in ERROR_CLASSES:
                error = QCoreApplication.translate("SubscriptionDialog", ERROR_CLASSES[error])
            what = f"{status} · {error}" if status else error
            text = self.tr("✘ {0} · {1} ms").format(what, f"{out.latency_ms:.1f}")
            if out.error_detail:
                text += f"\n{out.error_detail[:200]}"
            self.test_result.set_colour(ERROR_COLOUR)
        self.test_result.show_message(text)
        self.revalidate()
        self.test_finished.emit(out)

    def _cancel_test(self, *_args: object) -> None:
        if self._test_task is not None:
            self._test_task.cancel()
            self._test_task = None
