"""A forward-only tar reader that a hostile tarball cannot hurt.

:mod:`tarfile` reads pax and GNU long-name headers whole into memory whatever size they claim,
keeps every header it has seen, and has to inflate a skipped member to get past it. This
reader parses the 512-byte headers itself and streams everything else through the
:class:`~app.core.archive_collect.Collector`:

* every inflated byte is counted (headers, kept and skipped data alike): the stream may not
  inflate past the total limit, nor past ``max_ratio`` once ``stream_ratio_floor_bytes`` are out;
* extended headers larger than ``max_header_bytes`` are an error, not an allocation;
* links are recorded with their target, devices/FIFOs/sparse files skipped with a reason;
* a stream that breaks after some members keeps them: the artifact is flagged ``truncated``
  and the break recorded as a skip. Breaking on the first header is an error.
"""

from __future__ import annotations

import _compression
import bz2
import gzip
import io
import lzma
import zlib

from app.core.archive_collect import CHUNK, Collector, MemberTruncated
from app.core.archive_model import (
    HARDLINK,
    SYMLINK,
    CorruptArchive,
    LimitExceeded,
    Limits,
    UnsupportedFormat,
)
from app.core.archive_paths import decode_name

BLOCK = 512
_ZERO = bytes(BLOCK)
_REGULAR = (b"0", b"\x00", b"7")
_SPECIAL = {b"3": "character device", b"4": "block device", b"6": "FIFO"}
_XZ_MEMLIMIT = 256 * 1024**2
_STREAM_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, MemberTruncated)


class BadHeader(Exception):
    """A header block that is not a valid tar header."""


class CountingReader(io.RawIOBase):
    """Counts the compressed bytes a decompressor pulls from the file (for the ratio check)."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        data = self.raw.read(len(buf))
        buf[: len(data)] = data
        self.count += len(data)
        return len(data)


def decompressing_reader(raw, kind: str):
    """A file object inflating ``raw`` (gzip, bzip2, xz/lzma) and counting its input bytes."""
    counter = CountingReader(raw)
    if kind == "gzip":
        stream = gzip.GzipFile(fileobj=counter, mode="rb")
    elif kind == "bzip2":
        stream = bz2.BZ2File(counter)
    elif kind == "xz":
        stream = io.BufferedReader(
            _compression.DecompressReader(
                counter, lzma.LZMADecompressor, format=lzma.FORMAT_AUTO, memlimit=_XZ_MEMLIMIT
            )
        )
    else:
        raise ValueError(kind)
    return stream, counter


class _Stream:
    """Forward-only view of the tar bytes with the inflation budget and ratio checks."""

    def __init__(self, fileobj, limits: Limits, counter: CountingReader | None, size: int | None):
        self.f = fileobj
        self.limits = limits
        self.counter = counter
        self.size = size  # known length when the tar bytes are seekable (uncompressed)
        self.pos = 0
        self.inflated = 0
        self.budget = limits.max_total_bytes + 1024 * limits.max_members + 64 * 1024**2

    def read(self, n: int) -> bytes:
        data = self.f.read(n)
        self.pos += len(data)
        if self.counter is not None:
            self.inflated += len(data)
            self._check()
        return data

    def _check(self) -> None:
        limits = self.limits
        if self.inflated > self.budget:
            raise LimitExceeded(
                f"tar stream inflates beyond {limits.max_total_bytes} bytes (archive bomb?)"
            )
        if self.inflated > limits.stream_ratio_floor_bytes:
            ratio = self.inflated / max(self.counter.count, 1)
            if ratio > limits.max_ratio:
                raise LimitExceeded(
                    f"compression ratio {ratio:.0f}:1 after {self.inflated} bytes exceeds "
                    f"{limits.max_ratio:.0f}:1 (archive bomb?)"
                )

    def read_exact(self, n: int) -> bytes:
        parts, got = [], 0
        while got < n:
            chunk = self.read(min(n - got, CHUNK))
            if not chunk:
                raise MemberTruncated(f"archive ends {n - got} bytes early")
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts)

    def skip(self, n: int) -> None:
        if n <= 0:
            return
        if self.size is not None:
            if self.pos + n > self.size:
                raise MemberTruncated(f"archive ends {self.pos + n - self.size} bytes early")
            self.f.seek(n, io.SEEK_CUR)
            self.pos += n
            return
        while n > 0:
            chunk = self.read(min(n, CHUNK))
            if not chunk:
                raise MemberTruncated(f"archive ends {n} bytes early")
            n -= len(chunk)


def _nts(field: bytes) -> bytes:
    """A NUL-terminated header field (anything after the first NUL is not part of it)."""
    end = field.find(b"\x00")
    return field if end < 0 else field[:end]


def _number(field: bytes) -> int:
    """Octal ASCII, or GNU base-256 when the high bit of the first byte is set."""
    if field and field[0] & 0x80:
        if field[0] == 0xFF:
            raise BadHeader("negative number in header")
        return int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
    digits = _nts(field).strip(b" ")
    if not digits:
        return 0
    if digits.translate(None, b"01234567"):
        raise BadHeader(f"invalid number field {field[:12]!r}")
    return int(digits, 8)


def checksum_ok(block: bytes) -> bool:
    """The header checksum (unsigned, or the signed variant some old tars wrote)."""
    try:
        stored = _number(block[148:156])
    except BadHeader:
        return False
    unsigned = sum(block) - sum(block[148:156]) + 8 * 32
    if stored == unsigned:
        return True
    signed = sum(b - 256 if b > 127 else b for b in block) - sum(
        b - 256 if b > 127 else b for b in block[148:156]) + 8 * 32
    return stored == signed


def _parse_pax(buf: bytes) -> dict[bytes, bytes]:
    """pax extended header records: ``"%d %s=%s\\n"`` (length includes itself)."""
    out: dict[bytes, bytes] = {}
    pos = 0
    while pos < len(buf) and buf[pos] != 0:
        space = buf.find(b" ", pos, pos + 24)
        digits = buf[pos:space] if space > pos else b""
        if not digits.isdigit():
            raise BadHeader("malformed pax record")
        length = int(digits)
        if length <= space - pos or pos + length > len(buf) or buf[pos + length - 1] != 0x0A:
            raise BadHeader("malformed pax record length")
        key, _, value = buf[space + 1 : pos + length - 1].partition(b"=")
        out[key] = value
        pos += length
    return out


def read_tar(fileobj, collector: Collector, *, counter: CountingReader | None = None,
             size: int | None = None) -> None:
    """Read a tar stream (already decompressed; ``counter`` counts the compressed bytes)."""
    st = _Stream(fileobj, collector.limits, counter, size)
    limits = collector.limits
    long_name: bytes | None = None
    long_link: bytes | None = None
    pax: dict[bytes, bytes] = {}
    headers = 0
    current = "(first header)"
    try:
        while True:
            current = "(next header)"
            block = st.read(BLOCK)
            if len(block) < BLOCK:
                if block or headers == 0:
                    raise MemberTruncated("archive ends inside a header")
                break  # end of data without the end-of-archive blocks: tolerated
            if block == _ZERO:
                if headers == 0:
                    raise BadHeader("empty tar archive (first block is zeros)")
                break
            if not checksum_ok(block):
                raise BadHeader("header checksum mismatch")
            headers += 1
            typ = block[156:157]
            size_ = _number(block[124:136])
            padding = -size_ % BLOCK
            if typ in (b"L", b"K", b"x", b"g"):
                if size_ > limits.max_header_bytes:
                    raise BadHeader(f"extended header of {size_} bytes (> {limits.max_header_bytes})")
                data = st.read_exact(size_)
                st.skip(padding)
                if typ == b"L":
                    long_name = _nts(data)
                elif typ == b"K":
                    long_link = _nts(data)
                elif typ == b"x":
                    pax = _parse_pax(data)
                else:
                    _parse_pax(data)  # global header: validated, not applied
                continue
            name_b = _nts(block[0:100])
            if block[257:263] == b"ustar\x00" and block[345] != 0:
                name_b = _nts(block[345:500]) + b"/" + name_b
            link_b = _nts(block[157:257])
            if long_name is not None:
                name_b = long_name
            if long_link is not None:
                link_b = long_link
            name_b = pax.get(b"path", name_b)
            link_b = pax.get(b"linkpath", link_b)
            if b"size" in pax:
                if not pax[b"size"].isdigit():
                    raise BadHeader("malformed pax size")
                size_ = int(pax[b"size"])
                padding = -size_ % BLOCK
            sparse = typ == b"S" or any(k.startswith(b"GNU.sparse.") for k in pax)
            long_name = long_link = None
            pax = {}
            name, name_flags = decode_name(name_b)
            current = name
            _member(st, collector, block, typ, name, name_flags, link_b, size_, sparse)
            st.skip(padding)
    except BadHeader as exc:
        if headers == 0:
            raise UnsupportedFormat(f"not a tar archive ({exc})") from exc
        _broken(collector, current, f"corrupt tar header: {exc}")
    except _STREAM_ERRORS as exc:
        if headers == 0 and not collector.members:
            raise CorruptArchive(f"corrupt or truncated archive: {exc}") from exc
        _broken(collector, current, f"archive truncated or corrupt here: {exc}")


def _broken(collector: Collector, where: str, reason: str) -> None:
    collector.flag("nested-truncated" if collector.depth else "truncated")
    collector.skip(where, reason + "; the rest of the archive was not read")


def _member(st: _Stream, collector: Collector, block: bytes, typ: bytes, name: str,
            name_flags: tuple[str, ...], link_b: bytes, size: int, sparse: bool) -> None:
    """Handle one member header; leaves the stream at the start of the padding."""
    if typ in (b"5", b"D"):
        collector.count_folder()
        st.skip(size)
        return
    if typ == b"V":  # volume label: no file
        st.skip(size)
        return
    collector.count_member()
    if typ in (b"1", b"2"):
        target, _ = decode_name(link_b)
        collector.add_link(name, SYMLINK if typ == b"2" else HARDLINK, target, name_flags)
        st.skip(size)
        return
    if typ in _SPECIAL:
        collector.skip(name, f"{_SPECIAL[typ]} member: not read")
        st.skip(size)
        return
    if sparse:
        if typ == b"S" and block[482]:  # old GNU sparse: extension blocks follow the header
            while True:
                ext = st.read_exact(BLOCK)
                if not ext[504]:
                    break
        collector.skip(name, "sparse file member: not read")
        st.skip(size)
        return
    if typ in (b"M", b"N"):
        collector.skip(name, "GNU multi-volume or old long-name member: not read")
        st.skip(size)
        return
    if typ not in _REGULAR:
        name_flags += ("unknown-tar-type",)
    reason = collector.check_size(name, size)
    if reason:
        collector.skip(name, reason)
        st.skip(size)
        return
    remaining = size

    def read(n: int) -> bytes:
        nonlocal remaining
        data = st.read(min(n, remaining))
        remaining -= len(data)
        return data

    collector.add_stream(name, size, read, name_flags)
