"""The release diff carries each side's threats; a threat is new when one of its steps is a
hit the release added, and the HTML report shows the threats before the capabilities."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from app.core.archive import open_artifact
from app.core.diff.html_report import render_report
from app.core.diff.release import diff_artifacts
from tests.core.diff.threat_fixtures import PAYLOAD, STAGE_LINE, STAGE_PATH, write_sdist


@pytest.fixture(scope="module")
def thrt(tmp_path_factory):
    """One real scan of both releases for the module (the scanner, not a stub, finds them)."""
    folder = tmp_path_factory.mktemp("thrt")
    old = open_artifact(write_sdist(folder, "1.0"))
    new = open_artifact(write_sdist(folder, "1.1"))
    return diff_artifacts(old, new)


def test_diff_json_gains_both_sides_threats_and_says_which_are_new(thrt):
    out = json.loads(json.dumps(thrt.to_json()))
    assert out["schema"] == "vetbench.diff/1"
    assert {"files", "capabilities", "risk"} <= set(out)  # the old fields stay
    new, old = out["threats"]["new"], out["threats"]["old"]
    assert [t["id"] for t in old] == ["chain.decode_exec"]
    steps_added = {(s["path"], s["line"], t["added"]) for t in new for s in t["steps"]}
    # The moved exec is the baseline's threat; the stage is new.
    assert steps_added == {("thrt/__init__.py", 3, False), (STAGE_PATH, STAGE_LINE, True)}
    for t in new:
        assert {"id", "severity", "explanation", "steps", "added"} <= set(t)


def test_threats_in_order_puts_new_ones_first(thrt):
    diff = thrt
    ordered = diff.threats_in_order()
    assert [diff.threat_is_added(t) for t in ordered] == [True, False]
    assert ordered[0].steps[0].path == STAGE_PATH


class Sections(HTMLParser):
    """The page as a moderator reads it: h2 titles in order, and per threat row its text,
    its links and its decoded payloads."""

    def __init__(self):
        super().__init__()
        self.h2: list[str] = []
        self.threats: list[dict] = []
        self.ids: set[str] = set()
        self._in: list[str] = []
        self._row: dict | None = None
        self._pre: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        self._in.append(tag)
        if tag == "tr" and a.get("class") == "threat":
            self._row = {"text": "", "links": [], "decoded": [], "new": False}
            self.threats.append(self._row)
        elif tag == "span" and self._row is not None and a.get("class") == "badge new":
            self._row["new"] = True
        elif tag == "a" and self._row is not None:
            self._row["links"].append(a.get("href"))
        elif tag == "pre" and self._row is not None and "decoded" in (a.get("class") or ""):
            self._pre = []
        elif tag in ("b", "script", "img") and self._pre is not None:
            raise AssertionError(f"markup from the package rendered: <{tag}>")

    def handle_endtag(self, tag):
        if tag == "tr":
            self._row = None
        if tag == "pre" and self._pre is not None:
            self._row["decoded"].append("".join(self._pre))
            self._pre = None
        if self._in:
            self._in.pop()

    def handle_data(self, data):
        if self._in and self._in[-1] == "h2":
            self.h2.append(data)
        if self._row is not None:
            self._row["text"] += data
        if self._pre is not None:
            self._pre.append(data)


def test_html_report_shows_threats_first_with_linked_steps_and_escaped_decoded_payload(thrt):
    page = render_report(thrt)
    parsed = Sections()
    parsed.feed(page)
    assert parsed.h2.index("Threats") < parsed.h2.index("Capability delta")
    first, second = parsed.threats
    assert "chain.decode_exec" in first["text"] and first["new"] and not second["new"]
    assert (
        "critical" in first["text"] and "Decoded or decrypted data is run as code" in first["text"]
    )
    anchor = f"{STAGE_PATH}-L{STAGE_LINE}"
    assert first["links"] == [f"#{anchor}"] and anchor in parsed.ids  # the line is on the page
    # The decoded stage as text: markup escaped, the bidi override shown as an escape.
    assert first["decoded"] == [PAYLOAD.replace("\u202e", "\\u202e")]
    assert "\u202e" not in page and "<b>owned" not in page
    assert second["links"] == ["#thrt/__init__.py-L3"]  # moved down one line, still linked
    assert "thrt/__init__.py-L3" in parsed.ids
    assert second["decoded"] == ["print('old')"]
