"""Fetch and pin the popular npm tarballs the npm benchmark scans (downloads only).

``npm pack NAME@VERSION --ignore-scripts`` downloads a tarball from the registry and never runs
package code. The first run pins every name to the version it got, with the registry's
integrity hash, in ``npm_popular_pins.jsonl`` next to this file; later runs fetch exactly those
versions and refuse a tarball whose sha512 differs from the pin.

    .venv/bin/python tests/bench/npm_fetch.py            # fetch missing tarballs, pin new names
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PINS = HERE / "npm_popular_pins.jsonl"
NAMES = HERE.parents[1].parent / "shared" / "corpus" / "npm-popular-200.txt"
CACHE = Path.home() / ".cache" / "vetbench-bench" / "npm"


def integrity_of(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def load_pins() -> dict[str, dict]:
    if not PINS.exists():
        return {}
    rows = [json.loads(line) for line in PINS.read_text().splitlines() if line.strip()]
    return {r["name"]: r for r in rows}


def fetch(names: list[str]) -> list[Path]:
    """Tarballs for ``names``, pinned on first use; raises on an integrity mismatch."""
    CACHE.mkdir(parents=True, exist_ok=True)
    pins = load_pins()
    out = []
    changed = False
    for name in names:
        pin = pins.get(name)
        if pin and (CACHE / pin["filename"]).exists():
            path = CACHE / pin["filename"]
        else:
            spec = f"{name}@{pin['version']}" if pin else name
            res = subprocess.run(
                [
                    "npm",
                    "pack",
                    spec,
                    "--json",
                    "--ignore-scripts",
                    "--pack-destination",
                    str(CACHE),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if res.returncode != 0:
                print(f"npm pack {spec} failed: {res.stderr.strip()[:200]}", file=sys.stderr)
                continue
            info = json.loads(res.stdout)[0]
            path = CACHE / info["filename"]
            if pin is None:
                pin = {k: info[k] for k in ("name", "version", "integrity", "filename")}
                pins[name] = pin
                changed = True
        if integrity_of(path) != pin["integrity"]:
            raise SystemExit(f"{path.name}: integrity differs from the pin")
        out.append(path)
    if changed:
        PINS.write_text("".join(json.dumps(pins[n]) + "\n" for n in sorted(pins)))
    return out


def popular_names() -> list[str]:
    pins = load_pins()
    if NAMES.exists():
        return [n.strip() for n in NAMES.read_text().splitlines() if n.strip()]
    return sorted(pins)


if __name__ == "__main__":
    paths = fetch(popular_names())
    print(f"{len(paths)} tarballs in {CACHE}")
