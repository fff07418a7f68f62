"""Several processes on one store, and a process killed right after a decision."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from app.core.decisions import Decision
from app.core.store.db import Store, StoreError

ROOT = Path(__file__).resolve().parents[3]


def _writer(path: str, reviewer: str, item_ids: list[int], rounds: int) -> None:
    """One app instance: opens its own store and records a decision per item per round."""
    store = Store.open(path)
    for r in range(rounds):
        for item_id in item_ids:
            store.record_decision(
                item_id,
                Decision(
                    verdict="malicious" if r % 2 else "benign",
                    reviewer=reviewer,
                    reason=f"{reviewer} round {r}",
                ),
            )
        store.add_item("pypi", f"{reviewer}-pkg-{r}", ["1.0"], reporter=reviewer)
    store.close()


def test_several_writer_processes_lose_nothing(tmp_path):
    path = tmp_path / "shared.sqlite3"
    with Store.open(path) as store:
        ids = [store.add_item("pypi", f"target{i}", ["1"])[0].id for i in range(5)]
    ctx = multiprocessing.get_context("fork")
    rounds, writers = 8, 4
    procs = [
        ctx.Process(target=_writer, args=(str(path), f"rev{w}", ids, rounds))
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with Store.open(path) as store:
        total = sum(len(store.decisions_for(i)) for i in ids)
        assert total == writers * rounds * len(ids)
        for w in range(writers):
            reasons = {
                d.reason for i in ids for d in store.decisions_for(i) if d.reviewer == f"rev{w}"
            }
            assert reasons == {f"rev{w} round {r}" for r in range(rounds)}
        assert store.count_items() == len(ids) + writers * rounds
        decide_entries = [e for e in store.log(limit=10_000) if e.action == "decide"]
        assert len(decide_entries) == total
        check = store._conn.execute("PRAGMA integrity_check").fetchone()[0]
        assert check == "ok"


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from app.core.store.db import Store
    from app.core.decisions import Decision
    store = Store.open(sys.argv[1])
    item, _ = store.add_item("pypi", "evil", ["1.0"])
    for n in range(int(sys.argv[2])):
        change = store.record_decision(
            item.id, Decision(verdict="malicious", action="remove_project",
                              reason=f"ack {n}", reviewer="ana"))
        print("ACK", next(iter(change.decision_ids)), flush=True)
    time.sleep(60)
    """
)


def test_acknowledged_decision_survives_kill_9(tmp_path):
    path = tmp_path / "store.sqlite3"
    for attempt, count in enumerate((1, 3)):
        proc = subprocess.Popen(
            [sys.executable, "-c", KILL_SCRIPT, str(path), str(count)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        acked = []
        for _ in range(count):
            line = proc.stdout.readline()
            assert line.startswith("ACK"), line
            acked.append(int(line.split()[1]))
        os.kill(proc.pid, signal.SIGKILL)  # right after the last acknowledgement
        proc.wait(10)
        proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        with Store.open(path) as store:
            for decision_id in acked:
                d = store.get_decision(decision_id)
                assert d.reviewer == "ana" and not d.undone
            assert store.get_item(d.item_id).status == "decided"
            check = store._conn.execute("PRAGMA integrity_check").fetchone()[0]
            assert check == "ok", attempt


def _open_and_add(path: str, n: int) -> None:
    with Store.open(path) as store:
        store.add_item("pypi", f"first-open-{n}", ["1"])


def test_processes_creating_the_same_new_store_at_once(tmp_path):
    path = tmp_path / "fresh.sqlite3"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_open_and_add, args=(str(path), n)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with Store.open(path) as store:
        assert store.count_items() == 4


def _hold_write_lock(path, seconds: float, started: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO action_log (at, action) VALUES ('t', 'other-writer')")
    started.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_a_writer_waits_for_another_instead_of_failing(tmp_path):
    path = tmp_path / "busy.sqlite3"
    with Store.open(path) as store:
        item, _ = store.add_item("pypi", "evil", ["1"])
        started = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(path, 0.5, started))
        holder.start()
        started.wait(5)
        t0 = time.monotonic()
        store.record_decision(item.id, Decision(verdict="benign", reviewer="ana"))
        waited = time.monotonic() - t0
        holder.join()
        assert waited >= 0.3  # it queued behind the other writer…
        assert store.current_decision(item.id).verdict == "benign"  # …and then landed
        assert [e.action for e in store.log(limit=2)] == ["decide", "other-writer"]


def test_a_writer_gives_up_with_a_clear_error_after_its_timeout(tmp_path):
    path = tmp_path / "busy.sqlite3"
    Store.open(path).close()
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(path, 1.5, started))
    holder.start()
    started.wait(5)
    try:
        with Store.open(path, timeout=0.3) as store:
            with pytest.raises(StoreError, match="busy"):
                store.add_item("pypi", "x", ["1"])
            assert store._conn.in_transaction is False
    finally:
        holder.join()
    with Store.open(path) as store:
        assert store.count_items() == 0
