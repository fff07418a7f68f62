"""Scan many artifacts: in processes, largest first, results in the command line's order.

``vetbench scan`` (and the benchmarks that drive it) hand a list of paths here. Each artifact
is opened as data and scanned with the findings cache; an unreadable one gives an
``{"error": ..., "path": ...}`` object instead of stopping the others. Results come back as
soon as they and those before them are done, so a long run shows its first results early.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from app.errors import VetbenchError

__all__ = ["input_size", "results_in_order", "scan_one"]


def scan_one(
    path: str,
    db: str | None,
    allowlist_path: str | None,
    use_cache: bool,
    known_malicious: frozenset[str] = frozenset(),
) -> dict:
    """Scan one artifact; returns its JSON object, or ``{"error": msg, ...}`` when unusable.
    ``known_malicious``: ``ecosystem:name`` of packages the dataset labels malicious."""
    from app.core.archive import open_artifact

    try:
        artifact = open_artifact(path)
    except VetbenchError as exc:
        return {"error": str(exc), "path": path}
    except OSError as exc:
        return {"error": f"{path}: {exc.strerror or exc}", "path": path}
    except Exception as exc:  # noqa: BLE001 - RecursionError, MemoryError, a reader bug
        # A reader bug or an input that exhausts it must cost this artifact only, never the
        # results of the others (nor look clean: the caller treats an error as not clean).
        return {"error": f"{path}: could not be read ({type(exc).__name__}: {exc})", "path": path}
    try:
        return _scan_opened(artifact, db, allowlist_path, use_cache, known_malicious)
    except VetbenchError:
        raise
    except Exception as exc:  # noqa: BLE001 - as above
        return {"error": f"{path}: scan failed ({type(exc).__name__}: {exc})", "path": path}


def _scan_opened(
    artifact, db, allowlist_path: str | None, use_cache: bool, known_malicious: frozenset[str]
) -> dict:
    from app.core.capabilities.allowlist import Allowlist
    from app.core.capabilities.cache import FindingsCache
    from app.core.capabilities.scan import scan_artifact

    allow = Allowlist.load(allowlist_path) if allowlist_path else None
    cache = None
    if use_cache:
        try:
            cache = FindingsCache(db)
        except Exception as exc:  # noqa: BLE001 - an unwritable cache must not stop a scan
            cache = None
            sys.stderr.write(f"vetbench: findings cache disabled ({exc})\n")
    try:
        result = scan_artifact(
            artifact, cache=cache, allowlist=allow, known_malicious=known_malicious
        )
    finally:
        if cache:
            cache.close()
    return result.to_json()


def input_size(path: str) -> int:
    """Bytes to read for ``path`` (a folder: its files), 0 when it cannot be read."""
    try:
        if not os.path.isdir(path):
            return os.stat(path).st_size
        total = 0
        for entry in os.scandir(path):
            if entry.is_dir(follow_symlinks=False):
                total += input_size(entry.path)
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
        return total
    except OSError:
        return 0


def results_in_order(
    paths: list[str],
    jobs: int,
    db,
    allowlist,
    use_cache: bool,
    known_malicious: frozenset[str] = frozenset(),
) -> Iterator[dict]:
    """Each artifact's result as soon as it and those before it are done, in the command
    line's order: a long run shows its first results early and holds few in memory.

    A worker that dies (killed for memory, a crash in a native library) never hangs the run:
    the artifact it held is scanned again alone, and if that process dies too the artifact
    gets an error object (not clean) while the others go on in a fresh pool.
    """
    if jobs <= 1:
        for p in paths:
            yield scan_one(p, db, allowlist, use_cache, known_malicious)
        return
    # Largest first: one big sdist started last would keep a core busy while the others idle.
    order = sorted(range(len(paths)), key=lambda i: -input_size(paths[i]))
    args: tuple = (db, allowlist, use_cache) + ((known_malicious,) if known_malicious else ())
    pool, futures = _submit(jobs, paths, order, args)
    try:
        for i in range(len(paths)):
            try:
                result = futures.pop(i).result()
            except BrokenProcessPool:
                result = _alone(paths[i], args)
                _stop(pool)
                left = [j for j in order if j > i]
                pool, futures = _submit(jobs, paths, left, args)
            yield result
        pool.shutdown()
    except BaseException:
        # Ctrl+C (or a closed pipe) mid-run: stop the workers now rather than letting them
        # work through the queue first.
        _stop(pool)
        raise


def _submit(jobs: int, paths: list[str], order: list[int], args: tuple):
    pool = ProcessPoolExecutor(jobs, initializer=_worker_init)
    return pool, {i: pool.submit(scan_one, paths[i], *args) for i in order}


def _alone(path: str, args: tuple) -> dict:
    """``path`` scanned in a process of its own; an error object if that process dies."""
    pool = ProcessPoolExecutor(1, initializer=_worker_init)
    try:
        return pool.submit(scan_one, path, *args).result()
    except BrokenProcessPool:
        return {
            "error": f"{path}: the scanner process died while reading it (out of memory?)",
            "path": path,
        }
    finally:
        pool.shutdown()


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers at once."""
    pool.shutdown(wait=False, cancel_futures=True)
    for child in multiprocessing.active_children():
        child.terminate()
    for child in multiprocessing.active_children():
        child.join(5)


def _worker_init() -> None:
    """Ctrl+C reaches the whole process group; only the parent acts on it (it stops the
    workers), so a worker never dies half-way through a result. The parent also prints the
    engine notes the results carry, so a worker does not log them a second time."""
    from app.core.capabilities import fallback

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fallback.shown_by_caller()
