"""Benchmark: vetbench scan against GuardDog 3.x and bandit on a labelled corpus.

Not part of the test suite (``tests/bench`` is ignored by pytest). Run from the repo root::

    .venv/bin/python tests/bench/bench_scan.py --engines       # everything, ~15 min on 2 cores
    .venv/bin/python tests/bench/bench_scan.py --tools vetbench,vetbench-1core   # quick: ours only

vetbench runs as a moderator runs it: one ``vetbench scan --json`` over all artifacts, with
``--jobs`` = all cores (``vetbench``) or one (``vetbench-1core``), no findings cache unless the
mode says so (``vetbench-cache``: a cache starting empty; ``vetbench-warm``: a re-scan after a
first pass filled it). GuardDog and bandit run once per package, as their command lines do.

Corpus (``--corpus``, default ``../shared/corpus``): ``malicious/*.zip`` (password
``infected``, ``index.jsonl``; samples with ``label_doubt`` are left out of recall) and
``benign.jsonl`` (exact file names and sha256 of top PyPI releases, downloaded once from
files.pythonhosted.org through the PyPI JSON API into ``~/.cache/vetbench-bench``).
GuardDog and bandit are installed into their own virtualenv under that cache folder
(``--peers-venv``); nothing from the corpus is ever executed, installed or imported: the
peers get the artifact files (GuardDog) or their extracted text (bandit) as data.

Prints, per tool: packages/s, MB/s, recall at the tool's "flagged" level on labelled
malware, the false-positive rate on the benign releases, and how many of the latest sdists
of the first 40 benign projects are flagged. "Flagged" = risk level high or above for vetbench
and for GuardDog 3 (its ``risk_score.label`` ``high_risk`` or above); any HIGH-severity issue for
bandit.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CACHE = Path(os.environ.get("VETBENCH_BENCH_CACHE", Path.home() / ".cache" / "vetbench-bench"))


# --------------------------------------------------------------------------- corpus


def load_malicious(corpus: Path) -> list[dict]:
    out = []
    for line in (corpus / "malicious" / "index.jsonl").read_text().splitlines():
        if line.strip():
            rec = json.loads(line)
            rec["zip_path"] = str(corpus / "malicious" / rec["sample_zip"])
            out.append(rec)
    return out


def download_benign(corpus: Path) -> list[dict]:
    """Fetch every benign.jsonl file by exact name, verify sha256, cache it."""
    import httpx

    dest = CACHE / "benign"
    dest.mkdir(parents=True, exist_ok=True)
    records = [
        json.loads(x) for x in (corpus / "benign.jsonl").read_text().splitlines() if x.strip()
    ]
    projects: dict[str, dict] = {}
    with httpx.Client(timeout=60, follow_redirects=True) as client:
        for rec in records:
            path = dest / rec["filename"]
            rec["path"] = str(path)
            if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == rec["sha256"]:
                continue
            if rec["name"] not in projects:
                meta = client.get(f"https://pypi.org/pypi/{rec['name']}/json")
                meta.raise_for_status()
                projects[rec["name"]] = meta.json()
            doc = projects[rec["name"]]
            files = doc.get("releases", {}).get(rec["version"], []) + doc.get("urls", [])
            urls = [u for u in files if u["filename"] == rec["filename"]]
            if not urls:
                print(f"  ! {rec['filename']} not listed on PyPI", file=sys.stderr)
                rec["path"] = None
                continue
            url = urljoin(f"https://pypi.org/pypi/{rec['name']}/json", urls[0]["url"])
            data = client.get(url).content
            if hashlib.sha256(data).hexdigest() != rec["sha256"]:
                print(f"  ! {rec['filename']}: sha256 mismatch, skipped", file=sys.stderr)
                rec["path"] = None
                continue
            path.write_bytes(data)
    return [r for r in records if r.get("path")]


def top40_latest_sdists(benign: list[dict]) -> list[dict]:
    """The newest sdist of the first 40 projects of benign.jsonl (its order = popularity) that
    publish one."""
    seen: dict[str, dict] = {}
    order: list[str] = []
    for rec in benign:
        if rec["name"] not in order:
            order.append(rec["name"])
        if rec["kind"] == "sdist" and rec["name"] not in seen:
            seen[rec["name"]] = rec
    return [seen[n] for n in order if n in seen][:40]


def unwrap_sample(zip_path: str, workdir: Path) -> Path:
    """The artifact inside a dataset zip, written to ``workdir`` as a file (or a folder)."""
    with zipfile.ZipFile(zip_path) as zf:
        names = [i for i in zf.infolist() if not i.is_dir()]
        target = workdir / Path(zip_path).stem
        if len(names) == 1:
            target.mkdir(parents=True, exist_ok=True)
            out = target / Path(names[0].filename).name
            out.write_bytes(zf.read(names[0], pwd=b"infected"))
            return out
        for info in names:
            rel = Path(*[p for p in Path(info.filename).parts if p not in ("..", "/")])
            out = target / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(zf.read(info, pwd=b"infected"))
        return target


def extract_text_tree(artifact: Path, workdir: Path) -> Path:
    """For bandit: the artifact's files extracted as data (no links, no special files)."""
    target = workdir / (artifact.name + ".x")
    target.mkdir(parents=True, exist_ok=True)
    if artifact.is_dir():
        shutil.copytree(artifact, target, dirs_exist_ok=True, symlinks=True)
        return target
    raw = artifact.read_bytes()
    try:
        if raw[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                for info in zf.infolist():
                    if info.is_dir() or ".." in info.filename:
                        continue
                    out = target / info.filename.lstrip("/")
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(zf.read(info))
        else:
            with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
                tf.extractall(target, filter="data")
    except Exception as exc:  # noqa: BLE001 - a hostile archive: bandit gets what was extracted
        print(f"  ! extract {artifact.name}: {exc}", file=sys.stderr)
    return target


# --------------------------------------------------------------------------- tools


def ensure_peers(venv: Path) -> Path:
    py = venv / "bin" / "python"
    if not (venv / "bin" / "guarddog").exists() or not (venv / "bin" / "bandit").exists():
        if not py.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(py), "-m", "pip", "install", "-q", "guarddog>=3,<4", "bandit"], check=True
        )
    return venv / "bin"


def run_vetbench(paths: list[Path], jobs: int, cache_db: Path | None) -> dict[str, str]:
    """``vetbench scan --json`` over all artifacts in one run, as a moderator runs it: ``jobs``
    processes, no findings cache (cold) or a cache that starts empty (``cache_db``)."""
    cmd = [sys.executable, "-m", "app.cli", "scan", "--json", "--jobs", str(jobs)]
    cmd += ["--db", str(cache_db)] if cache_db else ["--no-cache"]
    proc = subprocess.run(cmd + [str(p) for p in paths], capture_output=True, text=True, cwd=ROOT)
    verdicts = {}
    lines = [x for x in proc.stdout.splitlines() if x.strip()]
    for p, line in zip(paths, lines, strict=False):
        doc = json.loads(line)
        if doc["errors"] and not doc["findings"]:
            verdicts[str(p)] = "error: " + doc["errors"][0][:100]
        else:
            verdicts[str(p)] = doc["risk"]["level"]
    for p in paths[len(lines) :]:
        verdicts[str(p)] = f"error: exit {proc.returncode}: {proc.stderr.strip()[-100:]}"
    return verdicts


def run_guarddog(bindir: Path, path: Path, timeout: int) -> str:
    try:
        proc = subprocess.run(
            [str(bindir / "guarddog"), "pypi", "scan", str(path), "--output-format", "json"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return "error: timeout"
    try:
        doc = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return f"error: {proc.stderr.strip()[-120:]}"
    return str(
        (doc.get("risk_score") or {}).get("label") or ("issues" if doc.get("issues") else "none")
    )


def run_bandit(bindir: Path, tree: Path, timeout: int) -> str:
    try:
        proc = subprocess.run(
            [str(bindir / "bandit"), "-r", str(tree), "-f", "json", "-q"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return "error: timeout"
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return f"error: {proc.stderr.strip()[-120:]}"
    return (
        "flagged"
        if any(r.get("issue_severity") == "HIGH" for r in doc.get("results", []))
        else "clean"
    )


VETBENCH_MODES = {  # tool name -> (processes, findings cache file or None)
    "vetbench": (os.cpu_count() or 1, None),
    "vetbench-1core": (1, None),
    "vetbench-cache": (os.cpu_count() or 1, "fresh.db"),  # starts empty: only in-run reuse
    "vetbench-warm": (os.cpu_count() or 1, "filled.db"),  # after a first pass filled it
}


def flagged(tool: str, verdict: str) -> bool:
    """vetbench and GuardDog 3 both grade a package: flagged = high or above (GuardDog's
    ``high_risk`` or above). bandit has no package verdict: flagged = any HIGH-severity issue."""
    if tool.startswith("vetbench"):
        return verdict in ("high", "critical")
    if tool == "guarddog":  # labels: no_risks_detected < low < suspicious < high_risk < malicious
        return verdict in ("high_risk", "malicious", "high", "critical")
    return verdict == "flagged"


# --------------------------------------------------------------------------- engines


def bench_engines(texts: list[str], repeat: int = 3) -> None:
    """The pattern engine: atom-prefiltered ``re`` against yara-x on the same rules."""
    from app.core.capabilities.patterns import RegexEngine, YaraEngine

    engines = [RegexEngine()]
    try:
        engines.append(YaraEngine())
    except ImportError:
        print("  yara-x not installed (pip install yara-x): only re measured")
    size = sum(len(t.encode("utf-8", "surrogatepass")) for t in texts) / 1e6
    for eng in engines:
        for t in texts[:3]:
            eng.scan(t, "any")  # compile outside the timing
        best = float("inf")
        matches = 0
        for _ in range(repeat):
            start = time.perf_counter()
            matches = sum(len(eng.scan(t, "js")) + len(eng.scan(t, "shell")) for t in texts)
            best = min(best, time.perf_counter() - start)
        print(
            f"  {eng.name:8} {size * 2 / best:8.1f} MB/s  ({matches} matches, {size:.1f} MB x 2 languages)"
        )


def engine_texts(paths: list[Path]) -> list[str]:
    from app.core.archive import open_artifact

    texts = []
    for p in paths:
        try:
            art = open_artifact(p)
        except Exception:  # noqa: BLE001 - an unreadable sample adds no text
            continue
        texts.extend(m.text for m in art.members if m.kind == "text" and m.text)
    texts.append("A" * 2_000_000 + " curl x | sh")  # one huge single line
    texts.append(("x" * 199 + "\n") * 20000)
    return texts


# --------------------------------------------------------------------------- main


def main() -> int:  # noqa: C901 - a flat list of benchmark steps
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument(
        "--tools",
        default="vetbench,vetbench-1core,guarddog,bandit",
        help="any of vetbench (all cores, no cache), vetbench-1core, vetbench-cache "
        "(all cores, findings cache starting empty), vetbench-warm (a re-scan with "
        "the cache a first pass filled), guarddog, bandit",
    )
    ap.add_argument("--peers-venv", default=str(CACHE / "guarddog-venv"))
    ap.add_argument("--timeout", type=int, default=300, help="per package, for the peers")
    ap.add_argument("--limit", type=int, default=0, help="only the first N packages of each set")
    ap.add_argument(
        "--engines", action="store_true", help="also compare re and yara-x pattern engines"
    )
    ap.add_argument("--show", action="store_true", help="list every package's verdicts")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    malicious = load_malicious(corpus)
    benign = download_benign(corpus)
    if args.limit:
        malicious, benign = malicious[: args.limit], benign[: args.limit]
    top40 = {r["filename"] for r in top40_latest_sdists(benign)}
    bindir = ensure_peers(Path(args.peers_venv)) if set(tools) - set(VETBENCH_MODES) else None
    work = Path(tempfile.mkdtemp(prefix="vetbench-bench-"))
    try:
        items = []  # (label, id, artifact path, doubt, size)
        for rec in malicious:
            art = unwrap_sample(rec["zip_path"], work / "mal")
            size = (
                art.stat().st_size
                if art.is_file()
                else sum(p.stat().st_size for p in art.rglob("*") if p.is_file())
            )
            items.append(("malicious", rec["id"], art, bool(rec.get("label_doubt")), size))
        for rec in benign:
            items.append(("benign", rec["filename"], Path(rec["path"]), False, rec["size"]))
        trees = {}
        if "bandit" in tools:
            trees = {it[1]: extract_text_tree(it[2], work / "bandit") for it in items}
        total_mb = sum(it[4] for it in items) / 1e6
        print(
            f"corpus: {sum(1 for i in items if i[0] == 'malicious')} malicious "
            f"({sum(1 for i in items if i[0] == 'malicious' and not i[3])} without label doubt), "
            f"{sum(1 for i in items if i[0] == 'benign')} benign, {total_mb:.1f} MB"
        )
        results: dict[str, dict[str, str]] = {}
        times: dict[str, float] = {}
        for tool in tools:
            verdicts = {}
            start = time.perf_counter()
            if tool in VETBENCH_MODES:
                jobs, db = VETBENCH_MODES[tool]
                if tool == "vetbench-warm":  # the first pass, untimed
                    run_vetbench([it[2] for it in items], jobs, work / db)
                    start = time.perf_counter()
                by_path = run_vetbench([it[2] for it in items], jobs, work / db if db else None)
                verdicts = {it[1]: by_path[str(it[2])] for it in items}
            for _label, ident, path, _doubt, _size in items:
                if tool in VETBENCH_MODES:
                    continue
                if tool == "guarddog":
                    verdicts[ident] = run_guarddog(bindir, path, args.timeout)
                elif tool == "bandit":
                    verdicts[ident] = run_bandit(bindir, trees[ident], args.timeout)
            times[tool] = time.perf_counter() - start
            results[tool] = verdicts
        print(
            f"\n{'tool':10} {'pkg/s':>8} {'MB/s':>8} {'recall':>8} {'FP rate':>8} {'top40 flagged':>14} {'errors':>7}"
        )
        for tool in tools:
            v = results[tool]
            mal = [i for i in items if i[0] == "malicious" and not i[3]]
            ben = [i for i in items if i[0] == "benign"]
            recall = sum(flagged(tool, v[i[1]]) for i in mal) / max(1, len(mal))
            fp = sum(flagged(tool, v[i[1]]) for i in ben) / max(1, len(ben))
            t40 = sum(flagged(tool, v[i[1]]) for i in ben if i[1] in top40)
            errs = sum(1 for x in v.values() if x.startswith("error"))
            print(
                f"{tool:10} {len(items) / times[tool]:8.2f} {total_mb / times[tool]:8.2f} "
                f"{recall:8.1%} {fp:8.1%} {t40:>7}/{len(top40):<6} {errs:>7}"
            )
        for ours in (t for t in tools if t in VETBENCH_MODES):
            for peer in (t for t in tools if t not in VETBENCH_MODES):
                print(f"{ours} throughput = {times[peer] / times[ours]:.1f}x {peer}")
        if args.show:
            for label, ident, _p, doubt, _s in items:
                print(
                    f"  {label:9} {'D' if doubt else ' '} {ident:60} "
                    + "  ".join(f"{t}={results[t][ident]}" for t in tools)
                )
        else:
            for label, ident, _p, doubt, _s in items:
                ours = next((t for t in tools if t in VETBENCH_MODES), None)
                if ours:
                    v = results[ours][ident]
                    if (label == "malicious" and not doubt and not flagged(ours, v)) or (
                        label == "benign" and flagged(ours, v)
                    ):
                        print(
                            f"  {ours} {'missed' if label == 'malicious' else 'false alarm'}: {ident} ({v})"
                        )
        if args.engines:
            print("\npattern engine (same rules, JS + shell rule sets):")
            bench_engines(engine_texts([i[2] for i in items if i[0] == "benign"][:20]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
