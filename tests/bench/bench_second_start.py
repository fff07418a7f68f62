"""Second-start benchmark: a 3,000-file release opened by a fresh window (run by hand, never
in the test suite).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_second_start.py

Each "start" is a new window (a new, empty in-memory release cache) on the same store, timed
from selecting the item until the first changed file's side-by-side diff is painted:

* first start: nothing cached, every file is analysed (and its findings stored);
* second start: the findings come back from the store's persistent findings cache;
* without the persistent cache (how the window worked before): every start is a first start.

The release comes from :func:`bench_ui.build_releases` (3,000 modules, one 10,000-line file).
"""

from __future__ import annotations

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


def start_and_open(app, store, item_id, settings, persistent: bool) -> tuple[float, int]:
    from app.ui.launch import build_window
    from app.workflows.release import ReleaseCache

    window = build_window(store, settings=settings, reviewer="bench", theme_mode="light")
    if not persistent:
        window.cache = ReleaseCache()  # the window before: scans kept in memory only
    window.resize(1600, 940)
    window.show()
    app.processEvents()
    wait_view(app, window, lambda: not window.runner.busy)
    t0 = time.perf_counter()
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
    elapsed = time.perf_counter() - t0
    files = len(window.bundle.files)
    window.close()
    app.processEvents()
    return elapsed, files


def main() -> int:
    import shutil

    from PySide6.QtCore import QSettings

    from app.core.store.db import Store
    from app.ui.launch import make_app

    tmp = Path(tempfile.mkdtemp(prefix="vetbench-bench-start-"))
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    try:
        old, new = build_releases(tmp)
        app = make_app()
        settings = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
        rows = []
        for persistent in (True, False):
            db = tmp / f"store-{persistent}.sqlite3"
            store = Store.open(db)
            item, _ = store.add_item(
                "pypi", "bigproj", ["1.1"], baseline="1.0", artifact_path=str(new)
            )
            store.attach_artifact(item.id, "baseline", str(old), version="1.0")
            first, files = start_and_open(app, store, item.id, settings, persistent)
            later = [start_and_open(app, store, item.id, settings, persistent)[0] for _ in range(3)]
            rows.append((persistent, first, statistics.median(later), files))
            store.close()
        print(f"release: {files} files (3,000 modules + a 10,000-line file)")
        print("| cache | first start | second start (median of 3) |")
        print("|---|---|---|")
        for persistent, first, later, _files in rows:
            name = "persistent findings cache (store)" if persistent else "in memory only (before)"
            print(f"| {name} | {first:.2f} s | {later:.2f} s |")
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
