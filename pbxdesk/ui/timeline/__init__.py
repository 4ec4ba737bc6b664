"""The timeline: the table of every event, its rows read on demand (a package the way Anki
splits its browser table).

- ``states``: how a delivery state looks (words, colours, icons), for the whole UI
- ``rows``: ``TimelineRow``, one event as shown, and how rows are made
- ``ids``: ``IdList``, the ids in the view (a range or an array)
- ``source``: ``RowSource``, the live tail's rows and pages read from the store
- ``query``: the filter/grouping query run in a worker thread
- ``grouping``: calls as header rows, their summaries
- ``failures``: F3, the next failed delivery
- ``tail``: the callbacks' inbox the drain timer empties
- ``model``: ``TimelineModel``, the Qt model over all of it
"""

from pbxdesk.ui.timeline.model import TimelineModel
from pbxdesk.ui.timeline.rows import TimelineRow, placeholder_key, row_from_event

__all__ = ["TimelineModel", "TimelineRow", "placeholder_key", "row_from_event"]
