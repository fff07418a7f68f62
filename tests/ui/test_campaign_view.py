"""The campaign column and view: renamed copies of one payload decided at once, then undone."""

from PySide6.QtWidgets import QMessageBox


def test_campaign_column_view_bulk_decision_and_undo(
    campaign_store, make_window, qtbot, monkeypatch
):
    store, ids, other = campaign_store
    window = make_window(store)
    model = window.queue_model
    campaign_col = 7
    qtbot.waitUntil(lambda: all(model.campaign_of(i) for i in ids), timeout=20000)
    qtbot.waitUntil(
        lambda: bool(model.index(model.row_of(ids[0]), campaign_col).data()), timeout=5000
    )
    cell = model.index(model.row_of(ids[0]), campaign_col).data()
    assert cell.startswith("C") and cell.endswith("(3)")
    assert model.index(model.row_of(other), campaign_col).data() == ""

    window.queue.select_item(ids[1])
    qtbot.waitUntil(lambda: window.item is not None and window.item.id == ids[1], timeout=10000)
    window.actions["campaign"].trigger()
    dialog = window.campaign_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    assert dialog.table.rowCount() == 3
    listed = dialog.confirmation_text("malicious")
    assert all(f"copy-{n}" in listed for n in ("alpha", "beta", "gamma"))

    monkeypatch.setattr(QMessageBox, "exec", lambda self: QMessageBox.StandardButton.Yes)
    dialog.malicious_button.click()
    qtbot.waitUntil(lambda: all(store.current_decision(i) is not None for i in ids), timeout=10000)
    assert {store.current_decision(i).verdict for i in ids} == {"malicious"}
    assert store.current_decision(other) is None
    qtbot.waitUntil(lambda: model.index(model.row_of(ids[2]), 6).data() == "decided", timeout=5000)

    window.undo_campaign(dialog.doc["id"])
    qtbot.waitUntil(lambda: all(store.current_decision(i) is None for i in ids), timeout=10000)


def test_campaign_key_on_an_item_without_a_campaign_says_so(campaign_store, make_window, qtbot):
    store, _ids, other = campaign_store
    window = make_window(store)
    window.queue.select_item(other)
    qtbot.waitUntil(lambda: window.item is not None and window.item.id == other, timeout=10000)
    qtbot.waitUntil(lambda: window.queue_model.campaign_of(_ids[0]) is not None, timeout=20000)
    window.actions["campaign"].trigger()
    assert "no other queue item" in window.statusBar().currentMessage()
    assert window.actions["campaign"].shortcut().toString() == "C"
