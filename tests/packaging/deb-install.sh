#!/bin/sh
# Builds the Debian package from this build folder, installs it with dpkg, runs the installed
# programs (the command-line tool's help and an export, the window's help offscreen, the man
# page), and removes the package again.
#
#   deb-install.sh BUILD_DIR
#
# It changes the machine it runs on (it installs into /usr), so it runs only as root, with
# dpkg, and when no attnlab package is installed already; otherwise it exits 77, which CTest
# reports as skipped, and says why.
set -eu
build="$1"
skip() { echo "skipped: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
command -v dpkg >/dev/null || skip "dpkg is not here"
command -v cpack >/dev/null || skip "cpack is not here"
if dpkg-query -W -f='${Status}' attnlab 2>/dev/null | grep -q "install ok installed"; then
    skip "an attnlab package is installed on this machine; it is not replaced by a test"
fi

work="$(mktemp -d)"
installed=no
cleanup() {
    [ "$installed" = yes ] && dpkg -r attnlab >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

(cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) ||
    { cat "$work/cpack.log"; echo "FAIL: cpack could not build the package"; exit 1; }
deb="$(ls "$work"/deb/attnlab_*.deb)"
dpkg -i "$deb"
installed=yes

fail() { echo "FAIL: $*"; exit 1; }
[ -x /usr/bin/attnlab ] || fail "/usr/bin/attnlab is not installed"
[ -f /usr/share/applications/attnlab.desktop ] || fail "the desktop entry is missing"
[ -f /usr/share/metainfo/org.attnlab.AttnLab.metainfo.xml ] || fail "the AppStream file is missing"
[ -f /usr/share/icons/hicolor/scalable/apps/attnlab.svg ] || fail "the icon is missing"

/usr/bin/attnlab-cli --help | grep -q "Exit status" || fail "attnlab-cli --help says nothing useful"
/usr/bin/attnlab-cli export --out "$work/figures" --epochs 50 --views attention,loss \
    >"$work/export.log" 2>&1 || { cat "$work/export.log"; fail "the export failed"; }
for f in sentence1-attention.png sentence1-attention.svg sentence1-attention.pdf \
         sentence1-attention.csv sentence1-attention.npy loss.csv; do
    [ -s "$work/figures/$f" ] || fail "the export did not write $f"
done
head -c 8 "$work/figures/sentence1-attention.png" | od -c | grep -q "P   N   G" ||
    fail "sentence1-attention.png is not a PNG"
QT_QPA_PLATFORM=offscreen /usr/bin/attnlab --help | grep -q -- "--transformer" ||
    fail "attnlab --help does not list its options"
if command -v man >/dev/null; then
    MANWIDTH=80 man -l /usr/share/man/man1/attnlab-cli.1 2>/dev/null | grep -q "EXIT STATUS" ||
        fail "the man page of attnlab-cli does not render"
fi

dpkg -r attnlab
installed=no
[ ! -e /usr/bin/attnlab-cli ] || fail "dpkg -r left /usr/bin/attnlab-cli behind"
echo "the package installed, ran and was removed: $(basename "$deb")"
