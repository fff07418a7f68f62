"""The queue model loads a page at a time and filters in the store."""

from __future__ import annotations

from app.core.store.db import Store
from app.ui.queue_model import PAGE, QueueModel


def test_model_pages_lazily_and_filters(tmp_path, qtbot):
    store = Store.open(tmp_path / "q.sqlite3")
    with store.batch():
        for n in range(PAGE * 2 + 50):
            store.add_item("pypi", f"pkg-{n:04d}", ["1.0"], risk_level="low", risk_score=n / 100)
    model = QueueModel(store)
    model.reload(keep=0)
    assert model.rowCount() == PAGE and model.total == PAGE * 2 + 50
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == PAGE * 2 + 50 and not model.canFetchMore()
    model.set_filter(text="pkg-001")
    assert model.total == 10 and model.rowCount() == 10
    model.set_filter(status="decided")
    assert model.total == 0
    store.close()
