"""The demo's obfuscated npm release, opened by keyboard as a moderator would: the threat
panel names the exfiltration chain with its steps in index.js, and each hit on the minified
line shows the obfuscated code with its string-array calls put back (what it decoded to)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.ui.delta_panel import ThreatRole
from tests.ui.waits import wait_file_shown

TIMEOUT = 20_000
LINE = 33  # the one minified line the patch release appended to index.js


def _settled(window, qtbot):
    wait_file_shown(window, qtbot, TIMEOUT)


def test_obfuscated_npm_item_shows_its_decoded_payload_and_threat(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    table = window.queue.table
    table.setFocus()
    for _ in range(window.queue_model.rowCount()):  # j until the npm item is open
        before = window.item.id if window.item is not None else None
        qtbot.keyClick(table, Qt.Key.Key_J)
        qtbot.waitUntil(
            lambda b=before: window.item is not None and window.item.id != b, timeout=TIMEOUT
        )
        if window.item.project == "hue-tokens":
            break
    assert window.item.project == "hue-tokens" and window.item.ecosystem == "npm"
    _settled(window, qtbot)

    tree = window.release.delta.caps
    threats = {}
    for n in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(n)
        if top.data(0, ThreatRole):
            threats[top.text(0)] = [top.child(c).text(0) for c in range(top.childCount())]
    exfil = next(steps for title, steps in threats.items() if "chain.exfiltration" in title)
    assert f"cred.env_bulk · index.js:{LINE}" in exfil
    assert f"net.outbound · index.js:{LINE}" in exfil
    assert any("disguise.obfuscation" in title for title in threats)

    seen = {}
    for _ in range(6):  # ] walks the hits; each lands on the minified line in the new side
        qtbot.keyClick(table, Qt.Key.Key_BracketRight)
        qtbot.waitUntil(lambda: window.decision.current_hit is not None, timeout=TIMEOUT)
        _settled(window, qtbot)
        hit = window.decision.current_hit
        right = window.release.diff.right
        assert right.side.numbers[right.textCursor().blockNumber()] == hit.line == LINE
        seen[hit.capability] = window.decision.hit_details.toPlainText()
    packer = seen["obf.packer"]
    assert "decoded →" in packer
    # the obfuscated statement with its strings put back: module, environment, address
    assert "require('https')" in packer and "process['env']" in packer
    assert "host:'203.0.113.7'" in packer
    sent = seen["net.outbound"]
    assert "Sends the whole process environment over the network." in sent
    assert "Threat chain.exfiltration (high)" in sent
    assert "_0x4f['request']({host:'203.0.113.7'" in sent
