#!/usr/bin/env bash
# Developer entry point: the README's two commands.
#   packaging/dev.sh demo [app args...]  set up, then open the app on the bundled demo queue
#   packaging/dev.sh test [pytest args...] set up, then ruff, the import contracts, mypy and the tests
#   packaging/dev.sh setup                set up only
# Set-up is idempotent: a .venv at the repo root, Qt's system libraries (apt, when missing and
# we may), and the project installed editable with its test extras.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
venv="$here/.venv"
python="${PYTHON:-python3}"

qt_libs=(libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0
         libxkbcommon0 libxcb-cursor0 libxkbcommon-x11-0 fonts-dejavu-core
         libxcb-icccm4 libxcb-keysyms1 libwayland-cursor0)  # last line: xcb/wayland on a real screen

install_system_libs() {
    command -v dpkg-query >/dev/null 2>&1 || return 0
    local missing=()
    for pkg in "${qt_libs[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
            echo "dev.sh: missing system libraries for Qt: ${missing[*]} (install them with apt as root)" >&2
            return 0
        fi
    fi
    echo "dev.sh: installing ${missing[*]}" >&2
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || echo "dev.sh: apt-get could not install ${missing[*]}; the app may not start" >&2
}

setup() {
    install_system_libs
    if [ ! -x "$venv/bin/python" ]; then
        echo "dev.sh: creating $venv" >&2
        "$python" -m venv "$venv"
    fi
    # Reinstall only when pyproject.toml changed since the last install.
    local stamp="$venv/.vetbench-installed"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || ! "$venv/bin/python" -c "import app" 2>/dev/null; then
        "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
        "$venv/bin/python" -m pip install -q -e ".[test]"
        touch "$stamp"
    fi
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    setup)
        setup
        ;;
    demo)
        setup
        exec "$venv/bin/vetbench" --demo "$@"
        ;;
    test)
        setup
        export QT_QPA_PLATFORM=offscreen
        echo "== ruff" >&2
        "$venv/bin/ruff" check app tests
        "$venv/bin/ruff" format --check app tests
        echo "== import contracts (layers, no cycles, only app.ui imports Qt)" >&2
        "$venv/bin/lint-imports"
        echo "== mypy (app.core)" >&2
        "$venv/bin/mypy"  # settings and packages: [tool.mypy] in pyproject.toml
        echo "== tests" >&2
        "$venv/bin/python" -m pytest -n 2 -p no:cacheprovider "$@"
        ;;
    *)
        echo "usage: packaging/dev.sh {demo|test|setup} [args...]" >&2
        exit 2
        ;;
esac
