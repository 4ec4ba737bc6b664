"""The ids of the events in the timeline's view: all a million-event view holds in memory."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence


class IdList:
    """Ascending event ids: a ``range`` while they have no gap, else an ``array('q')``."""

    __slots__ = ("_seq",)

    def __init__(self, ids: Sequence[int] = ()) -> None:
        self._seq: range | array[int]
        if isinstance(ids, range) and ids.step == 1:
            self._seq = ids
        else:
            self._seq = ids if isinstance(ids, array) else array("q", ids)

    def __len__(self) -> int:
        return len(self._seq)

    def __getitem__(self, i: int) -> int:
        return self._seq[i]

    def slice(self, start: int, stop: int) -> Sequence[int]:
        return self._seq[start:stop]

    @property
    def is_range(self) -> bool:
        return isinstance(self._seq, range)

    def position(self, event_id: int) -> int:
        """Where ``event_id`` is (or would go)."""
        seq = self._seq
        if isinstance(seq, range):
            return min(max(event_id - seq.start, 0), len(seq))
        return bisect_left(seq, event_id)

    def index(self, event_id: int) -> int:
        """The position of ``event_id``, -1 when it is not in the list."""
        i = self.position(event_id)
        return i if i < len(self._seq) and self._seq[i] == event_id else -1

    def __contains__(self, event_id: object) -> bool:
        return isinstance(event_id, int) and self.index(event_id) >= 0

    def add(self, event_id: int) -> int | None:
        """Insert in order; returns the position, None if it was there already."""
        seq = self._seq
        if isinstance(seq, range):
            if event_id == seq.stop or not seq:
                self._seq = range(seq.start if seq else event_id, event_id + 1)
                return len(seq)
            if seq.start <= event_id < seq.stop:
                return None
            self._seq = seq = array("q", seq)
        i = bisect_left(seq, event_id)
        if i < len(seq) and seq[i] == event_id:
            return None
        if i == len(seq):
            seq.append(event_id)
        else:
            seq.insert(i, event_id)
        return i

    def remove(self, event_id: int) -> int | None:
        """Take ``event_id`` out; returns its position, None if it was not there. A range stays
        a range when an end goes (the usual case: the newest or oldest event)."""
        i = self.index(event_id)
        if i < 0:
            return None
        seq = self._seq
        if isinstance(seq, range):
            if i == len(seq) - 1:
                self._seq = range(seq.start, seq.stop - 1)
                return i
            if i == 0:
                self._seq = range(seq.start + 1, seq.stop)
                return i
            self._seq = seq = array("q", seq)
        del seq[i]
        return i

    def __iter__(self) -> Iterator[int]:
        return iter(self._seq)
