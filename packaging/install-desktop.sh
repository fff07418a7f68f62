#!/usr/bin/env bash
# Put Vetbench into the desktop's launcher: the bundle, the .desktop file, icons, AppStream data.
#   packaging/install-desktop.sh                      install dist/vetbench for this user (~/.local)
#   packaging/install-desktop.sh --bundle none        launcher only, for a `vetbench` on PATH
#                                                     (pip/pipx install of the wheel)
#   packaging/install-desktop.sh --prefix /usr/local  system-wide (run as root)
#   packaging/install-desktop.sh --uninstall          remove what an install put there
# Layout (freedesktop): PREFIX/lib/vetbench/ (bundle), PREFIX/bin/vetbench (symlink),
# PREFIX/share/applications/APP_ID.desktop, PREFIX/share/icons/hicolor/*/apps/APP_ID.{png,svg},
# PREFIX/share/metainfo/APP_ID.metainfo.xml.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
app_id="io.github.vetbench.Vetbench"
prefix="${HOME}/.local"
bundle="$here/dist/vetbench"
action=install
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --bundle) bundle="$2"; shift 2 ;;
        --uninstall) action=uninstall; shift ;;
        -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "install-desktop.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
sizes=(16 24 32 48 64 128 256)
share="$prefix/share"

refresh_caches() {  # optional tools; a missing one only delays the launcher's update
    command -v update-desktop-database >/dev/null 2>&1 \
        && update-desktop-database -q "$share/applications" 2>/dev/null || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 \
        && gtk-update-icon-cache -q -t "$share/icons/hicolor" 2>/dev/null || true
}

if [ "$action" = uninstall ]; then
    rm -rf "$prefix/lib/vetbench"
    [ -L "$prefix/bin/vetbench" ] && rm -f "$prefix/bin/vetbench"
    rm -f "$share/applications/$app_id.desktop" "$share/metainfo/$app_id.metainfo.xml" \
          "$share/icons/hicolor/scalable/apps/$app_id.svg"
    for n in "${sizes[@]}"; do rm -f "$share/icons/hicolor/${n}x${n}/apps/$app_id.png"; done
    refresh_caches
    echo "install-desktop.sh: removed Vetbench from $prefix" >&2
    exit 0
fi

exec_path=vetbench
if [ "$bundle" != none ]; then
    [ -x "$bundle/vetbench" ] || { echo "install-desktop.sh: no bundle at $bundle (run packaging/build.sh)" >&2; exit 1; }
    mkdir -p "$prefix/lib" "$prefix/bin"
    rm -rf "$prefix/lib/vetbench.new"
    cp -a "$bundle" "$prefix/lib/vetbench.new"
    rm -rf "$prefix/lib/vetbench"
    mv "$prefix/lib/vetbench.new" "$prefix/lib/vetbench"
    ln -sfn "$prefix/lib/vetbench/vetbench" "$prefix/bin/vetbench"
    exec_path="$prefix/bin/vetbench"
fi

mkdir -p "$share/applications" "$share/metainfo" "$share/icons/hicolor/scalable/apps"
sed -e "s|^Exec=vetbench|Exec=$exec_path|" -e "s|^TryExec=vetbench|TryExec=$exec_path|" \
    "$here/packaging/vetbench.desktop" >"$share/applications/$app_id.desktop"
cp "$here/packaging/$app_id.metainfo.xml" "$share/metainfo/$app_id.metainfo.xml"
cp "$here/resources/icons/vetbench.svg" "$share/icons/hicolor/scalable/apps/$app_id.svg"
for n in "${sizes[@]}"; do
    mkdir -p "$share/icons/hicolor/${n}x${n}/apps"
    cp "$here/resources/icons/vetbench-$n.png" "$share/icons/hicolor/${n}x${n}/apps/$app_id.png"
done
refresh_caches
echo "install-desktop.sh: Vetbench installed under $prefix (launcher runs $exec_path)" >&2
