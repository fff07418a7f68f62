"""Dump every corpus package's scan result, to check that a speed change alters no finding.

Not a benchmark of its own and not part of the test run. Before touching the analyser's hot
paths, dump once; after the change, dump again and compare byte for byte::

    .venv/bin/python tests/bench/dump_findings.py /tmp/before.jsonl
    # ... change the analyser ...
    .venv/bin/python tests/bench/dump_findings.py /tmp/after.jsonl && cmp /tmp/before.jsonl /tmp/after.jsonl

Uses the corpus of ``bench_scan.py`` (``../shared/corpus`` and the benign releases cached in
``~/.cache/vetbench-bench``); scans in one process, without the findings cache, and prints the
time taken. Samples are read as data only, as everywhere in Vetbench.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

import bench_scan  # noqa: E402

from app.core.archive import open_artifact  # noqa: E402
from app.core.capabilities.scan import scan_artifact  # noqa: E402


def main(out_path: str, corpus: str = str(bench_scan.ROOT.parent / "shared" / "corpus")) -> int:
    corpus_dir = Path(corpus)
    work = Path(tempfile.mkdtemp(prefix="vetbench-dump-"))
    items = [
        (r["id"], bench_scan.unwrap_sample(r["zip_path"], work))
        for r in bench_scan.load_malicious(corpus_dir)
    ]
    items += [(r["filename"], Path(r["path"])) for r in bench_scan.download_benign(corpus_dir)]
    start = time.perf_counter()
    with open(out_path, "w", encoding="utf-8") as out:
        for ident, path in items:
            try:
                result = scan_artifact(open_artifact(path)).to_json()
                result["target"].pop("path", None)  # temporary folders differ between runs
            except Exception as exc:  # noqa: BLE001 - a failure is part of what is compared
                result = {"error": f"{type(exc).__name__}: {exc}"}
            out.write(json.dumps({"id": ident, "result": result}, sort_keys=True) + "\n")
    print(f"{len(items)} packages in {time.perf_counter() - start:.1f} s -> {out_path}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: dump_findings.py OUT.jsonl [CORPUS_DIR]")
    raise SystemExit(main(*sys.argv[1:]))
