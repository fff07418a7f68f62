"""The queue table reads the store on the GUI thread, so it must never take the write lock.

A write transaction (``BEGIN IMMEDIATE``) waits for every other writer of the file (the inbox
watcher, a second window, ``vetbench scan --jobs``) for up to the busy timeout: taken on the
GUI thread, that freezes the window. Writes belong on the Runner's store lane.
"""

from __future__ import annotations

import re

import pytest

from app.core.store.db import Store
from app.core.store.records import Change
from app.ui.queue_model import QueueModel

WRITES = re.compile(
    r"^\s*(BEGIN\s+IMMEDIATE|BEGIN\s+EXCLUSIVE|INSERT|UPDATE|DELETE|REPLACE|"
    r"CREATE|DROP|ALTER)\b",
    re.IGNORECASE,
)


def traced(store):
    """Every statement the store's connection runs from now on."""
    seen: list[str] = []
    store._conn.set_trace_callback(seen.append)
    return seen


def writes(statements):
    return [s for s in statements if WRITES.match(s)]


@pytest.fixture
def fresh_store(tmp_path):
    store = Store.open(tmp_path / "fresh.sqlite3")
    for n in range(3):
        store.add_item("pypi", f"pkg-{n}", ["1.0"], risk_level="low", risk_score=n)
    yield store
    store.close()


@pytest.mark.parametrize("which", ["fresh_store", "demo_store"])
def test_reload_and_changes_take_no_write_lock(qtbot, request, which):
    store = request.getfixturevalue(which)
    model = QueueModel(store)
    seen = traced(store)
    model.reload(keep=0)
    model.fetchMore()
    for row in range(model.rowCount()):
        for col in range(model.columnCount()):
            model.data(model.index(row, col))
    first = model.item_at(0)
    model.apply_change(Change(frozenset({"item"}), frozenset({first.id})))
    model.apply_change(Change(frozenset({"queue"}), frozenset()))
    store._conn.set_trace_callback(None)
    assert model.rowCount() > 0
    assert any(s.lstrip().upper().startswith("SELECT") for s in seen)  # the trace works
    assert writes(seen) == []
