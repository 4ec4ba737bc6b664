"""Monitor an extension: subscribe it at the PBX to the live receiver, and undo exactly that.

``monitor_extension`` registers one subscription per chosen event type, all pointing at the
receiver's public URL (what the user entered, e.g. a tunnel to the receiver's port) plus
``/<token>/<extension id>``; ``Monitor.stop`` removes exactly those subscriptions by id.
The ids (never the URLs, which hold the token) are kept in the profile's settings while
monitoring, so subscriptions left by a crash are removed the next time (``cleanup_leftovers``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pbxdesk.domain import CALL_EVENTS, EventType, Extension, HttpMethod, PbxDeskError, Subscription
from pbxdesk.domain.validation import check_event_allowed, parse_event_type, parse_method, validate_url
from pbxdesk.pbx.client import PbxClient
from pbxdesk.pbx.errors import NotFoundError, PbxApiError

log = logging.getLogger(__name__)

MONITOR_SETTING = "live_monitor"  # [{"base_url", "client_id", "extension", "subscriptions": [ids]}]


@dataclass(frozen=True, slots=True)
class RemovalResult:
    subscription_id: int
    event_type: str
    ok: bool
    message: str


@dataclass(slots=True)
class Monitor:
    client: PbxClient
    extension: Extension
    subscriptions: list[Subscription]
    url: str  # the subscribed URL, token included: show ``shown_url`` instead
    shown_url: str
    profile: Any = None  # pbxdesk.store.profile.Profile, to remember the ids while monitoring
    removed: list[RemovalResult] = field(default_factory=list)
    stopped: bool = False

    async def stop(self) -> list[RemovalResult]:
        """Remove exactly this monitor's subscriptions; each with its result (404: already gone)."""
        if self.stopped:
            return self.removed
        results = await _remove(
            self.client, self.extension.id, [(s.id, s.event_type.value) for s in self.subscriptions]
        )
        self.removed = results
        self.stopped = True
        left = [r.subscription_id for r in results if not r.ok]
        if self.profile is not None:
            _forget(self.profile, self.client, self.extension.id, keep=left)
        return results


async def _remove(
    client: PbxClient, ext_id: int, subs: Sequence[tuple[int | None, str]]
) -> list[RemovalResult]:
    results = []
    for sub_id, event_type in subs:
        if sub_id is None:
            continue
        try:
            await client.delete_subscription(ext_id, sub_id)
            results.append(RemovalResult(sub_id, event_type, True, "removed"))
        except NotFoundError:
            results.append(RemovalResult(sub_id, event_type, True, "already removed"))
        except PbxApiError as exc:
            results.append(RemovalResult(sub_id, event_type, False, str(exc)))
    return results


def parse_events(values: Iterable[str | EventType]) -> list[EventType]:
    out: list[EventType] = []
    for v in values:
        et = parse_event_type(str(v).strip(), where="events")
        if et not in out:
            out.append(et)
    if not out:
        raise PbxDeskError("choose at least one event type to monitor")
    return out


async def monitor_extension(
    client: PbxClient,
    extension: int | str,
    *,
    public_url: str,
    receiver: Any,  # pbxdesk.engine.live_receiver.LiveReceiver (url_for, masked)
    events: Iterable[str | EventType] = CALL_EVENTS,
    method: HttpMethod | str = HttpMethod.GET,
    profile: Any = None,
) -> Monitor:
    """Subscribe ``extension`` to ``events`` at the PBX, pointing at the receiver's public URL.

    All or nothing: if one subscription is refused (a limit, a type the extension does not
    have), the ones already made are removed and the error says which one failed.
    """
    public = validate_url(public_url, where="public URL")
    http_method = parse_method(method, where="method")
    wanted = parse_events(events)
    ext = await client.get_extension(extension)
    for et in wanted:
        check_event_allowed(ext.type, et, where="events")
    url = receiver.url_for(ext.id, public)
    made: list[Subscription] = []
    if profile is not None:
        _remember(profile, client, ext.id, [])
    try:
        for et in wanted:
            made.append(await client.create_subscription(ext.id, et, url, http_method))
            if profile is not None:
                _remember(profile, client, ext.id, [s.id for s in made])
    except BaseException as exc:
        undo = await asyncio.shield(_remove(client, ext.id, [(s.id, s.event_type.value) for s in made]))
        if profile is not None:
            _forget(profile, client, ext.id, keep=[r.subscription_id for r in undo if not r.ok])
        if isinstance(exc, PbxApiError) and made:
            raise type(exc)(
                f"{exc.message} (the {len(made)} subscription(s) already made were removed)",
                status=exc.status,
                server_message=exc.server_message,
            ) from None
        raise
    log.info("monitoring extension %s (%s): %d subscriptions", ext.id, ext.name, len(made))
    return Monitor(client, ext, made, url, receiver.masked(url), profile)


# -- leftovers (a crash while monitoring) ----------------------------------------------------------


def _entries(profile: Any) -> list[dict[str, Any]]:
    value = profile.get_setting(MONITOR_SETTING, [])
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def _same(entry: dict[str, Any], client: PbxClient, ext_id: int | None = None) -> bool:
    return (
        entry.get("base_url") == client.base_url
        and entry.get("client_id") == client.client_id
        and (ext_id is None or entry.get("extension") == ext_id)
    )


def _remember(profile: Any, client: PbxClient, ext_id: int, sub_ids: list[int | None]) -> None:
    entries = [e for e in _entries(profile) if not _same(e, client, ext_id)]
    entries.append(
        {
            "base_url": client.base_url,
            "client_id": client.client_id,
            "extension": ext_id,
            "subscriptions": [i for i in sub_ids if i is not None],
        }
    )
    profile.set_setting(MONITOR_SETTING, entries)


def _forget(profile: Any, client: PbxClient, ext_id: int, keep: list[int]) -> None:
    entries = [e for e in _entries(profile) if not _same(e, client, ext_id)]
    if keep:
        entries.append(
            {
                "base_url": client.base_url,
                "client_id": client.client_id,
                "extension": ext_id,
                "subscriptions": keep,
            }
        )
    profile.set_setting(MONITOR_SETTING, entries)


def monitored_ids(profile: Any) -> set[int]:
    """Subscription ids a monitor of this profile made (a pull leaves them out)."""
    return {int(i) for e in _entries(profile) for i in e.get("subscriptions", []) if isinstance(i, int)}


async def cleanup_leftovers(client: PbxClient, profile: Any) -> list[RemovalResult]:
    """Remove subscriptions an earlier monitor of this account could not (a crash, offline)."""
    results: list[RemovalResult] = []
    for entry in _entries(profile):
        if not _same(entry, client):
            continue
        ext_id = int(entry.get("extension", 0))
        ids = [i for i in entry.get("subscriptions", []) if isinstance(i, int)]
        done = await _remove(client, ext_id, [(i, "?") for i in ids])
        results.extend(done)
        _forget(profile, client, ext_id, keep=[r.subscription_id for r in done if not r.ok])
    return results
