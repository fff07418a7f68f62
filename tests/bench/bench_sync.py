"""Dataset sync benchmark: what a sync costs as the dataset grows and as little changes.

A dataset of N labels (default 20,000, five reviewers) is generated, then a store that has not
seen it syncs (first pull), syncs again with nothing changed, and syncs after one label changed.
Peers measured in the same run, for ratios:

* ``full re-read``: :func:`app.sync.dataset.read_all_labels` — parsing and validating every label
  file, the least a sync without its state index would have to do each time;
* ``zip -P``: Info-ZIP's ZipCrypto (C) on the same artifact, against our pure-Python writer.

Run:  .venv/bin/python tests/bench/bench_sync.py [--labels 20000] [--sample-mib 4]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from app.core.store.db import Store
from app.sync.dataset import read_all_labels
from app.sync.engine import sync_dataset
from app.sync.labels import dump_label, label_path, make_label
from app.sync.samples import build_sample_zip
from tests.sync.signed import signed

REVIEWERS = ("alice", "bob", "carol", "dave", "erin")
VERDICTS = ("malicious", "benign", "indeterminate")


def build(root: Path, n: int, seed: int = 6) -> None:
    rng = random.Random(seed)
    for i in range(n):
        verdict = rng.choices(VERDICTS, weights=(6, 3, 1))[0]
        lb = make_label(
            ecosystem=rng.choice(("pypi", "npm")),
            name=f"pkg-{i // 3}",
            version=f"1.{i % 3}.0",
            reviewer=rng.choice(REVIEWERS),
            verdict=verdict,
            action="remove_project" if verdict == "malicious" else "none",
            reason="posts credentials to 192.0.2.10",
            confidence="high",
            decided_at=f"2026-01-{1 + i % 28:02d}T00:00:00Z",
        )
        p = root / label_path(lb)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(dump_label(signed(lb)))  # as each reviewer's sync writes it


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", type=int, default=20_000)
    ap.add_argument("--sample-mib", type=float, default=4.0)
    ap.add_argument("--dir")
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="vb-bench-sync-"))
    ds = work / "ds"
    try:
        t_build, _ = timed(lambda: build(ds, args.labels))
        print(f"generated {args.labels} labels in {t_build:.1f} s")
        with Store.open(work / "me.db") as store:
            t_first, r = timed(lambda: sync_dataset(store, ds, "me"))
            print(
                f"first sync (pull all):     {t_first:8.3f} s  pulled {len(r.pulled)}, "
                f"{len(r.derived)} derived files"
            )
            t_noop, r = timed(lambda: sync_dataset(store, ds, "me"))
            assert not r.changed
            print(f"sync, nothing changed:     {t_noop:8.3f} s")
            victim = next((ds / "labels").rglob("*.json"))
            changed = json.loads(victim.read_text())
            changed["reason"] = "posts tokens to 192.0.2.10"
            victim.write_bytes(dump_label(signed(changed)))  # its reviewer changed it
            t_one, r = timed(lambda: sync_dataset(store, ds, "me"))
            assert len(r.pulled) == 1
            print(f"sync, one label changed:   {t_one:8.3f} s")
        t_full, (labels, _) = timed(lambda: read_all_labels(ds))
        print(f"peer full re-read:         {t_full:8.3f} s  ({len(labels)} labels)")
        print(f"ratio no-change sync / full re-read: {t_noop / t_full:.2f}")
        print(f"ratio one-change sync / full re-read: {t_one / t_full:.2f}")

        data = os.urandom(int(args.sample_mib * 1024 * 1024))
        t_ours, blob = timed(lambda: build_sample_zip(data, "artifact.tar.gz"))
        mib = len(data) / 2**20
        print(f"ZipCrypto sample, ours:    {t_ours:8.3f} s  ({mib / t_ours:.1f} MiB/s)")
        if shutil.which("zip"):
            src = work / "artifact.tar.gz"
            src.write_bytes(data)
            t_zip, _ = timed(
                lambda: subprocess.run(
                    ["zip", "-q", "-j", "-P", "infected", str(work / "z.zip"), str(src)], check=True
                )
            )
            print(f"ZipCrypto sample, zip -P:  {t_zip:8.3f} s  ({mib / t_zip:.1f} MiB/s)")
            print(f"ratio ours / zip -P: {t_ours / t_zip:.1f}")
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
