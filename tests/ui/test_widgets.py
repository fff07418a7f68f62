"""Smaller window behaviours: the huge-file guard, the shortcut overlay, themes, the CLI shot."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtGui import QImage

from app.ui.diff_view import DiffView
from app.ui.file_model import build_file_view
from app.ui.shortcuts import SHORTCUTS


def test_huge_file_shows_guard_and_show_anyway_asks_again(qtbot):
    view = DiffView()
    qtbot.addWidget(view)
    view.show_file(build_file_view("big.py", "modified", "", "x = 1\n" * 60_000))
    assert view.stack.currentWidget() is view.guard
    with qtbot.waitSignal(view.show_anyway) as blocker:
        view.guard_button.click()
    assert blocker.args == ["big.py"]


def test_every_shortcut_is_in_a_menu_and_the_overlay(demo_store, make_window):
    window = make_window(demo_store)
    menu_texts = {
        a.text()
        for m in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))
        for a in m.actions()
    }
    for action_id, key, label, _menu in SHORTCUTS:
        assert label in menu_texts
        assert window.actions[action_id].shortcut().toString() == key
    window.overlay.toggle()
    assert window.overlay.isVisible()
    from PySide6.QtWidgets import QLabel

    texts = {lab.text() for lab in window.overlay.findChildren(QLabel)}
    assert {label for _i, _k, label, _m in SHORTCUTS} <= texts


def test_theme_switch_repaints_with_dark_colours(demo_store, make_window):
    window = make_window(demo_store)
    window.themes.set_mode("dark")
    assert window.release.diff.right.theme.dark
    window.themes.set_mode("light")
    assert not window.release.diff.right.theme.dark


def test_screenshot_command_writes_a_png_of_the_requested_size(tmp_path):
    out = tmp_path / "shot.png"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--db",
            str(tmp_path / "s.sqlite3"),
            "--screenshot",
            str(out),
            "--item",
            "2",
            "--size",
            "1200x760",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 760)
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--db",
            str(tmp_path / "s.sqlite3"),
            "--screenshot",
            str(out),
            "--item",
            "999",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert bad.returncode == 2 and "999" in bad.stderr and "Traceback" not in bad.stderr


def test_big_file_is_shown_first_and_coloured_after(demo_store, make_window, qtbot, tmp_path):
    import io
    import tarfile

    body = "".join(f"value_{i} = compute({i})  # note\n" for i in range(4000))
    path = tmp_path / "big-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in {"PKG-INFO": "Name: big\nVersion: 1.0\n", "big.py": body}.items():
            info = tarfile.TarInfo(f"big-1.0/{rel}")
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    item, _ = demo_store.add_item(
        "pypi", "big", ["1.0"], artifact_path=str(path), risk_score=99.0, risk_level="critical"
    )
    window = make_window(demo_store)
    window.queue.select_item(item.id)
    index = None
    qtbot.waitUntil(
        lambda: window.bundle is not None and not window.runner.pending("release"), timeout=15_000
    )
    index = [f.path for f in window.bundle.files].index("big.py")
    window.open_file(index)
    qtbot.waitUntil(
        lambda: window.release.diff.view is not None and window.release.diff.view.path == "big.py",
        timeout=15_000,
    )
    assert window.release.diff.right.toPlainText().count("\n") == 3999
    assert window.release.diff.view.syntax_pending
    qtbot.waitUntil(window.is_settled, timeout=30_000)
    assert window.release.diff.right.side.syntax, "colours arrive in a second step"
    assert window.release.diff.right.highlighter.document() is not None
