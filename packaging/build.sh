#!/usr/bin/env bash
# Build what Vetbench ships, then smoke-test the bundle.
#   packaging/build.sh            wheel + sdist into dist/, bundle into dist/vetbench/, smoke test
#   packaging/build.sh wheel      wheel + sdist only
#   packaging/build.sh bundle     bundle + smoke test only
#   packaging/build.sh smoke      smoke-test an existing dist/vetbench/ only
# Options (before the step): --dist DIR  write into DIR instead of dist/ (the tests use this).
# It first runs `packaging/dev.sh setup` (skipped with VETBENCH_SKIP_SETUP=1), so it works from
# a clean clone.
#
# The smoke test runs the bundle the way a machine without Python would: an empty environment
# (env -i, PATH=/usr/bin:/bin) and, where a private mount namespace is allowed (root in a
# container or VM), with the build's Python installation hidden behind an empty folder.
# It checks `vetbench --version` against pyproject.toml and that `--screenshot` writes a PNG.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
dist="$here/dist"
while [ $# -gt 0 ]; do
    case "$1" in
        --dist) dist="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) break ;;
    esac
done
step="${1:-all}"
venv="$here/.venv"
work="$dist/.pyinstaller-work"

say() { echo "build.sh: $*" >&2; }
seconds() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f s", b - a }'; }

project_version() {
    sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -1
}

setup() {
    # .venv with the project and its test extra (build, pyinstaller). The test suite sets
    # VETBENCH_SKIP_SETUP=1: dev.sh test has just done this, and a reinstall mid-run would
    # pull files from under the tests running beside it.
    [ "${VETBENCH_SKIP_SETUP:-}" = 1 ] || packaging/dev.sh setup
    for tool in pyinstaller; do
        [ -x "$venv/bin/$tool" ] || { say "$tool missing from $venv (pyproject test extra?)"; exit 1; }
    done
}

build_wheel() {
    local t0; t0="$(seconds)"
    rm -f "$dist"/vetbench-*.whl "$dist"/vetbench-*.tar.gz
    # sdist first, then the wheel from the sdist: proves the sdist carries everything.
    "$venv/bin/python" -m build --outdir "$dist" . >"$dist/.build-wheel.log" 2>&1 \
        || { tail -30 "$dist/.build-wheel.log" >&2; say "wheel build failed"; exit 1; }
    local wheel; wheel="$(ls "$dist"/vetbench-*.whl)"
    "$venv/bin/python" - "$wheel" <<'PY' || { say "wheel lacks app/_resources/rules"; exit 1; }
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
sys.exit(0 if any(n.startswith("app/_resources/rules/") for n in names) else 1)
PY
    say "wheel: $wheel ($(du -h "$wheel" | cut -f1), $(elapsed "$t0"))"
}

build_bundle() {
    local t0; t0="$(seconds)"
    rm -rf "$dist/vetbench"
    "$venv/bin/pyinstaller" --noconfirm --log-level WARN --distpath "$dist" --workpath "$work" \
        packaging/vetbench.spec >"$dist/.build-bundle.log" 2>&1 \
        || { tail -30 "$dist/.build-bundle.log" >&2; say "PyInstaller failed"; exit 1; }
    [ -x "$dist/vetbench/vetbench" ] || { say "no $dist/vetbench/vetbench after PyInstaller"; exit 1; }
    say "bundle: $dist/vetbench ($(du -sh "$dist/vetbench" | cut -f1), $(elapsed "$t0"))"
}

# Run the bundle in an empty environment; hide the build's Python when the kernel lets us.
run_bare() {
    local exe="$dist/vetbench/vetbench"
    local pyroot; pyroot="$("$venv/bin/python" -c 'import sys; print(sys.base_prefix)' 2>/dev/null \
        || echo /nonexistent)"
    local venvdir="$venv"
    [ -d "$pyroot" ] || pyroot="$tmp/empty"
    [ -d "$venvdir" ] || venvdir="$tmp/empty"
    # A throwaway home: the smoke test must not touch the user's store or settings.
    local -a envcmd=(env -i PATH=/usr/bin:/bin HOME="$tmp/home" LANG=C.UTF-8
                     XDG_DATA_HOME="$tmp/home/data" XDG_CONFIG_HOME="$tmp/home/config"
                     XDG_CACHE_HOME="$tmp/home/cache" VETBENCH_DB="$tmp/home/store.sqlite"
                     QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$tmp/xdg")
    if [ "${VETBENCH_SMOKE_NO_UNSHARE:-}" != 1 ] && command -v unshare >/dev/null 2>&1 \
        && unshare --mount --propagation private true 2>/dev/null; then
        # Both the interpreter's installation and the venv (with its PySide6) become empty.
        unshare --mount --propagation private sh -c \
            'mount --bind "$1" "$2" && mount --bind "$1" "$3" && shift 3 && exec "$@"' \
            sh "$tmp/empty" "$pyroot" "$venvdir" "${envcmd[@]}" "$exe" "$@"
    else
        "${envcmd[@]}" "$exe" "$@"
    fi
}

smoke() {
    local t0; t0="$(seconds)"
    [ -x "$dist/vetbench/vetbench" ] || { say "no bundle at $dist/vetbench (run build.sh bundle)"; exit 1; }
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' RETURN
    mkdir -p "$tmp/empty" "$tmp/xdg" "$tmp/home" && chmod 700 "$tmp/xdg"
    local want got
    want="vetbench $(project_version)"
    got="$(run_bare --version)" || { say "smoke: --version failed"; exit 1; }
    [ "$got" = "$want" ] || { say "smoke: --version printed '$got', expected '$want'"; exit 1; }
    run_bare --screenshot "$tmp/shot.png" >"$tmp/shot.log" 2>&1 \
        || { cat "$tmp/shot.log" >&2; say "smoke: --screenshot failed"; exit 1; }
    head -c 8 "$tmp/shot.png" 2>/dev/null | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" \
        || { say "smoke: --screenshot wrote no PNG"; exit 1; }
    # Exit 0 and a PNG are not enough: a worker thread can die with a traceback while the
    # window still renders (seen: a yara-x panic in every background scan).
    if grep -qE "Traceback|panicked|Error calling Python" "$tmp/shot.log"; then
        cat "$tmp/shot.log" >&2; say "smoke: --screenshot printed an error"; exit 1
    fi
    if [ -n "${VETBENCH_SMOKE_SHOT:-}" ]; then cp "$tmp/shot.png" "$VETBENCH_SMOKE_SHOT"; fi
    say "smoke: ok ('$got', screenshot $(wc -c <"$tmp/shot.png") bytes, $(elapsed "$t0"))"
}

mkdir -p "$dist"
case "$step" in
    all) setup; build_wheel; build_bundle; smoke ;;
    wheel) setup; build_wheel ;;
    bundle) setup; build_bundle; smoke ;;
    smoke) smoke ;;
    *) say "unknown step '$step' (all|wheel|bundle|smoke)"; exit 2 ;;
esac
