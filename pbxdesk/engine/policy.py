"""How deliveries are retried, limited and timed out: one profile setting, with defaults."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from pbxdesk.domain import ValidationError

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
        if not data:
            return cls()
        known = {f.name for f in fields(cls)} - {"extra"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(f"unknown setting {unknown[0]!r}", where=POLICY_SETTING)
        values = dict(data)
        if "schedule" in values:
            values["schedule"] = tuple(float(x) for x in values["schedule"])
        policy = cls(**values)
        policy.validate()
        return policy

    def validate(self) -> None:
        where = POLICY_SETTING
        if not self.schedule or any(d < 0 for d in self.schedule):
            raise ValidationError("schedule needs at least one attempt and no negative delay", where=where)
        if not 0 <= self.jitter < 1:
            raise ValidationError("jitter must be a fraction between 0 and 1", where=where)
        if self.timeout <= 0:
            raise ValidationError("timeout must be positive", where=where)
        if self.max_concurrency < 1 or self.per_endpoint < 1:
            raise ValidationError("concurrency limits must be at least 1", where=where)
        if self.http_client not in ("httpx", "aiohttp"):
            raise ValidationError("http_client must be 'httpx' or 'aiohttp'", where=where)


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
