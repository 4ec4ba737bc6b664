"""A timeline row: one event as the timeline shows it, and how rows are made from the engine's
callbacks and from the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from PySide6.QtCore import QCoreApplication

from pbxdesk.domain import EventData, FeedEvent, Subscription
from pbxdesk.engine.outbox import DeliveryResult
from pbxdesk.store import queries
from pbxdesk.store.queries import TimelineEvent
from pbxdesk.ui import units
from pbxdesk.ui.timeline.states import LOOK_ORDER, look_of


class TimelineRow:
    """One event as the timeline shows it. A live row keeps its EventData and builds the
    wire fields only when asked (most rows of a busy feed are never looked at closely)."""

    __slots__ = (
        "event_id", "event_time", "event_type", "extension", "extension_id", "call_id", "source",
        "deliveries", "_fields", "_ev", "_cells", "_look",
    )  # fmt: skip

    def __init__(
        self,
        event_id: int,
        event_time: int,
        event_type: str,
        extension: str,
        extension_id: int,
        call_id: str,
        *,
        fields: dict[str, str] | None = None,
        ev: EventData | None = None,
        source: str = "",
    ) -> None:
        self.event_id = event_id
        self.event_time = event_time
        self.event_type = event_type
        self.extension = extension
        self.extension_id = extension_id
        self.call_id = call_id
        self.source = source
        # delivery id -> its latest attempt: ok, state, outcome, latency_ms, url, method, attempt
        self.deliveries: dict[int, dict[str, Any]] = {}
        self._fields = fields
        self._ev = ev
        self._cells: tuple[str, ...] | None = None
        self._look: str | None = None  # delivery_look, kept like the cells (asked on every paint)

    @property
    def fields(self) -> dict[str, str]:
        if self._fields is None:
            self._fields = self._ev.to_fields() if self._ev is not None else {}
        return self._fields

    @property
    def caller(self) -> str:
        if self._fields is None and self._ev is not None:
            return self._ev.caller_id_num or ""
        return self.fields.get("CallerIDNum", "")

    @property
    def called(self) -> str:
        if self._fields is None and self._ev is not None:
            ev = self._ev
            return (ev.called_extension or "").split("@")[0] or ev.called_number or ""
        f = self.fields
        return f.get("CalledExtension", "").split("@")[0] or f.get("CalledNumber", "")

    @property
    def call_status(self) -> str:
        if self._fields is None and self._ev is not None:
            return self._ev.call_status.value if self._ev.call_status is not None else ""
        return self.fields.get("CallStatus", "")

    @property
    def delivery_state(self) -> str:
        """'none' (no subscriber), 'ok', 'failed', 'retrying', 'paused' or 'cancelled'."""
        result = queries.aggregate_result(d["state"] for d in self.deliveries.values())
        return "ok" if result == "delivered" else result

    @property
    def failed(self) -> bool:
        """Whether a delivery's last attempt failed (what F3 and "failures only" look for)."""
        return any(queries.is_failure(d["state"], d["attempt"]) for d in self.deliveries.values())

    @property
    def delivery_look(self) -> str:
        """How the Delivery cell looks: the most pressing of its deliveries' looks (see
        ``look_of``), 'none' without a subscriber."""
        if self._look is None:
            looks = {look_of(d) for d in self.deliveries.values()}
            self._look = next((look for look in LOOK_ORDER if look in looks), "none")
        return self._look

    def expect(self, subscriptions: Iterable[Subscription]) -> None:
        """The deliveries the engine is about to create for this event, shown "pending" until
        their first result (keyed by subscription: the delivery ids are not known yet). Before,
        such a row's Delivery cell was empty, the same as "no subscriber"."""
        for sub in subscriptions:
            self.deliveries[placeholder_key(sub.id)] = {
                "ok": False, "state": "pending", "outcome": "", "latency_ms": 0.0,
                "url": sub.url, "method": sub.method.value, "attempt": 0,
            }  # fmt: skip
        self._cells = self._look = None

    def delivery_pairs(self) -> Iterator[tuple[str, int]]:
        return ((d["state"], d["attempt"]) for d in self.deliveries.values())

    def delivery_text(self) -> str:
        # TimelineRow is no QObject (a million of them would be): translate() in the model's
        # context. A row's text is built once (``cells``), so the lookups cost nothing per paint.
        if not self.deliveries:
            return QCoreApplication.translate("TimelineModel", "no subscriber")
        return ",  ".join(_one_delivery_text(d) for d in self.deliveries.values())

    def set_delivery(self, delivery_id: int, entry: dict[str, Any]) -> None:
        self.deliveries[delivery_id] = entry
        self._cells = self._look = None

    def cells(self) -> tuple[str, ...]:
        """The row's text in every column (built once, again after a delivery changes)."""
        if self._cells is None:
            t = dt.datetime.fromtimestamp(self.event_time / 1_000_000)
            f = self._ev
            if self._fields is None and f is not None:
                flow = f.call_flow.value if f.call_flow is not None else ""
                duration = f.duration
            else:
                flow = self.fields.get("CallFlow", "")
                raw = self.fields.get("Duration")
                duration = int(raw) if raw and raw.isdigit() else None
            self._cells = (
                t.strftime("%H:%M:%S.") + f"{t.microsecond // 1000:03d}",
                self.event_type,
                self.extension,
                self.caller,
                self.called,
                self.call_status,
                self.delivery_text(),
                self.call_id,
                flow,
                "" if duration is None else units.seconds(f"{duration / 1_000_000:.1f}"),
                str(self.event_id),
            )
        return self._cells


def _one_delivery_text(d: dict[str, Any]) -> str:
    """One delivery as the cell says it: its state in words where it has no answer yet."""
    look, attempt = look_of(d), d["attempt"]
    latency = units.ms(f"{d['latency_ms']:.0f}")
    answer = f"{d['outcome']} · {latency}"
    if look == "pending":
        return QCoreApplication.translate("TimelineModel", "pending")
    if look == "in_flight":
        return QCoreApplication.translate("TimelineModel", "in flight (attempt {0})").format(max(1, attempt))
    if look == "paused":
        word = QCoreApplication.translate("TimelineModel", "paused")
        return word if attempt == 0 else f"{answer} ({word})"
    if look == "cancelled":
        word = QCoreApplication.translate("TimelineModel", "cancelled")
        return word if attempt == 0 else f"{answer} ({word})"
    if look == "retrying":
        more = QCoreApplication.translate("TimelineModel", "(retrying, attempt {0})")
    elif look == "failed":
        more = QCoreApplication.translate("TimelineModel", "(failed after attempt {0})")
    elif attempt > 1:
        more = QCoreApplication.translate("TimelineModel", "(attempt {0})")
    else:
        return answer
    return f"{answer} {more.format(attempt)}"


# A delivery's look in the Delivery cell, from its state and attempts; a row takes the first


def placeholder_key(subscription_id: int | None) -> int:
    """A row's key for a delivery expected for a subscription, before its id is known.
    Negative, as an old profile's delivery without an id (-1, -2, ...), far from those: the
    context menu offers no action on either."""
    return -1_000_000_000 - (subscription_id or 0)


def row_from_event(event_id: int, ev: EventData | FeedEvent, ext_name: str) -> TimelineRow:
    head = (event_id, ev.event_time, ev.event_type.value, ext_name, ev.extension_id)
    if isinstance(ev, FeedEvent):  # fields fixed: a status change (no call), a replayed event
        return TimelineRow(*head, ev.call_id or "", fields=ev.to_fields())
    return TimelineRow(*head, ev.call_id, ev=ev)


def _entry_from_stored(d: dict[str, Any]) -> dict[str, Any]:
    code = d["status_code"]
    ok = code is not None and 200 <= code < 300
    state = d.get("state") or ("delivered" if ok else "failed")
    outcome = str(code) if code is not None else (d["error"] or state)
    return {
        "ok": ok, "state": state, "outcome": outcome, "latency_ms": d["latency_ms"] or 0.0,
        "url": d["url"], "method": d["method"], "attempt": d.get("attempts") or 0,
    }  # fmt: skip


def row_from_timeline_event(e: TimelineEvent) -> TimelineRow:
    row = TimelineRow(
        e.id, e.event_time, e.event_type, e.extension_name or str(e.extension_id), e.extension_id,
        e.call_id or "", fields=e.fields, source=e.source,
    )  # fmt: skip
    for d in e.summary.deliveries:
        row.deliveries[d["id"]] = _entry_from_stored(d)
    return row


def result_entry(res: DeliveryResult) -> dict[str, Any]:
    return {
        "ok": res.ok, "state": res.state, "outcome": res.outcome, "latency_ms": res.latency_ms,
        "url": res.url, "method": res.method, "attempt": res.attempt,
    }  # fmt: skip
