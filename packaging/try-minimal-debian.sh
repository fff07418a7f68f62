#!/usr/bin/env bash
# Run the bundle in a minimal Debian 12 without Python: proof of what it needs from the system.
#   packaging/try-minimal-debian.sh [ROOTFS]     (root; needs debootstrap and Debian's mirror)
# Builds ROOTFS (default /tmp/vetbench-minroot) with `debootstrap --variant=minbase bookworm`
# once, installs only the packages packaging/README.md lists for the bundle, copies
# dist/vetbench in, and runs --version, scan of a demo package and --screenshot offscreen.
# Not part of the test suite: it downloads about 40 MB from the Debian mirror.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${1:-/tmp/vetbench-minroot}"
bundle="$here/dist/vetbench"
system_packages=(libgl1 libegl1 fonts-dejavu-core fontconfig-config)

[ "$(id -u)" -eq 0 ] || { echo "try-minimal-debian.sh: run as root (chroot)" >&2; exit 2; }
[ -x "$bundle/vetbench" ] || { echo "try-minimal-debian.sh: build the bundle first" >&2; exit 1; }
if [ ! -x "$root/usr/bin/apt-get" ]; then
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
fi
if chroot "$root" sh -c 'command -v python3' >/dev/null 2>&1; then
    echo "try-minimal-debian.sh: $root has a python3; this check wants none" >&2; exit 1
fi
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${system_packages[@]}" >"$root/tmp/apt.log" 2>&1 \
    || { cat "$root/tmp/apt.log" >&2; exit 1; }
rm -rf "$root/opt/vetbench" && cp -a "$bundle" "$root/opt/vetbench"
run() { chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
        QT_QPA_PLATFORM=offscreen /opt/vetbench/vetbench "$@"; }
run --version
run scan /opt/vetbench/_internal/resources/demo/packages/colorstrip-1.4.1 --json | head -c 200
echo
rm -f "$root/tmp/shot.png"
run --screenshot /tmp/shot.png --size 1280x800 2>/dev/null
cp "$root/tmp/shot.png" "$here/dist/minimal-debian-shot.png"
echo "try-minimal-debian.sh: ok; screenshot in dist/minimal-debian-shot.png" \
     "(only ${system_packages[*]} installed, no Python)" >&2
