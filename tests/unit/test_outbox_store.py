"""OutboxStore and DeliveryState: the outbox's SQL and its states, on a real profile."""

from __future__ import annotations

from pathlib import Path

from pbxdesk.domain import DeliveryState, EventData, EventType
from pbxdesk.domain.enums import OPEN_STATES
from pbxdesk.store.outbox_store import INSERT_DELIVERY, OutboxStore, set_state_op
from pbxdesk.store.profile import Profile
from pbxdesk.store.writer import EVENT_SQL, event_row


def test_the_states_are_the_stored_texts() -> None:
    assert [s.value for s in DeliveryState] == [
        "pending", "in_flight", "delivered", "failed", "cancelled", "paused",
    ]  # fmt: skip
    assert DeliveryState.IN_FLIGHT == "in_flight" and f"{DeliveryState.PAUSED}" == "paused"
    assert {s for s in DeliveryState if s.open} == OPEN_STATES
    assert DeliveryState.CANCELLED.final and not DeliveryState.PENDING.final


def test_steering_and_reading_the_outbox(tmp_path: Path) -> None:
    with Profile.open(tmp_path / "p.sqlite") as profile, profile.conn as conn:
        ev = EventData(extension_id=175, event_type=EventType.HANGUP, call_id="c1", event_time=1)
        conn.execute(EVENT_SQL, event_row(1, ev, "", "sim"))
        for i, endpoint in enumerate(("a:80", "a:80", "b:80", "b:80"), 1):
            row = (i, 1, None, "GET", f"http://{endpoint}/", "c1", endpoint, 1, 0, None)
            conn.execute(INSERT_DELIVERY, row)
        conn.execute(*set_state_op(4, DeliveryState.DELIVERED)[1:])
        store = OutboxStore(conn)
        assert store.counts_by_state() == {"delivered": 1, "pending": 3}
        assert store.set_paused("a:80", True, at_us=5) == 2
        assert store.paused_endpoints() == [("a:80", "paused by the user")]
        assert store.count_open() == 3 and store.count_open(from_id=2, below_id=3) == 1
        assert [r[0] for r in store.open_rows(10, from_id=2)] == [2, 3]
        assert store.cancel(endpoint="a:80", ids=[2]) == 1
        assert store.set_paused("a:80", False, at_us=6) == 1  # delivery 1 back to pending
        assert store.cancel() == 2  # 1 and 3; 4 is delivered
        assert store.counts_by_state() == {"cancelled": 3, "delivered": 1}
        assert store.next_retry_at() is None
