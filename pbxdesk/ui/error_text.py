"""What the UI shows for an error: for the PBX's errors, a headline in the user's language
in front of the message (which comes from the Qt-free layers, in English)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from pbxdesk.pbx.errors import (
    AuthError,
    NotFoundError,
    OfflineError,
    PbxApiError,
    PbxValidationError,
    RateLimitedError,
    ServerError,
)


def _headline(exc: PbxApiError) -> str:
    if isinstance(exc, AuthError):
        return QCoreApplication.translate("ErrorText", "The PBX did not accept the credentials")
    if isinstance(exc, OfflineError):
        return QCoreApplication.translate("ErrorText", "The PBX cannot be reached")
    if isinstance(exc, NotFoundError):
        return QCoreApplication.translate("ErrorText", "Not found on the PBX")
    if isinstance(exc, PbxValidationError):
        return QCoreApplication.translate("ErrorText", "The PBX refused the request")
    if isinstance(exc, RateLimitedError):
        return QCoreApplication.translate("ErrorText", "The PBX asks to slow down")
    if isinstance(exc, ServerError):
        return QCoreApplication.translate("ErrorText", "The PBX failed on its side")
    return QCoreApplication.translate("ErrorText", "The PBX answered with an error")


def error_text(exc: BaseException) -> str:
    """``exc`` for a user: a PBX error gets a translated headline, the detail after it."""
    if isinstance(exc, PbxApiError):
        return f"{_headline(exc)} — {exc}"
    return str(exc)
