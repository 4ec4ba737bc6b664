"""Update the translations: extract every tr() text of pbxdesk/ui into pbxdesk_<lang>.ts
(translations already made are kept), then compile the .qm files the app loads.

    python resources/translations/update_translations.py          # extract + compile
    python resources/translations/update_translations.py --compile  # compile only

Translate new texts (``type="unfinished"`` in the .ts) with Qt Linguist
(``pyside6-linguist resources/translations/pbxdesk_ru.ts``) or any editor, then run it again.
The tools come with PySide6 (pyside6-lupdate, pyside6-lrelease), beside this Python.

English is the source language, but a count's text (``self.tr("%Ln event(s)", "", n)``) needs
its singular and plural written out: ``pbxdesk_en.ts`` holds those texts only (lupdate's
``-pluralonly``), each with its two forms ("%Ln event", "%Ln events") to fill in.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCES = ROOT / "pbxdesk" / "ui"
LANGUAGES = ("ru",)  # translated in full
PLURAL_ONLY = ("en",)  # the source language: only the plural forms of its counts


def tool(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} not found: install PySide6 (pip install PySide6-Essentials) in this Python")
    return found


def main(argv: list[str]) -> int:
    languages = [*LANGUAGES, *PLURAL_ONLY]
    ts_files = [HERE / f"pbxdesk_{lang}.ts" for lang in languages]
    if "--compile" not in argv:
        sources = sorted(str(p.relative_to(ROOT)) for p in SOURCES.rglob("*.py"))
        for lang, ts in zip(languages, ts_files, strict=True):
            only = ["-pluralonly"] if lang in PLURAL_ONLY else []
            subprocess.run(
                [tool("pyside6-lupdate"), "-no-obsolete", *only, "-locations", "relative",
                 "-target-language", lang, *sources, "-ts", str(ts.relative_to(ROOT))],
                check=True,
                cwd=ROOT,
            )  # fmt: skip
    for ts in ts_files:
        subprocess.run([tool("pyside6-lrelease"), str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
