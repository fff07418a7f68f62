"""Big releases open fast every session: the window keeps each file's findings in the store's
persistent findings cache (as ``vetbench scan`` and ``queue add`` do), so a second start of
the app reads them back instead of analysing the release again."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.waits import wait_file_shown

TIMEOUT = 30_000


def open_first(window, qtbot):
    qtbot.keyClick(window.queue.table, Qt.Key.Key_J)
    wait_file_shown(window, qtbot, TIMEOUT)


def test_second_start_reads_findings_back_instead_of_rescanning(demo_store, make_window, qtbot):
    first = make_window(demo_store)
    open_first(first, qtbot)
    item, hits = first.item.id, first.release.delta.caps.topLevelItemCount()
    analysed = first.cache.findings.misses
    assert analysed > 0  # a fresh store: the first start analyses the release's files
    first.close()  # the findings are on disk in the store's file

    second = make_window(demo_store)
    open_first(second, qtbot)
    assert second.item.id == item
    assert second.cache.findings.misses == 0  # nothing analysed again
    assert second.cache.findings.hits >= analysed
    assert second.release.delta.caps.topLevelItemCount() == hits  # the same findings shown
