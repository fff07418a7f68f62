"""Threats first, by keyboard: the capability tab lists the release's threats (new against the
baseline first) with severity, id and explanation; a step row opens its line and makes that
hit the current one, so ``x`` labels it; the hit panel says what the hit means, which threat
chain it is a step of and, for a hit in decoded data, what it decoded to -- escaped."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.store.db import Store
from app.ui.delta_panel import HitRole, ThreatRole
from tests.core.diff.threat_fixtures import STAGE_LINE, STAGE_PATH, queue_threat_release
from tests.ui.waits import wait_file_shown

TIMEOUT = 20_000


def _settled(window, qtbot):
    wait_file_shown(window, qtbot, TIMEOUT)


def _rows(tree):
    """Every row in display order: (item, depth)."""
    out = []

    def walk(item, depth):
        out.append((item, depth))
        for n in range(item.childCount()):
            walk(item.child(n), depth + 1)

    for n in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(n), 0)
    return out


def test_threats_come_first_and_a_step_opens_its_line_as_the_current_hit(
    make_window, qtbot, tmp_path
):
    store = Store.open(tmp_path / "t.sqlite3")
    try:
        queue_threat_release(store, tmp_path / "files")
        window = make_window(store)
        table = window.queue.table
        qtbot.keyClick(table, Qt.Key.Key_J)  # the first (only) item
        _settled(window, qtbot)
        tree = window.release.delta.caps
        tops = [tree.topLevelItem(n) for n in range(tree.topLevelItemCount())]
        threat_rows = [t for t in tops if t.data(0, ThreatRole)]
        assert len(threat_rows) == 2 and tops[:2] == threat_rows  # threats before capabilities
        first, second = threat_rows
        # The stage is new in 1.1, the exec in __init__ only moved: new first, marked so.
        assert first.text(0).startswith("NEW") and not second.text(0).startswith("NEW")
        assert "chain.decode_exec" in first.text(0) and first.text(1) == "critical"
        assert first.child(0).text(0) == "Decoded or decrypted data is run as code."
        step = first.child(1)
        assert step.text(0) == f"exec.decode_then_exec · {STAGE_PATH}:{STAGE_LINE}"
        assert tops[2].text(0).startswith("Capabilities: +")
        assert window.release.delta.tabText(0).startswith("Threats 2")

        qtbot.keyClick(table, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
        assert tree.hasFocus()
        tree.setCurrentItem(first)
        qtbot.keyClick(tree, Qt.Key.Key_Down)  # the explanation
        qtbot.keyClick(tree, Qt.Key.Key_Down)  # the step
        assert tree.currentItem() is step
        qtbot.keyClick(tree, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: window.release.diff.view.path == STAGE_PATH and window.is_settled(),
            timeout=TIMEOUT,
        )
        hit = window.decision.current_hit
        assert hit is not None and (hit.capability, hit.line) == (
            "exec.decode_then_exec",
            STAGE_LINE,
        )
        right = window.release.diff.right
        assert right.side.numbers[right.textCursor().blockNumber()] == STAGE_LINE

        details = window.decision.hit_details
        assert details.isVisibleTo(window.decision)
        text = details.toPlainText()
        assert "Decodes hidden data and runs it" in text
        assert "Runs as soon as the package is imported." in text
        assert f"Threat chain.decode_exec (critical): [exec.decode_then_exec:{STAGE_LINE}]" in text
        assert "decoded (b64decode → decompress) →" in text
        assert 'print("<b>owned</b> \\u202e 192.0.2.7")' in text  # the override as an escape
        assert "\u202e" not in text

        tree.setFocus()
        qtbot.keyClick(tree, Qt.Key.Key_X)  # x acts on the hit the step selected
        labels = list(window.decision.hit_labels.values())
        assert [(h.capability, h.path, h.line, h.label) for h in labels] == [
            ("exec.decode_then_exec", STAGE_PATH, STAGE_LINE, "confirmed")
        ]
    finally:
        window.runner.shutdown()
        store.close()


def test_clicking_a_capability_row_selects_that_hit_among_several_on_the_line(
    demo_store, make_window, qtbot
):
    window = make_window(demo_store)
    window.queue.select_row(0)  # colorstrip: setup.py line 14 carries several capabilities
    _settled(window, qtbot)
    tree = window.release.delta.caps
    rows = [
        item
        for item, depth in _rows(tree)
        if depth == 1 and item.data(0, HitRole) and item.parent().data(0, ThreatRole) is None
    ]
    by_line: dict[tuple, list] = {}
    for item in rows:
        path, line, _old = item.data(0, HitRole)
        by_line.setdefault((path, line), []).append(item)
    shared = next(items for items in by_line.values() if len(items) > 1)
    for item in reversed(shared):  # the last one first: not simply the line's first hit
        tree.itemClicked.emit(item, 0)
        qtbot.waitUntil(window.is_settled, timeout=TIMEOUT)
        hit = window.decision.current_hit
        assert hit is not None
        group = item.parent().text(0).split()[-1]  # "+1  net.exfil_endpoint"
        assert (hit.capability, hit.line) == (group, item.data(0, HitRole)[1])


def _inside(widget, viewport) -> bool:
    """``widget`` lies wholly inside what ``viewport`` shows (not cut on any side)."""
    from PySide6.QtCore import QRect

    top_left = widget.mapTo(viewport, widget.rect().topLeft())
    return QRect(0, 0, viewport.width(), viewport.height()).contains(QRect(top_left, widget.size()))


def test_risk_status_threats_and_the_current_hit_fit_at_1280_and_1600(
    demo_store, make_window, qtbot
):
    window = make_window(demo_store)
    dpy = next(i for i in demo_store.list_items() if i.project == "dpy-helpers")
    for width, height in ((1280, 720), (1600, 940)):
        window.resize(width, height)
        window.queue.select_item(dpy.id)
        _settled(window, qtbot)
        window.release.diff.go_to_worst_hit()
        panel = window.decision
        scroll = panel.parentWidget()  # the scroll area's viewport
        qtbot.waitUntil(
            lambda p=panel: (
                p.hit_details.geometry().bottom()
                < p.hit_details.parentWidget().layout().itemAt(2).geometry().top()
            ),
            timeout=TIMEOUT,
        )
        title = window.release.title
        assert "risk 8.9 critical" in title.text() and title.sizeHint().width() <= title.width()
        assert _inside(panel.status_label, scroll), (width, "status cut")
        for name, button in {**panel.verdict_buttons, **panel.preset_buttons}.items():
            assert _inside(button, scroll), (width, name)
            assert button.sizeHint().width() <= button.width(), (width, name, "label cut")
        tree = window.release.delta.caps
        first = tree.topLevelItem(0)
        explanation = first.child(0)
        assert first.data(0, ThreatRole) == "chain.decode_exec"
        rect = tree.visualItemRect(explanation)
        assert tree.viewport().rect().contains(rect), (width, "threat explanation cut")
        needed = tree.fontMetrics().boundingRect(
            0, 0, rect.width() - 8, 10_000, Qt.TextFlag.TextWordWrap, explanation.text(0)
        )
        assert rect.height() >= needed.height(), (width, "explanation wrapped and shown whole")
        assert _inside(panel.hit_details, scroll), (width, "current hit cut")
        assert "decoded (b64decode → decompress) →" in panel.hit_details.toPlainText()


def test_gutter_tooltip_shows_decoded_text_escaped_never_as_markup():
    from app.core.capabilities.model import Hit
    from app.ui.gutter import hit_tooltip

    hit = Hit(
        "exec.decode_then_exec",
        "critical",
        "p/stage.py",
        5,
        5,
        0,
        "exec(...)",
        "",
        "r",
        "Decodes hidden data and runs it with exec().",
        place="import",
        decoded="<img src=x>\u202e\nprint(1)",
        layers="b64decode → decompress",
    )
    tip = hit_tooltip([hit])
    assert "decoded (b64decode → decompress) →" in tip
    assert "&lt;img src=x&gt;\\u202e\\x0aprint(1)" in tip  # escaped, one line
    assert "<img" not in tip and "\u202e" not in tip
