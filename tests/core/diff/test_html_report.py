"""The HTML evidence report: self-contained, and inert whatever the package contains."""

import re

from app.core.diff.html_report import html_text, make_visible, render_report, write_report
from app.core.diff.release import diff_artifacts
from tests.core.diff.fixtures import fake_scan, hit, make_sdist, pkg_info

HOSTILE = "<script>alert(1)</script>"
ANSI = "\x1b[2J\x1b[31mred"
BIDI = "access = 'user\u202e \u2066// admin\u2069 \u2066'"


def hostile_diff(tmp_path):
    old = make_sdist(
        tmp_path,
        "demo",
        "1.0",
        {
            "PKG-INFO": pkg_info("demo", "1.0", "Author: Alice"),
            "demo/app.py": "def check(user):\n    return user == 'root'\n",
        },
    )
    new = make_sdist(
        tmp_path,
        "demo",
        "1.1",
        {
            "PKG-INFO": pkg_info("demo", "1.1", f"Author: {HOSTILE}\nHome-page: {ANSI}"),
            "demo/app.py": f"def check(user):\n    {BIDI}\n    return user == 'root'\n",
            f"demo/{HOSTILE}.py": f"# {ANSI}\nx = '{HOSTILE}'\n",
        },
    )
    scan = fake_scan(
        {"1.1": [hit(f"obf.{HOSTILE}", f"demo/{HOSTILE}.py", 2, f"x = '{HOSTILE}'\x1b[0m\u202e")]}
    )
    return diff_artifacts(old, new, scan=scan)


def test_no_script_and_no_raw_hostile_characters(tmp_path):
    page = render_report(hostile_diff(tmp_path))
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for ch in ("\x1b", "\u202e", "\u2066", "\u2069"):
        assert ch not in page, f"raw {ch!r} in the report"
    # ...but the moderator still sees that they were there, as escapes.
    assert '<span class="ctl">\\x1b</span>' in page
    assert '<span class="ctl">\\u202e</span>' in page
    assert '<span class="ctl">\\u2066</span>' in page


def test_self_contained_no_external_resources(tmp_path):
    page = render_report(hostile_diff(tmp_path))
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page, re.I)
    assert not re.search(r"\b(src|href)\s*=\s*['\"]?(https?:|//|javascript:)", page, re.I)
    assert re.search(r"\son\w+\s*=", page) is None  # no event handler attributes


def test_report_contents_file_list_capabilities_and_highlighted_diff(tmp_path):
    diff = hostile_diff(tmp_path)
    page = render_report(diff)
    assert "Capability delta" in page and "obf.&lt;script&gt;" in page
    assert "<td class='mono'>demo/&lt;script&gt;alert(1)&lt;/script&gt;.py</td><td>1</td>" in page
    assert "Install surface" in page and "Metadata" in page
    assert "demo/app.py" in page
    assert '<span class="k">def</span>' in page  # pygments token classes
    assert ".code .k" in page  # and their CSS, inline
    assert "<mark>" in page  # intraline change marks
    assert "@@ -1,2 +1,3 @@" in page


def test_attribute_context_is_escaped_too():
    assert html_text("a' onmouseover='x") == "a&#x27; onmouseover=&#x27;x"
    assert html_text('"><b>') == "&quot;&gt;&lt;b&gt;"


def test_make_visible_for_terminals():
    assert (
        make_visible("ok\x1b[31m\u202e\u200b\U000e0041\t")
        == "ok\\x1b[31m\\u202e\\u200b\\U000e0041\t"
    )


def test_binary_and_too_large_files_are_noted_not_rendered(tmp_path, monkeypatch):
    import app.core.diff.html_report as report

    old = make_sdist(tmp_path, "demo", "1.0", {"lib.so": b"\x00" * 64, "big.py": "a\n" * 50})
    new = make_sdist(tmp_path, "demo", "1.1", {"lib.so": b"\x01" * 64, "big.py": "b\n" * 50})
    diff = diff_artifacts(old, new, capabilities=False)
    monkeypatch.setattr(report, "MAX_RENDERED_LINES", 10)
    page = report.render_report(diff)
    assert "binary file, not shown" in page
    assert "diff lines left out" in page


def test_write_report_writes_utf8_file(tmp_path):
    out = write_report(hostile_diff(tmp_path), tmp_path / "r.html")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
