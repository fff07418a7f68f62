"""``vetbench scan ARTIFACT... [--json] [--fail-on LEVEL] [--jobs N] [--db PATH]``.

Exit 0 when the scan ran (whatever it found), 1 when ``--fail-on`` was reached, 2 on unusable
input (one line on stderr). With several artifacts an unreadable one is reported (``errors``
in its JSON object, a line in human output) and the others are still scanned; a single
unusable input is exit 2. ``--jobs`` scans artifacts in that many processes. Human output
escapes what a terminal would act on (:func:`app.core.text.terminal_text`): names, paths and
matched code come from the package. When yara-x cannot run, one stderr line says so (whichever
processes scanned) and each JSON object carries the reason in ``notes``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator

from app.commands._common import print_json
from app.core.capabilities.model import LEVELS, Risk, ScanResult, severity_rank
from app.core.text import terminal_text
from app.errors import UsageError, VetbenchError


def register(subparsers) -> None:
    p = subparsers.add_parser("scan", help="find what each file of a package can do, with a risk verdict",
                              description="Scan package artifacts (sdist, wheel, npm tarball, sample zip, "
                                          "folder) as data and report capabilities by file and line.")
    p.add_argument("artifacts", nargs="+", metavar="ARTIFACT")
    p.add_argument("--json", action="store_true", help="one vetbench.scan/1 JSON object per line per artifact")
    p.add_argument("--fail-on", choices=LEVELS[1:], metavar="LEVEL",
                   help="exit 1 when an artifact's risk level reaches LEVEL (low, medium, high, critical)")
    p.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="processes for many artifacts (default: all cores when there are several)")
    p.add_argument("--db", metavar="PATH", help="findings cache file (SQLite; default: "
                   "$VETBENCH_CACHE_DIR/findings.sqlite or the user cache dir)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the findings cache")
    p.add_argument("--allowlist", metavar="FILE", help="suppressions file (see README: allowlist format)")
    p.set_defaults(func=run)


def _scan_one(path: str, db: str | None, allowlist_path: str | None, use_cache: bool) -> dict:
    """Scan one artifact; returns its JSON object, or ``{"error": msg, ...}`` when unusable."""
    from app.core.archive import open_artifact
    from app.core.capabilities.allowlist import Allowlist
    from app.core.capabilities.cache import FindingsCache
    from app.core.capabilities.scan import scan_artifact

    try:
        artifact = open_artifact(path)
    except VetbenchError as exc:
        return {"error": str(exc), "path": path}
    except OSError as exc:
        return {"error": f"{path}: {exc.strerror or exc}", "path": path}
    allow = Allowlist.load(allowlist_path) if allowlist_path else None
    cache = None
    if use_cache:
        try:
            cache = FindingsCache(db)
        except Exception as exc:  # an unwritable cache must not stop a scan
            cache = None
            sys.stderr.write(f"vetbench: findings cache disabled ({exc})\n")
    try:
        result = scan_artifact(artifact, cache=cache, allowlist=allow)
    finally:
        if cache:
            cache.close()
    return result.to_json()


def _input_size(path: str) -> int:
    """Bytes to read for ``path`` (a folder: its files), 0 when it cannot be read."""
    try:
        if not os.path.isdir(path):
            return os.stat(path).st_size
        total = 0
        for entry in os.scandir(path):
            if entry.is_dir(follow_symlinks=False):
                total += _input_size(entry.path)
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
        return total
    except OSError:
        return 0


def _error_result(path: str, message: str) -> dict:
    return ScanResult(target={"path": path, "ecosystem": None, "name": None, "version": None, "sha256": None},
                      risk=Risk(0.0, "none"), errors=[message]).to_json()


def run(args) -> int:
    from app.core.capabilities import fallback

    fallback.shown_by_caller()  # _report prints each engine note once, from the results
    paths = list(args.artifacts)
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (automatic) or more")
    if args.allowlist:
        from app.core.capabilities.allowlist import Allowlist

        Allowlist.load(args.allowlist)  # a bad allowlist is unusable input: exit 2 now
    jobs = args.jobs or (min(len(paths), os.cpu_count() or 1) if len(paths) > 1 else 1)
    use_cache = not args.no_cache
    if len(paths) == 1:
        result = _scan_one(paths[0], args.db, args.allowlist, use_cache)
        if "error" in result:
            raise UsageError(result["error"])
        return _report([result], args)
    return _report(_results_in_order(paths, jobs, args.db, args.allowlist, use_cache), args)


def _results_in_order(paths: list[str], jobs: int, db, allowlist, use_cache: bool) -> Iterator[dict]:
    """Each artifact's result as soon as it and those before it are done, in the command
    line's order: a long run shows its first results early and holds few in memory."""
    if jobs <= 1:
        for p in paths:
            yield _scan_one(p, db, allowlist, use_cache)
        return
    # Largest first: one big sdist started last would keep a core busy while the others idle.
    order = sorted(range(len(paths)), key=lambda i: -_input_size(paths[i]))
    pool = multiprocessing.Pool(jobs, initializer=_worker_init)
    try:
        pending = {i: pool.apply_async(_scan_one, (paths[i], db, allowlist, use_cache)) for i in order}
        for i in range(len(paths)):
            yield pending.pop(i).get()
        pool.close()
    except BaseException:
        # Ctrl+C (or a closed pipe) mid-run: stop the workers now rather than letting them
        # work through the queue first.
        pool.terminate()
        raise
    finally:
        pool.join()


def _worker_init() -> None:
    """Ctrl+C reaches the whole process group; only the parent acts on it (it stops the
    workers), so a worker never dies half-way through a result. The parent also prints the
    engine notes the results carry, so a worker does not log them a second time."""
    from app.core.capabilities import fallback

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fallback.shown_by_caller()


def _report(results: Iterable[dict], args) -> int:
    reached = False
    told: set[str] = set()
    for obj in results:
        if "error" in obj:
            obj = _error_result(obj["path"], obj["error"])
        for note in obj.get("notes", ()):
            if note not in told:
                told.add(note)
                sys.stderr.write(f"vetbench: {note}\n")
                sys.stderr.flush()
        if args.fail_on and not obj["errors"] and severity_rank(obj["risk"]["level"]) >= severity_rank(args.fail_on):
            reached = True
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
    out.write(f"  risk: {risk['level']} ({risk['score']}/10)   files scanned: {obj['files']['scanned']}"
              f"   skipped: {len(obj['files']['skipped'])}\n")
    groups: dict[str, list[dict]] = defaultdict(list)
    for f in obj["findings"]:
        groups[f["capability"]].append(f)
    order = sorted(groups, key=lambda c: (-max(severity_rank(f["severity"]) for f in groups[c]), c))
    for cap in order:
        items = groups[cap]
        top = max((f["severity"] for f in items), key=severity_rank)
        out.write(f"  {cap} [{top}] ({len(items)})\n")
        for f in items[:20]:
            out.write(f"    {_v(f['path'])}:{f['line']}  {f['severity']:<8} {_v(f['explanation'])}\n")
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
