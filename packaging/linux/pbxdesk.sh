#!/bin/sh
# pbxdesk launcher (installed as /usr/bin/pbxdesk by the .deb).
# The frozen app lives in /opt/pbxdesk. It is found relative to this script, so an unpacked
# package tree (dpkg-deb -x pbxdesk.deb ROOT; ROOT/usr/bin/pbxdesk) works like an installed one.
here=$(dirname "$(readlink -f "$0")")
app="$here/../../opt/pbxdesk/pbxdesk"
[ -x "$app" ] || app=/opt/pbxdesk/pbxdesk
exec "$app" "$@"
