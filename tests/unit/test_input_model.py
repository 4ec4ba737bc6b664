"""Settings and fault injection are checked by pydantic models (engine/input_model.py); a wrong
value is told, in our words, which setting, which key and what it must be."""

from __future__ import annotations

import pytest

from pbxdesk.domain import PbxDeskError, ValidationError
from pbxdesk.engine.policy import POLICY_SETTING, DeliveryPolicy
from pbxdesk.pbx.emulator.core import Fault
from pbxdesk.store.retention import RetentionPolicy


def _error(fn, *args, **kw) -> str:
    with pytest.raises(ValidationError) as info:
        fn(*args, **kw)
    return str(info.value)


def test_the_delivery_policy_names_the_key_and_what_it_must_be() -> None:
    assert DeliveryPolicy.from_json({"timeout": 30, "schedule": [0, 1.5]}) == DeliveryPolicy(
        schedule=(0.0, 1.5), timeout=30.0
    )
    assert DeliveryPolicy.from_json(None) == DeliveryPolicy()
    assert DeliveryPolicy.from_json(DeliveryPolicy().to_json()) == DeliveryPolicy()
    said = _error(DeliveryPolicy.from_json, {"timout": 5})
    assert said.startswith(f"{POLICY_SETTING}: unknown key 'timout' (allowed: ")
    assert "timeout" in said and "schedule" in said
    cases = {
        "timeout": (0, "delivery_policy.timeout: must be more than 0, not 0"),
        "jitter": (True, "delivery_policy.jitter: must be a fraction between 0 and 1, not True"),
        "http_client": ("curl", "delivery_policy.http_client: must be 'aiohttp' or 'httpx', not 'curl'"),
        "max_concurrency": ("5", "delivery_policy.max_concurrency: must be a number of requests, not '5'"),
        "schedule": ([], "delivery_policy.schedule: needs at least 1 item(s), not []"),
    }
    for key, (value, text) in cases.items():
        assert _error(DeliveryPolicy.from_json, {key: value}) == text
    assert _error(DeliveryPolicy.from_json, {"schedule": [0, -5]}) == (
        "delivery_policy.schedule[1]: must be >= 0, not -5"
    )


def test_retention_and_faults_say_the_same_way() -> None:
    assert RetentionPolicy(days=1.5).days == 1.5 and RetentionPolicy(events=0).events == 0
    with pytest.raises(PbxDeskError, match=r"^retention\.days: must be more than 0, not 0$"):
        RetentionPolicy(days=0)
    assert _error(RetentionPolicy, events=2.5) == (
        "retention.events: must be a number of events (0 or more) or null, not 2.5"
    )
    assert _error(Fault.from_json, {"status": "x"}) == "fault.status: must be an integer, not 'x'"
    assert _error(Fault.from_json, [503]) == "fault: a fault is a JSON object"
    assert _error(Fault.from_json, {"latency": 0}) == "fault: a fault needs a status or a latency"
    assert _error(Fault.from_json, {"stat": 1}).startswith("fault: unknown key 'stat' (allowed: count,")
