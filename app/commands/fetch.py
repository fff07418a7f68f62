"""``vetbench fetch NAME[==VERSION] [--baseline]``: every file of a release, verified, cached.

Prints each file's absolute path, one per line (release files first, then the baseline's), so
the output feeds straight into ``vetbench scan`` / ``vetbench diff``. Progress goes to stderr
only when stderr is a terminal. ``--json`` prints one document with versions, hashes and roles.
"""

from __future__ import annotations

import sys
from pathlib import Path

from app.commands._options import add_db_option, add_json_option
from app.commands._output import print_json, say
from app.core.registry import (
    ECOSYSTEMS,
    STRATEGIES,
    choose_baseline,
    fetch_project,
    fetch_release,
    fetch_with_baseline,
    parse_spec,
    resolve_version,
)
from app.core.text import terminal_text
from app.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "fetch",
        help="download every file of a release (and its baseline) into the verified cache",
        description="Download every file of a release -- the sdist and each wheel, or the npm "
        "tarball -- verify it against the index's hash, keep it in the cache, and print each "
        "file's absolute path, one per line.",
    )
    p.add_argument(
        "spec",
        metavar="NAME[==VERSION]",
        help="project, optionally pinned (npm: NAME@VERSION too); or a local artifact "
        "file, whose baseline is then fetched",
    )
    p.add_argument("--baseline", action="store_true", help="also fetch the baseline release")
    p.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="previous",
        help="how to pick the baseline (default: previous by version order)",
    )
    p.add_argument("--baseline-version", metavar="VERSION", help="use this release as the baseline")
    p.add_argument("--ecosystem", choices=ECOSYSTEMS, default="pypi")
    p.add_argument(
        "--index",
        metavar="URL",
        help="index URL: a Warehouse base (https://pypi.org), a PEP 691 simple index "
        "(…/simple/), or an npm registry",
    )
    p.add_argument("--offline", action="store_true", help="use only the cache, never the network")
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="download cache (default: $VETBENCH_CACHE_DIR or the user cache dir)",
    )
    add_json_option(p, help="print one JSON document instead of paths")
    add_db_option(p)  # for --strategy benign: the store's benign decisions
    p.set_defaults(func=run)


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def show(label: str, done: int, total: int | None) -> None:
        pct = f"{100 * done // total:3d}%" if total else f"{done // 1024} KiB"
        end = "\n" if total and done >= total else ""
        sys.stderr.write(f"\r{terminal_text(label[:60], one_line=True):60} {pct}{end}")
        sys.stderr.flush()

    return show


def benign_versions_from_store(db: str | None, ecosystem: str, name: str) -> list[str]:
    """Versions of ``name`` a moderator marked benign in the store (empty without a store)."""
    from app.config import resolve_db_path
    from app.core.store.db import Store
    from app.workflows.baselines import benign_versions

    path = resolve_db_path(db)
    if not path.exists():
        return []
    with Store.open(path) as store:
        return benign_versions(store, ecosystem, name)


def _local_artifact(args) -> tuple[str, str, str, Path] | None:
    """``vetbench fetch ./suspect.whl --baseline``: the name and version come from the file."""
    path = Path(args.spec)
    if not path.is_file():
        return None
    from app.core.archive import open_artifact

    artifact = open_artifact(path)
    if not artifact.name or not artifact.version:
        raise UsageError(f"{path}: cannot tell the package name and version from its metadata")
    return artifact.ecosystem, artifact.name, artifact.version, path.resolve()


def run(args) -> int:
    local = _local_artifact(args)
    if local is not None:
        return _run_local(args, *local)
    name, version = parse_spec(args.spec, args.ecosystem)
    benign = None
    if args.baseline and args.strategy == "benign":
        benign = benign_versions_from_store(args.db, args.ecosystem, name)
    result = fetch_with_baseline(
        args.ecosystem,
        name,
        version,
        strategy=args.strategy,
        benign_versions=benign,
        baseline_version=args.baseline_version,
        cache_dir=args.cache_dir,
        index_url=args.index,
        offline=args.offline,
        progress=_progress_printer(),
        with_baseline=args.baseline or bool(args.baseline_version),
    )
    if args.json:
        print_json(result.to_json())
        return 0
    for f in result.all_files():
        say(f"{f.path}\n")
    _warn_unverified(result.all_files())
    if result.yanked:
        reason = f": {result.yanked_reason}" if result.yanked_reason else ""
        say(f"vetbench: note: {result.name} {result.version} is yanked{reason}\n", err=True)
    if (args.baseline or args.baseline_version) and result.baseline_version is None:
        say(
            f"vetbench: note: {result.name} {result.version} has no baseline "
            f"({args.strategy}); only the release was fetched\n",
            err=True,
        )
    return 0


def _warn_unverified(files) -> None:
    """One stderr line per file no strong published hash vouches for: it may not be the file
    the registry serves to everyone else (the JSON says ``"verified": false``)."""
    for f in files:
        if not f.verified:
            say(
                f"vetbench: warning: {f.filename} is UNVERIFIED: the index published no "
                "usable sha256 (or sha384/sha512) for it, so its bytes were not checked",
                err=True,
            )


def _run_local(args, ecosystem: str, name: str, version: str, path: Path) -> int:
    """A local file stands for its release; only the baseline comes from the index/cache."""
    baseline = None
    if args.baseline or args.baseline_version:
        project = fetch_project(
            ecosystem, name, cache_dir=args.cache_dir, index_url=args.index, offline=args.offline
        )
        if args.baseline_version:
            baseline = resolve_version(project, args.baseline_version)
        else:
            if version not in project.releases:  # e.g. a release that was already removed
                project.releases[version] = []
            benign = None
            if args.strategy == "benign":
                benign = benign_versions_from_store(args.db, ecosystem, name)
            baseline = choose_baseline(project, version, args.strategy, benign_versions=benign)
    files = []
    if baseline is not None:
        files = fetch_release(
            ecosystem,
            name,
            baseline,
            cache_dir=args.cache_dir,
            index_url=args.index,
            offline=args.offline,
            progress=_progress_printer(),
        )
    if args.json:
        print_json(
            {
                "ecosystem": ecosystem,
                "name": name,
                "version": version,
                "local": str(path),
                "baseline": {
                    "strategy": args.strategy,
                    "version": baseline,
                    "files": [f.to_json() for f in files],
                },
            }
        )
        return 0
    say(f"{path}\n")
    for f in files:
        say(f"{f.path}\n")
    _warn_unverified(files)
    if (args.baseline or args.baseline_version) and baseline is None:
        say(f"vetbench: note: {name} {version} has no baseline ({args.strategy})\n", err=True)
    return 0
