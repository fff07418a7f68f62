"""The ``npm-deps`` corpus: popular npm packages the npm rules were never tuned on.

Earlier rounds tuned the JavaScript rules on the 200 names of ``npm-popular-200.txt`` until none
of them reached high. That figure says nothing about npm at large, so this corpus takes the
packages those 200 pull in: breadth-first over what each package's ``latest`` version installs
(``dependencies``, optional and peer), level by level, each level ranked by how many
already-seen packages depend on a name, skipping the 200, until about 1,200 names. That closure
ends after about 100 names (the 200 are the bottom of the graph), so when a level comes out
empty the walk takes the development dependencies of everything seen as the next level. Each is pinned (name, version, tarball
url, sha512 integrity, file name) in ``npm_deps_pins.jsonl`` so the band stays fixed; the
tarballs are plain HTTPS downloads (no ``npm``, nothing runs), checked against the pin.

Split by a hash of the name as the PyPI corpora are (first byte of sha256, even = tune,
odd = report). The report half was a holdout for one report (round 13: 7/622 at high+) and was
then opened for tuning (:data:`OPENED`); ``npm-deps-2`` (``npm_deps_2.py``) is the holdout since.

    .venv/bin/python tests/bench/npm_deps.py --pin     # rebuild the pins (registry lookups)
    .venv/bin/python tests/bench/npm_deps.py           # fetch and verify the pinned tarballs
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import npm_fetch  # noqa: E402

PINS = HERE / "npm_deps_pins.jsonl"
CACHE = Path.home() / ".cache" / "vetbench-bench" / "npm-deps"
# Each band: its pin file and tarball cache. ``npm-deps-2`` continues the walk past ``npm-deps``
# (``npm_deps_2.py`` pins it).
BANDS = {
    "npm-deps": (PINS, CACHE),
    "npm-deps-2": (HERE / "npm_deps_2_pins.jsonl", CACHE.with_name("npm-deps-2")),
}
# Bands whose report half has been reported once and then opened for tuning (npm-deps after
# round 13: 7/622 at high+ after its fixes; npm-deps-2 is the holdout since): both halves are
# listed from then on, and the holdout figure is the next band's.
OPENED: frozenset[str] = frozenset({"npm-deps"})
REGISTRY = "https://registry.npmjs.org/"
ABBREVIATED = {"Accept": "application/vnd.npm.install-v1+json"}
TARGET = 1200
MAX_TARBALL = 50 * 1024 * 1024


def half_of(name: str) -> str:
    """``tune`` or ``report``: the first byte of sha256(name), even or odd, as the PyPI corpora
    split theirs (npm names are already lower case, so the name is hashed as it is)."""
    return "tune" if hashlib.sha256(name.encode()).digest()[0] % 2 == 0 else "report"


def _packument_url(name: str) -> str:
    return REGISTRY + (quote(name, safe="@") if name.startswith("@") else name)


def _latest(client, name: str) -> dict | None:
    """The ``latest`` version's manifest from the abbreviated packument, or None."""
    try:
        r = client.get(_packument_url(name), headers=ABBREVIATED)
        if r.status_code != 200:
            return None
        doc = r.json()
    except Exception:  # noqa: BLE001 -- a lookup that fails only leaves the name out
        return None
    version = (doc.get("dist-tags") or {}).get("latest")
    return (doc.get("versions") or {}).get(version) if version else None


RUNTIME = ("dependencies", "optionalDependencies", "peerDependencies")


def _deps(manifest: dict | None, keys: tuple[str, ...] = RUNTIME) -> set[str]:
    out: set[str] = set()
    for key in keys:
        deps = (manifest or {}).get(key) or {}
        out.update(d for d in deps if isinstance(d, str))
    return out


def build_pins(seed: list[str], target: int = TARGET) -> list[dict]:
    """Pins for up to ``target`` names reached from ``seed``, level by level.

    Each level is what the previous one installs (dependencies, optional and peer ones), ranked
    by how many already-seen packages depend on a name. The 200 most popular packages are the
    bottom of the graph: what they install runs out after about 100 names, so whenever a level
    comes out empty the next one is the development dependencies of everything seen so far
    (their test runners, linters, bundlers and type packages, popular in their own right),
    ranked the same way, and the walk goes on from there."""
    import httpx

    with (
        httpx.Client(timeout=60, follow_redirects=True) as client,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        taken = walk(
            seed,
            lambda n: _latest(client, n),
            target,
            pool,
            usable=lambda m: m is not None and "dist" in m,
        )
        chosen = {name: _pin(name, manifest) for name, manifest in taken}
        names = sorted(chosen)
        return list(pool.map(lambda n: _mark_large(client, chosen[n]), names))


def walk(seed: list[str], get, target: int, pool, usable=None) -> list[tuple[str, dict]]:
    """(name, manifest) of up to ``target`` names reached from ``seed``, in the order taken
    (see :func:`build_pins`); ``get(name)`` gives a name's manifest or None, ``usable`` says
    whether a manifest can be pinned (default: it exists)."""
    usable = usable or (lambda m: m is not None)
    skip = set(seed)
    chosen: list[tuple[str, dict]] = []
    seen: dict[str, dict] = {}
    got = pool.map(get, seed)
    seen.update((n, m) for n, m in zip(seed, got, strict=True) if m)
    level, dev_used = list(seed), set()
    while len(chosen) < target:
        counts: Counter[str] = Counter()
        for name in level:
            for dep in _deps(seen.get(name)):
                if dep not in skip:
                    counts[dep] += 1
        kind = "installed"
        if not counts:
            kind = "development"
            for name in [n for n in seen if n not in dev_used]:
                dev_used.add(name)
                for dep in _deps(seen[name], ("devDependencies",)):
                    if dep not in skip:
                        counts[dep] += 1
        if not counts:
            break
        ranked = sorted(counts, key=lambda d: (-counts[d], d))[: target - len(chosen)]
        got = list(pool.map(get, ranked))
        print(f"{kind} level: {len(counts)} new names, {len(ranked)} taken", flush=True)
        level = []
        for name, manifest in zip(ranked, got, strict=True):
            skip.add(name)
            if not usable(manifest):
                continue
            seen[name] = manifest
            chosen.append((name, manifest))
            level.append(name)
    return chosen


def _pin(name: str, manifest: dict) -> dict:
    dist = manifest["dist"]
    url = dist["tarball"]
    pin = {
        "name": name,
        "version": manifest["version"],
        "url": url,
        "integrity": dist.get("integrity", ""),
        "filename": name.lstrip("@").replace("/", "-") + "-" + manifest["version"] + ".tgz",
    }
    if not pin["integrity"].startswith("sha512-"):
        pin["skip"] = "no sha512 integrity"
    return pin


def _mark_large(client, pin: dict) -> dict:
    """Mark ``skip`` a pin whose tarball is over 50 MB (its Content-Length, asked once)."""
    if pin.get("skip"):
        return pin
    try:
        size = int(client.head(pin["url"]).headers.get("content-length") or 0)
    except Exception:  # noqa: BLE001 -- size unknown: the download's own cap still holds
        size = 0
    return {**pin, "skip": "tarball over 50 MB"} if size > MAX_TARBALL else pin


def load_pins(band: str = "npm-deps") -> list[dict]:
    path = BANDS[band][0]
    if not path.exists():
        tool = "npm_deps.py" if band == "npm-deps" else "npm_deps_2.py"
        raise SystemExit(f"no pins ({path.name}): run tests/bench/{tool} --pin first")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def fetch(pins: list[dict], cache: Path = CACHE) -> list[tuple[dict, Path]]:
    """(pin, tarball) for every pin not marked skip, downloaded once, eight at a time, and
    refused when its sha512 differs from the pinned integrity. Names of failures are printed
    only for the tune half."""
    import httpx

    cache.mkdir(parents=True, exist_ok=True)
    wanted = [p for p in pins if not p.get("skip")]

    def one(client, pin: dict) -> Path | None:
        path = cache / pin["filename"]
        if path.exists() and npm_fetch.integrity_of(path) == pin["integrity"]:
            return path
        shown = pin["name"] if half_of(pin["name"]) == "tune" else "a holdout package"
        try:
            with client.stream("GET", pin["url"]) as r:
                r.raise_for_status()
                data = bytearray()
                for chunk in r.iter_bytes(256 * 1024):
                    data += chunk
                    if len(data) > MAX_TARBALL:
                        print(f"  ! {shown}: over 50 MB, skipped", file=sys.stderr)
                        return None
        except httpx.HTTPError as exc:
            print(f"  ! {shown}: {type(exc).__name__}, skipped", file=sys.stderr)
            return None
        digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        if digest != pin["integrity"]:
            print(f"  ! {shown}: integrity differs from the pin, skipped", file=sys.stderr)
            return None
        part = path.with_name(path.name + ".part")
        part.write_bytes(data)
        part.replace(path)  # a file cut short by an interrupt is never taken for a pinned one
        return path

    with (
        httpx.Client(timeout=120, follow_redirects=True) as client,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        got = list(pool.map(lambda p: one(client, p), wanted))
    return [(pin, path) for pin, path in zip(wanted, got, strict=True) if path is not None]


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Pin and fetch the npm-deps corpus.")
    ap.add_argument("--pin", action="store_true", help="rebuild npm_deps_pins.jsonl")
    args = ap.parse_args()
    if args.pin:
        pins = build_pins(npm_fetch.popular_names())
        PINS.write_text("".join(json.dumps(p) + "\n" for p in pins))
        skipped = sum(1 for p in pins if p.get("skip"))
        print(f"pinned {len(pins)} ({skipped} marked skip) -> {PINS.name}")
    got = fetch(load_pins())
    halves = Counter(half_of(pin["name"]) for pin, _ in got)
    print(
        f"{len(got)} npm-deps tarballs in {CACHE} (tune {halves['tune']}, report {halves['report']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
