"""False alarms on the source distributions (sdists) of popular projects.

    .venv/bin/python tests/bench/bench_sdist.py [--jobs N] [--show N]
    .venv/bin/python tests/bench/bench_sdist.py --pin      # re-pin (asks PyPI once)

The detection benchmark (``bench_detection.py``) pins each popular project's newest *wheel*.
A moderator also reviews sdists, and an sdist carries what a wheel leaves out: ``setup.py``
(run by pip at install), test suites, CI and dev-container scripts, docs. This benchmark takes
the same release of the projects of the two **tune-only** popular corpora (``popular-extra``
and ``popular-extra-2``), as an sdist of 15 MB or less, pinned by file name, URL and sha256
in ``tests/bench/sdist_popular_pins.json``, downloaded once into
``~/.cache/vetbench-bench/sdists/`` and checked against its sha256. It is tune data (its
releases may be looked at); a release at high or above is a false alarm, printed with the
high threats that raised it. Nothing from a package is executed: ``vetbench scan --json``
reads the archives as data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PINS = HERE / "sdist_popular_pins.json"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vetbench-bench" / "sdists"
SOURCES = {
    "popular-extra": "benign_popular_extra.json",
    "popular-extra-2": "benign_popular_extra_2.json",
}
MAX_BYTES = 15 * 1024 * 1024
HIGH = ("high", "critical")


def pin() -> list[dict]:
    """The sdist of each wheel-pinned release of the tune-only corpora, from PyPI's JSON API."""
    out = []
    for corpus, pins_file in SOURCES.items():
        for w in json.loads((HERE / pins_file).read_text()):
            if "filename" not in w:
                continue
            api = f"https://pypi.org/pypi/{w['name']}/json"
            try:
                with urllib.request.urlopen(api, timeout=30) as r:
                    doc = json.load(r)
            except OSError as exc:
                print(f"  {w['name']}: {exc}", file=sys.stderr)
                continue
            files = doc.get("releases", {}).get(w["version"]) or []
            sd = [f for f in files if f["packagetype"] == "sdist" and f["size"] <= MAX_BYTES]
            if sd:
                f = sd[0]
                url = urllib.parse.urljoin(api, f["url"])
                out.append(
                    {
                        "corpus": corpus,
                        "name": w["name"],
                        "filename": f["filename"],
                        "url": url,
                        "sha256": f["digests"]["sha256"],
                        "size": f["size"],
                    }
                )
    PINS.write_text(json.dumps(out, indent=1) + "\n")
    return out


def fetch(pins: list[dict]) -> list[Path]:
    CACHE.mkdir(parents=True, exist_ok=True)
    paths = []
    for p in pins:
        dest = CACHE / p["filename"]
        if not dest.is_file() or hashlib.sha256(dest.read_bytes()).hexdigest() != p["sha256"]:
            with urllib.request.urlopen(p["url"], timeout=120) as r:
                data = r.read()
            if hashlib.sha256(data).hexdigest() != p["sha256"]:
                print(f"  {p['filename']}: sha256 differs from the pin, left out", file=sys.stderr)
                continue
            dest.write_bytes(data)
        paths.append(dest)
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pin", action="store_true", help="look the sdists up again on PyPI")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--show", type=int, default=40, help="false alarms to list")
    args = ap.parse_args()
    pins = pin() if args.pin or not PINS.is_file() else json.loads(PINS.read_text())
    paths = fetch(pins)
    cmd = [
        sys.executable,
        "-m",
        "app.cli",
        "scan",
        "--json",
        "--no-cache",
        "--jobs",
        str(args.jobs),
    ]
    proc = subprocess.run(
        cmd + [str(p) for p in paths],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
    alarms, fired = [], Counter()
    for path, res in zip(paths, lines, strict=False):
        if res["risk"]["level"] in HIGH:
            ids = sorted({t["id"] for t in res["threats"] if t["severity"] in HIGH})
            fired.update(ids)
            alarms.append((path.name, res["risk"]["level"], ids))
    unscanned = len(paths) - len(lines)
    rate = 100 * len(alarms) / max(len(lines), 1)
    print(
        f"popular sdists (tune only): false alarms {rate:.1f}% ({len(alarms)}/{len(lines)})"
        + (f", {unscanned} without a verdict" if unscanned else "")
    )
    print(
        "  threats that fired: " + (", ".join(f"{k} {v}" for k, v in fired.most_common()) or "none")
    )
    for name, level, ids in alarms[: args.show]:
        print(f"  {name}: {level} -- {'; '.join(ids)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
