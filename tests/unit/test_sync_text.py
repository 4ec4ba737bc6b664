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


def test_a_difference_names_its_fields_as_a_user_reads_them() -> None:
    """Every compared field has a label; the CLI's sentence writes it, not the internal key."""
    compared = {*sync._EXT_FIELDS, *sync._OPTIONAL_FIELDS, *sync._SUB_FIELDS}
    assert compared == set(sync.FIELD_LABELS)
    local = Extension(175, "000*099", ExtensionType.PHONE, caller_id_name="Anna P.", extension_group_id=3)
    remote = Extension(175, "000*099", ExtensionType.PHONE, caller_id_name="Anna")
    sub_l = Subscription(175, EventType.HANGUP, HttpMethod.POST, "https://crm.example/h2", id=1)
    sub_r = Subscription(175, EventType.HANGUP, HttpMethod.GET, "https://crm.example/h", id=7)
    plan = sync.diff([local], [sub_l], [remote], [sub_r], sync.IdMapping({175: 175}, {1: 7}))
    assert sorted(plan.describe()) == [
        "~ extension 000*099 (phone): caller ID name 'Anna' -> 'Anna P.', extension group None -> 3",
        "~ subscription #7: extension 175 hangup POST https://crm.example/h2: "
        "method 'GET' -> 'POST', URL 'https://crm.example/h' -> 'https://crm.example/h2'",
    ]
