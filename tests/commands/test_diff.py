"""``vetbench diff``: exit codes, JSON schema, human output, HTML report."""

import json

import pytest

from app.cli import main
from tests.core.diff.fixtures import make_sdist, pkg_info

CLEAN = "def add(a, b):\n    return a + b\n"
POISON = "import base64\nexec(base64.b64decode('cHJpbnQoJ2hpJyk='))\n"


@pytest.fixture
def releases(tmp_path):
    old = make_sdist(
        tmp_path,
        "demo",
        "1.0",
        {
            "PKG-INFO": pkg_info("demo", "1.0", "Author: Alice"),
            "demo/__init__.py": CLEAN,
            "demo/util.py": "".join(f"V{i} = {i}\n" for i in range(40)),
        },
    )
    new = make_sdist(
        tmp_path,
        "demo",
        "1.1",
        {
            "PKG-INFO": pkg_info("demo", "1.1", "Author: Mallory"),
            "demo/__init__.py": CLEAN + POISON,
            "demo/helpers.py": "".join(f"V{i} = {i}\n" for i in range(40)) + "W = 1\n",
            "demo_boot.pth": "import demo\n",
        },
    )
    return old.source, new.source, tmp_path


def run(capsys, *argv):
    code = main(["diff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_schema_and_added_capability(releases, capsys):
    old, new, tmp = releases
    code, out, err = run(capsys, old, new, "--json", "--db", str(tmp / "cache.sqlite"))
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "vetbench.diff/1"
    files = {f["path"]: f for f in doc["files"]}
    assert files["demo/helpers.py"]["status"] == "renamed"
    assert files["demo/helpers.py"]["old_path"] == "demo/util.py"
    assert files["demo/__init__.py"]["lines_added"] == 2
    added = {h["capability"] for h in doc["capabilities"]["added"]}
    assert any(c.startswith("exec") for c in added), added
    assert any(i["kind"] == "pth" for i in doc["install_surface"])
    assert {"field": "author", "change": "modified", "old": "Alice", "new": "Mallory"} in doc[
        "metadata"
    ]
    assert doc["risk"]["new"]["score"] >= doc["risk"]["old"]["score"]


def test_human_output_lists_files_then_capabilities_then_surface(releases, capsys):
    old, new, tmp = releases
    code, out, _ = run(capsys, old, new, "--no-cache")
    assert code == 0
    assert out.index("Files:") < out.index("Capabilities added") < out.index("Install surface")
    assert "R demo/helpers.py  (from demo/util.py" in out
    assert "demo/__init__.py:4" in out  # path:line of the added exec (line 4 of the file)


def test_fail_on_reached_and_not_reached(releases, capsys):
    old, new, _ = releases
    assert run(capsys, old, new, "--no-cache", "--fail-on", "medium")[0] == 1
    # Diffing a release against itself adds nothing: never fails.
    assert run(capsys, new, new, "--no-cache", "--fail-on", "low")[0] == 0


def test_unusable_input_is_one_line_and_exit_2(tmp_path, capsys):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive at all")
    code, out, err = run(capsys, str(junk), str(tmp_path / "missing.whl"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("vetbench:")
    assert "Traceback" not in err


def test_bad_fail_on_level_is_exit_2(releases, capsys):
    old, new, _ = releases
    with pytest.raises(SystemExit) as exc:
        main(["diff", old, new, "--fail-on", "severe"])
    assert exc.value.code == 2


def test_html_report_written(releases, capsys):
    old, new, tmp = releases
    out_file = tmp / "evidence.html"
    code, _, _ = run(capsys, old, new, "--no-cache", "--html", str(out_file))
    assert code == 0
    page = out_file.read_text(encoding="utf-8")
    assert "Release diff: demo 1.0" in page and "<script" not in page


def test_ignore_whitespace_recounts(tmp_path, capsys):
    a = make_sdist(tmp_path, "w", "1.0", {"m.py": "def f():\n    return 1\n"})
    b = make_sdist(tmp_path, "w", "1.1", {"m.py": "def f():\n\treturn  1\n"})
    doc = json.loads(run(capsys, a.source, b.source, "--json", "--no-capabilities")[1])
    assert doc["files"][0]["lines_added"] == 1
    doc = json.loads(
        run(capsys, a.source, b.source, "--json", "--no-capabilities", "--ignore-whitespace")[1]
    )
    assert (doc["files"][0]["lines_added"], doc["files"][0]["lines_removed"]) == (0, 0)


def test_baseline_from_folder_picks_previous_release_by_version(tmp_path, capsys):
    releases = tmp_path / "releases"
    releases.mkdir()
    for version in ("1.0", "1.2rc1", "1.1", "1.10"):
        make_sdist(
            releases,
            "demo",
            version,
            {"PKG-INFO": pkg_info("demo", version), "demo/v.py": f"V = '{version}'\n"},
        )
    make_sdist(releases, "other", "1.1.5", {"PKG-INFO": pkg_info("other", "1.1.5")})
    new = make_sdist(
        tmp_path, "demo", "1.2", {"PKG-INFO": pkg_info("demo", "1.2"), "demo/v.py": "V = '1.2'\n"}
    )
    code, out, err = run(
        capsys, new.source, "--baseline-from", str(releases), "--json", "--no-capabilities"
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["old"]["version"] == "1.1"  # not 1.10 (later), not 1.2rc1 (prerelease)
    assert "demo-1.1.tar.gz" in err


def test_baseline_from_without_earlier_release_is_exit_2(tmp_path, capsys):
    new = make_sdist(tmp_path, "demo", "1.0", {"PKG-INFO": pkg_info("demo", "1.0")})
    empty = tmp_path / "none"
    empty.mkdir()
    code, out, err = run(capsys, new.source, "--baseline-from", str(empty))
    assert code == 2 and "no release of demo before 1.0" in err
    code, _, err = run(capsys, new.source)  # NEW alone without --baseline-from
    assert code == 2 and err.startswith("vetbench:")
