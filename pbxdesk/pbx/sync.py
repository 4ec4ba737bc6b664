"""Sync a profile's configuration with the PBX account.

- ``pull``: the account's extensions and subscriptions become the profile's (simulator-only
  settings of an extension the profile already had, such as recording or queue agents, are
  kept); local ids then equal the PBX's.
- ``plan_push``: the difference between the profile and the account now (added / changed /
  removed, for extensions and subscriptions), to show before anything is sent.
- ``push``: applies a plan item by item and reports each item's result; a failed item does
  not undo the others, and stays in the next plan.

Which local item is which remote one is kept in the profile's settings (``pbx_sync``):
``{"extensions": {local id: remote id}, "subscriptions": {local id: remote id}}``. Remote
items that were never pulled are not touched by a push (they are listed as notes).

Notes and each item's result are ``SyncText``: the English sentence the CLI prints, which also
keeps its kind and parameters, so the GUI can say it in the user's language.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pbxdesk.domain import Extension, PbxDeskError, Subscription
from pbxdesk.domain.models import EXTENSION_ACCOUNT_FIELDS
from pbxdesk.pbx.client import PbxClient
from pbxdesk.pbx.errors import NotFoundError, PbxApiError
from pbxdesk.pbx.monitor import monitored_ids

SYNC_SETTING = "pbx_sync"
ADDED, CHANGED, REMOVED = "added", "changed", "removed"
EXTENSION, SUBSCRIPTION = "extension", "subscription"
_EXT_FIELDS = ("name", "type", "status", "label")
# The resource's own fields a user edits: compared (and pushed) when either side has them set.
_OPTIONAL_FIELDS = ("caller_id_name", "extension_group_id", "extra_params")
# The resource's fields a pull takes from the PBX (the PBX sets the last three).
_RESOURCE_FIELDS = (*_OPTIONAL_FIELDS, "create_date", "client_id", "domain")
_SUB_FIELDS = ("extension_id", "event_type", "method", "url")
# What a difference calls each compared field: the CLI writes it (lower case at the start, a
# word within its sentence), the Sync dialog shows it translated (its FIELD_TEXT holds the same
# English, marked for Qt's tr).
FIELD_LABELS = {
    "name": "Name",
    "type": "Type",
    "status": "Status",
    "label": "Label",
    "caller_id_name": "Caller ID name",
    "extension_group_id": "Extension group",
    "extra_params": "Extra parameters",
    "extension_id": "Extension",
    "event_type": "Event",
    "method": "Method",
    "url": "URL",
}


def field_label(key: str) -> str:
    """A compared field as the CLI's sentence names it: ``caller ID name``, ``URL``."""
    label = FIELD_LABELS.get(key, key)
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


# The kinds of SyncText, with their English (the CLI's output: keep it as it is).
NOTE_REMOTE_EXTENSION = "remote-extension"  # name, id
NOTE_REMOTE_SUBSCRIPTION = "remote-subscription"  # id, event_type, extension_id, extension_name
RESULT_DONE = "done"
RESULT_SKIPPED = "skipped"  # extension_id: its extension failed earlier in the same push
RESULT_NO_REMOTE_EXTENSION = "no-remote-extension"  # extension_id
RESULT_ERROR = "error"  # error: the exception (the PBX refused, or the request failed)
_ENGLISH = {
    NOTE_REMOTE_EXTENSION: "extension {name} (id {id}) is on the PBX only: pull to get it",
    NOTE_REMOTE_SUBSCRIPTION: (
        "subscription #{id} ({event_type} of extension {extension_id}) is on the PBX only"
    ),
    RESULT_DONE: "done",
    RESULT_SKIPPED: "skipped: extension {extension_id} could not be created or changed on the PBX",
    RESULT_NO_REMOTE_EXTENSION: "extension {extension_id} is not on the PBX: push or pull it first",
    RESULT_ERROR: "{error}",
}


class SyncText(str):
    """A note or an item's result: the English sentence (what the CLI prints; it compares and
    formats as that string), plus ``kind`` and ``params`` for a UI that says it in another
    language. A str so the CLI, and whoever keeps these as text, need nothing new."""

    kind: str
    params: dict[str, Any]

    def __new__(cls, kind: str, **params: Any) -> SyncText:
        text = super().__new__(cls, _ENGLISH[kind].format(**params))
        text.kind = kind
        text.params = params
        return text

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:  # copy and pickle: made again
        return (self.kind,), dict(self.params)

    @property
    def text(self) -> str:
        return str.__str__(self)


class _Refused(PbxDeskError):
    """An item the push does not send, and why."""

    def __init__(self, why: SyncText) -> None:
        super().__init__(why)
        self.why = why


def _ext_view(ext: Extension, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    view: dict[str, Any] = {
        "name": ext.name,
        "type": ext.type.value,
        "status": ext.status.value,
        "label": ext.label,
    }
    for key in optional:
        view[key] = getattr(ext, key)
    return view


def _set_on(*exts: Extension) -> tuple[str, ...]:
    """The optional resource fields set on any of ``exts``: compared and shown only then, so an
    extension that never had them reads as before."""
    return tuple(k for k in _OPTIONAL_FIELDS if any(getattr(e, k) not in ("", None) for e in exts))


def _sub_view(sub: Subscription, ext_id: int | None = None) -> dict[str, Any]:
    return {
        "extension_id": sub.extension_id if ext_id is None else ext_id,
        "event_type": sub.event_type.value,
        "method": sub.method.value,
        "url": sub.url,
    }


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # added | changed | removed
    entity: str  # extension | subscription
    local_id: int | None
    remote_id: int | None
    before: dict[str, Any] | None  # the PBX's side
    after: dict[str, Any] | None  # the profile's side

    @property
    def fields(self) -> list[str]:
        if self.before is None or self.after is None:
            return []
        return [k for k in self.after if self.before.get(k) != self.after.get(k)]

    def describe(self) -> str:
        mark = {ADDED: "+", CHANGED: "~", REMOVED: "-"}[self.kind]
        side = self.after if self.after is not None else self.before
        assert side is not None
        if self.entity == EXTENSION:
            label = f", {side['label']!r}" if side["label"] else ""
            what = f"extension {side['name']} ({side['type']}{label})"
        else:
            what = (
                f"subscription: extension {side['extension_id']} {side['event_type']} "
                f"{side['method']} {side['url']}"
            )
            if self.remote_id is not None:
                what = f"subscription #{self.remote_id}: " + what.split(": ", 1)[1]
        text = f"{mark} {what}"
        if self.kind == CHANGED:
            assert self.before is not None and self.after is not None
            diffs = ", ".join(
                f"{field_label(k)} {self.before.get(k)!r} -> {self.after.get(k)!r}" for k in self.fields
            )
            text += f": {diffs}"
        return text


@dataclass(slots=True)
class SyncPlan:
    changes: list[Change] = field(default_factory=list)
    notes: list[SyncText] = field(default_factory=list)  # remote items a push leaves alone
    pairs: IdMapping | None = None  # which local item is which remote one (the diff's pairing)

    @property
    def empty(self) -> bool:
        return not self.changes

    def counts(self) -> dict[str, int]:
        out = {ADDED: 0, CHANGED: 0, REMOVED: 0}
        for c in self.changes:
            out[c.kind] += 1
        return out

    def describe(self) -> list[str]:
        return [c.describe() for c in self.changes]


@dataclass(frozen=True, slots=True)
class ItemResult:
    change: Change
    ok: bool
    message: SyncText
    remote_id: int | None = None

    def describe(self) -> str:
        return f"{'ok' if self.ok else 'FAILED'}: {self.change.describe()}" + (
            "" if self.ok else f" — {self.message}"
        )


@dataclass(slots=True)
class PushReport:
    results: list[ItemResult] = field(default_factory=list)

    @property
    def failed(self) -> list[ItemResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(slots=True)
class PullReport:
    extensions: int
    subscriptions: int
    skipped_extensions: int  # of a type pbxdesk does not model
    skipped_monitor: int  # made by a live monitor: not part of the configuration


# -- mapping --------------------------------------------------------------------------------------


@dataclass(slots=True)
class IdMapping:
    """Which local id is which remote one (the ``pbx_sync`` setting); also used by the GUI's
    live edits, so a push after them sees the same pairs."""

    extensions: dict[int, int]
    subscriptions: dict[int, int]

    @classmethod
    def load(cls, profile: Any) -> IdMapping:
        raw = profile.get_setting(SYNC_SETTING) or {}
        return cls(
            {int(k): int(v) for k, v in (raw.get("extensions") or {}).items()},
            {int(k): int(v) for k, v in (raw.get("subscriptions") or {}).items()},
        )

    def save(self, profile: Any, client: PbxClient) -> None:
        profile.set_setting(
            SYNC_SETTING,
            {
                "base_url": client.base_url,
                "client_id": client.client_id,
                "extensions": {str(k): v for k, v in sorted(self.extensions.items())},
                "subscriptions": {str(k): v for k, v in sorted(self.subscriptions.items())},
            },
        )


async def _remote(client: PbxClient, profile: Any) -> tuple[list[Extension], list[Subscription], int, int]:
    exts = await client.list_extensions()
    skipped_ext = len(client.skipped)
    skip_ids = monitored_ids(profile)
    subs: list[Subscription] = []
    skipped_mon = 0
    for ext in exts:
        for sub in await client.list_subscriptions(ext.id):
            if sub.id in skip_ids:
                skipped_mon += 1
            else:
                subs.append(sub)
    return exts, subs, skipped_ext, skipped_mon


# -- pull -----------------------------------------------------------------------------------------


async def pull(client: PbxClient, profile: Any) -> PullReport:
    """Make the profile's configuration the account's (see the module's docstring)."""
    exts, subs, skipped_ext, skipped_mon = await _remote(client, profile)
    mapping = IdMapping.load(profile)
    local_by_remote = {mapping.extensions.get(e.id, e.id): e for e in profile.extensions()}
    merged = []
    for r in exts:
        local = local_by_remote.get(r.id)
        if local is None:
            merged.append(r)
            continue
        same = {k: getattr(r, k) for k in EXTENSION_ACCOUNT_FIELDS}
        merged.append(replace(local, id=r.id, **same))
    profile.replace_config(merged, subs)
    new = IdMapping({e.id: e.id for e in exts}, {s.id: s.id for s in subs if s.id is not None})
    new.save(profile, client)
    return PullReport(len(exts), len(subs), skipped_ext, skipped_mon)


# -- diff -----------------------------------------------------------------------------------------


def diff(
    local_exts: list[Extension],
    local_subs: list[Subscription],
    remote_exts: list[Extension],
    remote_subs: list[Subscription],
    mapping: IdMapping,
) -> SyncPlan:
    """What a push would do to make the account like the profile.

    Pairs are the mapping's; a local item the mapping does not know is paired with the remote
    one that has its id and name (a profile pulled or pushed without the mapping, or made from
    the same scenario the account was), else the remote one with its name, which the PBX keeps
    unique (creating it would fail with "already exists"). Subscriptions likewise, by id and
    content, then by content alone.
    """
    mapping = _completed(mapping, local_exts, local_subs, remote_exts, remote_subs)
    plan = SyncPlan(pairs=mapping)
    r_exts = {e.id: e for e in remote_exts}
    r_subs = {s.id: s for s in remote_subs}
    paired_ext: set[int] = set()
    local_ext_ids = {e.id for e in local_exts}
    for ext in local_exts:
        rid = mapping.extensions.get(ext.id)
        remote = r_exts.get(rid) if rid is not None else None
        if remote is None:
            plan.changes.append(Change(ADDED, EXTENSION, ext.id, None, None, _ext_view(ext, _set_on(ext))))
            continue
        paired_ext.add(remote.id)
        keys = _set_on(ext, remote)
        if _ext_view(remote, keys) != _ext_view(ext, keys):
            plan.changes.append(
                Change(CHANGED, EXTENSION, ext.id, remote.id, _ext_view(remote, keys), _ext_view(ext, keys))
            )
    paired_sub: set[int] = set()
    for sub in local_subs:
        assert sub.id is not None
        rid = mapping.subscriptions.get(sub.id)
        remote_sub = r_subs.get(rid) if rid is not None else None
        after = _sub_view(sub)
        if remote_sub is None:
            plan.changes.append(Change(ADDED, SUBSCRIPTION, sub.id, None, None, after))
            continue
        paired_sub.add(remote_sub.id)  # type: ignore[arg-type]
        # Shown with the local extension id (a pushed extension's remote id may differ).
        before_local = _sub_view(remote_sub, _local_of(mapping.extensions, remote_sub.extension_id))
        if before_local != after:
            plan.changes.append(Change(CHANGED, SUBSCRIPTION, sub.id, remote_sub.id, before_local, after))
    local_sub_ids = {s.id for s in local_subs}
    for lid, rid in sorted(mapping.subscriptions.items()):
        if lid not in local_sub_ids and rid in r_subs and rid not in paired_sub:
            rs = r_subs[rid]
            local_ext = _local_of(mapping.extensions, rs.extension_id)
            plan.changes.append(Change(REMOVED, SUBSCRIPTION, lid, rid, _sub_view(rs, local_ext), None))
            paired_sub.add(rid)
    for lid, rid in sorted(mapping.extensions.items()):
        if lid not in local_ext_ids and rid in r_exts and rid not in paired_ext:
            gone = r_exts[rid]
            plan.changes.append(Change(REMOVED, EXTENSION, lid, rid, _ext_view(gone, _set_on(gone)), None))
            paired_ext.add(rid)
    known_remote_subs = set(mapping.subscriptions.values())
    for e in remote_exts:
        if e.id not in paired_ext and e.id not in mapping.extensions.values():
            plan.notes.append(SyncText(NOTE_REMOTE_EXTENSION, name=e.name, id=e.id))
    for s in remote_subs:
        if s.id not in paired_sub and s.id not in known_remote_subs:
            owner = r_exts.get(s.extension_id)
            plan.notes.append(
                SyncText(
                    NOTE_REMOTE_SUBSCRIPTION,
                    id=s.id,
                    event_type=s.event_type.value,
                    extension_id=s.extension_id,
                    extension_name=owner.name if owner is not None else str(s.extension_id),
                )
            )
    return plan


def _completed(
    mapping: IdMapping,
    local_exts: list[Extension],
    local_subs: list[Subscription],
    remote_exts: list[Extension],
    remote_subs: list[Subscription],
) -> IdMapping:
    exts = dict(mapping.extensions)
    taken = set(exts.values())
    by_id = {e.id: e for e in remote_exts}
    by_name = {e.name: e for e in remote_exts}
    for ext in local_exts:
        if ext.id in exts:
            continue
        same_id = by_id.get(ext.id)
        remote = same_id if same_id is not None and same_id.name == ext.name else by_name.get(ext.name)
        if remote is not None and remote.id not in taken:
            exts[ext.id] = remote.id
            taken.add(remote.id)
    subs = dict(mapping.subscriptions)
    taken_subs = set(subs.values())

    def key(s: Subscription, ext_id: int | None) -> tuple[Any, ...]:
        return (ext_id, s.event_type, s.method, s.url)

    remote_by_key: dict[tuple[Any, ...], list[Subscription]] = {}
    for rs in remote_subs:
        remote_by_key.setdefault(key(rs, rs.extension_id), []).append(rs)
    for sub in local_subs:
        if sub.id is None or sub.id in subs:
            continue
        candidates = [
            rs
            for rs in remote_by_key.get(key(sub, exts.get(sub.extension_id)), [])
            if rs.id not in taken_subs
        ]
        if candidates:
            best = next((rs for rs in candidates if rs.id == sub.id), candidates[0])
            assert best.id is not None  # the PBX's subscriptions all have ids
            subs[sub.id] = best.id
            taken_subs.add(best.id)
    return IdMapping(exts, subs)


def _local_of(ext_map: dict[int, int], remote_id: int) -> int:
    for lid, rid in ext_map.items():
        if rid == remote_id:
            return lid
    return remote_id


async def plan_push(client: PbxClient, profile: Any) -> SyncPlan:
    exts, subs, _, _ = await _remote(client, profile)
    return diff(profile.extensions(), profile.subscriptions(), exts, subs, IdMapping.load(profile))


# -- push -----------------------------------------------------------------------------------------

_ORDER = {
    (EXTENSION, ADDED): 0,
    (EXTENSION, CHANGED): 1,
    (SUBSCRIPTION, REMOVED): 2,  # first: frees room under the subscription limit
    (SUBSCRIPTION, CHANGED): 3,
    (SUBSCRIPTION, ADDED): 4,
    (EXTENSION, REMOVED): 5,
}


async def push(
    client: PbxClient,
    profile: Any,
    plan: SyncPlan,
    *,
    on_result: Callable[[ItemResult], None] | None = None,
) -> PushReport:
    """Apply ``plan`` item by item; each result is reported, failures do not undo the rest."""
    saved = IdMapping.load(profile)
    mapping = IdMapping(
        {**(plan.pairs.extensions if plan.pairs else {}), **saved.extensions},
        {**(plan.pairs.subscriptions if plan.pairs else {}), **saved.subscriptions},
    )
    local_exts = {e.id: e for e in profile.extensions()}
    local_subs = {s.id: s for s in profile.subscriptions()}
    report = PushReport()
    failed_ext: set[int] = set()
    for change in sorted(plan.changes, key=lambda c: _ORDER[(c.entity, c.kind)]):
        try:
            remote_id = await _apply(client, change, mapping, local_exts, local_subs, failed_ext)
            result = ItemResult(change, True, SyncText(RESULT_DONE), remote_id)
        except (PbxApiError, PbxDeskError) as exc:
            if change.entity == EXTENSION and change.local_id is not None:
                failed_ext.add(change.local_id)
            why = exc.why if isinstance(exc, _Refused) else SyncText(RESULT_ERROR, error=exc)
            result = ItemResult(change, False, why)
        mapping.save(profile, client)
        report.results.append(result)
        if on_result is not None:
            on_result(result)
    return report


async def _apply(
    client: PbxClient,
    c: Change,
    mapping: IdMapping,
    local_exts: dict[int, Extension],
    local_subs: dict[int | None, Subscription],
    failed_ext: set[int],
) -> int | None:
    if c.entity == EXTENSION:
        if c.kind == ADDED:
            ext = local_exts[c.local_id]  # type: ignore[index]
            made_ext = await client.push_extension(ext)
            mapping.extensions[ext.id] = made_ext.id
            return made_ext.id
        if c.kind == CHANGED:
            assert c.after is not None and c.remote_id is not None
            changes = {k: c.after[k] for k in c.fields}
            await client.update_extension(c.remote_id, **changes)
            return c.remote_id
        assert c.remote_id is not None
        with contextlib.suppress(NotFoundError):  # gone already: what we wanted
            await client.delete_extension(c.remote_id)
        mapping.extensions.pop(c.local_id, None)  # type: ignore[arg-type]
        return c.remote_id
    # subscriptions
    if c.kind == REMOVED:
        assert c.remote_id is not None and c.before is not None
        remote_ext = mapping.extensions.get(c.before["extension_id"], c.before["extension_id"])
        with contextlib.suppress(NotFoundError):
            await client.delete_subscription(remote_ext, c.remote_id)
        mapping.subscriptions.pop(c.local_id, None)  # type: ignore[arg-type]
        return c.remote_id
    sub = local_subs[c.local_id]
    if sub.extension_id in failed_ext:
        raise _Refused(SyncText(RESULT_SKIPPED, extension_id=sub.extension_id))
    remote_ext = mapping.extensions.get(sub.extension_id)
    if remote_ext is None:
        raise _Refused(SyncText(RESULT_NO_REMOTE_EXTENSION, extension_id=sub.extension_id))
    if c.kind == CHANGED:
        assert c.remote_id is not None and c.before is not None
        if c.before["extension_id"] != sub.extension_id:  # moved to another extension: re-create
            made = await client.create_subscription(remote_ext, sub.event_type, sub.url, sub.method)
            old_ext = mapping.extensions.get(c.before["extension_id"], c.before["extension_id"])
            with contextlib.suppress(NotFoundError):
                await client.delete_subscription(old_ext, c.remote_id)
        else:
            made = await client.update_subscription(
                remote_ext, c.remote_id, event_type=sub.event_type, url=sub.url, method=sub.method
            )
    else:
        made = await client.create_subscription(remote_ext, sub.event_type, sub.url, sub.method)
    assert made.id is not None and sub.id is not None
    mapping.subscriptions[sub.id] = made.id
    return made.id
