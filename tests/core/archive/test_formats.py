"""Round trips: every artifact kind opens to the same uniform view of what was put in it."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from app.core.archive import (
    Limits,
    PasswordRequired,
    UnsupportedFormat,
    open_artifact,
    open_bytes,
    sniff_format,
)
from tests.core.archive import fixtures as F


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("compression", ["gz", "bz2", "xz", "tgz", ""])
def test_sdist_tarballs_open_with_top_folder_stripped(tmp_path, compression):
    path = F.make_sdist(
        tmp_path,
        "demo",
        "1.2",
        compression,
        file_name="demo-1.2.tar" if compression == "" else None,
    )
    art = open_artifact(path)
    assert (art.format, art.ecosystem, art.name, art.version) == ("sdist", "pypi", "demo", "1.2")
    assert sorted(m.path for m in art.members) == ["PKG-INFO", "demo/__init__.py", "setup.py"]
    assert art.metadata["top_folder"] == "demo-1.2"
    setup = art.member("setup.py")
    assert setup.kind == "text"
    assert setup.text == F.SETUP_PY.format(name="demo", version="1.2")
    assert setup.sha256 == _sha(setup.text.encode())
    assert art.sha256 == _sha(path.read_bytes())
    assert art.size == path.stat().st_size
    assert art.skips == [] and art.flags == []


def test_sdist_zip(tmp_path):
    art = open_artifact(F.make_sdist_zip(tmp_path, "zipped", "0.3"))
    assert (art.format, art.name, art.version) == ("sdist", "zipped", "0.3")
    assert art.member("zipped/__init__.py").text.startswith("def hello")


def test_wheel_is_not_stripped_and_reads_metadata(tmp_path):
    art = open_artifact(F.make_wheel(tmp_path, "wheely", "3.1.4"))
    assert (art.format, art.ecosystem, art.name, art.version) == (
        "wheel",
        "pypi",
        "wheely",
        "3.1.4",
    )
    assert art.member("wheely-3.1.4.dist-info/METADATA") is not None
    assert "top_folder" not in art.metadata
    assert art.metadata["headers"]["name"] == "wheely"


def test_wheel_under_a_tar_gz_name_is_sniffed_by_content(tmp_path):
    path = F.make_wheel(tmp_path, "liar", "1.0", file_name="liar-1.0-py3-none-any.tar.gz")
    art = open_artifact(path)
    assert (art.format, art.name, art.version) == ("wheel", "liar", "1.0")


def test_egg(tmp_path):
    art = open_artifact(F.make_egg(tmp_path, "eggy", "0.9"))
    assert (art.format, art.name, art.version) == ("egg", "eggy", "0.9")
    assert art.member("EGG-INFO/top_level.txt").text == "eggy\n"


def test_npm_tarball(tmp_path):
    art = open_artifact(
        F.make_npm_tarball(tmp_path, "left-pad", "1.3.0", scripts={"postinstall": "node x.js"})
    )
    assert (art.format, art.ecosystem, art.name, art.version) == ("npm", "npm", "left-pad", "1.3.0")
    assert art.metadata["top_folder"] == "package"
    assert sorted(m.path for m in art.members) == ["README.md", "index.js", "package.json"]
    assert art.metadata["package_json"]["scripts"] == {"postinstall": "node x.js"}
    assert art.target() == {
        "path": art.source,
        "ecosystem": "npm",
        "name": "left-pad",
        "version": "1.3.0",
        "sha256": art.sha256,
    }


def test_scoped_npm_name_comes_from_package_json(tmp_path):
    art = open_artifact(F.make_npm_tarball(tmp_path, "@acme/tool", "2.0.0-beta.1"))
    assert (art.name, art.version, art.ecosystem) == ("@acme/tool", "2.0.0-beta.1", "npm")


def test_plain_directory(tmp_path):
    root = F.make_directory(tmp_path, "folder", "4.5")
    art = open_artifact(root)
    assert (art.format, art.name, art.version, art.sha256) == ("directory", "folder", "4.5", None)
    assert art.member("folder/__init__.py").text.startswith("def hello")


def test_directory_holding_one_unpacked_sdist_is_stripped(tmp_path):
    F.make_directory(tmp_path, "inner", "1.0")
    art = open_artifact(tmp_path)
    assert art.metadata["top_folder"] == "inner-1.0"
    assert art.member("PKG-INFO") is not None


@pytest.mark.parametrize("aes", [False, True], ids=["zipcrypto", "aes"])
def test_sample_zip_opens_as_the_artifact_inside(tmp_path, aes):
    inner = F.make_sdist(tmp_path, "evil", "6.6.6", files={"evil/run.py": F.EVIL_PY.encode()})
    sample = F.make_sample_zip(tmp_path, inner, aes=aes, out_name="evil-6.6.6.zip")
    art = open_artifact(sample)
    assert art.flags[:2] == ["sample-zip", "encrypted"]
    assert (art.format, art.name, art.version) == ("sdist", "evil", "6.6.6")
    assert art.sha256 == _sha(inner.read_bytes())  # the artifact's hash, not the zip's
    assert art.metadata["sample_zip"]["sha256"] == _sha(sample.read_bytes())
    assert art.metadata["sample_zip"]["entry"] == inner.name
    assert art.member("evil/run.py").text == F.EVIL_PY


def test_sample_zip_of_a_wheel_named_like_an_sdist(tmp_path):
    inner = F.make_wheel(tmp_path, "hidden", "0.1", file_name="hidden-0.1-py3-none-any.tar.gz")
    art = open_artifact(F.make_sample_zip(tmp_path, inner))
    assert (art.format, art.name, art.version) == ("wheel", "hidden", "0.1")
    assert "sample-zip" in art.flags


def test_sample_zip_name_falls_back_to_the_entry_name(tmp_path):
    raw = F.tar_bytes([("noinfo-2.5/setup.py", b"x = 1\n")])
    inner = tmp_path / "noinfo-2.5.tar.gz"
    inner.write_bytes(F.compress(raw, "gz"))
    art = open_artifact(F.make_sample_zip(tmp_path, inner, out_name="sample.zip"))
    assert (art.name, art.version) == ("noinfo", "2.5")
    assert art.metadata["identified_from"] == "file name"


def test_sample_of_loose_files_opens_like_a_directory(tmp_path):
    art = open_artifact(F.make_loose_sample_zip(tmp_path, "loose-2.0"))
    assert art.format == "directory"
    assert "sample-zip" in art.flags
    assert (art.name, art.version) == ("loose", "2.0")
    assert sorted(m.path for m in art.members) == ["PKG-INFO", "loose/__init__.py", "setup.py"]
    assert art.metadata["top_folders"] == ["loose-2.0", "loose-2.0"]


def test_sample_zip_with_another_password_is_a_typed_error(tmp_path):
    inner = F.make_sdist(tmp_path, "demo", "1.0")
    sample = F.make_sample_zip(tmp_path, inner, password=b"not-infected")
    with pytest.raises(PasswordRequired, match="sample"):
        open_artifact(sample)


def test_file_name_fallback_when_no_metadata(tmp_path):
    path = tmp_path / "mystery_pkg-0.0.7.tar.gz"
    path.write_bytes(F.compress(F.tar_bytes([("mystery_pkg-0.0.7/setup.py", b"x = 1\n")]), "gz"))
    art = open_artifact(path)
    assert (art.name, art.version, art.format) == ("mystery_pkg", "0.0.7", "sdist")


def test_text_decoding_utf8_declared_codec_then_latin1(tmp_path):
    declared = "# -*- coding: cp1252 -*-\ns = '\u20ac'\n".encode("cp1252")
    latin = "caf\xe9 = 1\n".encode("latin-1")
    path = tmp_path / "enc-1.0.zip"
    path.write_bytes(
        F.zip_bytes(
            {
                "utf8.py": "s = '\u00e9\u20ac'\n".encode(),
                "declared.py": declared,
                "notes.txt": latin,
                "blob.bin": b"\x00\x01\x02binary",
            }
        )
    )
    art = open_artifact(path)
    assert art.member("utf8.py").text == "s = '\u00e9\u20ac'\n"
    assert art.member("utf8.py").encoding == "utf-8"
    assert art.member("declared.py").text.endswith("'\u20ac'\n")
    assert art.member("declared.py").encoding == "cp1252"
    assert art.member("notes.txt").text == "caf\xe9 = 1\n"
    assert art.member("notes.txt").detect_encoding() == "latin-1"
    blob = art.member("blob.bin")
    assert blob.kind == "binary" and blob.text is None and blob.data == b"\x00\x01\x02binary"


def test_open_bytes_matches_open_artifact(tmp_path):
    path = F.make_wheel(tmp_path, "same", "1.0")
    from_file = open_artifact(path)
    from_bytes = open_bytes(path.read_bytes(), "same-1.0-py3-none-any.whl")
    assert [(m.path, m.sha256) for m in from_file.members] == [
        (m.path, m.sha256) for m in from_bytes.members
    ]
    assert from_bytes.sha256 == from_file.sha256


def test_sniffing_uses_magic_bytes_not_names(tmp_path):
    assert sniff_format(b"PK\x03\x04rest") == "zip"
    assert sniff_format(b"\x1f\x8b\x08") == "gzip"
    assert sniff_format(b"BZh91AY&SY") == "bzip2"
    assert sniff_format(b"BZhello world") is None  # text starting with "BZh"
    assert sniff_format(b"\xfd7zXZ\x00") == "xz"
    assert sniff_format(F.tar_bytes([("a", b"x")])) == "tar"
    assert sniff_format(b"#!/usr/bin/env python\n") is None
    fake = tmp_path / "fake-1.0.tar.gz"
    fake.write_text("print('not an archive')\n")
    with pytest.raises(UnsupportedFormat, match="fake-1.0.tar.gz"):
        open_artifact(fake)


def test_v7_tar_without_magic_is_sniffed_by_checksum(tmp_path):
    import tarfile

    raw = F.tar_bytes([("old-1.0/setup.py", b"x = 1\n")], fmt=tarfile.USTAR_FORMAT)
    block = bytearray(raw[:512])
    block[257:265] = bytes(8)  # no "ustar" magic, as in pre-POSIX tars
    block[148:156] = b" " * 8
    block[148:156] = f"{sum(block):06o}\x00 ".encode()
    path = tmp_path / "old-1.0.tar"
    path.write_bytes(bytes(block) + raw[512:])
    art = open_artifact(path)
    assert [m.path for m in art.members] == ["setup.py"]


def test_big_binaries_keep_hash_size_and_entropy_but_not_bytes(tmp_path):
    import os

    blob = os.urandom(300_000)
    small = bytes(range(256)) * 4
    path = tmp_path / "bin-1.0.zip"
    path.write_bytes(F.zip_bytes({"big.so": b"\x7fELF" + blob, "small.so": small}))
    art = open_artifact(path, Limits(max_kept_binary_bytes=100_000))
    big = art.member("big.so")
    assert big.data is None and big.size == len(blob) + 4
    assert big.sha256 == _sha(b"\x7fELF" + blob)
    assert 7.9 < big.entropy <= 8.0  # random bytes
    kept = art.member("small.so")
    assert kept.data == small and kept.entropy == 8.0


def test_entropy_of_streamed_and_kept_members_agree(tmp_path):
    import os

    blob = b"\x00" + os.urandom(200_000) + bytes(200_000)
    path = tmp_path / "e-1.0.zip"
    path.write_bytes(F.zip_bytes({"x.bin": blob}))
    dropped = open_artifact(path, Limits(max_kept_binary_bytes=1000)).member("x.bin")
    kept = open_artifact(path).member("x.bin")
    assert dropped.data is None and kept.data == blob
    assert dropped.entropy == kept.entropy


def test_zip_with_folder_entries_and_stored_members(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("pkg-1.0/", b"")
        zf.writestr("pkg-1.0/sub/", b"")
        zf.writestr("pkg-1.0/sub/a.py", b"a = 1\n")
        zf.writestr("pkg-1.0/PKG-INFO", F.pkg_info("pkg", "1.0"))
    path = tmp_path / "pkg-1.0.zip"
    path.write_bytes(buf.getvalue())
    art = open_artifact(path)
    assert sorted(m.path for m in art.members) == ["PKG-INFO", "sub/a.py"]
    assert (art.format, art.name) == ("sdist", "pkg")


def test_zip_with_one_plain_folder_keeps_it(tmp_path):
    """Only a folder holding a package file (PKG-INFO, setup.py...) is an sdist top folder."""
    path = tmp_path / "assets.zip"
    path.write_bytes(F.zip_bytes({"dist/app.js": b"x\n", "dist/app.css": b"y\n"}))
    art = open_artifact(path)
    assert sorted(m.path for m in art.members) == ["dist/app.css", "dist/app.js"]
    assert "top_folder" not in art.metadata
