"""Sample zips (ZipCrypto, password infected), OSV records and the manifest."""

import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile

import pytest

from app.sync.layout import sample_relpath
from app.sync.manifest import build_manifest, dump_manifest
from app.sync.osv import build_osv, dump_osv, parse_osv
from app.sync.samples import (
    SampleError,
    build_sample_zip,
    inspect_sample,
    write_sample,
    zipcrypto_encrypt,
)


def test_stdlib_zipfile_reads_our_encrypted_sample_only_with_the_password(tmp_path):
    data = b"PK-not-really" + bytes(range(256)) * 50
    blob = build_sample_zip(data, "evil_pkg-1.0.tar.gz")
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        (info,) = zf.infolist()
        assert info.filename == "evil_pkg-1.0.tar.gz"
        assert info.flag_bits & 1  # encrypted
        with pytest.raises(RuntimeError, match="password required"):
            zf.read(info)
        with pytest.raises(RuntimeError, match="Bad password"):
            zf.read(info, pwd=b"wrong")
        assert zf.read(info, pwd=b"infected") == data
    # Deterministic: the same artifact gives the same bytes (re-sync never rewrites).
    assert build_sample_zip(data, "evil_pkg-1.0.tar.gz") == blob


def test_incompressible_data_is_stored_and_still_decrypts():
    import os

    data = os.urandom(5000)
    blob = build_sample_zip(data, "x.whl")
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        assert zf.infolist()[0].compress_type == zipfile.ZIP_STORED
        assert zf.read("x.whl", pwd=b"infected") == data


def test_cipher_matches_zipfile_decrypter_on_known_header():
    # zipfile's own decrypter must invert our keystream byte for byte.
    plain = b"hello world"
    enc = zipcrypto_encrypt(plain, b"\x01" * 11, 0xAB)
    dec = zipfile._ZipDecrypter(b"infected")
    out = bytes(dec(enc))
    assert out[11] == 0xAB and out[12:] == plain


@pytest.mark.skipif(shutil.which("unzip") is None, reason="no unzip tool")
def test_unzip_tool_accepts_the_password(tmp_path):
    art = tmp_path / "a-1.tar.gz"
    art.write_bytes(b"payload" * 100)
    sha = write_sample(tmp_path, "samples/pypi/a/1/a-1.tar.gz.zip", art, art.name)
    assert sha == hashlib.sha256(art.read_bytes()).hexdigest()
    out = subprocess.run(
        ["unzip", "-P", "infected", "-p", str(tmp_path / "samples/pypi/a/1/a-1.tar.gz.zip")],
        capture_output=True,
        check=True,
    )
    assert out.stdout == art.read_bytes()


def _zip_with(names, tmp_path, symlink=False):
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for n in names:
            info = zipfile.ZipInfo(n)
            if symlink:
                info.external_attr = (0o120777) << 16
            zf.writestr(info, b"x")
    return path


@pytest.mark.parametrize("entry", ["../../etc/cron.d/x", "/abs/path", "a/../../b", "C:/win"])
def test_zip_slip_entries_are_refused(tmp_path, entry):
    _zip_with(["ok.py", entry], tmp_path)
    with pytest.raises(SampleError, match="unsafe entry"):
        inspect_sample(tmp_path, "s.zip")


def test_symlink_entries_are_refused(tmp_path):
    _zip_with(["link"], tmp_path, symlink=True)
    with pytest.raises(SampleError, match="symlink entry"):
        inspect_sample(tmp_path, "s.zip")


def test_inspect_reports_recorded_sha(tmp_path):
    art = tmp_path / "p-1.tgz"
    art.write_bytes(b"abc")
    rel = sample_relpath("npm", "p", "1.0.0", art.name)
    sha = write_sample(tmp_path, rel, art, art.name)
    info = inspect_sample(tmp_path, rel)
    assert info.recorded_sha256 == sha and info.encrypted and info.entries == ["p-1.tgz"]


def _lb(reviewer, version, verdict="malicious", **kw):
    return {
        "ecosystem": "pypi",
        "name": "evil-pkg",
        "version": version,
        "reviewer": reviewer,
        "verdict": verdict,
        "action": kw.get("action", "remove_project"),
        "reason": kw.get("reason", "steals"),
        "decided_at": kw.get("at"),
    }


def test_osv_record_is_shaped_like_ossf_unnumbered_contributions():
    rec = build_osv(
        "pypi",
        "evil-pkg",
        ["1.10", "1.2"],
        [
            _lb("alice", "1.2", at="2026-01-02T00:00:00Z"),
            _lb("bob", "1.10", at="2026-01-05T00:00:00Z"),
        ],
        iocs={"domains": ["example.invalid"]},
    )
    assert "id" not in rec and "summary" not in rec
    assert rec["published"] == "2026-01-02T00:00:00Z" and rec["modified"] == "2026-01-05T00:00:00Z"
    assert len(rec["affected"]) == 1
    assert rec["affected"][0] == {
        "package": {"ecosystem": "PyPI", "name": "evil-pkg"},
        "versions": ["1.2", "1.10"],
    }
    origins = rec["database_specific"]["malicious-packages-origins"]
    assert all(re.match(r"^[a-z0-9-]+$", o["source"]) for o in origins)
    assert rec["database_specific"]["iocs"] == {"domains": ["example.invalid"]}
    assert parse_osv(dump_osv(rec)) == rec
    assert {c["name"] for c in rec["credits"]} == {"alice", "bob"}


def test_manifest_is_sorted_indent_4_with_versions_in_order():
    m = build_manifest(
        {
            ("pypi", "zeta"): {"1.10", "1.9"},
            ("pypi", "alpha"): ["0.1"],
            ("npm", "x"): [],
            ("npm", "@s/y"): ["1.0.0"],
        }
    )
    text = dump_manifest(m).decode()
    assert json.loads(text) == {
        "npm": {"@s/y": ["1.0.0"]},
        "pypi": {"alpha": ["0.1"], "zeta": ["1.9", "1.10"]},
    }
    assert text.index('"npm"') < text.index('"pypi"')
    assert '\n    "npm": {\n        "@s/y": [\n            "1.0.0"' in text
