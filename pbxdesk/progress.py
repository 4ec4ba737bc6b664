"""The progress bar of `pbxdesk run` on a terminal (rich draws it on stderr)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from pbxdesk.engine.outbox import DeliveryEngine
from pbxdesk.engine.run import FeedPlayer


class RunProgress:
    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} delivered"),
            TextColumn("· {task.fields[events]} events"),
            TextColumn("· {task.fields[retrying]} retrying · {task.fields[failed]} failed"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("run", total=0, events=0, retrying=0, failed=0)
        self._progress.start()

    def update(self, engine: DeliveryEngine, player: FeedPlayer) -> None:
        s = engine.stats
        self._progress.update(
            self._task,
            total=s.deliveries,
            completed=s.delivered,
            events=s.events,
            retrying=len(engine.retrying()),
            failed=s.failed,
        )

    def close(self) -> None:
        self._progress.stop()
