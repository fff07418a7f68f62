"""A package cannot attack the reviewer through the view: names and contents with HTML,
ANSI escapes and bidi controls are shown as inert, visible plain text."""

from __future__ import annotations

import io
import tarfile

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app.ui.gutter import hit_tooltip

EVIL_NAME = "<img src=x onerror=alert(1)>.py"
EVIL_TEXT = (
    "# \x1b[31mred\x1b[0m \x1b]8;;http://203.0.113.5/\x07link\x1b]8;;\x07\n"
    "access_level = 'user'\n"
    "if access_level != 'user\u202e \u2066# admin\u2069 \u2066':\n"
    "    print('<b>bold</b> <a href=\"http://203.0.113.5/\">click</a>')\n"
)


def _sdist(tmp_path, name, version, files):
    path = tmp_path / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_hostile_names_and_contents_are_plain_visible_text(
    demo_store, make_window, qtbot, tmp_path
):
    pkg_info = f"Metadata-Version: 2.1\nName: <b>evil</b>\nVersion: 1.0\nSummary: {EVIL_NAME}\n"
    artifact = _sdist(tmp_path, "evil", "1.0", {"PKG-INFO": pkg_info, EVIL_NAME: EVIL_TEXT})
    item, _ = demo_store.add_item(
        "pypi",
        "<b>evil</b>\u202e",
        ["1.0"],
        artifact_path=str(artifact),
        risk_level="critical",
        risk_score=10.0,
    )
    window = make_window(demo_store)
    assert window.queue.select_item(item.id)
    qtbot.waitUntil(
        lambda: (
            window.bundle is not None
            and window.release.diff.view is not None
            and not window.runner.busy
        ),
        timeout=15_000,
    )
    # Open the hostile file itself.
    names = [
        window.release.files.topLevelItem(i).text(0)
        for i in range(window.release.files.topLevelItemCount())
    ]
    assert EVIL_NAME in names  # shown literally, not as an image
    index = [f.path for f in window.bundle.files].index(EVIL_NAME)
    window.release.select_file(index)
    window.open_file(index)
    qtbot.waitUntil(
        lambda: window.release.diff.view.path == EVIL_NAME and not window.runner.busy,
        timeout=15_000,
    )

    shown = window.release.diff.right.toPlainText()
    assert "\x1b" not in shown and "\x07" not in shown
    assert "\u202e" not in shown and "\u2066" not in shown and "\u2069" not in shown
    assert "\u241b[31mred" in shown  # ESC is visible as ␛
    assert "\u2194" in shown  # bidi controls are visible as ↔
    assert "<a href=" in shown  # HTML stays literal text
    hazards = window.release.diff.view.right.hazards
    assert hazards, "hazardous characters are marked for the highlighter"

    # Every label in the window is plain text and opens no link.
    labels = window.findChildren(QLabel)
    assert labels
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText, (label.objectName(), label.text())
        assert not label.openExternalLinks()
    assert "<b>evil</b>" in window.release.title.text()
    assert "\u202e" not in window.release.title.text()
    assert "<b>evil</b>" in window.decision.item_label.text()
    # Header of the diff shows the file name literally.
    assert EVIL_NAME in window.release.diff.header.text()


def test_hit_tooltips_escape_package_text():
    from app.core.capabilities.model import Hit

    hit = Hit(
        "exec.dynamic",
        "high",
        EVIL_NAME,
        3,
        3,
        0,
        "<script>alert(1)</script>",
        "x",
        "R<1>",
        "runs <b>code</b>",
    )
    tip = hit_tooltip([hit])
    assert "<script>" not in tip and "&lt;script&gt;" in tip
    assert "<b>code</b>" not in tip and "&lt;b&gt;code" in tip
    assert tip.startswith("<p")  # forced rich text, so the escaping is what Qt renders
