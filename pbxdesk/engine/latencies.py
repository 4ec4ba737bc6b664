"""The latest attempts' latencies, in a fixed block of memory.

A deque of floats costs 32 bytes a value (the float object and its slot) and grows until it
is full: 3 MB over the first hours of a long session at 150 deliveries/s, RSS that looked
like a leak under overload (bench/overload.py). Here every value is 8 bytes in an array
allocated once.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator


class LatencyWindow:
    """The last ``size`` values appended, oldest first when iterated."""

    __slots__ = ("_values", "_next", "_count", "size")

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a latency window holds at least one value")
        self.size = size
        self._values = array("d", bytes(8 * size))
        self._next = 0  # where the next value goes
        self._count = 0

    def append(self, value: float) -> None:
        self._values[self._next] = value
        self._next = (self._next + 1) % self.size
        if self._count < self.size:
            self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[float]:
        values, start = self._values, (self._next - self._count) % self.size
        for i in range(self._count):
            yield values[(start + i) % self.size]

    def clear(self) -> None:
        self._next = self._count = 0
