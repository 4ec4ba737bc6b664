"""The wheel `pip install .` builds carries every package and data file the app needs.

(An editable install or the source tree hides a package missing from pyproject's list; a new
user's `pip install .` does not.)"""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.packaging


def test_wheel_has_every_package_and_resource(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
         str(ROOT)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    wheel = next(tmp_path.glob("pbxdesk-*.whl"))
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
