"""Live mode: the PBX REST API client, sync, monitoring an extension, and the local emulator.

Import the pieces from their modules (``pbxdesk.pbx.client``, ``.sync``, ``.monitor``,
``.emulator``); the error types are re-exported here for the UI.
"""

from pbxdesk.pbx.errors import (
    AuthError,
    NotFoundError,
    OfflineError,
    PbxApiError,
    PbxValidationError,
    RateLimitedError,
    ServerError,
)

__all__ = [
    "AuthError",
    "NotFoundError",
    "OfflineError",
    "PbxApiError",
    "PbxValidationError",
    "RateLimitedError",
    "ServerError",
]
