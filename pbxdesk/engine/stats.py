"""Live statistics of a session: rates per second, success rate, latency per endpoint.

Fed by the engine's listeners (cheap appends); read by the UI a few times a second.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pbxdesk.domain import DeliveryState
from pbxdesk.engine.outbox import DeliveryResult, endpoint_of

WINDOW_S = 120  # seconds of history kept for the rate graphs
LATENCY_SAMPLES = 1000  # per endpoint, for its percentiles


@dataclass(frozen=True, slots=True)
class EndpointStats:
    endpoint: str
    attempts: int
    delivered: int
    failed: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


def percentile(values: Iterable[float], q: float, *, is_sorted: bool = False) -> float | None:
    """The ``q``-th percentile (0-100) of ``values``: linear interpolation between the two
    nearest ranks (numpy's default, ``statistics.quantiles(..., method="inclusive")``), so p0
    is the smallest, p100 the largest, and 10, 20, 1000 ms give p95 = 902 ms. None when empty.

    The one definition pbxdesk uses: `pbxdesk run`'s summary, the Stats tab, the benches.
    """
    s = values if is_sorted and isinstance(values, list) else sorted(values)
    if not s:
        return None
    pos = (len(s) - 1) * min(100.0, max(0.0, q)) / 100
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return round(s[lo] + (s[hi] - s[lo]) * (pos - lo), 3)


class LiveStats:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._events: deque[list[int]] = deque()  # [second, count]
        self._deliveries: deque[list[int]] = deque()  # [second, ok, failed attempts]
        self._latency: dict[str, deque[float]] = defaultdict(lambda: deque(maxlen=LATENCY_SAMPLES))
        self._totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # attempts, delivered, failed
        self.events_total = 0
        self.attempts_total = 0
        self.ok_attempts_total = 0

    def _bucket(self, series: deque[list[int]], width: int) -> list[int]:
        second = int(self.clock())
        if not series or series[-1][0] != second:
            series.append([second] + [0] * width)
            while series and series[0][0] < second - WINDOW_S:
                series.popleft()
        return series[-1]

    def record_event(self) -> None:
        self.events_total += 1
        self._bucket(self._events, 1)[1] += 1

    def record_result(self, result: DeliveryResult) -> None:
        self.attempts_total += 1
        ok = result.status_code is not None and 200 <= result.status_code < 300 and result.error is None
        self.ok_attempts_total += ok
        bucket = self._bucket(self._deliveries, 2)
        bucket[1 if ok else 2] += 1
        endpoint = endpoint_of(result.url)
        self._latency[endpoint].append(result.latency_ms)
        totals = self._totals[endpoint]
        totals[0] += 1
        if result.state == DeliveryState.DELIVERED:
            totals[1] += 1
        elif result.state == DeliveryState.FAILED:
            totals[2] += 1

    def series(self) -> tuple[list[int], list[int], list[int], list[int]]:
        """(seconds ago, events/s, ok attempts/s, failed attempts/s) over the window."""
        now = int(self.clock())
        events = {s: c for s, c in self._events}
        ok = {s: (a, b) for s, a, b in self._deliveries}
        xs = list(range(-WINDOW_S, 1))
        return (
            xs,
            [events.get(now + x, 0) for x in xs],
            [ok.get(now + x, (0, 0))[0] for x in xs],
            [ok.get(now + x, (0, 0))[1] for x in xs],
        )

    @property
    def success_rate(self) -> float | None:
        return None if not self.attempts_total else self.ok_attempts_total / self.attempts_total

    def endpoints(self) -> list[EndpointStats]:
        out = []
        for endpoint, samples in sorted(self._latency.items()):
            values = sorted(samples)
            attempts, delivered, failed = self._totals[endpoint]
            out.append(
                EndpointStats(
                    endpoint,
                    attempts,
                    delivered,
                    failed,
                    percentile(values, 50, is_sorted=True),
                    percentile(values, 95, is_sorted=True),
                    percentile(values, 99, is_sorted=True),
                )
            )
        return out
