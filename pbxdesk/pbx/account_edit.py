"""Edit one extension or subscription on the PBX account, then in the profile (Qt-free).

The GUI's dialogs use these in Live mode. The account goes first: when the PBX refuses, the
profile is untouched and the error (a PbxDeskError a user can act on) is shown in the dialog.
The profile then takes what the PBX answered (its id, its name) and keeps its simulator-only
settings (recording, DID, queue agents...), as a pull does.

Local and remote ids are paired in the same setting sync uses (``pbx_sync``), so a later
"Sync with account" neither re-creates nor removes what was made here. A new item takes the
PBX's id locally when that id is free in the profile (as after a pull), else keeps its own.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from pbxdesk.domain import Extension, PbxDeskError, Subscription
from pbxdesk.domain.models import EXTENSION_ACCOUNT_FIELDS
from pbxdesk.pbx.client import PbxClient
from pbxdesk.pbx.errors import NotFoundError
from pbxdesk.pbx.sync import IdMapping


def remote_extension_id(profile: Any, local_id: int) -> int | None:
    """The account's id of a profile's extension, None when it was never pulled or pushed."""
    return IdMapping.load(profile).extensions.get(local_id)


def remote_subscription_id(profile: Any, local_id: int) -> int | None:
    return IdMapping.load(profile).subscriptions.get(local_id)


def _not_on_account(what: str) -> PbxDeskError:
    return PbxDeskError(
        f"{what} is not on the PBX account yet: push it with PBX → Sync with account…, "
        "or pull the account's configuration first"
    )


def _required_ext(mapping: IdMapping, profile: Any, local_id: int) -> int:
    rid = mapping.extensions.get(local_id)
    if rid is None:
        ext = profile.extension(local_id)
        raise _not_on_account(f"extension {ext.name if ext else local_id}")
    return rid


def _from_remote(local: Extension, remote: Extension, local_id: int) -> Extension:
    """The profile's extension: the PBX's fields, the profile's simulator-only settings."""
    return replace(local, id=local_id, **{k: getattr(remote, k) for k in EXTENSION_ACCOUNT_FIELDS})


def _saved_locally_failed(what: str, remote_id: int, exc: PbxDeskError) -> PbxDeskError:
    return PbxDeskError(
        f"{what} was saved on the PBX (id {remote_id}) but not in this profile ({exc}); "
        "pull the account's configuration to get it"
    )


# -- extensions -----------------------------------------------------------------------------------


async def create_extension(client: PbxClient, profile: Any, ext: Extension) -> Extension:
    made = await client.push_extension(ext)
    local_id = made.id if profile.extension(made.id) is None else ext.id
    saved = _from_remote(ext, made, local_id)
    try:
        profile.add_extension(saved)
    except PbxDeskError as exc:
        raise _saved_locally_failed(f"extension {made.name}", made.id, exc) from None
    mapping = IdMapping.load(profile)
    mapping.extensions[local_id] = made.id
    mapping.save(profile, client)
    return saved


async def update_extension(client: PbxClient, profile: Any, ext: Extension) -> Extension:
    mapping = IdMapping.load(profile)
    rid = _required_ext(mapping, profile, ext.id)
    remote = await client.update_extension(
        rid,
        name=ext.short,
        type=ext.type,
        status=ext.status,
        label=ext.label,
        caller_id_name=ext.caller_id_name or None,
        extension_group_id=ext.extension_group_id,
        extra_params=ext.extra_params,
    )
    saved = _from_remote(ext, remote, ext.id)
    try:
        profile.update_extension(saved)
    except PbxDeskError as exc:
        raise _saved_locally_failed(f"extension {remote.name}", rid, exc) from None
    return saved


async def delete_extension(client: PbxClient, profile: Any, ext_id: int) -> None:
    """Delete on the account (its subscriptions go with it there), then in the profile. An
    extension that is only in the profile is deleted there only."""
    mapping = IdMapping.load(profile)
    rid = mapping.extensions.get(ext_id)
    if rid is not None:
        with contextlib.suppress(NotFoundError):  # gone already: what was wanted
            await client.delete_extension(rid)
    gone_subs = [s.id for s in profile.subscriptions() if s.extension_id == ext_id]
    profile.delete_extension(ext_id)
    mapping.extensions.pop(ext_id, None)
    for sid in gone_subs:
        mapping.subscriptions.pop(sid, None)  # type: ignore[arg-type]
    mapping.save(profile, client)


# -- subscriptions --------------------------------------------------------------------------------


async def create_subscription(client: PbxClient, profile: Any, sub: Subscription) -> Subscription:
    mapping = IdMapping.load(profile)
    rext = _required_ext(mapping, profile, sub.extension_id)
    made = await client.create_subscription(rext, sub.event_type, sub.url, sub.method)
    assert made.id is not None
    wanted = made.id if profile.subscription(made.id) is None else None
    try:
        saved = profile.add_subscription(replace(sub, id=wanted))
    except PbxDeskError as exc:
        raise _saved_locally_failed("the subscription", made.id, exc) from None
    assert saved.id is not None
    mapping.subscriptions[saved.id] = made.id
    mapping.save(profile, client)
    return saved


async def update_subscription(client: PbxClient, profile: Any, sub: Subscription) -> Subscription:
    """Change it on the account; moved to another extension, it is made there and the old
    one removed (the API cannot move a subscription)."""
    assert sub.id is not None
    mapping = IdMapping.load(profile)
    old = profile.subscription(sub.id)
    rsub = mapping.subscriptions.get(sub.id)
    if old is None or rsub is None:
        raise _not_on_account(f"subscription #{sub.id}")
    rext = _required_ext(mapping, profile, sub.extension_id)
    if old.extension_id != sub.extension_id:
        made = await client.create_subscription(rext, sub.event_type, sub.url, sub.method)
        old_rext = mapping.extensions.get(old.extension_id, old.extension_id)
        with contextlib.suppress(NotFoundError):
            await client.delete_subscription(old_rext, rsub)
        assert made.id is not None
        mapping.subscriptions[sub.id] = made.id
        mapping.save(profile, client)
    else:
        await client.update_subscription(
            rext, rsub, event_type=sub.event_type, url=sub.url, method=sub.method
        )
    profile.update_subscription(sub)
    return sub


async def delete_subscription(client: PbxClient, profile: Any, sub_id: int) -> None:
    mapping = IdMapping.load(profile)
    sub = profile.subscription(sub_id)
    rsub = mapping.subscriptions.get(sub_id)
    if sub is not None and rsub is not None:
        rext = mapping.extensions.get(sub.extension_id, sub.extension_id)
        with contextlib.suppress(NotFoundError):
            await client.delete_subscription(rext, rsub)
    profile.delete_subscription(sub_id)
    mapping.subscriptions.pop(sub_id, None)
    mapping.save(profile, client)
