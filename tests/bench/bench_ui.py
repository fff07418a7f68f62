"""UI benchmark: how fast a selection is painted (run by hand, never in the test suite).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/bench_ui.py

0. Opening a 100,000-item queue: first page shown, filtering by name, scrolling one page
   (``--queue-items N`` to change the size; 0 skips it; the store is built once per run).
1. Selecting a queue item whose 3,000-file release is already cached (opened, scanned,
   diffed) until its first changed file's side-by-side diff is painted. Target < 300 ms.
2. Selecting a 10,000-line modified file until its side-by-side view is painted (diff,
   pygments tokens in the worker, then text, highlighting and backgrounds). Target < 200 ms.

Peers measured in the same run, on the same data: ``git diff --no-index`` of the same two
10,000-line files (text only, no window), and the cold (uncached) load of the same release.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

MODULE = '''"""Module {n} of a large synthetic project."""

import json
import os


class Handler{n}:
    def __init__(self, name="h{n}"):
        self.name = name
        self.count = 0

    def handle(self, payload):
        self.count += 1
        data = json.loads(payload)
        return {{"name": self.name, "keys": sorted(data), "n": {n}}}


def helper_{n}(values):
    total = 0
    for v in values:
        total += v * {n}
    return total
'''


def _tar(path: Path, top: str, files: dict[str, str]) -> None:
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def big_line_file(n: int, seed: int) -> str:
    lines = []
    for i in range(n):
        if seed and i % 97 == 0:
            lines.append(f"value_{i} = compute({i}, factor={seed})  # changed")
        else:
            lines.append(f"value_{i} = compute({i}, factor=1)")
    return "\n".join(lines) + "\n"


def build_releases(root: Path) -> tuple[Path, Path]:
    old = {
        "PKG-INFO": "Metadata-Version: 2.1\nName: bigproj\nVersion: 1.0\n",
        "setup.py": "from setuptools import setup\nsetup(name='bigproj')\n",
    }
    for n in range(2998):
        old[f"bigproj/pkg{n // 100:02d}/mod{n:04d}.py"] = MODULE.format(n=n)
    old["bigproj/huge.py"] = big_line_file(10_000, 0)
    new = dict(old)
    new["PKG-INFO"] = old["PKG-INFO"].replace("1.0", "1.1")
    new["bigproj/huge.py"] = big_line_file(10_000, 7)
    for n in range(0, 2998, 300):
        key = f"bigproj/pkg{n // 100:02d}/mod{n:04d}.py"
        new[key] = new[key].replace("total += v", "total -= v")
    new["bigproj/pkg00/mod0001.py"] += "\nimport base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n"
    a, b = root / "bigproj-1.0.tar.gz", root / "bigproj-1.1.tar.gz"
    _tar(a, "bigproj-1.0", old)
    _tar(b, "bigproj-1.1", new)
    return a, b


def painted(app, window) -> None:
    """Process events and force a synchronous repaint of the diff editors."""
    app.processEvents()
    for ed in (window.release.diff.left, window.release.diff.right):
        ed.viewport().repaint()
        ed.gutter.repaint()


def wait_view(app, window, predicate, timeout=60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("view not painted in time")
        app.processEvents()
        time.sleep(0.0005)


def bench_queue(n: int, tmp: Path) -> None:
    """Queue model over an n-item store: first page, name filter, one more page."""
    from bench_store import build

    from app.core.store.db import Store
    from app.ui.launch import make_app
    from app.ui.queue_model import QueueModel
    from app.ui.queue_view import QueueView

    app = make_app()
    path = tmp / "queue.sqlite3"
    built = build(path, n)
    store = Store.open(path)
    opened, filtered, paged = [], [], []
    for _ in range(5):
        t0 = time.perf_counter()
        model = QueueModel(store)
        view = QueueView(model)
        view.resize(500, 800)
        view.show()
        model.reload(keep=0)
        app.processEvents()
        view.table.viewport().repaint()
        opened.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.set_filter(text="discord")
        app.processEvents()
        view.table.viewport().repaint()
        filtered.append(time.perf_counter() - t0)
        model.set_filter()
        t0 = time.perf_counter()
        model.fetchMore()
        app.processEvents()
        paged.append(time.perf_counter() - t0)
        view.close()
    store.close()
    med = statistics.median
    print(
        f"0. queue of {n:,} items (built in {built:.0f} s): first page painted "
        f"{med(opened) * 1000:.0f} ms, filter by name {med(filtered) * 1000:.0f} ms, "
        f"next page {med(paged) * 1000:.0f} ms"
    )


def main() -> int:
    import argparse

    from PySide6.QtCore import QSettings

    from app.core.store.db import Store
    from app.ui.launch import build_window, make_app
    from app.workflows.release import ReleaseCache

    parser = argparse.ArgumentParser()
    parser.add_argument("--queue-items", type=int, default=100_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="vetbench-bench-ui-"))
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.queue_items:
        try:
            bench_queue(args.queue_items, tmp)
        except Exception as exc:  # noqa: BLE001 - the other figures are still worth printing
            print(f"0. queue benchmark skipped: {exc}")
    try:
        old, new = build_releases(tmp)
        store = Store.open(tmp / "bench.sqlite3")
        item, _ = store.add_item("pypi", "bigproj", ["1.1"], baseline="1.0", artifact_path=str(new))
        store.attach_artifact(item.id, "baseline", str(old), version="1.0")
        other, _ = store.add_item("pypi", "smallproj", ["0.1"])
        app = make_app()
        window = build_window(
            store,
            settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
            reviewer="bench",
            theme_mode="light",
        )
        window.resize(1600, 940)
        window.show()
        app.processEvents()

        # Cold load (peer): open, scan and diff the 3,000-file release.
        window.cache = ReleaseCache()
        t0 = time.perf_counter()
        window.open_item(item.id)
        wait_view(
            app,
            window,
            lambda: (
                window.release.diff.view is not None
                and window.bundle is not None
                and not window.runner.busy
            ),
        )
        painted(app, window)
        cold = time.perf_counter() - t0
        files = len(window.bundle.files)

        # 1. Cached release selection -> first diff painted.
        warm = []
        for _ in range(7):
            window.open_item(other.id)
            wait_view(app, window, lambda: not window.runner.busy)
            app.processEvents()
            t0 = time.perf_counter()
            window.open_item(item.id)
            wait_view(
                app,
                window,
                lambda: (
                    window.release.diff.view is not None
                    and window.bundle is not None
                    and not window.runner.busy
                ),
            )
            painted(app, window)
            warm.append(time.perf_counter() - t0)

        # 2. 10,000-line file -> side-by-side painted.
        index = [f.path for f in window.bundle.files].index("bigproj/huge.py")
        small = next(i for i, f in enumerate(window.bundle.files) if f.path != "bigproj/huge.py")
        big, coloured, again = [], [], []
        for _ in range(7):
            window.open_file(small)
            wait_view(app, window, lambda: not window.runner.busy)
            window.bundle.views.clear()  # first selection: diff + rows built in the worker
            t0 = time.perf_counter()
            window.open_file(index)
            wait_view(
                app,
                window,
                lambda: (
                    window.release.diff.view is not None
                    and window.release.diff.view.path == "bigproj/huge.py"
                    and not window.runner.pending("file")
                ),
            )
            painted(app, window)
            big.append(time.perf_counter() - t0)
            wait_view(app, window, window.is_settled)
            painted(app, window)
            coloured.append(time.perf_counter() - t0)
            window.open_file(small)
            wait_view(app, window, lambda: not window.runner.busy)
            t0 = time.perf_counter()  # selected again: the view is kept on the release
            window.open_file(index)
            wait_view(
                app,
                window,
                lambda: (
                    window.release.diff.view is not None
                    and window.release.diff.view.path == "bigproj/huge.py"
                    and not window.runner.pending("file")
                ),
            )
            painted(app, window)
            again.append(time.perf_counter() - t0)
        lines = len(window.release.diff.view.right.numbers)

        # Peer: git diff --no-index of the same two files.
        git_times = []
        if shutil.which("git"):
            a, b = tmp / "huge_a.py", tmp / "huge_b.py"
            a.write_text(big_line_file(10_000, 0))
            b.write_text(big_line_file(10_000, 7))
            for _ in range(7):
                t0 = time.perf_counter()
                subprocess.run(
                    ["git", "diff", "--no-index", "--no-color", str(a), str(b)], capture_output=True
                )
                git_times.append(time.perf_counter() - t0)
        window.live.stop()
        window.runner.shutdown()
        store.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    med = statistics.median
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"release of {files:,} files, cold load (open + scan + diff + paint): {cold * 1000:.0f} ms"
    )
    print(
        f"1. cached release selected -> diff painted: median {med(warm) * 1000:.0f} ms "
        f"(min {min(warm) * 1000:.0f}, target 300 ms) = {med(warm) / cold:.2f}x the cold load"
    )
    print(
        f"2. {lines:,}-row file selected -> side-by-side painted: median {med(big) * 1000:.0f} ms "
        f"(min {min(big) * 1000:.0f}, target 200 ms); pygments colours follow at "
        f"{med(coloured) * 1000:.0f} ms; selected again: median {med(again) * 1000:.0f} ms"
    )
    if git_times:
        print(
            f"   peer: git diff --no-index of the same files (text only): "
            f"{med(git_times) * 1000:.0f} ms -> vetbench/git = {med(big) / med(git_times):.1f}x"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
