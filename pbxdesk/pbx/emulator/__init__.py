"""The local PBX emulator: the real API's resources (a module per group) over one state.

``PbxEmulator`` (``core``) holds the account and serves ``account`` (token, user, client),
``extensions``, ``events`` (subscriptions, statuses, agents, limits), ``calls`` (callback,
current calls), ``history`` (call history, CDR, records, DIDs) and ``admin``; ``models`` are
the bodies, ``openapi`` the generated document.
"""

from pbxdesk.pbx.emulator.core import (
    DEFAULT_PORT,
    DEFAULT_SUBSCRIPTION_LIMIT,
    EMULATOR_DELIVERY_POLICY,
    Fault,
    PbxEmulator,
    running_emulator,
)

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_SUBSCRIPTION_LIMIT",
    "EMULATOR_DELIVERY_POLICY",
    "Fault",
    "PbxEmulator",
    "running_emulator",
]
