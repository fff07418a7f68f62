"""A forward-only tar reader that a hostile tarball cannot hurt.

:mod:`tarfile` reads pax and GNU long-name headers whole into memory whatever size they claim,
keeps every header it has seen, and has to inflate a skipped member to get past it. This
reader parses the 512-byte headers itself and streams everything else through the
:class:`~app.core.archive.collect.Collector`:

* every inflated byte is counted (headers, kept and skipped data alike): the stream may not
  inflate past the total limit, nor past ``max_ratio`` once ``stream_ratio_floor_bytes`` are out;
* extended headers larger than ``max_header_bytes`` are an error, not an allocation;
* links are recorded with their target, devices/FIFOs skipped with a reason;
* GNU sparse members (old ``S`` headers, pax formats 0.0, 0.1 and 1.0) are read as tarfile
  extracts them -- stored chunks at their offsets, holes as zeros -- bounded by the member size
  limit on the *expanded* size (see :mod:`app.core.archive.sparse`);
* a stream that breaks after some members keeps them: the artifact is flagged ``truncated``
  and the break recorded as a skip. Breaking on the first header is an error.
"""

from __future__ import annotations

import bz2
import io
import lzma
import zlib
from typing import cast

from app.core.archive.collect import CHUNK, Collector, MemberTruncated
from app.core.archive.model import (
    HARDLINK,
    SYMLINK,
    CorruptArchive,
    LimitExceeded,
    Limits,
    UnsupportedFormat,
)
from app.core.archive.paths import decode_name
from app.core.archive.sparse import read_sparse
from app.core.archive.tarfields import BLOCK, BadHeader, _number

_ZERO = bytes(BLOCK)
_REGULAR = (b"0", b"\x00", b"7")
_SPECIAL = {b"3": "character device", b"4": "block device", b"6": "FIFO"}
_XZ_MEMLIMIT = 256 * 1024**2
_STREAM_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, MemberTruncated)


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


class GzipRaw(io.RawIOBase):
    """gzip members one after another, inflated by zlib alone (header parsing included).

    :class:`gzip.GzipFile` reads the header's file-name and comment fields one byte per Python
    call, so a header with a 100 MB "file name" takes minutes; zlib skips it at C speed.
    """

    _READ = 64 * 1024

    def __init__(self, raw):
        self._raw = raw
        self._d = zlib.decompressobj(31)
        self._input = b""
        self.members = 1  # gzip members started (more than one: another reader may differ)
        self.trailing = False  # bytes after the last member that are not a gzip member
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        n = len(buf)
        while True:
            if self._done:
                return 0
            if self._d.eof:  # a member ended: another may follow (after zero padding)
                data = self._d.unused_data.lstrip(b"\x00")
                while len(data) < 2:
                    more = self._raw.read(self._READ)
                    if not more:
                        self._done = True
                        self.trailing = self.trailing or bool(data)
                        return 0
                    data = (data + more).lstrip(b"\x00")
                if not data.startswith(b"\x1f\x8b"):
                    # gzip.GzipFile (pip, tarfile) stops or fails here; a zip may follow
                    self._done = self.trailing = True
                    return 0
                self.members += 1
                self._d = zlib.decompressobj(31)
                self._input = data
            if not self._input:
                self._input = self._raw.read(self._READ)
                if not self._input:
                    raise EOFError("compressed file ended before the end-of-stream marker")
            out = self._d.decompress(self._input, n)
            self._input = self._d.unconsumed_tail
            if out:
                buf[: len(out)] = out
                return len(out)


class XzRaw(io.RawIOBase):
    """xz/lzma streams one after another, inflated by :mod:`lzma` with a memory limit.

    :class:`lzma.LZMAFile` accepts no ``memlimit`` and the reader it is built on lives in a
    private module (``_compression``, moved in 3.14), so this is that reader's logic written
    against public API: a new decompressor per concatenated stream, :class:`EOFError` when the
    input stops inside a stream, and trailing bytes that are not a stream are an error (not
    silently ignored, unlike ``LZMAFile``).
    """

    _READ = io.DEFAULT_BUFFER_SIZE

    def __init__(self, raw):
        self._raw = raw
        self._d = self._decompressor()
        self._eof = False

    @staticmethod
    def _decompressor() -> lzma.LZMADecompressor:
        return lzma.LZMADecompressor(format=lzma.FORMAT_AUTO, memlimit=_XZ_MEMLIMIT)

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        n = len(buf)
        if not n or self._eof:
            return 0
        while True:
            if self._d.eof:  # a stream ended: another may follow
                block = self._d.unused_data or self._raw.read(self._READ)
                if not block:
                    self._eof = True
                    return 0
                self._d = self._decompressor()
            elif self._d.needs_input:
                block = self._raw.read(self._READ)
                if not block:
                    raise EOFError(
                        "Compressed file ended before the end-of-stream marker was reached"
                    )
            else:
                block = b""
            out = self._d.decompress(block, n)
            if out:
                buf[: len(out)] = out
                return len(out)


def decompressing_reader(raw, kind: str):
    """A file object inflating ``raw`` (gzip, bzip2, xz/lzma) and counting its input bytes."""
    counter = CountingReader(raw)
    stream: io.BufferedIOBase
    if kind == "gzip":
        stream = io.BufferedReader(GzipRaw(counter), buffer_size=64 * 1024)
    elif kind == "bzip2":
        stream = bz2.BZ2File(counter)
    elif kind == "xz":
        stream = io.BufferedReader(XzRaw(counter))
    else:
        raise ValueError(kind)
    return stream, counter


class _Stream:
    """Forward-only, buffered view of the tar bytes with the inflation budget and ratio checks.

    Headers are read from a 64 KiB buffer (reading 512 bytes at a time from a decompressor
    costs more than parsing them); large reads and skips bypass it.
    """

    _BUFFER = 64 * 1024

    def __init__(self, fileobj, limits: Limits, counter: CountingReader | None, size: int | None):
        self.f = fileobj
        self.limits = limits
        self.counter = counter
        self.size = size  # known length when the tar bytes are seekable (uncompressed)
        self.pos = 0  # position in the tar bytes of the next byte handed out
        self.inflated = 0
        self.budget = limits.max_total_bytes + 1024 * limits.max_members + 64 * 1024**2
        self.buf = b""
        self.off = 0

    def _raw(self, n: int) -> bytes:
        # read1: one inflation step at a time, so a stream that breaks off mid-way hands out
        # what it inflated before the break (a buffered read(n) drops it with the error).
        data = self.f.read1(n) if hasattr(self.f, "read1") else self.f.read(n)
        if self.counter is not None:
            self.inflated += len(data)
            self._check()
        return data

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (fewer only at the end of the stream)."""
        off = self.off
        end = off + n
        if end <= len(self.buf):
            self.off = end
            self.pos += n
            return self.buf[off:end]
        parts = [self.buf[off:]] if off < len(self.buf) else []
        need = n - (len(self.buf) - off)
        self.buf, self.off = b"", 0
        if need >= self._BUFFER:
            while need > 0:
                data = self._raw(need)
                if not data:
                    break
                parts.append(data)
                need -= len(data)
        else:
            while need > 0:
                data = self._raw(self._BUFFER)
                if not data:
                    break
                if len(data) > need:
                    self.buf, self.off = data, need
                    data = data[:need]
                parts.append(data)
                need -= len(data)
        out = b"".join(parts)
        self.pos += len(out)
        return out

    def _check(self) -> None:
        limits = self.limits
        if self.inflated > self.budget:
            raise LimitExceeded(
                f"tar stream inflates beyond {limits.max_total_bytes} bytes (archive bomb?)"
            )
        if self.inflated > limits.stream_ratio_floor_bytes:
            # _raw checks only when there is a counter
            ratio = self.inflated / max(cast(CountingReader, self.counter).count, 1)
            if ratio > limits.max_ratio:
                raise LimitExceeded(
                    f"compression ratio {ratio:.0f}:1 after {self.inflated} bytes exceeds "
                    f"{limits.max_ratio:.0f}:1 (archive bomb?)"
                )

    def read_exact(self, n: int) -> bytes:
        data = self.read(n)
        if len(data) < n:
            raise MemberTruncated(f"archive ends {n - len(data)} bytes early")
        return data

    def skip(self, n: int) -> None:
        if n <= 0:
            return
        avail = len(self.buf) - self.off
        if n <= avail:
            self.off += n
            self.pos += n
            return
        self.pos += avail
        n -= avail
        self.buf, self.off = b"", 0
        if self.size is not None:
            if self.pos + n > self.size:
                raise MemberTruncated(f"archive ends {self.pos + n - self.size} bytes early")
            self.f.seek(n, io.SEEK_CUR)
            self.pos += n
            return
        while n > 0:
            chunk = self._raw(min(n, CHUNK))
            if not chunk:
                raise MemberTruncated(f"archive ends {n} bytes early")
            self.pos += len(chunk)
            n -= len(chunk)


def _nts(field: bytes) -> bytes:
    """A NUL-terminated header field (anything after the first NUL is not part of it)."""
    return field.split(b"\x00", 1)[0]


def checksum_ok(block: bytes) -> bool:
    """The header checksum (unsigned, or the signed variant some old tars wrote).

    The byte sum comes from Adler-32, whose low half is ``1 + sum mod 65521`` (a 512-byte
    block sums to at most 130560, so two candidates remain): C speed for a million headers.
    """
    try:
        stored = _number(block[148:156])
    except BadHeader:
        return False
    base = (zlib.adler32(block) & 0xFFFF) - 1 - sum(block[148:156]) + 8 * 32
    if stored in (base, base + 65521):
        return True
    signed = (
        sum(b - 256 if b > 127 else b for b in block)
        - sum(b - 256 if b > 127 else b for b in block[148:156])
        + 8 * 32
    )
    return stored == signed


def _parse_pax(buf: bytes) -> dict[bytes, bytes]:
    """pax extended header records: ``"%d %s=%s\\n"`` (length includes itself)."""
    return dict(_pax_records(buf))


def _pax_records(buf: bytes) -> list[tuple[bytes, bytes]]:
    """The records in order, repeats kept (GNU sparse 0.0 repeats offset/numbytes pairs)."""
    out: list[tuple[bytes, bytes]] = []
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
        out.append((key, value))
        pos += length
    return out


def read_tar(
    fileobj, collector: Collector, *, counter: CountingReader | None = None, size: int | None = None
) -> None:
    """Read a tar stream (already decompressed; ``counter`` counts the compressed bytes)."""
    st = _Stream(fileobj, collector.limits, counter, size)
    limits = collector.limits
    long_name: bytes | None = None
    long_link: bytes | None = None
    pax: dict[bytes, bytes] = {}
    pax_records: list[tuple[bytes, bytes]] = []
    headers = 0
    start = collector.count + collector.folders
    current: str | None = None  # the member being read when the stream broke
    last: str | None = None
    try:
        while True:
            block = st.read(BLOCK)
            if len(block) < BLOCK:
                if headers == 0:
                    raise BadHeader("too short for a tar archive")
                if block:
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
            if typ in (b"L", b"K", b"x", b"g"):
                if size_ > limits.max_header_bytes:
                    raise BadHeader(
                        f"extended header of {size_} bytes (> {limits.max_header_bytes})"
                    )
                data = st.read_exact(size_)
                st.skip(-size_ % BLOCK)
                if typ == b"L":
                    long_name = _nts(data)
                elif typ == b"K":
                    long_link = _nts(data)
                elif typ == b"x":
                    pax_records = _pax_records(data)
                    pax = dict(pax_records)
                else:
                    _parse_pax(data)  # global header: validated, not applied
                continue
            name_b = _nts(block[0:100])
            if block[257:263] == b"ustar\x00" and block[345] != 0:
                name_b = _nts(block[345:500]) + b"/" + name_b
            link_b = _nts(block[157:257])
            sparse: list[tuple[bytes, bytes]] | None = [] if typ == b"S" else None
            if long_name is not None or long_link is not None or pax:
                name_b, link_b, size_, sparse = _extended(
                    name_b, link_b, size_, sparse, long_name, long_link, pax_records
                )
                long_name = long_link = None
                pax, pax_records = {}, []
            name, name_flags = decode_name(name_b)
            current = name
            _member(st, collector, block, typ, name, name_flags, link_b, size_, sparse)
            st.skip(-size_ % BLOCK)
            current, last = None, name
    except BadHeader as exc:
        if headers == 0:
            raise UnsupportedFormat(f"not a tar archive ({exc})") from exc
        _broken(collector, start, current, last, f"corrupt tar header: {exc}")
    except _STREAM_ERRORS as exc:
        _broken(collector, start, current, last, f"archive truncated or corrupt: {exc}")


def _extended(
    name_b: bytes,
    link_b: bytes,
    size: int,
    sparse: list[tuple[bytes, bytes]] | None,
    long_name: bytes | None,
    long_link: bytes | None,
    records: list[tuple[bytes, bytes]],
) -> tuple[bytes, bytes, int, list[tuple[bytes, bytes]] | None]:
    """A member's name, link, size and sparse records once its extended headers apply."""
    pax = dict(records)
    name_b = pax.get(b"path", long_name if long_name is not None else name_b)
    link_b = pax.get(b"linkpath", long_link if long_link is not None else link_b)
    if b"size" in pax:
        if not pax[b"size"].isdigit():
            raise BadHeader("malformed pax size")
        size = int(pax[b"size"])
    if any(k.startswith(b"GNU.sparse.") for k in pax):
        sparse = records
        name_b = pax.get(b"GNU.sparse.name", name_b)  # the name tarfile extracts it under
    return name_b, link_b, size, sparse


def _broken(
    collector: Collector, start: int, current: str | None, last: str | None, reason: str
) -> None:
    """Keep what was read before the break (flagged, recorded); nothing read is an error."""
    if collector.count + collector.folders == start:
        raise CorruptArchive(reason)
    collector.flag("nested-truncated" if collector.depth else "truncated")
    if current is not None:
        collector.skip(current, f"{reason} (inside this member); the rest was not read")
    elif last is not None:
        collector.skip(last, f"{reason} (after this member); the rest was not read")
    else:
        collector.skip("(archive start)", f"{reason}; nothing could be read")


def _member(
    st: _Stream,
    collector: Collector,
    block: bytes,
    typ: bytes,
    name: str,
    name_flags: tuple[str, ...],
    link_b: bytes,
    size: int,
    sparse: list[tuple[bytes, bytes]] | None,
) -> None:
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
    if sparse is not None:
        read_sparse(st, collector, block, name, name_flags, size, sparse)
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
    st.skip(remaining)  # a name the collector refused: its data is still not a header


_TAIL_LIMIT = 64 * 1024**2


def check_gzip_tail(stream, collector: Collector) -> None:
    """After the tar's end: flag what another gzip reader could see differently.

    pip's tarfile and npm's tar stop at the end-of-archive blocks, but data after them (a
    second gzip member, a zip appended to the file) is what a polyglot hides in. Up to 64 MiB
    of the inflated tail is read and thrown away; any non-zero byte there is ``trailing-data``.
    """
    raw = getattr(stream, "raw", None)
    if not isinstance(raw, GzipRaw) or collector.depth:
        return
    seen = 0
    try:
        while seen < _TAIL_LIMIT:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            seen += len(chunk)
            if chunk.strip(b"\x00"):
                collector.flag("trailing-data")
                break
    except _STREAM_ERRORS:
        collector.flag("trailing-data")
    if raw.members > 1:
        collector.flag("multi-member-gzip")
    if raw.trailing:
        collector.flag("trailing-data")
