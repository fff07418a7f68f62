"""Details of the window: jumps from the delta, synchronised scrolling, binary files,
persisted layout, other reviewers' labels arriving live, and errors in the banner."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from app.core.archive import Member
from app.ui.diff_view import DiffView
from app.ui.file_model import binary_view, build_file_view
from tests.ui.waits import wait_file_shown

TIMEOUT = 15_000


def _open_first(window, qtbot):
    window.queue.select_row(0)
    wait_file_shown(window, qtbot, TIMEOUT)


def test_clicking_a_hit_in_the_capability_delta_jumps_to_its_line(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    _open_first(window, qtbot)
    tree = window.release.delta.caps
    groups = [tree.topLevelItem(n) for n in range(tree.topLevelItemCount())]
    # Below the threats: the first capability group with hits (its rows carry their line).
    child = next(g.child(0) for g in groups if g.childCount() and g.text(0).startswith("+"))
    path, line, _old = child.data(0, 256 + 3)
    tree.itemClicked.emit(child, 0)
    qtbot.waitUntil(
        lambda: window.release.diff.view.path == path and not window.runner.busy, timeout=TIMEOUT
    )
    hit = window.release.diff.current_hit()
    assert hit is not None and hit.line == line
    editor = window.release.diff.right
    assert editor.side.numbers[editor.textCursor().blockNumber()] == line


def test_both_sides_scroll_together(qtbot):
    view = DiffView()
    qtbot.addWidget(view)
    view.resize(800, 300)
    view.show()
    old = "".join(f"line {i}\n" for i in range(500))
    new = old.replace("line 250\n", "line 250 changed\n")
    view.show_file(build_file_view("f.txt", "modified", old, new, highlight=False))
    view.right.verticalScrollBar().setValue(200)
    assert view.left.verticalScrollBar().value() == 200
    view.left.horizontalScrollBar().setValue(0)
    assert view.next_change()
    assert view.left.textCursor().blockNumber() == view.right.textCursor().blockNumber() == 250


def test_binary_file_shows_size_sha256_and_entropy(qtbot):
    import hashlib
    import os

    data = os.urandom(2048)
    member = Member(
        "lib/payload.so", len(data), hashlib.sha256(data).hexdigest(), "binary", data=data
    )
    view = DiffView()
    qtbot.addWidget(view)
    view.show_file(binary_view("lib/payload.so", "added", None, member))
    text = view.info.text()
    assert "2,048 bytes" in text and member.sha256 in text and "encrypted" in text


def test_splitter_sizes_and_theme_persist(demo_store, make_window, tmp_path):
    window = make_window(demo_store)
    window.split.setSizes([300, 900, 200])
    sizes = window.split.sizes()
    window.save_state()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert settings.value("split") is not None
    again = make_window(demo_store)
    assert again.split.sizes() == sizes


def test_queue_columns_fit_their_headers_can_be_hidden_and_stay_hidden(
    demo_store, make_window, qtbot, monkeypatch
):
    from PySide6.QtWidgets import QMenu

    from app.ui.queue_model import COLUMNS

    window = make_window(demo_store)
    header = window.queue.table.horizontalHeader()
    fm = header.fontMetrics()
    for col, title in enumerate(COLUMNS):  # no header is cut off
        assert header.sectionSize(col) >= fm.horizontalAdvance(title) + 8, title

    menus = []
    monkeypatch.setattr(QMenu, "popup", lambda self, pos: menus.append(self))
    header.customContextMenuRequested.emit(header.rect().center())
    actions = {a.text(): a for a in menus[-1].actions() if a.text()}
    assert not actions["Name"].isEnabled()  # the name always stays
    actions["Age"].toggle()
    actions["Rep"].toggle()
    hidden = {COLUMNS[c] for c in range(len(COLUMNS)) if header.isSectionHidden(c)}
    assert hidden == {"Age", "Rep"}
    window.save_state()

    again = make_window(demo_store)
    header2 = again.queue.table.horizontalHeader()
    assert {COLUMNS[c] for c in range(len(COLUMNS)) if header2.isSectionHidden(c)} == {"Age", "Rep"}
    again.queue.reset_columns()
    assert not any(header2.isSectionHidden(c) for c in range(len(COLUMNS)))


def test_other_reviewers_label_appears_live(demo_store, make_window, qtbot, tmp_path):
    from app.sync.labels import label_path, make_label
    from tests.sync.signed import signed_bytes

    dataset = tmp_path / "dataset"
    (dataset / "labels").mkdir(parents=True)
    window = make_window(demo_store, dataset_dir=dataset)
    _open_first(window, qtbot)
    item = window.item
    label = make_label(
        ecosystem="pypi",
        name=item.project,
        version=item.versions[0],
        reviewer="zoe",
        verdict="malicious",
        kind="is_malware",
        action="quarantine_project",
        confidence="high",
    )
    target = dataset / label_path(label)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.with_suffix(".tmp").write_bytes(signed_bytes(label))  # as zoe's own sync signs it
    target.with_suffix(".tmp").rename(target)
    qtbot.waitUntil(
        lambda: "zoe: malicious" in window.decision.others_label.text(), timeout=TIMEOUT
    )
    row = window.queue_model.row_of(item.id)
    qtbot.waitUntil(
        lambda: "zoe: malicious" in (window.queue_model.index(row, 8).data() or ""), timeout=TIMEOUT
    )


def test_a_missing_artifact_is_reported_in_the_banner_not_a_traceback(
    demo_store, make_window, qtbot, tmp_path
):
    item, _ = demo_store.add_item(
        "pypi",
        "ghost",
        ["1.0"],
        artifact_path=str(tmp_path / "gone.tar.gz"),
        risk_score=99.0,
        risk_level="critical",
    )
    window = make_window(demo_store)
    window.queue.select_item(item.id)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=TIMEOUT)
    assert "gone.tar.gz" in window.banner.message.text()
    assert "Traceback" in window.banner.details.toPlainText()  # details, on request only
    assert not window.banner.details.isVisible()


def test_progress_shows_only_for_slow_work_and_cancel_drops_it(demo_store, make_window, qtbot):
    import threading

    window = make_window(demo_store)
    qtbot.waitUntil(
        lambda: not window.runner.busy and not window.queue.selection_pending(), timeout=TIMEOUT
    )
    release = threading.Event()
    got = []
    window.runner.submit(
        "io", "slow", lambda c, p: release.wait(10) and "late", got.append, label="Slow load"
    )
    qtbot.wait(150)
    assert not window.progress.isVisible()  # quick work never flickers a progress bar
    qtbot.waitUntil(window.progress.isVisible, timeout=3000)
    assert window.progress.format() == "Slow load" and window.cancel_button.isVisible()
    window.cancel_button.click()
    release.set()
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=5000)
    assert got == [] and not window.progress.isVisible()


def test_skip_key_sets_the_item_aside_and_moves_on(demo_store, make_window, qtbot):
    from PySide6.QtCore import Qt

    window = make_window(demo_store)
    _open_first(window, qtbot)
    item = window.item
    qtbot.keyClick(window.queue.table, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: demo_store.get_item(item.id).status == "skipped", timeout=TIMEOUT)
    qtbot.waitUntil(lambda: window.item is not None and window.item.id != item.id, timeout=TIMEOUT)


def test_baseline_picker_offers_releases_at_hand_and_switches(
    demo_store, make_window, qtbot, tmp_path
):
    import shutil

    # A second, already-decided benign release of colorstrip is at hand as another item.
    from app.core.decisions import Decision

    first = demo_store.list_items(text="colorstrip")[0]
    base = next(r for r in demo_store.artifacts_for(first.id) if r.role == "baseline")
    demo_store.record_decision(first.id, Decision("malicious", reviewer="tester"))
    copy = shutil.copyfile(base.path, tmp_path / "colorstrip-1.3.9.tar.gz")
    other, _ = demo_store.add_item("pypi", "colorstrip", ["1.3.9"], artifact_path=str(copy))
    assert other.id != first.id
    demo_store.record_decision(other.id, Decision("benign", reviewer="tester"))
    window = make_window(demo_store)
    window.queue.select_item(first.id)
    qtbot.waitUntil(lambda: window.bundle is not None and not window.runner.busy, timeout=TIMEOUT)
    combo = window.release.baseline_combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels[0].startswith("1.4.0 (previous")
    assert any("last benign" in text for text in labels)
    assert labels[-1].startswith("no baseline")
    combo.setCurrentIndex(combo.count() - 1)
    combo.activated.emit(combo.count() - 1)
    qtbot.waitUntil(
        lambda: (
            window.bundle is not None
            and window.bundle.baseline.path is None
            and not window.runner.busy
        ),
        timeout=TIMEOUT,
    )
    assert {f.status for f in window.bundle.files} == {"added"}


def test_question_mark_opens_the_shortcut_overlay(demo_store, make_window, qtbot):
    from PySide6.QtCore import Qt

    window = make_window(demo_store)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_Question)
    assert window.overlay.isVisible()
    qtbot.keyClick(window.overlay, Qt.Key.Key_Escape)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_F1)
    assert window.overlay.isVisible()
    qtbot.keyClick(window.overlay, Qt.Key.Key_Escape)
    assert not window.overlay.isVisible()


def test_item_without_a_file_is_fetched_in_the_background(
    demo_store, make_window, qtbot, monkeypatch
):
    import app.workflows.fetching as queue_fetch

    colorstrip = demo_store.list_items(text="colorstrip")[0]
    refs = {r.role: r for r in demo_store.artifacts_for(colorstrip.id)}
    item, _ = demo_store.add_item(
        "npm", "fetch-me", ["1.0.0"], risk_score=50.0, risk_level="critical"
    )
    calls = []

    def fake_fetch(store, it, progress=None, cancel=None, **kw):
        calls.append(it.id)
        progress("fetch-me-1.0.0.tgz", 10, 10)
        store.attach_artifact(it.id, "new", refs["new"].path, version="1.0.0")
        store.attach_artifact(it.id, "baseline", refs["baseline"].path, version="0.9.0")
        store.set_risk(it.id, "critical", 9.9)
        return []

    monkeypatch.setattr(queue_fetch, "fetch_for_item", fake_fetch)
    window = make_window(demo_store)
    window.fetch_missing = True
    window.queue.select_item(item.id)
    qtbot.waitUntil(
        lambda: (
            window.bundle is not None and window.bundle.item_id == item.id and window.is_settled()
        ),
        timeout=TIMEOUT,
    )
    assert calls == [item.id]
    assert window.bundle.new is not None and window.bundle.baseline.version == "0.9.0"
    row = window.queue_model.row_of(item.id)
    assert window.queue_model.index(row, 0).data() == "◆ 9.9 critical"


def test_a_sync_that_finds_a_forged_label_says_so_in_the_banner(
    demo_store, make_window, qtbot, tmp_path
):
    """File → Sync is as loud as `vetbench sync` (which exits 1): a label changed after its
    reviewer signed it is named in the banner, not only counted in the status line."""
    import json

    from app.sync.labels import label_path, make_label
    from tests.sync.signed import signed

    dataset = tmp_path / "dataset"
    (dataset / "labels").mkdir(parents=True)
    window = make_window(demo_store, dataset_dir=dataset)
    label = make_label(
        ecosystem="pypi", name="widget", version="2.0", reviewer="zoe",
        verdict="malicious", action="remove_project", reason="steals tokens",
    )  # fmt: skip
    target = dataset / label_path(label)
    target.parent.mkdir(parents=True, exist_ok=True)
    # zoe's real signature over a malicious verdict, flipped to benign afterwards
    target.write_text(json.dumps({**signed(label), "verdict": "benign", "action": "not_malware"}))
    window.file_actions.sync()
    qtbot.waitUntil(lambda: "forged" in window.banner.message.text(), timeout=TIMEOUT)
    assert "1 label(s) not counted as forged" in window.banner.message.text()
