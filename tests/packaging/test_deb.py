"""The Debian package, end to end: build it, install it into a temporary root, run it.

`packaging/build-linux.sh` freezes the app (PyInstaller) and builds the .deb; the package is
unpacked with `dpkg-deb -x` (no system change), and the installed app must print its
version and pass `pbxdesk --self-test` with no display. The installed size (< 200 MB) and
the time from launching the installed app to its main window (< 2 s) are measured, printed
and asserted. Slow (about a minute on 2 cores): marked `packaging`; `pytest -m packaging`
runs only these, `pytest -m "not packaging"` everything else.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pbxdesk import __version__

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
MAX_INSTALLED_MB = 200
MAX_LAUNCH_TO_WINDOW_S = 2.0
LAUNCHES = 3
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
# The README's Quick start apt line: the system libraries Qt needs. Debian 13 renamed some
# with a t64 suffix; either name satisfies.
README_QT_DEPS = [
    *("libegl1", "libgl1", "libfontconfig1", "libdbus-1-3", "libglib2.0-0", "libxkbcommon0"),
    *("libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0"),
    *("libxcb-render-util0", "libxcb-shape0", "libxcb-randr0", "libxcb-xkb1"),
]
SHOWN = re.compile(r"main window shown ([0-9.]+) s after process start")
# build-linux.sh's PEP 440 -> Debian mapping: pre-releases sort first with '~' (1.0rc1 -> 1.0~rc1).
DEB_VERSION = re.sub(r"\.?post(\d+)", r"+post\1", re.sub(r"\.?(a|b|rc|dev)(\d+)", r"~\1\2", __version__))


def _report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    """Figures go to the terminal even when pytest captures output (CI logs show them)."""
    with capsys.disabled():
        print(f"\n[packaging] {text}", flush=True)


def _app_env(home: Path) -> dict[str, str]:
    """A user's environment with no display at all and an empty home: the app must cope."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PBXDESK_HOME"}
        and not k.startswith(("XDG_", "PYTHON", "QT_"))
    }
    env.update(HOME=str(home), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    env.pop("LD_LIBRARY_PATH", None)
    return env


def _ensure_pyinstaller() -> None:
    # Installed beforehand (the `packaging` extra; .ci/run installs it): a test run installs nothing.
    pytest.importorskip("PyInstaller", reason="PyInstaller is not installed: pip install '.[packaging]'")


@pytest.fixture(scope="module")
def built_deb() -> Iterator[tuple[Path, float]]:
    """Build the .deb once for the module, in a temporary dist/build (the tree stays clean)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the .deb is built on Linux only")
    for tool in ("dpkg-deb", "bash"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: cannot build a Debian package here")
    _ensure_pyinstaller()
    with tempfile.TemporaryDirectory(prefix="pbxdesk-deb-") as tmp:
        env = dict(
            os.environ, PYTHON=sys.executable, PBXDESK_DIST=f"{tmp}/dist", PBXDESK_BUILD=f"{tmp}/build"
        )
        started = time.monotonic()
        done = subprocess.run(
            ["bash", str(ROOT / "packaging" / "build-linux.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        took = time.monotonic() - started
        assert done.returncode == 0, f"build-linux.sh failed:\n{done.stdout}\n{done.stderr}"
        debs = sorted(Path(tmp, "dist").glob("pbxdesk_*.deb"))
        assert len(debs) == 1, f"expected one .deb, found {debs}\n{done.stdout}"
        yield debs[0], took


def _field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True
    ).stdout.strip()


def _tree_bytes(root: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


@pytest.mark.timeout(1200)
def test_deb_installs_and_the_installed_app_runs(built_deb, tmp_path, capsys):
    deb, build_s = built_deb
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip()
    assert deb.name == f"pbxdesk_{DEB_VERSION}_{arch or 'amd64'}.deb"
    _report(capsys, f"built {deb.name} ({deb.stat().st_size / 1e6:.1f} MB) in {build_s:.0f} s")

    # -- control fields ---------------------------------------------------------------------
    assert _field(deb, "Package") == "pbxdesk"
    assert _field(deb, "Version") == DEB_VERSION
    depends = {re.split(r"[\s(]", d.strip(), maxsplit=1)[0] for d in _field(deb, "Depends").split(",")}
    missing = [p for p in README_QT_DEPS if p not in depends and f"{p}t64" not in depends]
    assert not missing, f"Depends lacks {missing}: {sorted(depends)}"
    assert "libc6" in depends

    # -- unpack: an installed tree without touching the system -------------------------------
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    app = root / "opt" / "pbxdesk" / "pbxdesk"
    launcher = root / "usr" / "bin" / "pbxdesk"
    assert app.is_file() and os.access(app, os.X_OK)
    assert (root / "opt/pbxdesk/_internal/resources/scenarios/seed-example.toml").is_file()
    assert (root / "opt/pbxdesk/_internal/resources/icons/pbxdesk.svg").is_file()

    desktop = (root / "usr/share/applications/pbxdesk.desktop").read_text(encoding="utf-8")
    for line in ("Type=Application", "Name=pbxdesk", "Exec=pbxdesk", "Icon=pbxdesk", "Terminal=false"):
        assert line in desktop.splitlines(), f"{line!r} missing from the .desktop entry"
    for size in ICON_SIZES:
        png = root / f"usr/share/icons/hicolor/{size}x{size}/apps/pbxdesk.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
        assert png.read_bytes()[16:24] == size.to_bytes(4, "big") * 2, f"{png} is not {size}x{size}"
    assert (root / "usr/share/icons/hicolor/scalable/apps/pbxdesk.svg").read_bytes() == (
        ROOT / "resources/icons/pbxdesk.svg"
    ).read_bytes()

    # Only the Qt the app uses, and no system library frozen in (they are Depends).
    internal = root / "opt/pbxdesk/_internal"
    names = {p.name for p in internal.rglob("*")}
    # (libQt6OpenGL* ship: pyqtgraph, which draws the Stats tab, imports QtOpenGL.)
    unwanted = {"libQt6Network.so.6", "libQt6Qml.so.6", "libQt6Quick.so.6", "libQt6Pdf.so.6"}
    unwanted |= {"libQt6WaylandClient.so.6", "libqtvirtualkeyboardplugin.so", "libqgtk3.so"}
    unwanted |= {"libxcb-cursor.so.0", "libfontconfig.so.1", "libglib-2.0.so.0", "libssl.so.3"}
    assert not unwanted & names, f"{sorted(unwanted & names)} should not ship"
    wanted = {"libQt6Core.so.6", "libQt6Gui.so.6", "libQt6Widgets.so.6", "libQt6Svg.so.6", "libqsvg.so"}
    wanted |= {"libqxcb.so", "libqoffscreen.so", "libqsvgicon.so", "libpython3.11.so.1.0"}
    assert wanted <= names, f"{sorted(wanted - names)} missing"
    # Of Qt's own translations only qtbase_ru.qm ships (Russian standard buttons and dialogs).
    qt_qm = sorted(p.relative_to(internal).as_posix() for p in internal.rglob("translations/q*.qm"))
    assert qt_qm == ["PySide6/Qt/translations/qtbase_ru.qm"], qt_qm
    # The X11 platform plugin finds every library it links on this system.
    ldd = subprocess.run(
        ["ldd", str(internal / "PySide6/Qt/plugins/platforms/libqxcb.so")], capture_output=True, text=True
    )
    assert "not found" not in ldd.stdout, ldd.stdout

    # -- installed size -----------------------------------------------------------------------
    size_mb = _tree_bytes(root) / 1e6
    declared_mb = int(_field(deb, "Installed-Size")) * 1024 / 1e6
    _report(
        capsys,
        f"installed size {size_mb:.1f} MB (control: {declared_mb:.1f} MB), target < {MAX_INSTALLED_MB} MB",
    )
    assert size_mb < MAX_INSTALLED_MB
    assert abs(declared_mb - size_mb) < 5

    # -- the launcher: /usr/bin/pbxdesk -> /opt/pbxdesk/pbxdesk --------------------------------
    script = launcher.read_text(encoding="utf-8")
    assert script.startswith("#!/bin/sh\n") and os.access(launcher, os.X_OK)
    assert "opt/pbxdesk/pbxdesk" in script and 'exec "$app" "$@"' in script
    home = tmp_path / "home"
    home.mkdir()
    env = _app_env(home)
    for exe in (launcher, app):
        out = subprocess.run([str(exe), "--version"], env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == f"pbxdesk {__version__}"

    # -- the installed app's self-test, timed from launch to the main window -------------------
    figures = []
    for i in range(LAUNCHES):
        launched = time.monotonic()
        proc = subprocess.Popen(
            [str(app), "--self-test"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        lines, seen_at = [], None
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if seen_at is None and SHOWN.search(line):
                seen_at = time.monotonic() - launched
        try:
            stderr = proc.communicate(timeout=120)[1]
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        out = "".join(lines)
        assert proc.returncode == 0, f"self-test #{i + 1} failed:\n{out}\n{stderr}"
        assert "frozen" in out and "'offscreen' platform" in out and "passed" in out, out
        assert seen_at is not None, out
        figures.append((seen_at, float(SHOWN.search(out).group(1))))
    launch_s = statistics.median(f[0] for f in figures)
    _report(
        capsys,
        "launch -> main window: "
        + ", ".join(f"{outside:.3f} s (app: {inside:.3f} s)" for outside, inside in figures)
        + f"; median {launch_s:.3f} s, target < {MAX_LAUNCH_TO_WINDOW_S} s",
    )
    assert launch_s < MAX_LAUNCH_TO_WINDOW_S
    # Nothing of pbxdesk's landed in the user's home: the self-test used a throwaway profile.
    leftovers = [p for p in home.rglob("*") if "pbxdesk" in p.name.lower()]
    assert not leftovers, leftovers


@pytest.mark.timeout(120)
def test_self_test_from_the_source_install(tmp_path):
    """`pbxdesk --self-test` works unfrozen too (it is the installer's smoke test)."""
    home = tmp_path / "home"
    home.mkdir()
    env = _app_env(home)
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "pbxdesk", "--self-test"], env=env, capture_output=True, text=True, timeout=100
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "source" in done.stdout and "'offscreen' platform" in done.stdout
    assert SHOWN.search(done.stdout) and "all 2xx" in done.stdout and "passed" in done.stdout
    assert not [p for p in home.rglob("*") if "pbxdesk" in p.name.lower()]
