"""F3: the next event in the view whose delivery failed, from the live tail and the store."""

from __future__ import annotations

import logging
import sqlite3

from pbxdesk.store import queries
from pbxdesk.ui.timeline.ids import IdList
from pbxdesk.ui.timeline.source import RowSource

log = logging.getLogger(__name__)


def next_failure_id(view: IdList, source: RowSource, after_id: int) -> int | None:
    """The smallest id after ``after_id`` in ``view`` whose delivery failed; None if none."""
    # The tail: rows whose results came from callbacks (perhaps not committed yet).
    live = [i for i, r in source.live.items() if i > after_id and i in view and r.failed]
    best = min(live) if live else None
    conn = source.conn
    if conn is None:
        return best
    cursor = after_id
    while True:
        try:
            ids = queries.next_failure_ids(conn, cursor, 500)
        except sqlite3.Error as exc:
            log.warning("looking for the next failure failed: %s", exc)
            return best
        if not ids:
            return best
        for i in ids:
            if best is not None and i >= best:
                return best
            if i in view:
                return i
        cursor = ids[-1]
