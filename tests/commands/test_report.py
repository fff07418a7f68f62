"""``vetbench report`` writes the evidence page: the decision first, hit lines marked, stable
anchors and links; ``vetbench diff --html`` gains the same anchors and marks."""

from __future__ import annotations

import re

import pytest

from app.cli import main
from app.core.decisions import Decision, Evidence, HitLabel
from app.core.store.db import Store
from tests.workflows.release_fixtures import NAME, make_wheel, queue_release

PTH = f"{NAME}_init.pth"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def decided(tmp_path):
    db = tmp_path / "s.sqlite3"
    with Store.open(db) as store:
        item_id = queue_release(store, tmp_path / "files")
        store.record_decision(
            item_id,
            Decision(
                "malicious",
                action="remove_project",
                kind="is_malware",
                reason="the wheel's .pth runs curl | sh at every interpreter start",
                reviewer="bob",
                evidence=(Evidence(PTH, None, 1, 1, ("process.spawn",)),),
                hit_labels=(HitLabel("process.spawn", PTH, 1, "confirmed"),),
            ),
        )
    return db, item_id


def test_report_puts_the_decision_first_and_links_evidence_to_marked_lines(
    capsys, tmp_path, decided
):
    db, item_id = decided
    out = tmp_path / "evidence.html"
    code, stdout, err = run(capsys, "report", item_id, "--html", out, "--db", db)
    assert code == 0 and str(out) in stdout and err == ""
    page = out.read_text(encoding="utf-8")
    decision_at = page.index("<h2 id='decision'>Decision</h2>")
    assert decision_at < page.index("<h2>Capability delta</h2>") < page.index("<h2>Changes</h2>")
    head = page[decision_at : page.index("<h2>Capability delta</h2>")]
    for text in ("malicious", "remove_project", "bob", "curl | sh at every interpreter start"):
        assert text in head
    assert f"<a href='#{PTH}-L1'>{PTH}:1</a>" in head  # evidence and confirmed hit link
    assert "colorkit-1.1-py3-none-any.whl" in head  # which release file this is about
    row = re.search(rf"<tr class='ins hit' id='{re.escape(PTH)}-L1' title='([^']*)'>", page)
    assert row is not None and "process" in row.group(1)
    assert f"<h3 id='{PTH}' class='mono'>" in page
    assert "Content-Security-Policy" in page and "<script" not in page


def test_report_of_an_item_without_a_file_is_one_line_exit_2(capsys, tmp_path):
    db = tmp_path / "s.sqlite3"
    with Store.open(db) as store:
        item, _ = store.add_item("pypi", "ghost", ["1.0"])
    code, _, err = run(capsys, "report", item.id, "--html", tmp_path / "x.html", "--db", db)
    assert code == 2 and err.count("\n") == 1 and "no local artifact" in err
    code, _, err = run(capsys, "report", "99", "--html", tmp_path / "x.html", "--db", db)
    assert code == 2 and "99" in err


def test_diff_html_has_stable_anchors_and_marked_hit_lines(capsys, tmp_path):
    old = make_wheel(tmp_path, "1.0", payload=False)
    (tmp_path / "new").mkdir()
    new = make_wheel(tmp_path / "new", "1.1", payload=True)
    out = tmp_path / "diff.html"
    code, _, _ = run(capsys, "diff", old, new, "--html", out, "--no-cache")
    assert code in (0, 1)
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"id='f\d+'", page)  # no memory ids
    assert f"href='#{PTH}'" in page and f"id='{PTH}-L1'" in page
    assert f"class='ins hit' id='{PTH}-L1'" in page
    assert f"<a href='#{PTH}-L1'>{PTH}:1</a>" in page  # the capability table links the line


def test_evidence_page_shows_threats_after_the_decision_before_the_capabilities(capsys, tmp_path):
    """The ticket reader sees what decided the risk: each threat with its severity and
    explanation, steps linked to their lines, and the decoded stage as escaped text."""
    from html.parser import HTMLParser

    from tests.core.diff.threat_fixtures import STAGE_LINE, STAGE_PATH, queue_threat_release

    db = tmp_path / "s.sqlite3"
    with Store.open(db) as store:
        item_id = queue_threat_release(store, tmp_path / "files")
        store.record_decision(
            item_id, Decision("malicious", reason="runs a hidden stage", reviewer="bob")
        )
    out = tmp_path / "evidence.html"
    code, _stdout, err = run(capsys, "report", item_id, "--html", out, "--db", db)
    assert code == 0 and err == ""
    page = out.read_text(encoding="utf-8")

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.titles, self.ids, self.decoded, self._tag = [], set(), [], None
            self.links: list[str] = []

        in_pre = False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            self._tag = (tag, a)
            if tag == "pre" and "decoded" in (a.get("class") or ""):
                self.in_pre = True
                self.decoded.append("")
            if a.get("id"):
                self.ids.add(a["id"])
            if tag == "a" and self.titles and self.titles[-1] == "Threats":
                self.links.append(a["href"])

        def handle_data(self, data):
            if self._tag and self._tag[0] == "h2":
                self.titles.append(data)
            if self.in_pre and self.titles[-1] == "Threats":
                self.decoded[-1] += data

        def handle_endtag(self, tag):
            self._tag = None
            self.in_pre = self.in_pre and tag != "pre"

    parsed = Page()
    parsed.feed(page)
    assert parsed.titles[:3] == ["Decision", "Threats", "Capability delta"]
    assert f"#{STAGE_PATH}-L{STAGE_LINE}" in parsed.links
    assert all(link[1:] in parsed.ids for link in parsed.links)  # every step link lands
    assert any("owned" in d and "\\u202e" in d for d in parsed.decoded)
    assert "chain.decode_exec" in page and "Decoded or decrypted data is run as code." in page
