"""LiveStats: the numbers behind the Stats tab."""

from pbxdesk.engine.outbox import DeliveryResult
from pbxdesk.engine.stats import WINDOW_S, LiveStats


class Clock:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t


def _result(url: str, status: int | None, state: str, latency: float, error: str | None = None):
    return DeliveryResult(1, 1, 1, "POST", url, state, 1, status, error, latency, 0, 0)


def test_rates_per_second_and_success_rate():
    clock = Clock()
    stats = LiveStats(clock)
    for _ in range(3):
        stats.record_event()
    stats.record_result(_result("http://a:80/x", 200, "delivered", 5.0))
    clock.t += 1
    stats.record_event()
    stats.record_result(_result("http://a:80/x", 503, "pending", 9.0, "non-2xx status"))
    xs, events, ok, failed = stats.series()
    assert xs[-1] == 0 and len(xs) == WINDOW_S + 1
    assert events[-2:] == [3, 1]
    assert ok[-2:] == [1, 0]
    assert failed[-2:] == [0, 1]
    assert stats.success_rate == 0.5


def test_latency_percentiles_per_endpoint():
    stats = LiveStats(Clock())
    for ms in range(1, 101):
        stats.record_result(_result("http://a:8000/x?q=1", 200, "delivered", float(ms)))
    stats.record_result(_result("https://b.example/y", None, "failed", 15000.0, "timeout"))
    by_endpoint = {e.endpoint: e for e in stats.endpoints()}
    a = by_endpoint["a:8000"]
    assert (a.attempts, a.delivered, a.failed) == (100, 100, 0)
    assert (a.p50_ms, a.p95_ms, a.p99_ms) == (50.5, 95.05, 99.01)  # linear between ranks
    b = by_endpoint["b.example:443"]
    assert (b.attempts, b.delivered, b.failed, b.p50_ms) == (1, 0, 1, 15000.0)


def test_old_seconds_leave_the_window():
    clock = Clock()
    stats = LiveStats(clock)
    stats.record_event()
    clock.t += WINDOW_S + 5
    stats.record_event()
    _, events, _, _ = stats.series()
    assert sum(events) == 1


def test_one_percentile_for_the_run_summary_and_the_stats_tab():
    """`pbxdesk run` and the Stats tab said p95 902 and 1000 ms for the same latencies: one
    definition now (linear between the nearest ranks)."""
    from pbxdesk.engine.run import RunSummary
    from pbxdesk.engine.stats import percentile

    latencies = [10.0, 20.0, 1000.0]
    assert percentile(latencies, 95) == 902.0
    assert RunSummary(latencies_ms=latencies).percentile(95) == 902.0
    assert (percentile(latencies, 0), percentile(latencies, 50), percentile(latencies, 100)) == (10, 20, 1000)
    assert percentile([], 50) is None and percentile([7.0], 99) == 7.0
    stats = LiveStats(Clock())
    for ms in latencies:
        stats.record_result(_result("http://a:80/x", 200, "delivered", ms))
    (endpoint,) = stats.endpoints()
    assert endpoint.p95_ms == 902.0


def test_the_latency_window_keeps_the_latest_values_in_order_in_fixed_memory() -> None:
    from pbxdesk.engine.latencies import LatencyWindow

    w = LatencyWindow(4)
    assert list(w) == [] and len(w) == 0
    for v in (1.0, 2.0, 3.0):
        w.append(v)
    assert list(w) == [1.0, 2.0, 3.0]
    size = w._values.buffer_info()[1]
    for v in (4.0, 5.0, 6.0):
        w.append(v)
    assert list(w) == [3.0, 4.0, 5.0, 6.0] and len(w) == 4
    assert w._values.buffer_info()[1] == size  # never grows
    assert sorted(w) == [3.0, 4.0, 5.0, 6.0]
