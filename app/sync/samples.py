"""Sample zips: the reviewed artifact inside a zip encrypted with the password ``infected``.

This is the convention of DataDog's malicious-software-packages-dataset (made with
``zip -P infected``): traditional PKWARE encryption ("ZipCrypto"), which every unzip tool and
Python's own :mod:`zipfile` read. The point is not secrecy, the password is public: it keeps
antivirus scanners and careless double-clicks away from live malware.

:mod:`zipfile` can read but not write encrypted entries, and pyzipper writes AES only (which
``unzip`` and :mod:`zipfile` cannot read), so the writer is here. The cipher is the one in
APPNOTE.TXT section 6.1 (PKWARE's .ZIP File Format Specification):

* three 32-bit keys start at 0x12345678, 0x23456789, 0x34567890 and are stirred with each
  password byte: ``k0 = crc32(k0, c); k1 = (k1 + (k0 & 0xff)) * 134775813 + 1;
  k2 = crc32(k2, k1 >> 24)``;
* each byte is XORed with ``((t * (t ^ 1)) >> 8) & 0xff`` where ``t = (k2 | 2) & 0xffff``, then
  the keys are stirred with the *plain* byte;
* the data is preceded by a 12-byte encryption header, whose last byte is the CRC's high byte
  (the password check readers do).

Samples are deterministic: the header's 11 "random" bytes are taken from the artifact's sha256
and the timestamp is fixed, so the same artifact always gives the same zip. Re-syncing then
never rewrites a sample, and git never sees a spurious change. The zip comment records the
artifact's sha256 so a sample can be checked without decrypting it.
"""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from app.sync.layout import DatasetError, atomic_write, open_regular

PASSWORD = b"infected"
COMMENT_PREFIX = b"vetbench-sample sha256="
# Larger artifacts are not copied into the dataset (the label still records their sha256): the
# pure-Python cipher runs at about 1-2 MiB/s, and malicious packages are rarely above 1 MiB.
MAX_SAMPLE_BYTES = 32 * 1024**2
_DOS_TIME, _DOS_DATE = 0, (2020 - 1980) << 9 | 1 << 5 | 1  # 2020-01-01 00:00, fixed


class SampleError(DatasetError):
    """A sample zip that cannot be written or is unsafe to read (zip-slip, link, damage)."""


def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC = _crc_table()


def zipcrypto_encrypt(
    plain: bytes, header11: bytes, check_byte: int, password: bytes = PASSWORD
) -> bytes:
    """Encryption header + ciphertext of ``plain`` under traditional PKWARE encryption."""
    table = _CRC
    k0, k1, k2 = 0x12345678, 0x23456789, 0x34567890
    for c in password:
        k0 = table[(k0 ^ c) & 0xFF] ^ (k0 >> 8)
        k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k2 = table[(k2 ^ (k1 >> 24)) & 0xFF] ^ (k2 >> 8)
    src = bytes(header11[:11]) + bytes([check_byte & 0xFF]) + plain
    out = bytearray(len(src))
    for i, c in enumerate(src):
        t = (k2 | 2) & 0xFFFF
        out[i] = c ^ (((t * (t ^ 1)) >> 8) & 0xFF)
        k0 = table[(k0 ^ c) & 0xFF] ^ (k0 >> 8)
        k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k2 = table[(k2 ^ (k1 >> 24)) & 0xFF] ^ (k2 >> 8)
    return bytes(out)


def build_sample_zip(data: bytes, entry_name: str, password: bytes = PASSWORD) -> bytes:
    """A one-entry zip of ``data`` named ``entry_name``, ZipCrypto-encrypted, deterministic."""
    if "/" in entry_name or "\\" in entry_name or entry_name in ("", ".", ".."):
        raise SampleError(f"{entry_name!r}: not a plain file name")
    sha = hashlib.sha256(data).hexdigest()
    crc = zlib.crc32(data) & 0xFFFFFFFF
    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = comp.compress(data) + comp.flush()
    method, body = (8, deflated) if len(deflated) < len(data) else (0, data)
    header11 = hashlib.sha256(b"vetbench-zipcrypto:" + sha.encode()).digest()[:11]
    enc = zipcrypto_encrypt(body, header11, crc >> 24, password)
    name = entry_name.encode("utf-8")
    flags = 0x0001 | (0x0800 if not entry_name.isascii() else 0)
    local = struct.pack(
        "<IHHHHHIIIHH",
        0x04034B50,
        20,
        flags,
        method,
        _DOS_TIME,
        _DOS_DATE,
        crc,
        len(enc),
        len(data),
        len(name),
        0,
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        (3 << 8) | 20,
        20,
        flags,
        method,
        _DOS_TIME,
        _DOS_DATE,
        crc,
        len(enc),
        len(data),
        len(name),
        0,
        0,
        0,
        0,
        (stat.S_IFREG | 0o644) << 16,
        0,
    )
    comment = COMMENT_PREFIX + sha.encode()
    cd_offset = len(local) + len(name) + len(enc)
    cd = central + name
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cd), cd_offset, len(comment))
    return local + name + enc + cd + eocd + comment


def write_sample(root: Path, rel: str, artifact_path: Path, entry_name: str) -> str:
    """Zip ``artifact_path`` into ``root/rel`` (atomic); returns the artifact's sha256."""
    p = Path(artifact_path)
    try:
        size = p.stat().st_size
        if size > MAX_SAMPLE_BYTES:
            raise SampleError(f"{p.name}: {size} bytes is too large for a sample")
        data = p.read_bytes()
    except OSError as exc:
        raise SampleError(f"{p}: cannot read the artifact ({exc.strerror})") from exc
    atomic_write(root, rel, build_sample_zip(data, entry_name))
    return hashlib.sha256(data).hexdigest()


@dataclass
class SampleInfo:
    """What a sample zip holds, read from its directory only (nothing is extracted)."""

    entries: list[str]
    recorded_sha256: str | None  # from the vetbench comment, if any
    encrypted: bool


def _unsafe_entry(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    mode = info.external_attr >> 16
    if "\x00" in name:
        return "NUL in name"
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return "absolute path"
    if any(part == ".." for part in norm.split("/")):
        return "path escapes the archive (zip-slip)"
    if stat.S_ISLNK(mode):
        return "symlink entry"
    return None


def inspect_sample(root: Path, rel: str, max_bytes: int = 2 * 1024**3) -> SampleInfo:
    """List a sample zip inside the dataset, refusing zip-slip names and link entries."""
    try:
        fh = open_regular(root, rel, max_bytes)
    except FileNotFoundError as exc:
        raise SampleError(f"{rel}: missing") from exc
    with fh:
        try:
            with zipfile.ZipFile(fh) as zf:
                infos = zf.infolist()
                comment = zf.comment
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise SampleError(f"{rel}: not a readable zip ({exc})") from exc
    for info in infos:
        why = _unsafe_entry(info)
        if why:
            raise SampleError(f"{rel}: unsafe entry {info.filename!r}: {why}")
    recorded = None
    if comment.startswith(COMMENT_PREFIX):
        recorded = comment[len(COMMENT_PREFIX) :].decode("ascii", "replace")[:64]
    return SampleInfo(
        entries=[i.filename for i in infos],
        recorded_sha256=recorded,
        encrypted=any(i.flag_bits & 1 for i in infos),
    )


def read_sample_entry(zip_bytes: bytes, name: str | None = None) -> bytes:
    """Decrypt one entry of a sample zip held in memory (tests and verification)."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        info = zf.infolist()[0] if name is None else zf.getinfo(name)
        return zf.read(info, pwd=PASSWORD)
