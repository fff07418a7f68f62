"""npm benchmark: hand-made inert attacks, false alarms on popular packages, GuardDog, speed.

    .venv/bin/python tests/bench/bench_npm.py [--guarddog] [--deps] [--deps-2] [--no-popular]
        [--dump FILE]

* Attacks: ``tests/core/capabilities/npm_attacks.py`` builds one inert package per technique
  (TEST-NET and ``.invalid`` addresses only); each must reach high or above and show the
  capabilities it names.
* False alarms: the names of ``../shared/corpus/npm-popular-200.txt``, fetched once with
  ``npm pack --ignore-scripts`` (download only, nothing runs) and pinned with their integrity
  in ``tests/bench/npm_popular_pins.jsonl`` (see ``npm_fetch.py``); a package at high or above
  is a false alarm.
* npm-deps (``--deps``): 1,200 popular packages the 200 pull in, never tuned on before round 13
  (``npm_deps.py`` pins and fetches them), scanned by ``vetbench scan --json --no-cache --jobs 2``
  as the PyPI bench does. Split by a hash of the name: tune-half alarms are listed with the
  threats that raised them. Its report half was a holdout for one report and has since been
  opened for tuning (``npm_deps.OPENED``): both halves are listed.
* npm-deps-2 (``--deps-2``): the next 1,500 names of the same walk (``npm_deps_2.py``), split
  the same way; its report half is the holdout, printed as counts and threat ids only.
* GuardDog (``--guarddog``): installed into its own venv under /tmp, run as its command line
  runs, ``guarddog npm scan TARBALL``, once per package, on the same tarballs.
* Speed: packages/s and MB/s of ``scan_artifact`` on one core, same process, no cache.
Nothing from a package is ever executed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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

import npm_deps  # noqa: E402
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


HIGH = ("high", "critical")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scan_cli(paths: list[Path], jobs: int = 2) -> tuple[list[dict], float, float]:
    """``vetbench scan --json --no-cache`` over ``paths``: one result per path (an ``error``
    record where the command stopped early), wall seconds and CPU seconds of the scan."""
    root = HERE.parents[1]
    cmd = [sys.executable, "-m", "app.cli", "scan", "--json", "--no-cache", "--jobs", str(jobs)]
    env = dict(os.environ, PYTHONPATH=str(root))
    cpu0, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(
        cmd + [str(p) for p in paths], capture_output=True, text=True, cwd=root, env=env
    )
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu0
    docs = [json.loads(x) for x in proc.stdout.splitlines() if x.strip()]
    docs += [{"error": f"exit {proc.returncode}"}] * (len(paths) - len(docs))
    return docs[: len(paths)], wall, cpu


def _alarm_line(name: str, doc: dict) -> str:
    """A tune-half alarm: its level and each high threat with its first steps (path:line)."""
    parts = []
    for t in doc.get("threats") or []:
        if t["severity"] in HIGH:
            steps = ", ".join(f"{s['path']}:{s['line']}" for s in t["steps"][:3])
            parts.append(f"{t['id']} ({t['severity']}) {steps}")
    return f"{name}: {doc['risk']['level']}; " + ("; ".join(parts) or "no high threat")


def _threat_counts(docs: list[dict]) -> str:
    """High threat ids behind alarms, counted once per package -- never a package."""
    counts: Counter[str] = Counter()
    for doc in docs:
        ids = {t["id"] for t in doc.get("threats") or [] if t["severity"] in HIGH}
        counts.update(ids or {"(findings, no high threat)"})
    return ", ".join(f"{i} {n}" for i, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def bench_deps(band: str = "npm-deps", dump: list[str] | None = None) -> None:
    """False alarms on one npm-deps band: the tune half listed, the report half (a holdout)
    as counts and threat ids only -- unless the band was opened for tuning
    (``npm_deps.OPENED``), when both halves are listed."""
    pins_path, cache = npm_deps.BANDS[band]
    got = npm_deps.fetch(npm_deps.load_pins(band), cache)
    docs, wall, cpu = scan_cli([path for _, path in got])
    size = sum(path.stat().st_size for _, path in got)
    opened = band in npm_deps.OPENED
    print(f"{band} (vetbench scan --json --no-cache --jobs 2):")
    report_label = "report (opened, tune only)" if opened else "report | holdout"
    for half, label in (("tune", "tune"), ("report", report_label)):
        group = [(pin, doc) for (pin, _), doc in zip(got, docs, strict=True)]
        group = [(pin, doc) for pin, doc in group if npm_deps.half_of(pin["name"]) == half]
        errors = sum(1 for _, doc in group if "error" in doc)
        alarms = [(p, d) for p, d in group if "risk" in d and d["risk"]["level"] in HIGH]
        rate = 100 * len(alarms) / max(1, len(group))
        line = f"  {label} half at high+: {len(alarms)}/{len(group)} ({rate:.1f} %)"
        print(line + (f", {errors} without a verdict" if errors else ""))
        if half == "tune" or opened:
            for pin, doc in alarms:
                print("    ALARM", _alarm_line(pin["name"], doc))
            if dump is not None:
                for pin, doc in group:
                    threats = sorted(
                        t["id"] + " " + t["severity"] for t in doc.get("threats") or []
                    )
                    level = doc.get("risk", {}).get("level", "error")
                    row = {"package": pin["name"], "risk": level, "threats": threats}
                    dump.append(json.dumps(row) + "\n")
        elif alarms:
            print(f"    threats: {_threat_counts([d for _, d in alarms])}")
    print(
        f"  speed: {len(got)} packages, {wall:.0f} s wall, {cpu:.0f} s CPU: "
        f"{len(got) / cpu:.2f} packages/s, {size / cpu / 1e6:.2f} MB/s (compressed) per CPU second"
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--guarddog", action="store_true")
    ap.add_argument("--dump", metavar="FILE", help="write every package's findings (JSON lines)")
    ap.add_argument("--deps", action="store_true", help="also scan the npm-deps corpus")
    ap.add_argument("--deps-2", action="store_true", help="also scan the npm-deps-2 band")
    ap.add_argument("--no-popular", action="store_true", help="leave out the popular 200")
    args = ap.parse_args()
    dump: list[str] | None = [] if args.dump else None
    caught, total, misses = bench_attacks(dump)
    print(f"hand-made attacks at high+: {caught}/{total}")
    for m in misses:
        print("  MISS", m)
    if not args.no_popular:
        bench_popular_report(args, dump)
    if args.deps:
        bench_deps("npm-deps", dump)
    if args.deps_2:
        bench_deps("npm-deps-2", dump)
    if args.dump and dump is not None:
        Path(args.dump).write_text("".join(dump))
    return 0


def bench_popular_report(args: argparse.Namespace, dump: list[str] | None) -> None:
    """The popular 200: false alarms, speed, the Python reference, GuardDog on request."""
    paths = npm_fetch.fetch(npm_fetch.popular_names())
    alarms, cpu, size = bench_popular(paths, dump)
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


if __name__ == "__main__":
    raise SystemExit(main())
