"""Benchmark: vetbench's release diff against ``git diff --no-index --numstat``.

For each project (requests, setuptools, pip, django, boto3 by default) it downloads the two
latest final-release sdists from PyPI (JSON API; cached under ~/.cache/vetbench-bench),
extracts them to temporary folders *as data only* (tarfile's ``data`` filter; nothing is run,
built or imported), and prints, measured in the same run:

* git: ``git diff --no-index --numstat OLD NEW`` on the two extracted trees;
* vetbench tree: ``open_artifact`` on both extracted folders + :func:`diff_trees` (statuses,
  renames and +/- counts: the same work as git's numstat plus rename pairing);
* vetbench archives: the same from the two .tar.gz files (no extraction needed);
* capability delta: :func:`diff_artifacts` with a warm findings cache (both scans answered
  from the cache, then hit pairing), after one cold run that fills the cache.

Run: ``.venv/bin/python tests/bench/bench_diff.py [project ...] [--repeat N]``.
Targets (issue 4): tree diff within 2x of git; capability delta < 1 s on a cached 3,000-file
release. This prints figures and ratios; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path
from urllib.parse import urljoin

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import httpx

from app.core.archive import open_artifact
from app.core.diff.release import diff_artifacts
from app.core.diff.tree import diff_trees
from app.core.versions import is_prerelease, sort_versions

CACHE = Path.home() / ".cache" / "vetbench-bench"
DEFAULT_PROJECTS = ["requests", "setuptools", "pip", "django", "boto3"]


def two_latest_sdists(client: httpx.Client, name: str) -> list[tuple[str, str, str]]:
    """``[(version, filename, url)]`` for the two highest final releases having an sdist."""
    resp = client.get(f"https://pypi.org/pypi/{name}/json")
    resp.raise_for_status()
    doc = resp.json()
    found = []
    for version in reversed(sort_versions(doc["releases"], "pypi")):
        if is_prerelease(version, "pypi"):
            continue
        sdists = [
            f
            for f in doc["releases"][version]
            if f.get("packagetype") == "sdist" and not f.get("yanked")
        ]
        if sdists:
            # Some mirrors give file URLs relative to the JSON document.
            url = urljoin(str(resp.url), sdists[0]["url"])
            found.append((version, sdists[0]["filename"], url))
        if len(found) == 2:
            break
    return list(reversed(found))


def download(client: httpx.Client, filename: str, url: str) -> Path:
    target = CACHE / filename
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        with client.stream("GET", url) as resp, tmp.open("wb") as fh:
            resp.raise_for_status()
            for chunk in resp.iter_bytes():
                fh.write(chunk)
        tmp.rename(target)
    return target


def extract(archive: Path, into: Path) -> Path:
    """Extract as plain data (the ``data`` filter refuses links out, devices, setuid...)."""
    into.mkdir(parents=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                name = Path(info.filename)
                if name.is_absolute() or ".." in name.parts:
                    continue
                zf.extract(info, into)
    else:
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="data")
    entries = list(into.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else into


def best_of(repeat: int, fn):
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def git_numstat(old: Path, new: Path) -> tuple[int, int]:
    proc = subprocess.run(
        ["git", "diff", "--no-index", "--numstat", str(old), str(new)],
        capture_output=True,
        text=True,
        errors="replace",
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(proc.stderr)
    files = plus = 0
    for line in proc.stdout.splitlines():
        parts = line.split("\t")
        files += 1
        if parts[0].isdigit():
            plus += int(parts[0])
    return files, plus


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("projects", nargs="*", default=DEFAULT_PROJECTS)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from app.core.capabilities.cache import FindingsCache
    from app.core.capabilities.scan import scan_artifact

    rows = []
    with (
        httpx.Client(timeout=120, follow_redirects=True) as client,
        tempfile.TemporaryDirectory(prefix="vetbench-bench-") as tmp,
    ):
        for name in args.projects:
            releases = two_latest_sdists(client, name)
            if len(releases) < 2:
                print(f"{name}: fewer than two sdists, skipped")
                continue
            (v_old, f_old, u_old), (v_new, f_new, u_new) = releases
            a_old, a_new = download(client, f_old, u_old), download(client, f_new, u_new)
            d_old = extract(a_old, Path(tmp) / f"{name}-old")
            d_new = extract(a_new, Path(tmp) / f"{name}-new")

            t_git, (git_files, git_plus) = best_of(
                args.repeat, lambda o=d_old, n=d_new: git_numstat(o, n)
            )

            def tree_dirs(d_old=d_old, d_new=d_new):
                return diff_trees(open_artifact(d_old), open_artifact(d_new))

            def tree_archives(a_old=a_old, a_new=a_new):
                return diff_trees(open_artifact(a_old), open_artifact(a_new))

            t_dirs, files = best_of(args.repeat, tree_dirs)
            t_arch, _ = best_of(args.repeat, tree_archives)
            changed = [f for f in files if f.changed]
            plus = sum(f.lines_added for f in changed)

            old_art, new_art = open_artifact(a_old), open_artifact(a_new)
            cache = FindingsCache(CACHE / "findings.sqlite")

            def scan(artifact, cache=cache):
                return scan_artifact(artifact, cache=cache)

            t_cold, _ = best_of(1, lambda o=old_art, n=new_art: diff_artifacts(o, n, scan=scan))
            t_caps, rdiff = best_of(
                args.repeat, lambda o=old_art, n=new_art: diff_artifacts(o, n, scan=scan)
            )
            # Split the warm figure: the two cached scans vs the diff + hit pairing itself.
            t_scans, scans = best_of(
                args.repeat, lambda o=old_art, n=new_art: {id(o): scan(o), id(n): scan(n)}
            )
            t_pair, _ = best_of(
                args.repeat,
                lambda o=old_art, n=new_art, sc=scans: diff_artifacts(
                    o, n, scan=lambda x: sc[id(x)]
                ),
            )
            cache.close()
            caps = rdiff.capabilities
            rows.append(
                {
                    "project": name,
                    "old": v_old,
                    "new": v_new,
                    "files": len(new_art.members),
                    "changed": len(changed),
                    "git_s": t_git,
                    "dirs_s": t_dirs,
                    "archives_s": t_arch,
                    "ratio_dirs": t_dirs / t_git,
                    "caps_cold_s": t_cold,
                    "caps_warm_s": t_caps,
                    "scans_warm_s": t_scans,
                    "delta_s": t_pair,
                    "added": len(caps.added) if caps else None,
                    "unchanged": caps.unchanged_count if caps else None,
                    "git_files": git_files,
                    "git_plus": git_plus,
                    "plus": plus,
                }
            )
            shutil.rmtree(
                d_old.parent if d_old.parent.name.endswith("-old") else d_old, ignore_errors=True
            )
            r = rows[-1]
            print(
                f"{name} {v_old} -> {v_new}: {r['files']} files, {r['changed']} changed "
                f"(git {git_files}); +lines vetbench {plus} / git {git_plus}",
                flush=True,
            )

    print()
    print(
        f"{'project':12} {'files':>6} {'git':>8} {'vb dirs':>8} {'ratio':>6} "
        f"{'vb tgz':>8} {'caps 1st':>10} {'caps warm':>10} {'=scans':>8} {'+delta':>8} "
        f"{'added':>6} {'same':>6}"
    )
    for r in rows:
        print(
            f"{r['project']:12} {r['files']:6d} {r['git_s']:8.3f} {r['dirs_s']:8.3f} "
            f"{r['ratio_dirs']:5.2f}x {r['archives_s']:8.3f} {r['caps_cold_s']:10.3f} "
            f"{r['caps_warm_s']:10.3f} {r['scans_warm_s']:8.3f} {r['delta_s']:8.3f} "
            f"{r['added']!s:>6} {r['unchanged']!s:>6}"
        )
    print(
        "\n(seconds, best of --repeat; ratio = vetbench on extracted folders / git numstat; "
        "caps 1st = first diff_artifacts of the run, cold unless an earlier run filled the "
        "cache; caps warm = both scans from the findings cache (=scans) + tree diff, hit "
        "pairing, install surface (+delta))"
    )
    (CACHE / "last-run.json").write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
