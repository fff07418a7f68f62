"""Second-start benchmark: a 3,000-file release opened by a fresh window (run by hand, never
in the test suite).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_second_start.py

Each "start" is a new window (a new, empty in-memory release cache) on the same store, timed
from selecting the item until the first changed file's side-by-side diff is painted:

* first start: nothing cached, every file is analysed (and its findings stored);
* second start: the findings come back from the store's persistent findings cache;
* without the persistent cache (how the window worked before): every start is a first start.

The release comes from :func:`bench_ui.build_releases` (3,000 modules, one 10,000-line file),
or real artifacts given on the command line, e.g. Django 5.2 → 5.2.1 (about 7,000 files):

    .venv/bin/vetbench fetch django==5.2.1 --baseline --baseline-version 5.2 \
        --cache-dir ~/.cache/vetbench-bench/django --db /tmp/fetch.sqlite3
    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_second_start.py \
        --new PATH/django-5.2.1.tar.gz --old PATH/Django-5.2.tar.gz --name django \
        --version 5.2.1 --baseline 5.2 --no-memory-only

Besides the wall time to the painted diff, each start prints the CPU seconds the process
spent on it (user+sys), the fairer figure on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ui import build_releases, painted, wait_view


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def start_and_open(app, store, item_id, settings, persistent: bool) -> tuple[float, int, float]:
    from app.ui.launch import build_window
    from app.workflows.release import ReleaseCache

    window = build_window(store, settings=settings, reviewer="bench", theme_mode="light")
    if not persistent:
        window.cache = ReleaseCache()  # the window before: scans kept in memory only
    window.resize(1600, 940)
    window.show()
    app.processEvents()
    wait_view(app, window, lambda: not window.runner.busy, timeout=900)  # campaign grouping
    t0, c0 = time.perf_counter(), _cpu()
    window.open_item(item_id)
    wait_view(
        app,
        window,
        lambda: (
            window.release.diff.view is not None
            and window.bundle is not None
            and not window.runner.pending("release")
            and not window.runner.pending("file")
        ),
        timeout=300,
    )
    painted(app, window)
    elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
    files = len(window.bundle.files)
    window.close()
    app.processEvents()
    return elapsed, files, cpu


def main(argv=None) -> int:
    import shutil

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--new", help="the release's artifact (default: a built one)")
    parser.add_argument("--old", help="the baseline's artifact")
    parser.add_argument("--name", default="bigproj")
    parser.add_argument("--version", default="1.1")
    parser.add_argument("--baseline", default="1.0")
    parser.add_argument("--later", type=int, default=3, help="second starts to time")
    parser.add_argument(
        "--no-memory-only", action="store_true", help="skip the in-memory-cache comparison"
    )
    args = parser.parse_args(argv)

    from PySide6.QtCore import QSettings

    from app.core.store.db import Store
    from app.ui.launch import make_app

    tmp = Path(tempfile.mkdtemp(prefix="vetbench-bench-start-"))
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    try:
        if args.new:
            new, old = Path(args.new).resolve(), Path(args.old).resolve()
            what = f"{args.name} {args.baseline} → {args.version} ({new.name})"
        else:
            old, new = build_releases(tmp)
            what = "built: 3,000 modules + a 10,000-line file"
        app = make_app()
        settings = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
        rows = []
        for persistent in (True,) if args.no_memory_only else (True, False):
            db = tmp / f"store-{persistent}.sqlite3"
            store = Store.open(db)
            item, _ = store.add_item(
                "pypi", args.name, [args.version], baseline=args.baseline, artifact_path=str(new)
            )
            store.attach_artifact(item.id, "baseline", str(old), version=args.baseline)
            first, files, first_cpu = start_and_open(app, store, item.id, settings, persistent)
            later = [
                start_and_open(app, store, item.id, settings, persistent) for _ in range(args.later)
            ]
            rows.append((persistent, first, first_cpu, later, files))
            store.close()
        print(f"release: {files} files ({what})")
        print(f"| cache | first start | second start (median of {args.later}) |")
        print("|---|---|---|")
        for persistent, first, first_cpu, later, _files in rows:
            name = "persistent findings cache (store)" if persistent else "in memory only (before)"
            wall = statistics.median(t for t, _f, _c in later)
            cpu = statistics.median(c for _t, _f, c in later)
            print(
                f"| {name} | {first:.2f} s ({first_cpu:.2f} s CPU) "
                f"| {wall:.2f} s ({cpu:.2f} s CPU) |"
            )
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
