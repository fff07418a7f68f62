"""Benchmark: what verified, content-addressed fetching costs over a bare download.

Run: ``.venv/bin/python -m tests.bench.bench_fetch [FILES] [MB_PER_FILE]``

Serves FILES random files of MB_PER_FILE each from the tests' replay server on 127.0.0.1 and
fetches every file of the release three ways, in the same run:

* ``vetbench``  -- :func:`fetch_release` (stream to a temp file, sha256 while writing, compare,
  rename into the cache), cold cache;
* ``httpx``     -- a bare ``httpx.Client`` stream to disk, no hashing (the floor);
* ``urllib``    -- ``urllib.request.urlretrieve``, no hashing (what ad-hoc scripts do);
* ``vetbench warm`` -- the same fetch again: everything from the cache.

Prints seconds and the ratio to the httpx floor. No assertion: a measurement, not a test.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import httpx

from app.core.registry import fetch_release
from tests.core.registry.servers import ReplayRegistry


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    size_mb = float(sys.argv[2]) if len(sys.argv) > 2 else 5
    server = ReplayRegistry().start()
    try:
        files = {
            f"bench_pkg-1.0-cp311-cp311-plat{i}.whl": os.urandom(int(size_mb * 1024 * 1024))
            for i in range(count)
        }
        server.add_project("bench-pkg", {"1.0": files})
        urls = [f"{server.base}/files/{name}" for name in files]
        with tempfile.TemporaryDirectory() as tmp:
            out = {}
            t = time.perf_counter()
            fetched = fetch_release(
                "pypi", "bench-pkg", "1.0", cache_dir=Path(tmp, "c"), index_url=server.base
            )
            out["vetbench"] = time.perf_counter() - t
            assert len(fetched) == count
            t = time.perf_counter()
            with httpx.Client() as client:
                for i, url in enumerate(urls):
                    with client.stream("GET", url) as r, open(Path(tmp, f"h{i}"), "wb") as fh:
                        for chunk in r.iter_raw(256 * 1024):
                            fh.write(chunk)
            out["httpx"] = time.perf_counter() - t
            t = time.perf_counter()
            for i, url in enumerate(urls):
                urllib.request.urlretrieve(url, Path(tmp, f"u{i}"))
            out["urllib"] = time.perf_counter() - t
            t = time.perf_counter()
            fetch_release(
                "pypi", "bench-pkg", "1.0", cache_dir=Path(tmp, "c"), index_url=server.base
            )
            out["vetbench warm"] = time.perf_counter() - t
    finally:
        server.stop()
    total = count * size_mb
    print(f"{count} files x {size_mb:g} MB = {total:g} MB from 127.0.0.1")
    for name, secs in out.items():
        print(
            f"  {name:14} {secs:7.3f} s  {total / secs:8.1f} MB/s  x{secs / out['httpx']:.2f} of httpx"
        )


if __name__ == "__main__":
    main()
