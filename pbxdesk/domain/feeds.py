"""The data of the client-wide feeds' events (pbx-api-public.md 4.2 and 4.3), as pure functions.

- ``extension-call-status`` (global ``phone_events`` subscriptions): a phone's call status
  changed; snake_case fields, ``event_type=call-status-change`` in the data (which is not the
  subscription's name).
- ``agent-login`` / ``agent-logout`` (a queue agent's subscriptions): the agent's status
  changed; snake_case fields.

Both fire only on a real change; both are form-encoded like call events.
"""

from __future__ import annotations

import datetime as dt

from pbxdesk.domain.enums import AgentStatus, FeedEventType
from pbxdesk.domain.models import Extension, FeedEvent

STATUS_CHANGE_EVENT_TYPE = "call-status-change"


def change_dt(us: int) -> str:
    """ASSUMPTION(status-change-time): ``change_dt`` as the REST API writes times (UTC)."""
    return dt.datetime.fromtimestamp(us / 1_000_000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _status_id(value: int | None) -> str:
    return "" if value is None else str(value)  # ASSUMPTION(status-null-empty)


def status_change(
    phone: Extension, *, client_id: int, old: int | None, new: int | None, at_us: int
) -> FeedEvent:
    """The ``extension-call-status`` event of ``phone`` going from status ``old`` to ``new``
    (ids of the statuses resource; None: no status)."""
    return FeedEvent(
        extension_id=phone.id,
        event_type=FeedEventType.EXTENSION_CALL_STATUS,
        event_time=at_us,
        data={
            "old_status_id": _status_id(old),
            "new_status_id": _status_id(new),
            "extension_id": str(phone.id),
            "extension_name": phone.name,
            "client_id": str(client_id),
            "change_dt": change_dt(at_us),
            "event_type": STATUS_CHANGE_EVENT_TYPE,
        },
    )


def agent_change(
    agent: Extension, *, domain: str, status: AgentStatus, at_us: int, source: str = "api"
) -> FeedEvent:
    """A local queue agent's ``agent-login`` (now available) or ``agent-logout`` event.

    ASSUMPTION(agent-is-extension): a local agent's id is its phone extension's id.
    """
    login = status is AgentStatus.AVAILABLE
    return FeedEvent(
        extension_id=agent.id,
        event_type=FeedEventType.AGENT_LOGIN if login else FeedEventType.AGENT_LOGOUT,
        event_time=at_us,
        data={
            "agent_id": str(agent.id),
            "agent_status": status.value,
            "agent_type": "local",
            "extension_name": f"{agent.name}@{domain}",
            "event_source": source,
        },
    )
