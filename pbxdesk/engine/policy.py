"""How deliveries are retried, limited and timed out: one profile setting, with defaults."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, replace
from typing import Annotated, Any, Literal

from pydantic import Field

from pbxdesk.engine.input_model import InputModel, checked

# The schedule the big webhook platforms use: immediately, then 5 s, 5 min, 30 min, 2 h,
# 5 h, 10 h, 10 h (eight attempts in all).
DEFAULT_SCHEDULE: tuple[float, ...] = (0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
POLICY_SETTING = "delivery_policy"
MAX_RETRY_AFTER_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    schedule: tuple[float, ...] = DEFAULT_SCHEDULE  # delay before each attempt, seconds
    jitter: float = 0.1  # +/- this fraction of each delay, so retries do not stampede
    timeout: float = 15.0  # seconds for one request
    follow_redirects: bool = False
    honour_retry_after: bool = True  # on 429 and 503
    max_concurrency: int = 32  # requests in flight, in all
    per_endpoint: int = 8  # requests in flight to one host:port
    ordered: bool = True  # events of one call reach a subscription in order
    pause_after: int = 5  # exhausted deliveries in a row that pause an endpoint; 0: never
    max_response_bytes: int = 1024 * 1024  # a longer answer is a failure ("body too large")
    keep_response_bytes: int = 64 * 1024
    # Webhook deliveries go through aiohttp by default: measured here, httpx's AsyncClient tops
    # out below the 2,000 deliveries/s target even with private pools (bench/delivery.py).
    http_client: str = "aiohttp"  # or "httpx"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def max_attempts(self) -> int:
        return len(self.schedule)

    def with_attempts(self, attempts: int) -> DeliveryPolicy:
        """The same policy with ``attempts`` in all (the schedule cut, or its last delay repeated)."""
        schedule = self.schedule[:attempts] + (self.schedule[-1],) * max(0, attempts - len(self.schedule))
        return replace(self, schedule=schedule)

    def delay_before(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before attempt number ``attempt`` (1-based)."""
        base = self.schedule[min(attempt, len(self.schedule)) - 1]
        if not base or not self.jitter:
            return base
        r = (rng or random).uniform(-self.jitter, self.jitter)
        return max(0.0, base * (1.0 + r))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data["schedule"] = list(self.schedule)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DeliveryPolicy:
        """The profile's setting, checked by ``PolicySetting``: a ValidationError at
        ``delivery_policy.<key>`` names what is wrong."""
        if not data:
            return cls()
        setting = checked(PolicySetting, data, POLICY_SETTING)
        values = setting.model_dump(exclude_unset=True)
        if "schedule" in values:
            values["schedule"] = tuple(float(x) for x in values["schedule"])
        return cls(**values)

    def validate(self) -> None:
        checked(PolicySetting, self.to_json(), POLICY_SETTING)


_D = DeliveryPolicy()


class PolicySetting(InputModel):
    """The ``delivery_policy`` setting as a profile stores it (JSON): every key optional."""

    schedule: list[Annotated[float, Field(ge=0)]] = Field(
        list(_D.schedule), min_length=1, description="a list of delays in seconds (the first attempt's too)"
    )
    jitter: float = Field(_D.jitter, ge=0, lt=1, description="a fraction between 0 and 1")
    timeout: float = Field(_D.timeout, gt=0, description="a number of seconds")
    follow_redirects: bool = _D.follow_redirects
    honour_retry_after: bool = _D.honour_retry_after
    max_concurrency: int = Field(_D.max_concurrency, ge=1, description="a number of requests")
    per_endpoint: int = Field(_D.per_endpoint, ge=1, description="a number of requests")
    ordered: bool = _D.ordered
    pause_after: int = Field(_D.pause_after, ge=0, description="a number of deliveries (0: never)")
    max_response_bytes: int = Field(_D.max_response_bytes, ge=1, description="a number of bytes")
    keep_response_bytes: int = Field(_D.keep_response_bytes, ge=0, description="a number of bytes")
    http_client: Literal["aiohttp", "httpx"] = "aiohttp"  # DeliveryPolicy.http_client's default


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import time

    return min(max(0.0, when.timestamp() - time.time()), MAX_RETRY_AFTER_S)
