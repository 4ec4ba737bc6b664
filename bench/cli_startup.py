"""How fast the CLI starts: `pbxdesk --help`, `--version` and `profile list`, each a fresh
process, beside the bare interpreter (`python -c pass`) in the same run, plus the number of
modules imported once the argument parser is built.

    python bench/cli_startup.py [--runs N] [--tree DIR]

It measures the pbxdesk of DIR (default: the tree this file is in): the processes start
there with DIR first on PYTHONPATH, so an editable install elsewhere does not stand in.
Prints one line per command, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNT_MODULES = (
    "import sys; before = len(sys.modules); "
    "from pbxdesk.cli.main import build_parser; build_parser(); "
    "print(len(sys.modules) - before)"
)
COUNT_MODULES_OLD = COUNT_MODULES.replace("pbxdesk.cli.main", "pbxdesk.cli")


def _median_ms(argv: list[str], runs: int, env: dict[str, str], cwd: Path) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            argv, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--tree", type=Path, default=ROOT, help="the source tree whose pbxdesk to time")
    opts = ap.parse_args()
    runs, tree = opts.runs, opts.tree.resolve()
    with tempfile.TemporaryDirectory() as home:
        # An empty data dir: `profile list` lists nothing, and no user data is read.
        env = {**os.environ, "XDG_DATA_HOME": home, "XDG_STATE_HOME": home, "XDG_CONFIG_HOME": home,
               "PYTHONPATH": str(tree)}  # fmt: skip
        py = [sys.executable]
        cases = {
            "python -c pass": py + ["-c", "pass"],
            "--help": py + ["-m", "pbxdesk", "--help"],
            "--version": py + ["-m", "pbxdesk", "--version"],
            "profile list": py + ["-m", "pbxdesk", "profile", "list"],
        }
        medians = {name: _median_ms(argv, runs, env, tree) for name, argv in cases.items()}
        count = [*py, "-c", COUNT_MODULES]
        counted = subprocess.run(count, env=env, cwd=tree, capture_output=True, text=True)
        if counted.returncode != 0:  # a tree from before the cli package
            count = [*py, "-c", COUNT_MODULES_OLD]
            counted = subprocess.run(count, env=env, cwd=tree, capture_output=True, text=True)
        modules = int(counted.stdout.strip())
    base = medians["python -c pass"]
    for name, ms in medians.items():
        print(f"{name:16} median {ms:7.1f} ms  ({ms / base:.1f}x the bare interpreter)")
    print(f"modules imported by building the parser: {modules}")
    print(
        json.dumps(
            {
                "bench": "cli_startup",
                "runs": runs,
                "python_ms": round(base, 1),
                "help_ms": round(medians["--help"], 1),
                "version_ms": round(medians["--version"], 1),
                "profile_list_ms": round(medians["profile list"], 1),
                "help_ratio_vs_python": round(medians["--help"] / base, 2),
                "parser_modules": modules,
            }
        )
    )


if __name__ == "__main__":
    main()
