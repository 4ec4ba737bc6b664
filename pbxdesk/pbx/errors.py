"""What can go wrong talking to the PBX, each with a message a user can act on.

All are PbxDeskError subclasses (CLI exit code 2, an inline message in the GUI).
``OfflineError.offline`` is True: the UI shows an "offline" state rather than an error.
"""

from __future__ import annotations

from pbxdesk.domain import PbxDeskError


class PbxApiError(PbxDeskError):
    """The PBX API refused or failed a request."""

    offline = False

    def __init__(self, message: str, *, status: int | None = None, server_message: str | None = None) -> None:
        self.message = message
        self.status = status
        self.server_message = server_message
        super().__init__(message)


class AuthError(PbxApiError):
    """401/403: wrong client id or secret, an application of the wrong type, no permission."""


class NotFoundError(PbxApiError):
    """404: the extension (or subscription) does not exist on this PBX account."""


class PbxValidationError(PbxApiError):
    """400/422: the PBX refused the data; ``server_message`` says why in its own words."""


class RateLimitedError(PbxApiError):
    """429 after the client's retries: ``retry_after`` seconds until the PBX takes requests."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)  # type: ignore[arg-type]


class ServerError(PbxApiError):
    """5xx after the client's retries: the PBX's side failed."""


class OfflineError(PbxApiError):
    """The PBX could not be reached at all (no network, DNS, refused, timed out)."""

    offline = True


def message_for_status(status: int, what: str, server_message: str | None) -> PbxApiError:
    """Map an HTTP status of the API to the error a user can act on."""
    said = f": {server_message}" if server_message else ""
    if status == 401:
        return AuthError(
            f"the PBX refused the credentials{said}. Check the client id and secret of the API "
            "application (the app: Feed → Live: PBX account; the CLI: --client-id and PBXDESK_CLIENT_SECRET)",
            status=status,
            server_message=server_message,
        )
    if status == 403:
        return AuthError(
            f"the PBX does not allow this{said}. The API application must be of the 'trusted' type "
            "(client credentials) with access to this account's extensions",
            status=status,
            server_message=server_message,
        )
    if status == 404:
        return NotFoundError(
            f"{what}: not found on the PBX{said}. Check the extension id or '@short' number "
            "(pull the account's extensions to see them)",
            status=status,
            server_message=server_message,
        )
    if status in (400, 409, 422):
        return PbxValidationError(
            f"{what}: the PBX refused it{said or ' (no reason given)'}",
            status=status,
            server_message=server_message,
        )
    if status == 429:
        return RateLimitedError(
            f"{what}: the PBX is rate limiting this application; try again later{said}",
            status=status,
            server_message=server_message,
        )
    if status >= 500:
        return ServerError(
            f"{what}: the PBX failed (HTTP {status}){said}; it may be a temporary problem, try again",
            status=status,
            server_message=server_message,
        )
    return PbxApiError(
        f"{what}: unexpected answer HTTP {status}{said}", status=status, server_message=server_message
    )
