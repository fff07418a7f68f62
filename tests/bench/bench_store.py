"""Store benchmark: 100,000 queue items.

Targets (issue 5): open + first page < 200 ms, a filter by name or risk < 100 ms, a decision
recorded < 5 ms median. Peers measured in the same run, for ratios:

* ``no-index``: the same store file with the v2 list indexes dropped (what the indexes buy);
  for the name filter, a plain ``LIKE '%text%'`` scan without the v3 trigram index;
* ``raw insert``: one bare ``INSERT`` + ``COMMIT`` into a one-column table of the same file
  with the same pragmas (the floor a durable decision write cannot beat on this disk);
* ``synchronous=NORMAL``: the same decision write without an fsync per commit.

Run:  .venv/bin/python tests/bench/bench_store.py [--items 100000] [--dir /tmp/x]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from app.core.capabilities.model import SEVERITIES
from app.core.decisions import Decision
from app.core.store.db import Store

WORDS = [
    "requests",
    "colour",
    "py",
    "http",
    "json",
    "yaml",
    "tensor",
    "torch",
    "crypto",
    "auth",
    "discord",
    "web",
    "token",
    "aws",
    "azure",
    "google",
    "cloud",
    "fast",
    "api",
    "util",
    "helper",
    "lib",
    "kit",
    "core",
    "data",
]
LIST_INDEXES = ("items_status_risk", "items_risk", "items_level")


def build(path: Path, n: int, seed: int = 5) -> float:
    rng = random.Random(seed)
    t0 = time.perf_counter()
    with Store.open(path) as store:
        for start in range(0, n, 10_000):
            with store.batch():
                for i in range(start, min(n, start + 10_000)):
                    name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{i}"
                    level = rng.choices(SEVERITIES, weights=(30, 30, 20, 15, 5))[0]
                    score = round(
                        {"none": 0, "low": 2, "medium": 4, "high": 6.5, "critical": 8.5}[level]
                        + rng.random() * 1.5,
                        2,
                    )
                    store.add_item(
                        rng.choice(("pypi", "npm")),
                        name,
                        [f"1.{i % 7}.0"],
                        source=rng.choice(("report", "scanner", "feed", "inbox")),
                        reporter=f"scanner-{i % 5}",
                        report_text="suspicious install hook",
                        risk_level=level,
                        risk_score=score,
                    )
    return time.perf_counter() - t0


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def first_page(path: Path, **filters) -> None:
    with Store.open(path) as store:
        store.list_items(limit=100, **filters)


def run(n: int, workdir: Path) -> None:
    path = workdir / "bench.sqlite3"
    secs = build(path, n)
    print(
        f"built {n:,} items through Store.add_item in {secs:.1f} s "
        f"({path.stat().st_size / 1e6:.1f} MB)"
    )
    bare = workdir / "noindex.sqlite3"
    shutil.copy(path, bare)
    conn = sqlite3.connect(bare)
    for name in LIST_INDEXES:
        conn.execute(f"DROP INDEX {name}")
    conn.commit()
    conn.close()

    def row(label, fn, target=None, peer_fn=None, repeat=30):
        ms = statistics.median(timed(fn, repeat))
        peer = statistics.median(timed(peer_fn, repeat)) if peer_fn else None
        line = f"{label:<44} {ms:8.2f} ms"
        if target is not None:
            line += f"   target <{target:g} ms: {'OK' if ms < target else 'MISSED'}"
        if peer is not None:
            line += f"   peer {peer:8.2f} ms (x{peer / ms:.1f})"
        print(line)

    print("\nmedians over 30 runs:")
    row("open + first page (all, by risk)", lambda: first_page(path), 200, lambda: first_page(bare))
    open_statuses = ("new", "in_review", "needs_second_review")
    row(
        "open + first page (open statuses, by risk)",
        lambda: first_page(path, status=open_statuses),
        200,
        lambda: first_page(bare, status=open_statuses),
    )
    store = Store.open(path)
    peer_store = Store.open(bare)
    like = "SELECT {} FROM items WHERE project LIKE ? OR norm_project LIKE ?"
    scan = sqlite3.connect(bare)
    row(
        "filter by name 'torch-aws' (page)",
        lambda: store.list_items(text="torch-aws"),
        100,
        lambda: scan.execute(
            like.format("*") + " ORDER BY risk_score DESC, id LIMIT 100",
            ("%torch-aws%", "%torch-aws%"),
        ).fetchall(),
    )
    row(
        "filter by name 'torch-aws' (count)",
        lambda: store.count_items(text="torch-aws"),
        100,
        lambda: scan.execute(like.format("count(*)"), ("%torch-aws%", "%torch-aws%")).fetchall(),
    )
    scan.close()
    row(
        "filter by risk >= high (page)",
        lambda: store.list_items(min_risk="high"),
        100,
        lambda: peer_store.list_items(min_risk="high"),
    )
    row(
        "filter by risk >= high (count)",
        lambda: store.count_items(min_risk="high"),
        100,
        lambda: peer_store.count_items(min_risk="high"),
    )
    row(
        "filter status=new, risk >= 8.0 (page)",
        lambda: store.list_items(status="new", min_risk=8.0),
        100,
        lambda: peer_store.list_items(status="new", min_risk=8.0),
    )
    row(
        "page 500 (offset 50,000)",
        lambda: store.list_items(offset=50_000),
        None,
        lambda: peer_store.list_items(offset=50_000),
        repeat=10,
    )
    peer_store.close()

    rng = random.Random(9)
    ids = [rng.randint(1, n) for _ in range(300)]
    it = iter(ids)
    decision = Decision(
        verdict="malicious",
        action="remove_project",
        reason="exfil",
        reviewer="bench",
        confidence="high",
        evidence=({"path": "setup.py", "line_start": 3, "line_end": 9},),
    )
    dec_ms = timed(lambda: store.record_decision(next(it), decision), 300)
    undo_ms = timed(lambda: store.undo_last(), 50)
    store.close()
    normal = Store.open(path, synchronous="NORMAL")
    it = iter(ids)
    normal_ms = timed(lambda: normal.record_decision(next(it), decision), 300)
    normal.close()
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA synchronous = FULL")
    raw.execute("CREATE TABLE IF NOT EXISTS bench_floor (x)")
    raw_ms = timed(
        lambda: (
            raw.execute("BEGIN IMMEDIATE"),
            raw.execute("INSERT INTO bench_floor VALUES (1)"),
            raw.execute("COMMIT"),
        ),
        300,
    )
    raw.execute("DROP TABLE bench_floor")
    raw.close()
    med, floor = statistics.median(dec_ms), statistics.median(raw_ms)
    p95 = sorted(dec_ms)[int(len(dec_ms) * 0.95)]
    print(
        f"{'decision recorded (durable commit)':<44} {med:8.2f} ms   target <5 ms: "
        f"{'OK' if med < 5 else 'MISSED'}   p95 {p95:.2f} ms   raw-insert peer "
        f"{floor:.2f} ms (x{med / floor:.1f} of the floor)"
    )
    print(
        f"{'decision recorded, synchronous=NORMAL peer':<44} "
        f"{statistics.median(normal_ms):8.2f} ms   (survives kill -9, not a power cut)"
    )
    print(f"{'undo last decision':<44} {statistics.median(undo_ms):8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--dir", help="work folder (default: a temporary one, removed after)")
    args = parser.parse_args()
    if args.dir:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
        run(args.items, Path(args.dir))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(args.items, Path(tmp))


if __name__ == "__main__":
    main()
