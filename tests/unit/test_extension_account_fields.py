"""What the profile takes from the PBX account's answer for an extension, and what it keeps."""

from __future__ import annotations

from dataclasses import fields

from pbxdesk.domain import Extension, ExtensionStatus, ExtensionType
from pbxdesk.domain.models import EXTENSION_ACCOUNT_FIELDS
from pbxdesk.pbx.account_edit import _from_remote


def test_the_account_fields_are_extension_fields() -> None:
    names = {f.name for f in fields(Extension)}
    assert set(EXTENSION_ACCOUNT_FIELDS) <= names and "id" not in EXTENSION_ACCOUNT_FIELDS


def test_an_edit_takes_the_accounts_fields_and_keeps_the_simulators() -> None:
    local = Extension(
        7, "000*200", ExtensionType.QUEUE, label="old", record=True, did="+74950000000",
        agents=("000*201",), strategy="sequential", caller_id_name="Old", extra_params='{"a": 1}',
    )  # fmt: skip
    remote = Extension(
        1234, "555*200", ExtensionType.QUEUE, status=ExtensionStatus.BLOCKED, label="Sales",
        caller_id_name="", extension_group_id=9, create_date="2026-01-02 03:04:05", client_id=555,
        domain="sip.example", extra_params=None,
    )  # fmt: skip
    saved = _from_remote(local, remote, 7)
    assert saved.id == 7
    assert {k: getattr(saved, k) for k in EXTENSION_ACCOUNT_FIELDS} == {
        k: getattr(remote, k) for k in EXTENSION_ACCOUNT_FIELDS
    }
    assert (saved.record, saved.did, saved.agents, saved.strategy) == (
        True, "+74950000000", ("000*201",), "sequential",
    )  # fmt: skip
