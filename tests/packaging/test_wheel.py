"""The wheel `pip install .` builds carries every package and data file the app needs.

(An editable install or the source tree hides a package missing from pyproject's list; a new
user's `pip install .` does not.)

Built offline from a clean copy of the tree, with the setuptools and wheel already installed
(`--no-build-isolation --no-index`): nothing is downloaded or installed during the run.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.packaging


def test_wheel_has_every_package_and_resource(tmp_path):
    pytest.importorskip("wheel", reason="the test extra's wheel package builds the wheel offline")
    src = tmp_path / "src"  # a copy: no stale build/ or egg-info of the tree gets into the wheel
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "shots"))  # fmt: skip
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-q", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next(out.glob("pbxdesk-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for init in (ROOT / "pbxdesk").rglob("__init__.py"):
        rel = init.relative_to(ROOT).as_posix()
        assert rel in names, f"{rel} is not in the wheel: add its package to pyproject.toml"
    for module in (ROOT / "pbxdesk").rglob("*.py"):
        rel = module.relative_to(ROOT).as_posix()
        assert rel in names, f"{rel} is not in the wheel"
    resources = ROOT / "resources"
    for data in [*resources.glob("scenarios/*.toml"), *resources.glob("icons/*.svg"),
                 *resources.glob("translations/*.qm")]:  # fmt: skip
        rel = "pbxdesk/resources/" + data.relative_to(resources).as_posix()
        assert rel in names, f"{rel} is not in the wheel"
