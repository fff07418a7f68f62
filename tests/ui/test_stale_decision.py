"""A verdict for an item another process changed after the moderator opened it is refused
with a banner naming who changed it, never silently applied (issue 17, Bad input)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.decisions import Decision
from app.core.store.db import Store
from tests.ui.waits import wait_file_shown

TIMEOUT = 15_000


def test_verdict_for_an_item_decided_elsewhere_is_refused_with_a_banner(
    demo_store, make_window, qtbot
):
    window = make_window(demo_store)
    table = window.queue.table
    window.queue.select_row(0)
    wait_file_shown(window, qtbot, TIMEOUT)
    item = window.item
    # Another process (a second window, vetbench decide) decides it meanwhile.
    with Store.open(demo_store.path) as other:
        other.record_decision(
            item.id,
            Decision(
                verdict="malicious",
                action="quarantine_release",
                reason="stealer in setup.py",
                reviewer="ana",
            ),
        )
    qtbot.keyClick(table, Qt.Key.Key_B)
    qtbot.wait(300)
    qtbot.waitUntil(window.is_settled, timeout=TIMEOUT)
    banner = window.banner.message.text()
    assert window.banner.isVisible()
    assert f"Not recorded: {item.label} changed since you opened it" in banner
    assert "ana decided malicious · quarantine_release" in banner
    current = demo_store.current_decision(item.id)
    assert (current.verdict, current.reviewer) == ("malicious", "ana")
    assert [d.reviewer for d in demo_store.decisions_for(item.id)] == ["ana"]
    assert window.item.id == item.id  # no advance: the moderator looks again
    assert "malicious" in window.release.context_text()  # the item is shown as it is now

    # Now that the moderator has seen it, the key is a fresh decision: it asks before replacing.
    qtbot.keyClick(table, Qt.Key.Key_B)
    qtbot.waitUntil(lambda: window.triage.prompt is not None, timeout=TIMEOUT)
    assert "already decided: malicious" in window.triage.prompt.text()
    assert "by ana" in window.triage.prompt.text()
    qtbot.keyClick(window.triage.prompt, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.triage.prompt is None, timeout=TIMEOUT)
    assert [d.reviewer for d in demo_store.decisions_for(item.id)] == ["ana"]


def test_skip_elsewhere_then_verdict_is_refused(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    window.queue.select_row(0)
    wait_file_shown(window, qtbot, TIMEOUT)
    item = window.item
    with Store.open(demo_store.path) as other:
        other.skip_item(item.id, "bo")
    qtbot.keyClick(window.queue.table, Qt.Key.Key_1)
    qtbot.wait(300)
    qtbot.waitUntil(window.is_settled, timeout=TIMEOUT)
    assert "bo set it skipped" in window.banner.message.text()
    assert demo_store.current_decision(item.id) is None
