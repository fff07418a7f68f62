"""The ``npm-deps-2`` band: the next ~1,500 names of the walk that gave ``npm-deps``.

``npm-deps`` is the first 1,200 names of a breadth-first walk from the popular 200 (see
``npm_deps.py``). Once its report half had been reported it was opened for tuning, so a fresh
band that nobody has looked at is needed for the next holdout figure. This one continues the
same walk: the walk is replayed with the manifests (``package.json``) of the tarballs already
pinned for the 200 and for ``npm-deps`` -- which gives back the ``npm-deps`` names, checked --
and goes on, with the same ranking, until 1,500 further names are pinned. No name of the 200 or
of ``npm-deps`` is in it.

A new name's version is the one in a package list when one is given (``--versions``, a TSV of
name and version), else the registry's ``latest``; its tarball is downloaded once (plain
HTTPS, nothing runs), pinned with the sha512 of those bytes and kept in the band's cache, and
its ``package.json`` feeds the next level of the walk. Only the names the band takes are ever
asked about.

Split by the same name hash as ``npm-deps``; the report half is the new holdout.

    .venv/bin/python tests/bench/npm_deps_2.py --pin [--versions FILE]   # pin the band
    .venv/bin/python tests/bench/npm_deps_2.py                           # fetch and verify
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import npm_deps  # noqa: E402
import npm_fetch  # noqa: E402

BAND = "npm-deps-2"
EXTRA = 1500


def manifest_in(data: bytes) -> dict | None:
    """The top ``package.json`` of an npm tarball, read as text (never run)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as t:
            members = [
                m
                for m in t.getmembers()
                if m.isfile() and m.name.count("/") == 1 and m.name.endswith("/package.json")
            ]
            if not members:
                return None
            f = t.extractfile(members[0])
            doc = json.loads(f.read().decode("utf-8", "replace")) if f else None
    except (tarfile.TarError, OSError, EOFError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def _tarball_url(name: str, version: str) -> str:
    base = name.rsplit("/", 1)[-1]
    path = quote(name, safe="@/")
    return f"{npm_deps.REGISTRY}{path}/-/{base}-{version}.tgz"


class Manifests:
    """Manifests for the walk: local tarballs for names already pinned, downloads for new
    ones (which are pinned as they come)."""

    def __init__(self, client, versions: dict[str, str]):
        self.client = client
        self.versions = versions
        self.local: dict[str, Path] = {}
        self.pins: dict[str, dict] = {}
        self.cache = npm_deps.BANDS[BAND][1]
        self.cache.mkdir(parents=True, exist_ok=True)
        for name, pin in npm_fetch.load_pins().items():
            self.local[name] = npm_fetch.CACHE / pin["filename"]
        for pin in npm_deps.load_pins():
            self.local[pin["name"]] = npm_deps.CACHE / pin["filename"]

    def get(self, name: str) -> dict | None:
        path = self.local.get(name)
        if path is not None:
            if path.exists():
                return manifest_in(path.read_bytes())
            return npm_deps._latest(self.client, name)  # an earlier pin marked skip (too large)
        return self._new(name)

    def _new(self, name: str) -> dict | None:
        version = self.versions.get(name)
        url = _tarball_url(name, version) if version else None
        data = self._download(url) if url else None
        if data is None:  # not in the list, or its listed version is gone: ask for latest
            latest = npm_deps._latest(self.client, name)
            if not latest or "dist" not in latest:
                return None
            version, url = latest["version"], latest["dist"]["tarball"]
            data = self._download(url)
            if data is None:
                return None
        pin = {
            "name": name,
            "version": version,
            "url": url,
            "integrity": "",
            "filename": name.lstrip("@").replace("/", "-") + "-" + version + ".tgz",
        }
        if data == b"":
            self.pins[name] = {**pin, "skip": "tarball over 50 MB"}
            return npm_deps._latest(self.client, name)
        pin["integrity"] = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        (self.cache / pin["filename"]).write_bytes(data)
        self.pins[name] = pin
        return manifest_in(data)

    def _download(self, url: str) -> bytes | None:
        """The tarball's bytes, ``b""`` when over 50 MB, None when it cannot be had."""
        try:
            with self.client.stream("GET", url) as r:
                if r.status_code != 200:
                    return None
                data = bytearray()
                for chunk in r.iter_bytes(256 * 1024):
                    data += chunk
                    if len(data) > npm_deps.MAX_TARBALL:
                        return b""
                return bytes(data)
        except Exception:  # noqa: BLE001 -- a download that fails leaves the name out
            return None


def walk(seed: list[str], manifests: Manifests, target: int, pool) -> list[str]:
    """The walk of ``npm_deps.build_pins``, with manifests from ``manifests``: names in the
    order taken, up to ``target``."""
    return [name for name, _ in npm_deps.walk(seed, manifests.get, target, pool)]


def _versions(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    out = {}
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) >= 2 and cols[1]:
            out[cols[0]] = cols[1]
    return out


def build_pins(versions: dict[str, str]) -> list[dict]:
    import httpx

    earlier = {p["name"] for p in npm_deps.load_pins()}
    with (
        httpx.Client(timeout=120, follow_redirects=True) as client,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        manifests = Manifests(client, versions)
        chosen = walk(npm_fetch.popular_names(), manifests, len(earlier) + EXTRA, pool)
    first = set(chosen[: len(earlier)])
    print(f"replay: {len(first & earlier)}/{len(earlier)} of npm-deps taken again first")
    seed = set(npm_fetch.popular_names())
    new = [n for n in chosen if n not in earlier and n not in seed][:EXTRA]
    return [manifests.pins[n] for n in sorted(new) if n in manifests.pins]


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Pin and fetch the npm-deps-2 band.")
    ap.add_argument("--pin", action="store_true", help="rebuild npm_deps_2_pins.jsonl")
    ap.add_argument("--versions", metavar="TSV", help="name<TAB>version list for new names")
    args = ap.parse_args()
    pins_path, cache = npm_deps.BANDS[BAND]
    if args.pin:
        pins = build_pins(_versions(args.versions))
        pins_path.write_text("".join(json.dumps(p) + "\n" for p in pins))
        skipped = sum(1 for p in pins if p.get("skip"))
        print(f"pinned {len(pins)} ({skipped} marked skip) -> {pins_path.name}")
    got = npm_deps.fetch(npm_deps.load_pins(BAND), cache)
    halves = Counter(npm_deps.half_of(pin["name"]) for pin, _ in got)
    print(
        f"{len(got)} {BAND} tarballs in {cache} (tune {halves['tune']}, report {halves['report']})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
