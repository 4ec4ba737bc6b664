"""The event model's assumptions stay in one place: the catalogue, the code and the README agree."""

from __future__ import annotations

import re
from pathlib import Path

from pbxdesk.domain.assumptions import ASSUMPTION_NAMES, EVENT_ASSUMPTIONS

ROOT = Path(__file__).resolve().parents[2]
TAG = re.compile(r"ASSUMPTION\(([a-z0-9-]+)\)")


def test_every_tag_in_the_code_names_a_catalogued_assumption_and_each_is_used() -> None:
    used: set[str] = set()
    for path in (ROOT / "pbxdesk").rglob("*.py"):
        for name in TAG.findall(path.read_text(encoding="utf-8")):
            assert name in ASSUMPTION_NAMES, f"{path}: ASSUMPTION({name}) is not in domain/assumptions.py"
            used.add(name)
    assert used == ASSUMPTION_NAMES  # none is listed that no code acts on
    assert len(ASSUMPTION_NAMES) == len(EVENT_ASSUMPTIONS)  # names are unique


def test_the_readme_lists_every_assumption() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for assumption in EVENT_ASSUMPTIONS:
        assert f"- `{assumption.name}`: {assumption.text}" in readme
