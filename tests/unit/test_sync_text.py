"""Sync's notes and item results: the CLI's English sentence, which also keeps its kind and
parameters (the GUI says it in the user's language from those)."""

from __future__ import annotations

import copy
import pickle

from pbxdesk.domain import EventType, Extension, ExtensionType, HttpMethod, Subscription
from pbxdesk.pbx import sync
from pbxdesk.pbx.errors import ServerError


def test_a_sync_text_is_its_english_sentence() -> None:
    note = sync.SyncText(sync.NOTE_REMOTE_EXTENSION, name="000*555", id=1001)
    english = "extension 000*555 (id 1001) is on the PBX only: pull to get it"
    assert note == english and str(note) == english and f"note: {note}" == f"note: {english}"
    assert type(note.text) is str and note.text == english
    assert (note.kind, note.params) == (sync.NOTE_REMOTE_EXTENSION, {"name": "000*555", "id": 1001})
    for again in (copy.deepcopy(note), pickle.loads(pickle.dumps(note))):
        assert again == note and (again.kind, again.params) == (note.kind, note.params)
    error = ServerError("HTTP 500 from the PBX")
    assert sync.SyncText(sync.RESULT_ERROR, error=error) == "HTTP 500 from the PBX"
    assert sync.SyncText(sync.RESULT_DONE) == "done"


def test_diff_notes_carry_their_parameters() -> None:
    remote = [Extension(175, "000*099", ExtensionType.PHONE)]
    subs = [Subscription(175, EventType.HANGUP, HttpMethod.GET, "https://crm.example/h", id=7)]
    plan = sync.diff([], [], remote, subs, sync.IdMapping({}, {}))
    assert plan.notes == [
        "extension 000*099 (id 175) is on the PBX only: pull to get it",
        "subscription #7 (hangup of extension 175) is on the PBX only",
    ]
    assert [(n.kind, n.params) for n in plan.notes] == [
        (sync.NOTE_REMOTE_EXTENSION, {"name": "000*099", "id": 175}),
        (
            sync.NOTE_REMOTE_SUBSCRIPTION,
            {"id": 7, "event_type": "hangup", "extension_id": 175, "extension_name": "000*099"},
        ),
    ]
