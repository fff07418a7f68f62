"""Risk scoring, allowlist suppressions and the findings cache."""

from __future__ import annotations

import sqlite3

import pytest

from app.core.archive import open_artifact
from app.core.capabilities.allowlist import Allowlist, AllowlistError
from app.core.capabilities.cache import FindingsCache
from app.core.capabilities.catalogue import load_catalogue
from app.core.capabilities.hits import make_hit
from app.core.capabilities.risk import score
from app.core.capabilities.scan import RULES_VERSION, scan_artifact
from tests.core.archive.fixtures import make_sdist

ISSUE_IDS = [
    "install.setup_code",
    "install.pth_hook",
    "install.build_backend",
    "install.script_hook",
    "install.entrypoint_shadow",
    "process.spawn",
    "process.spawn_hidden",
    "process.shell_download",
    "exec.dynamic",
    "exec.decode_then_exec",
    "exec.remote_code",
    "exec.deserialize",
    "exec.native_load",
    "net.outbound",
    "net.download_to_disk",
    "net.reverse_shell",
    "net.exfil_endpoint",
    "net.dns_exfil",
    "cred.env_bulk",
    "cred.secret_files",
    "cred.browser_data",
    "collect.sysinfo",
    "collect.user_input",
    "fs.write_outside",
    "persist.autostart",
    "impact.destructive",
    "obf.encoded_blob",
    "obf.packer",
    "obf.unicode_trick",
    "artifact.binary",
    "meta.url_dependency",
    "meta.typosquat",
]


def hit(cap, sev, path="pkg/m.py", line=1):
    return make_hit(cap, sev, path, ["x"], line, None, 0, "x", "test.rule", "A test hit.")


def test_catalogue_has_every_issue_id_with_severity_and_description():
    cat = load_catalogue()
    for cid in ISSUE_IDS:
        assert cid in cat, cid
        assert cat[cid]["severity"] in ("none", "low", "medium", "high", "critical")
        assert cat[cid]["description"].endswith(".")
        assert isinstance(cat[cid]["references"], list)
    assert cat["exec.decode_then_exec"]["severity"] == "critical"
    assert cat["net.outbound"]["severity"] == "low"


def test_many_low_hits_never_make_high():
    hits = [hit("net.outbound", "low", f"pkg/m{i}.py", i) for i in range(200)]
    hits += [hit("collect.sysinfo", "low", f"pkg/s{i}.py") for i in range(50)]
    risk = score(hits)
    assert risk.level == "low" and risk.score < 3


def test_many_medium_hits_stay_medium():
    hits = [hit("process.spawn", "medium", f"pkg/m{i}.py") for i in range(100)]
    assert score(hits).level == "medium"


def test_a_chain_in_one_file_raises_the_level():
    same_file = [hit("collect.sysinfo", "low"), hit("net.exfil_endpoint", "medium")]
    assert score(same_file).level == "high"
    apart = [hit("collect.sysinfo", "low", "a.py"), hit("net.exfil_endpoint", "medium", "b.py")]
    assert score(apart).level == "medium"
    dropper = [hit("net.download_to_disk", "high"), hit("process.spawn", "high")]
    assert score(dropper).level == "critical"


def test_score_bands_and_empty():
    assert score([]).level == "none" and score([]).score == 0
    crit = score([hit("exec.decode_then_exec", "critical")])
    assert crit.level == "critical" and 8.5 <= crit.score <= 10


def test_allowlist_by_sha_and_glob_keeps_hits_visible(tmp_path):
    allow = Allowlist.parse("# reviewed\nsha256 " + "a" * 64 + "\npath tests/* net.outbound\n")
    hits = [
        hit("net.outbound", "high", "tests/t.py"),
        hit("exec.decode_then_exec", "critical", "tests/t.py"),
        hit("process.spawn", "medium", "pkg/x.py"),
    ]
    out = allow.apply(hits, {"tests/t.py": "b" * 64, "pkg/x.py": "a" * 64})
    sev = {(h.capability, h.path): h.severity for h in out}
    assert sev[("net.outbound", "tests/t.py")] == "none"
    assert sev[("exec.decode_then_exec", "tests/t.py")] == "critical"  # a glob never hides critical
    assert sev[("process.spawn", "pkg/x.py")] == "none"  # exact content reviewed
    assert len(out) == 3 and any("allowed by" in h.explanation for h in out)


@pytest.mark.parametrize(
    "text",
    [
        "path * net.outbound\n",
        "path tests/* *\n",
        "sha256 xyz\n",
        "path tests/* no.such_capability\n",
        "ignore everything\n",
    ],
)
def test_allowlist_refuses_entries_that_could_hide_everything(text):
    with pytest.raises(AllowlistError):
        Allowlist.parse(text)


def test_findings_cache_makes_rescans_free_and_follows_renamed_folders(tmp_path):
    evil = b"import os\ndef f():\n    os.system('id')\n"
    a = make_sdist(tmp_path, name="demo", version="1.0", files={"demo/core.py": evil})
    b_dir = tmp_path / "next"
    b_dir.mkdir()
    b = make_sdist(
        b_dir, name="demo", version="1.1", files={"demo/core.py": evil, "demo/new.py": b"X = 2\n"}
    )
    db = tmp_path / "cache.sqlite"
    with FindingsCache(db) as cache:
        first = scan_artifact(open_artifact(a), cache=cache)
        assert cache.hits == 0 and cache.misses > 0
        misses_first = cache.misses
        again = scan_artifact(open_artifact(a), cache=cache)
        assert cache.hits == misses_first and cache.misses == misses_first  # nothing re-analysed
        assert [h.to_json() for h in again.findings] == [h.to_json() for h in first.findings]
        misses_before = cache.misses
        nxt = scan_artifact(open_artifact(b), cache=cache)
        # only PKG-INFO and setup.py (their version changed) and the new file are analysed
        assert cache.misses - misses_before == 3
    assert any(h.path == "demo/core.py" and h.capability == "process.spawn" for h in nxt.findings)
    rows = (
        sqlite3.connect(db).execute("SELECT DISTINCT rules_version FROM findings_cache").fetchall()
    )
    assert rows == [(RULES_VERSION,)]


def test_findings_cache_never_makes_a_second_process_wait(tmp_path):
    """Two scans sharing one cache file (``scan --jobs``): puts not yet flushed by one must
    not hold the file's write lock while it goes on analysing."""
    db = tmp_path / "cache.sqlite"
    hit = make_hit("net.outbound", "low", "a.py", ["x"], 1, None, 0, "x", "r", "e")
    first = FindingsCache(db)
    first.put("a" * 64, RULES_VERSION, "code:py", [hit])
    assert (
        first.get("a" * 64, RULES_VERSION, "code:py", "b.py")[0][0].path == "b.py"
    )  # pending is readable
    second = FindingsCache(db)
    second._conn.execute(
        "PRAGMA busy_timeout=0"
    )  # waiting would raise "database is locked" at once
    second.put("b" * 64, RULES_VERSION, "code:py", [])
    second.flush()
    first.close()
    second.close()
    rows = (
        sqlite3.connect(db).execute("SELECT sha256 FROM findings_cache ORDER BY sha256").fetchall()
    )
    assert rows == [("a" * 64,), ("b" * 64,)]


def test_the_cache_key_changes_when_the_analyser_changes(tmp_path, monkeypatch):
    """A cache filled by an older analyser must not serve its findings to a newer one: the key
    covers the analyser's source, not only the rule files."""
    from app.core.capabilities import scan

    folder = tmp_path / "capabilities"
    folder.mkdir()
    (tmp_path / "archive").mkdir()
    (folder / "rules.py").write_text("LIMIT = 1\n")
    monkeypatch.setattr(scan, "__file__", str(folder / "scan.py"))
    before = scan._rules_version()
    assert scan._rules_version() == before  # stable while nothing changes
    (folder / "rules.py").write_text("LIMIT = 2\n")
    assert scan._rules_version() != before
