"""npm benchmark: hand-made inert attacks, false alarms on popular packages, GuardDog, speed.

    .venv/bin/python tests/bench/bench_npm.py [--guarddog] [--jobs N]

* Attacks: ``tests/core/capabilities/npm_attacks.py`` builds one inert package per technique
  (TEST-NET and ``.invalid`` addresses only); each must reach high or above and show the
  capabilities it names.
* False alarms: the names of ``../shared/corpus/npm-popular-200.txt``, fetched once with
  ``npm pack --ignore-scripts`` (download only, nothing runs) and pinned with their integrity
  in ``tests/bench/npm_popular_pins.jsonl`` (see ``npm_fetch.py``); a package at high or above
  is a false alarm.
* GuardDog (``--guarddog``): installed into its own venv under /tmp, run as its command line
  runs, ``guarddog npm scan TARBALL``, once per package, on the same tarballs.
* Speed: packages/s and MB/s of ``scan_artifact`` on one core, same process, no cache.
Nothing from a package is ever executed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

import npm_fetch  # noqa: E402

from app.core.archive import open_artifact, open_bytes  # noqa: E402
from app.core.capabilities.model import severity_rank  # noqa: E402
from app.core.capabilities.scan import scan_artifact  # noqa: E402
from tests.core.capabilities.npm_attacks import attacks  # noqa: E402

GUARDDOG_VENV = Path("/tmp/vetbench-guarddog-venv")


def _caps(result) -> dict[str, int]:
    out: dict[str, int] = {}
    for h in result.findings:
        out[h.capability] = max(out.get(h.capability, 0), severity_rank(h.severity))
    return out


def _dump_line(name: str, res) -> str:
    """One package's findings, for comparing two versions of the analyser (``--dump``)."""
    rows = sorted(json.dumps(h.to_json(), sort_keys=True) for h in res.findings)
    return json.dumps({"package": name, "risk": res.risk.level, "findings": rows}) + "\n"


def bench_attacks(dump: list[str] | None = None) -> tuple[int, int, list[str]]:
    caught, misses = 0, []
    items = attacks()
    for a in items:
        res = scan_artifact(open_bytes(a.tarball(), f"{a.name}.tgz"))
        if dump is not None:
            dump.append(_dump_line(a.name, res))
        caps = _caps(res)
        missing = sorted(c for c in a.expect if caps.get(c, 0) < 2)
        if severity_rank(res.risk.level) >= 3 and not missing:
            caught += 1
        else:
            misses.append(f"{a.name}: {res.risk.level}, missing {missing}")
    return caught, len(items), misses


def bench_popular(paths: list[Path], dump: list[str] | None = None) -> tuple[list[str], float, int]:
    alarms = []
    size = 0
    start = time.process_time()
    for p in paths:
        size += p.stat().st_size
        t0 = time.process_time()
        res = scan_artifact(open_artifact(p))
        if dump is not None:
            dump.append(_dump_line(p.name, res))
        if time.process_time() - t0 > 5:
            print(f"  slow: {p.name} {time.process_time() - t0:.1f} s CPU", flush=True)
        if severity_rank(res.risk.level) >= 3:
            top = Counter(h.capability for h in res.findings if severity_rank(h.severity) >= 3)
            alarms.append(f"{p.name}: {res.risk.level} {dict(top)}")
    return alarms, time.process_time() - start, size


def unpacked_size(path: Path) -> int:
    """Bytes of the files inside a tarball or wheel: MB/s per MB of code, not of gzip."""
    if path.suffix in (".whl", ".zip"):
        import zipfile

        with zipfile.ZipFile(path) as z:
            return sum(i.file_size for i in z.infolist())
    with tarfile.open(path) as t:
        return sum(m.size for m in t.getmembers() if m.isfile())


def python_reference(limit: int = 40 * 1024 * 1024) -> list[Path]:
    """PyPI sdists of ``bench_scan``'s benign corpus (cached): one per project, by name, none
    over 8 MB unpacked, up to ``limit`` bytes in all; the Python side of the per-MB
    comparison, scanned in the same run."""
    cache = Path.home() / ".cache" / "vetbench-bench" / "benign"
    out, total, projects = [], 0, set()
    for p in sorted(cache.glob("*.tar.gz")):
        project = p.name.rsplit("-", 1)[0]
        size = unpacked_size(p)
        if project in projects or size > 8 * 1024 * 1024:
            continue
        if total >= limit:
            break
        projects.add(project)
        out.append(p)
        total += size
    return out


def cpu_rate(paths: list[Path]) -> tuple[float, int]:
    """CPU seconds of ``scan_artifact`` over ``paths`` and their unpacked bytes."""
    start = time.process_time()
    for p in paths:
        scan_artifact(open_artifact(p))
    return time.process_time() - start, sum(unpacked_size(p) for p in paths)


def guarddog(paths: list[Path], attack_dir: Path) -> dict:
    if not (GUARDDOG_VENV / "bin" / "guarddog").exists():
        subprocess.run([sys.executable, "-m", "venv", str(GUARDDOG_VENV)], check=True)
        subprocess.run(
            [str(GUARDDOG_VENV / "bin" / "pip"), "install", "-q", "guarddog"], check=True
        )
    exe = str(GUARDDOG_VENV / "bin" / "guarddog")

    def flagged(p: Path) -> bool | None:
        r = subprocess.run(
            [exe, "npm", "scan", str(p), "--output-format", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            return None
        return bool(doc.get("issues"))

    tarballs = []
    for a in attacks():
        t = attack_dir / f"{a.name}.tgz"
        t.write_bytes(a.tarball())
        tarballs.append(t)
    start = time.perf_counter()
    att = [flagged(t) for t in tarballs]
    pop = [flagged(p) for p in paths]
    wall = time.perf_counter() - start
    return {
        "attacks_caught": sum(1 for x in att if x),
        "attacks": len(att),
        "false_alarms": sum(1 for x in pop if x),
        "errors": sum(1 for x in att + pop if x is None),
        "pkg_per_s": (len(att) + len(pop)) / wall,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--guarddog", action="store_true")
    ap.add_argument("--dump", metavar="FILE", help="write every package's findings (JSON lines)")
    args = ap.parse_args()
    dump: list[str] | None = [] if args.dump else None
    caught, total, misses = bench_attacks(dump)
    print(f"hand-made attacks at high+: {caught}/{total}")
    for m in misses:
        print("  MISS", m)
    paths = npm_fetch.fetch(npm_fetch.popular_names())
    alarms, cpu, size = bench_popular(paths, dump)
    if args.dump and dump is not None:
        Path(args.dump).write_text("".join(dump))
    print(
        f"popular packages at high+: {len(alarms)}/{len(paths)} ({100 * len(alarms) / max(1, len(paths)):.1f} %)"
    )
    for a in alarms:
        print("  ALARM", a)
    print(
        f"vetbench: {len(paths) / cpu:.2f} packages/s, {size / cpu / 1e6:.2f} MB/s (compressed) CPU, one core"
    )
    py = python_reference()
    if py:
        js_cpu, js_size = cpu_rate(paths)
        py_cpu, py_size = cpu_rate(py)
        js_rate, py_rate = js_size / js_cpu / 1e6, py_size / py_cpu / 1e6
        print(
            f"per MB unpacked, same run: npm {js_rate:.2f} MB/s ({js_size / 1e6:.0f} MB), "
            f"Python {py_rate:.2f} MB/s ({len(py)} sdists, {py_size / 1e6:.0f} MB): "
            f"npm at {py_rate / js_rate:.2f}x Python's time per MB"
        )
    if args.guarddog:
        with tempfile.TemporaryDirectory() as d:
            g = guarddog(paths, Path(d))
        print(
            f"guarddog npm: attacks {g['attacks_caught']}/{g['attacks']}, false alarms "
            f"{g['false_alarms']}/{len(paths)}, errors {g['errors']}, {g['pkg_per_s']:.2f} packages/s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
