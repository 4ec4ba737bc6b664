"""Render the app icon (resources/icons/pbxdesk.svg) into the PNG sizes installers need.

    python packaging/render_icons.py OUT_DIR [SIZE ...]

writes OUT_DIR/pbxdesk-<size>.png for each size (default: 16 22 24 32 48 64 128 256 512),
rendered by Qt's own SVG renderer (QtSvg, part of PySide6-Essentials: nothing else needed,
no display: the offscreen platform). When Pillow is importable it also writes
OUT_DIR/pbxdesk.ico (Windows: 16-256) and OUT_DIR/pbxdesk.icns (macOS: 16-1024), which
packaging/pbxdesk.spec picks up from build/icons/.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "pbxdesk.svg"
DEFAULT_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)


def render(out_dir: Path, sizes: tuple[int, ...]) -> dict[int, Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - keeps Qt alive
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {SVG} is not a valid SVG")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[int, Path] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"pbxdesk-{size}.png"
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"render_icons: could not write {path}")
        written[size] = path
    return written


def platform_icons(out_dir: Path, pngs: dict[int, Path]) -> None:
    try:
        from PIL import Image
    except ImportError:
        print("render_icons: Pillow not installed: no .ico/.icns (pip install pillow)", file=sys.stderr)
        return
    largest = Image.open(pngs[max(pngs)]).convert("RGBA")
    largest.save(out_dir / "pbxdesk.ico", sizes=[(s, s) for s in ICO_SIZES])
    big = Image.open(pngs[1024]).convert("RGBA") if 1024 in pngs else largest.resize((1024, 1024))
    big.save(out_dir / "pbxdesk.icns")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    out_dir = Path(argv[0])
    sizes = tuple(int(s) for s in argv[1:]) or DEFAULT_SIZES
    pngs = render(out_dir, tuple(sorted(set(sizes) | {256, 1024})))
    platform_icons(out_dir, pngs)
    for size in sizes:
        print(pngs[size])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
