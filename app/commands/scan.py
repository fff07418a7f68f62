"""``vetbench scan ARTIFACT... [--json] [--fail-on LEVEL] [--jobs N] [--db PATH] [--dataset PATH]``.

Exit 0 when the scan ran (whatever it found), 1 when ``--fail-on`` was reached, 2 on unusable
input (one line on stderr). With several artifacts an unreadable one is reported (``errors``
in its JSON object, a line in human output) and the others are still scanned; a single
unusable input is exit 2. Errors never lower the exit code: ``--fail-on`` counts an unreadable
artifact as reached, and analyser errors raise the risk itself (``scan.unread``). ``--jobs`` scans artifacts in that many processes. Human output
escapes what a terminal would act on (:func:`app.core.text.terminal_text`): names, paths and
matched code come from the package. When yara-x cannot run, one stderr line says so (whichever
processes scanned) and each JSON object carries the reason in ``notes``.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Iterable

from app.commands._options import add_json_option
from app.commands._output import print_json
from app.core.capabilities.model import LEVELS, Risk, ScanResult, severity_rank
from app.core.text import terminal_text
from app.errors import UsageError
from app.workflows.scanning import results_in_order, scan_one


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "scan",
        help="find what each file of a package can do, with a risk verdict",
        description="Scan package artifacts (sdist, wheel, npm tarball, sample zip, "
        "folder) as data and report capabilities by file and line.",
    )
    p.add_argument("artifacts", nargs="+", metavar="ARTIFACT")
    add_json_option(p, help="one vetbench.scan/1 JSON object per line per artifact")
    p.add_argument(
        "--fail-on",
        choices=LEVELS[1:],
        metavar="LEVEL",
        help="exit 1 when an artifact's risk level reaches LEVEL (low, medium, high, critical)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="processes for many artifacts (default: all cores when there are several)",
    )
    p.add_argument(
        "--db",
        metavar="PATH",
        help="findings cache file (SQLite; default: "
        "$VETBENCH_CACHE_DIR/findings.sqlite or the user cache dir)",
    )
    p.add_argument(
        "--no-cache", action="store_true", help="do not read or write the findings cache"
    )
    p.add_argument(
        "--allowlist", metavar="FILE", help="suppressions file (see README: allowlist format)"
    )
    p.add_argument(
        "--dataset",
        metavar="PATH",
        help="a labels dataset folder: a dependency on a package labelled malicious there "
        "is a finding",
    )
    p.set_defaults(func=run)


def _error_result(path: str, message: str) -> dict:
    return ScanResult(
        target={"path": path, "ecosystem": None, "name": None, "version": None, "sha256": None},
        risk=Risk(0.0, "none"),
        errors=[message],
    ).to_json()


def run(args) -> int:
    from app.core.capabilities import fallback

    fallback.shown_by_caller()  # _report prints each engine note once, from the results
    paths = list(args.artifacts)
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (automatic) or more")
    if args.allowlist:
        from app.core.capabilities.allowlist import Allowlist

        Allowlist.load(args.allowlist)  # a bad allowlist is unusable input: exit 2 now
    known = _malicious_names(args.dataset) if args.dataset else frozenset()
    jobs = args.jobs or (min(len(paths), os.cpu_count() or 1) if len(paths) > 1 else 1)
    use_cache = not args.no_cache
    if len(paths) == 1:
        result = scan_one(paths[0], args.db, args.allowlist, use_cache, known)
        if "error" in result:
            raise UsageError(result["error"])
        return _report([result], args)
    return _report(results_in_order(paths, jobs, args.db, args.allowlist, use_cache, known), args)


def _malicious_names(path: str) -> frozenset[str]:
    """``ecosystem:name`` of every package an active label of the dataset calls malicious
    (labels that do not validate are left out, as the sync leaves them out)."""
    from pathlib import Path

    from app.sync.dataset import read_all_labels
    from app.sync.labels import is_active

    root = Path(path)
    if not root.is_dir():
        raise UsageError(f"--dataset {path}: not a folder")
    labels, _problems = read_all_labels(root)
    return frozenset(
        f"{label['ecosystem']}:{label['name']}"
        for label in labels
        if label.get("verdict") == "malicious" and is_active(label)
    )


def _report(results: Iterable[dict], args) -> int:
    reached = False
    told: set[str] = set()
    for obj in results:
        unreadable = "error" in obj
        if unreadable:
            obj = _error_result(obj["path"], obj["error"])
        for note in obj.get("notes", ()):
            if note not in told:
                told.add(note)
                sys.stderr.write(f"vetbench: {note}\n")
                sys.stderr.flush()
        if args.fail_on and (
            unreadable or severity_rank(obj["risk"]["level"]) >= severity_rank(args.fail_on)
        ):
            reached = True  # fail closed: an artifact that could not be read is not clean
        if args.json:
            print_json(obj)
        else:
            _print_human(obj)
        sys.stdout.flush()
    return 1 if reached else 0


def _v(value) -> str:
    """One field of package (or file system) text, safe for the terminal and on one line."""
    return terminal_text(str(value), one_line=True)


def _print_human(obj: dict) -> None:
    t = obj["target"]
    name = _v(f"{t.get('name') or '?'} {t.get('version') or ''}".strip())
    out = sys.stdout
    risk = obj["risk"]
    out.write(f"{_v(t['path'])}  ({name}, {_v(t.get('ecosystem') or '?')})\n")
    if obj["errors"] and not obj["findings"]:
        for e in obj["errors"]:
            out.write(f"  error: {_v(e)}\n")
        out.write("\n")
        return
    out.write(
        f"  risk: {risk['level']} ({risk['score']}/10)   files scanned: {obj['files']['scanned']}"
        f"   skipped: {len(obj['files']['skipped'])}\n"
    )
    groups: dict[str, list[dict]] = defaultdict(list)
    for f in obj["findings"]:
        groups[f["capability"]].append(f)
    order = sorted(groups, key=lambda c: (-max(severity_rank(f["severity"]) for f in groups[c]), c))
    for cap in order:
        items = groups[cap]
        top = max((f["severity"] for f in items), key=severity_rank)
        out.write(f"  {cap} [{top}] ({len(items)})\n")
        for f in items[:20]:
            out.write(
                f"    {_v(f['path'])}:{f['line']}  {f['severity']:<8} {_v(f['explanation'])}\n"
            )
            match = _v(f["match"].replace("\n", " ")[:100])
            if match:
                out.write(f"        {match}\n")
        if len(items) > 20:
            out.write(f"    … {len(items) - 20} more\n")
    for e in obj["errors"]:
        out.write(f"  error: {_v(e)}\n")
    for s in obj["files"]["skipped"][:10]:
        out.write(f"  skipped: {_v(s['path'])}: {_v(s['reason'])}\n")
    out.write("\n")
