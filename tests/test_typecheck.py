"""The core type-checks: mypy, with the settings of ``[tool.mypy]`` in pyproject.toml, finds
nothing in ``app.core``.

mypy runs as ``packaging/dev.sh test`` runs it (no arguments, the configuration read from
pyproject.toml), with a cache of its own so that the result does not depend on an earlier run.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_core_type_checks(tmp_path):
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    assert mypy, "mypy is part of the test extras"
    result = subprocess.run(
        [mypy, "--cache-dir", str(tmp_path / "mypy_cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    found = re.search(r"Success: no issues found in (\d+) source files", out)
    assert found, out
    assert int(found.group(1)) > 20, out  # the configuration names app.core, not one file
