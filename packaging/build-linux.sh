#!/usr/bin/env bash
# Build the Debian package: dist/pbxdesk_<version>_<arch>.deb
#
#   packaging/build-linux.sh            (from anywhere; needs PyInstaller: pip install '.[packaging]')
#
# 1. freezes the app with PyInstaller (packaging/pbxdesk.spec) into a one-folder build;
# 2. lays out the package tree:
#      /opt/pbxdesk/                                   the frozen app (pbxdesk + _internal/)
#      /usr/bin/pbxdesk                                launcher script -> /opt/pbxdesk/pbxdesk
#      /usr/share/applications/pbxdesk.desktop         applications-menu entry
#      /usr/share/icons/hicolor/<N>x<N>/apps/pbxdesk.png   app icon, N = 16 ... 512
#      /usr/share/icons/hicolor/scalable/apps/pbxdesk.svg
#      /usr/share/doc/pbxdesk/copyright
# 3. computes Depends with dpkg-shlibdeps from every ELF file of the frozen app (the system
#    libraries Qt and Python link: xcb, xkbcommon, EGL/GL, fontconfig, GLib, OpenSSL, ...),
#    plus libdbus-1-3, which Qt loads at run time, and checks the README's Qt list is covered;
# 4. dpkg-deb --build.
#
# Environment: PYTHON (default: python3) is the Python whose site-packages hold pbxdesk's
# dependencies and PyInstaller; PBXDESK_DIST (default: <repo>/dist) and PBXDESK_BUILD
# (default: <repo>/build) are the output and work folders; PBXDESK_DEB_COMPRESSION
# (default: xz) is passed to dpkg-deb -Z.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
DIST=${PBXDESK_DIST:-$ROOT/dist}
BUILD=${PBXDESK_BUILD:-$ROOT/build}
COMPRESSION=${PBXDESK_DEB_COMPRESSION:-xz}
MAINTAINER=${PBXDESK_DEB_MAINTAINER:-pbxdesk developers <pbxdesk@users.noreply.github.com>}
ICON_SIZES=(16 22 24 32 48 64 128 256 512)
# The Qt runtime libraries of the README's Quick start (Debian 12 names; Debian 13's
# time64 renames end in t64): the computed Depends must name every one of them.
README_QT_DEPS=(libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon0
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xkb1)
# Used only where dpkg-shlibdeps (dpkg-dev) is missing: what it computes on Debian 12.
FALLBACK_DEPENDS="libbz2-1.0, libc6 (>= 2.35), libdbus-1-3, libegl1, libffi8, libfontconfig1,
  libfreetype6, libgcc-s1, libgl1, libglib2.0-0, liblzma5, libsqlite3-0, libssl3, libstdc++6,
  libuuid1, libx11-6, libx11-xcb1, libxcb-cursor0, libxcb-glx0, libxcb-icccm4, libxcb-image0,
  libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-render0, libxcb-shape0,
  libxcb-shm0, libxcb-sync1, libxcb-util1, libxcb-xfixes0, libxcb-xkb1, libxcb1,
  libxkbcommon-x11-0, libxkbcommon0, libzstd1, zlib1g"

say() { printf 'build-linux: %s\n' "$*"; }
die() { printf 'build-linux: error: %s\n' "$*" >&2; exit 1; }

command -v dpkg-deb >/dev/null || die "dpkg-deb not found (Debian/Ubuntu: apt-get install dpkg)"
"$PYTHON" -c 'import PyInstaller' 2>/dev/null \
  || die "PyInstaller is not installed for $PYTHON: $PYTHON -m pip install '.[packaging]'"
"$PYTHON" -c 'import PySide6.QtSvg' 2>/dev/null \
  || die "pbxdesk's dependencies are not installed for $PYTHON: $PYTHON -m pip install '.[packaging]'"

PY_VERSION=$(sed -n 's/^__version__ *= *"\([^"]*\)".*/\1/p' "$ROOT/pbxdesk/__init__.py")
[ -n "$PY_VERSION" ] || die "no __version__ in pbxdesk/__init__.py"
# PEP 440 pre-releases sort before the release in Debian only with '~': 1.0rc1 -> 1.0~rc1.
VERSION=$(printf '%s' "$PY_VERSION" | sed -E 's/\.?(a|b|rc|dev)([0-9]+)/~\1\2/g; s/\.?post([0-9]+)/+post\1/')
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
DEB="$DIST/pbxdesk_${VERSION}_${ARCH}.deb"
STAGE="$BUILD/deb/pbxdesk_${VERSION}_${ARCH}"
start=$SECONDS

# -- 1. freeze ------------------------------------------------------------------------------
say "freezing pbxdesk $PY_VERSION with PyInstaller ($("$PYTHON" -m PyInstaller --version))"
mkdir -p "$DIST" "$BUILD"
PYI_LOG="$BUILD/pyinstaller.log"
if ! (cd "$ROOT" && "$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
      --distpath "$DIST" --workpath "$BUILD/pyinstaller" packaging/pbxdesk.spec) >"$PYI_LOG" 2>&1; then
  tail -n 40 "$PYI_LOG" >&2
  die "PyInstaller failed (full log: $PYI_LOG)"
fi
APP="$DIST/pbxdesk"
[ -x "$APP/pbxdesk" ] || die "PyInstaller made no $APP/pbxdesk"
[ -f "$APP/_internal/resources/scenarios/seed-example.toml" ] || die "resources/ missing from the build"
say "frozen: $APP ($(du -sh "$APP" | cut -f1)) after $((SECONDS - start)) s"

# -- 2. package tree ------------------------------------------------------------------------
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
  "$STAGE/usr/share/doc/pbxdesk" "$STAGE/usr/share/icons/hicolor/scalable/apps"
cp -a "$APP" "$STAGE/opt/pbxdesk"
# Strip symbol tables, but not from libraries wheels vendor in <pkg>.libs/ (auditwheel-patched:
# stripping numpy's OpenBLAS makes it unloadable).
if command -v strip >/dev/null; then
  find "$STAGE/opt/pbxdesk" -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' \
    -exec strip --strip-unneeded {} + 2>/dev/null || true
fi
install -m 0755 "$ROOT/packaging/linux/pbxdesk.sh" "$STAGE/usr/bin/pbxdesk"
install -m 0644 "$ROOT/packaging/linux/pbxdesk.desktop" "$STAGE/usr/share/applications/pbxdesk.desktop"
install -m 0644 "$ROOT/packaging/linux/copyright" "$STAGE/usr/share/doc/pbxdesk/copyright"
install -m 0644 "$ROOT/resources/icons/pbxdesk.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/pbxdesk.svg"
ICONS="$BUILD/icons"
QT_QPA_PLATFORM=offscreen "$PYTHON" "$ROOT/packaging/render_icons.py" "$ICONS" "${ICON_SIZES[@]}" >/dev/null 2>&1 \
  || die "rendering the icons failed: $PYTHON packaging/render_icons.py $ICONS"
for size in "${ICON_SIZES[@]}"; do
  install -D -m 0644 "$ICONS/pbxdesk-$size.png" "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/pbxdesk.png"
done
DATE=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}")
printf 'pbxdesk (%s) unstable; urgency=medium\n\n  * pbxdesk %s.\n\n -- %s  %s\n' \
  "$VERSION" "$PY_VERSION" "$MAINTAINER" "$DATE" | gzip -9n >"$STAGE/usr/share/doc/pbxdesk/changelog.gz"
# Root-owned (dpkg-deb --root-owner-group), no group/other write anywhere, libraries not executable.
chmod -R u+rwX,go+rX,go-w "$STAGE"
find "$STAGE/opt/pbxdesk/_internal" -type f -name '*.so*' -exec chmod 0644 {} +

# -- 3. Depends -----------------------------------------------------------------------------
if command -v dpkg-shlibdeps >/dev/null; then
  mapfile -t elves < <(find "$STAGE/opt/pbxdesk" -type f \( -name '*.so*' -o -name pbxdesk \) \
    -exec sh -c 'head -c 4 "$1" | grep -q ELF && echo "$1"' _ {} \;)
  libdirs=()
  while IFS= read -r dir; do libdirs+=("-l$dir"); done < <(printf '%s\n' "${elves[@]}" | xargs -n1 dirname | sort -u)
  # dpkg-shlibdeps reads ./debian/control for the package name.
  mkdir -p "$BUILD/deb/shlibdeps/debian"
  printf 'Source: pbxdesk\n\nPackage: pbxdesk\nArchitecture: any\n' >"$BUILD/deb/shlibdeps/debian/control"
  SHLIBS_LOG="$BUILD/dpkg-shlibdeps.log"
  # Bundled libraries belong to no Debian package: --ignore-missing-info skips them.
  shlibs=$(cd "$BUILD/deb/shlibdeps" && dpkg-shlibdeps -O --ignore-missing-info \
    "${libdirs[@]}" "${elves[@]}" 2>"$SHLIBS_LOG") || { cat "$SHLIBS_LOG" >&2; die "dpkg-shlibdeps failed"; }
  DEPENDS=$(printf '%s\n' "$shlibs" | sed -n 's/^shlibs:Depends=//p')
  [ -n "$DEPENDS" ] || die "dpkg-shlibdeps found no dependencies (log: $SHLIBS_LOG)"
else
  say "warning: dpkg-shlibdeps (dpkg-dev) not found: using the Debian 12 dependency list"
  DEPENDS=$(printf '%s' "$FALLBACK_DEPENDS" | tr -s ' \n' ' ')
fi
# libdbus-1 is dlopen()ed by QtDBus on some builds: name it whatever the linker said.
case ", $DEPENDS," in *", libdbus-1-3"[,\ ]*) ;; *) DEPENDS="$DEPENDS, libdbus-1-3" ;; esac
for pkg in "${README_QT_DEPS[@]}"; do
  case ", $DEPENDS," in
    *", $pkg"[,\ ]* | *", ${pkg}t64"[,\ ]*) ;;
    *) die "Depends lacks $pkg (from the README's Qt list): $DEPENDS" ;;
  esac
done

INSTALLED_KB=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
cat >"$STAGE/DEBIAN/control" <<EOF
Package: pbxdesk
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $INSTALLED_KB
Depends: $DEPENDS
Section: comm
Priority: optional
Description: desktop workbench for cloud-PBX webhook integrations
 pbxdesk simulates a cloud PBX faithfully: calls, queues, IVRs,
 callbacks, messages and voicemail produce the PBX's call events
 (dial-in, dial-out, answer, hangup, ...), delivered to your webhook
 handlers exactly as the PBX sends them. Every event and every
 subscriber's answer is shown and recorded.
 .
 A self-contained build (Python runtime and Qt 6 included) installed
 in /opt/pbxdesk. "pbxdesk --self-test" checks an installation.
EOF

# -- 4. build -------------------------------------------------------------------------------
rm -f "$DEB"
dpkg-deb --root-owner-group -Z"$COMPRESSION" --build "$STAGE" "$DEB" >/dev/null
say "built $DEB ($(du -h "$DEB" | cut -f1), installed size $((INSTALLED_KB / 1024)) MiB) in $((SECONDS - start)) s"
say "Depends: $DEPENDS"
