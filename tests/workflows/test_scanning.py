"""Scanning many artifacts in processes: a worker that dies costs its artifact only."""

from __future__ import annotations

import os
import signal

from app.workflows import scanning
from tests.core.archive.fixtures import make_sdist

_REAL_SCAN_ONE = scanning.scan_one


def _dying_scan(path, db, allowlist, use_cache):
    """Stands in for a scan the kernel kills for memory (the worker is forked, so it runs
    this test's patched function)."""
    if "bomb" in os.path.basename(path):
        os.kill(os.getpid(), signal.SIGKILL)
    return _REAL_SCAN_ONE(path, db, allowlist, use_cache)


def test_a_worker_killed_mid_scan_never_hangs_the_run_and_is_not_clean(tmp_path, monkeypatch):
    monkeypatch.setattr(scanning, "scan_one", _dying_scan)
    paths = [str(make_sdist(tmp_path, name=name)) for name in ("alpha", "bomb", "gamma", "delta")]
    results = list(scanning.results_in_order(paths, 2, None, None, False))
    assert len(results) == 4
    assert [r.get("target", {}).get("name") for r in results] == ["alpha", None, "gamma", "delta"]
    assert "died" in results[1]["error"] and results[1]["path"] == paths[1]
