#!/usr/bin/env bash
# Build the macOS disk image: dist/pbxdesk-<version>-macos-<arch>.dmg holding pbxdesk.app
#
#   packaging/build-macos.sh            (on a Mac; PYTHON=python3.11 to choose the Python)
#
# Needs: macOS 11+, Python 3.11+ (python.org or Homebrew), Xcode command line tools
# (codesign, hdiutil ship with macOS). Steps: install pbxdesk + PyInstaller + Pillow (unless
# PBXDESK_SKIP_INSTALL=1), render the icon (.icns), freeze with packaging/pbxdesk.spec into
# dist/pbxdesk.app (PyInstaller BUNDLE), self-test it, put it in a compressed .dmg beside an
# /Applications link, then mount the .dmg, copy the app out as a user would and self-test that.
#
# The app is ad-hoc signed (PyInstaller does that). To sign with a Developer ID, set
# PBXDESK_CODESIGN_IDENTITY="Developer ID Application: ..." (read by the spec); notarize the
# .dmg afterwards with `xcrun notarytool submit --wait` and `xcrun stapler staple`.
# The architecture is the Python's: arm64 on Apple silicon runners, x86_64 on Intel.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PYTHON=${PYTHON:-python3}
say() { printf 'build-macos: %s\n' "$*"; }
die() { printf 'build-macos: error: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s)" = Darwin ] || die "this builds the macOS app: run it on a Mac"
VERSION=$(sed -n 's/^__version__ *= *"\([^"]*\)".*/\1/p' pbxdesk/__init__.py)
ARCH=$("$PYTHON" -c 'import platform; print(platform.machine())')
DMG="dist/pbxdesk-$VERSION-macos-$ARCH.dmg"

if [ "${PBXDESK_SKIP_INSTALL:-0}" != 1 ]; then
  "$PYTHON" -m pip install --upgrade pip
  "$PYTHON" -m pip install '.[packaging]' pillow
fi

# The app icon as .icns (and PNGs) in build/icons: the spec picks it up there.
"$PYTHON" packaging/render_icons.py build/icons >/dev/null

say "freezing pbxdesk $VERSION ($ARCH)"
"$PYTHON" -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller packaging/pbxdesk.spec
APP=dist/pbxdesk.app
[ -x "$APP/Contents/MacOS/pbxdesk" ] || die "PyInstaller made no $APP"
"$APP/Contents/MacOS/pbxdesk" --version
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/pbxdesk" --self-test
codesign --verify --deep --strict "$APP" || die "$APP does not verify (codesign)"
say "$APP: $(du -sh "$APP" | cut -f1)"

# The disk image: the app and a link to /Applications to drag it onto.
STAGE=build/dmg
rm -rf "$STAGE" "$DMG"
mkdir -p "$STAGE"
ditto "$APP" "$STAGE/pbxdesk.app"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "pbxdesk $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
hdiutil verify "$DMG"

# Install as a user would (copy out of the mounted image) and run the copy.
MOUNT=$(mktemp -d /tmp/pbxdesk-dmg.XXXXXX)
INSTALLED=$(mktemp -d /tmp/pbxdesk-app.XXXXXX)
hdiutil attach -nobrowse -readonly -mountpoint "$MOUNT" "$DMG" >/dev/null
trap 'hdiutil detach "$MOUNT" -quiet || true; rm -rf "$INSTALLED"' EXIT
ditto "$MOUNT/pbxdesk.app" "$INSTALLED/pbxdesk.app"
QT_QPA_PLATFORM=offscreen "$INSTALLED/pbxdesk.app/Contents/MacOS/pbxdesk" --self-test
say "built $DMG ($(du -h "$DMG" | cut -f1)); installed app size $(du -sh "$INSTALLED/pbxdesk.app" | cut -f1)"
