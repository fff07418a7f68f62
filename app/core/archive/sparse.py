"""GNU sparse tar members, read as the installer's tarfile extracts them.

pip unpacks an sdist with :mod:`tarfile`, which restores a sparse member: its stored chunks
land at their offsets and the holes between them read as zeros. Skipping such a member would
let a ``setup.py`` stored sparse reach the installer unreviewed, so it is rebuilt here, as a
stream, in every format tarfile knows:

* old GNU (type ``S``): four map entries in the header, 21 more per extension block;
* pax 0.0: repeated ``GNU.sparse.offset`` / ``GNU.sparse.numbytes`` records;
* pax 0.1: ``GNU.sparse.map=off,len,off,len…``;
* pax 1.0: the map as decimal lines at the start of the member's data, padded to a block.

Bounds: the map holds at most :data:`MAX_CHUNKS` entries (and a 1.0 map at most
``max_header_bytes``), chunks must be in order, inside the expanded size and within the stored
bytes; the expanded size goes through the same member-size check as any member. A map that
breaks a rule is a skip with its reason (then ``scan.unread`` for code), never a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from app.core.archive.collect import Collector
from app.core.archive.tarfields import BLOCK, BadHeader, _number


class _Stream(Protocol):
    """The tar reader's forward-only stream (app.core.archive.tar._Stream)."""

    def read(self, n: int) -> bytes: ...
    def read_exact(self, n: int) -> bytes: ...
    def skip(self, n: int) -> None: ...


MAX_CHUNKS = 100_000


class BadSparseMap(ValueError):
    """A sparse map that cannot be followed (the message says why)."""


def _old_gnu_entries(area: bytes, count: int) -> list[tuple[int, int]]:
    out = []
    for i in range(count):
        entry = area[i * 24 : i * 24 + 24]
        if not entry[:12].strip(b"\x00"):
            break
        try:
            out.append((_number(entry[:12]), _number(entry[12:24])))
        except BadHeader as exc:
            raise BadSparseMap(str(exc)) from None
    return out


def _int(value: bytes | None, what: str) -> int:
    if value is None or not value.isdigit() or len(value) > 20:
        raise BadSparseMap(f"{what} is not a number")
    return int(value)


def _map_10(st: _Stream, size: int, limit: int) -> tuple[list[tuple[int, int]], int]:
    """The 1.0 map at the start of the data: (chunks, bytes of the data it took)."""
    taken = 0
    buf = b""
    numbers: list[int] = []
    wanted: int | None = None
    while wanted is None or len(numbers) < 1 + 2 * wanted:
        if b"\n" not in buf:
            if taken + BLOCK > min(size, limit):
                raise BadSparseMap("sparse map longer than the member or the header limit")
            buf += st.read_exact(BLOCK)
            taken += BLOCK
            continue
        line, buf = buf.split(b"\n", 1)
        numbers.append(_int(line, "sparse map entry"))
        if wanted is None:
            wanted = numbers[0]
            if wanted > MAX_CHUNKS:
                raise BadSparseMap(f"{wanted} chunks (> {MAX_CHUNKS})")
    pairs = numbers[1:]
    return list(zip(pairs[0::2], pairs[1::2], strict=True)), taken


def _sparse_map(
    st: _Stream, block: bytes, size: int, records: list[tuple[bytes, bytes]], limit: int
) -> tuple[list[tuple[int, int]], int, int]:
    """(chunks, expanded size, data bytes the map itself took) for any of the formats."""
    if not records:  # old GNU header
        chunks = _old_gnu_entries(block[386:482], 4)
        try:
            real = _number(block[483:495])
        except BadHeader as exc:
            raise BadSparseMap(str(exc)) from None
        extended = block[482]
        while extended:
            ext = st.read_exact(BLOCK)  # extension blocks come before the data, outside size
            chunks += _old_gnu_entries(ext[:504], 21)
            if len(chunks) > MAX_CHUNKS:
                raise BadSparseMap(f"more than {MAX_CHUNKS} chunks")
            extended = ext[504]
        return chunks, real, 0
    pax = dict(records)
    if pax.get(b"GNU.sparse.major") == b"1" and pax.get(b"GNU.sparse.minor") == b"0":
        real = _int(pax.get(b"GNU.sparse.realsize"), "GNU.sparse.realsize")
        chunks, taken = _map_10(st, size, limit)
        return chunks, real, taken
    if b"GNU.sparse.map" in pax:
        real = _int(pax.get(b"GNU.sparse.size", pax.get(b"GNU.sparse.realsize")), "GNU.sparse.size")
        raw = pax[b"GNU.sparse.map"]
        if raw.count(b",") > 2 * MAX_CHUNKS:
            raise BadSparseMap(f"more than {MAX_CHUNKS} chunks")
        nums = [_int(x, "GNU.sparse.map entry") for x in raw.split(b",")] if raw else []
        if len(nums) % 2:
            raise BadSparseMap("GNU.sparse.map has an odd number of entries")
        return list(zip(nums[0::2], nums[1::2], strict=True)), real, 0
    if b"GNU.sparse.size" in pax:  # 0.0: offset/numbytes records in order
        real = _int(pax[b"GNU.sparse.size"], "GNU.sparse.size")
        offsets = [_int(v, "GNU.sparse.offset") for k, v in records if k == b"GNU.sparse.offset"]
        counts = [_int(v, "GNU.sparse.numbytes") for k, v in records if k == b"GNU.sparse.numbytes"]
        if len(offsets) != len(counts) or len(offsets) > MAX_CHUNKS:
            raise BadSparseMap("GNU.sparse.offset and numbytes records do not pair up")
        return list(zip(offsets, counts, strict=True)), real, 0
    raise BadSparseMap("GNU.sparse headers of an unknown format")


def _check(chunks: list[tuple[int, int]], real: int, stored: int) -> None:
    end = 0
    total = 0
    for offset, count in chunks:
        if offset < end:
            raise BadSparseMap("chunks overlap or are out of order")
        end = offset + count
        total += count
    if end > real:
        raise BadSparseMap(f"a chunk ends at {end}, past the file's size {real}")
    if total > stored:
        raise BadSparseMap(f"the map holds {total} bytes, the member stores {stored}")


def read_sparse(
    st: _Stream,
    collector: Collector,
    block: bytes,
    name: str,
    name_flags: tuple[str, ...],
    size: int,
    records: list[tuple[bytes, bytes]],
) -> None:
    """Read one sparse member (``records``: its pax records, empty for an old GNU header);
    leaves the stream at the start of the padding, like any member."""
    collector.count_member()
    taken = 0
    try:
        chunks, real, taken = _sparse_map(
            st, block, size, records, collector.limits.max_header_bytes
        )
        _check(chunks, real, size - taken)
    except BadSparseMap as exc:
        collector.skip(name, f"sparse file member with an unusable map ({exc}): not read")
        st.skip(size - taken)
        return
    reason = collector.check_size(name, real)
    if reason:
        collector.skip(name, f"sparse file member: {reason}")
        st.skip(size - taken)
        return
    stored_left = size - taken
    pieces = _pieces(chunks, real)
    current: list[int] = [0, 0]  # [kind: 0 hole / 1 data, bytes left in this piece]

    def read(n: int) -> bytes:
        nonlocal stored_left
        while current[1] == 0:
            nxt = next(pieces, None)
            if nxt is None:
                return b""
            current[0], current[1] = nxt
        take = min(n, current[1])
        if current[0] == 0:
            current[1] -= take
            return bytes(take)
        data = st.read(take)
        current[1] -= len(data)
        stored_left -= len(data)
        return data

    collector.add_stream(name, real, read, (*name_flags, "sparse"))
    st.skip(stored_left)


def _pieces(chunks: list[tuple[int, int]], real: int) -> Iterator[tuple[int, int]]:
    """(0, hole length) and (1, data length) in file order, up to the expanded size."""
    pos = 0
    for offset, count in chunks:
        if offset > pos:
            yield 0, offset - pos
        if count:
            yield 1, count
        pos = offset + count
    if real > pos:
        yield 0, real - pos
