"""The per-item clock (the seconds shown in the form and stored with the decision) starts when
the item's diff is painted, not when it is selected: a big release's load is not reading time."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from app.core.decisions import now_iso
from tests.ui.test_triage_flow import decided, settle

TIMEOUT = 15_000


def test_the_clock_starts_when_the_diff_is_painted(demo_store, make_window, qtbot, monkeypatch):
    import app.ui.main_window as main_window

    loaded_at: list[str] = []
    real_load = main_window.load_release

    def slow_load(*args, **kwargs):
        time.sleep(0.5)  # a big release: loading takes a while after the selection
        bundle = real_load(*args, **kwargs)
        loaded_at.append(now_iso())
        return bundle

    monkeypatch.setattr(main_window, "load_release", slow_load)
    window = make_window(demo_store)
    model = window.queue_model
    row = next(r for r in range(model.rowCount()) if model.item_at(r).project == "colorstrip")
    window.queue.select_row(row)
    qtbot.waitUntil(lambda: window.item is not None and window.item.id == model.item_at(row).id)
    item = window.item
    assert not loaded_at
    assert window.decision.timer_label.text() == "The clock starts when the diff is shown"

    settle(window, qtbot)
    qtbot.waitUntil(window.decision.clock_started, timeout=TIMEOUT)
    assert window.decision.timer_label.text().endswith("s on this item")

    qtbot.keyClick(window.queue.table, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: decided(demo_store, item.id), timeout=TIMEOUT)
    d = demo_store.current_decision(item.id)
    assert d.started_at >= loaded_at[0]  # after the release was loaded, so at its paint
