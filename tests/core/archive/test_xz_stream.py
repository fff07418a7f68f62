"""The xz reader keeps the stream semantics the tar layer relies on.

Why: the reader replaced a private CPython helper (``_compression.DecompressReader``); these
pin what that helper did, so the archive layer sees the same bytes, errors and compressed
byte counts (used by the ratio check) as before.
"""

from __future__ import annotations

import io
import lzma

import pytest

from app.core.archive.tar import decompressing_reader

PAYLOAD = bytes(range(256)) * 400 + b"tail"


def _read_all(raw: bytes, size: int) -> tuple[bytes, int]:
    stream, counter = decompressing_reader(io.BytesIO(raw), "xz")
    parts = []
    while chunk := stream.read(size):
        parts.append(chunk)
    return b"".join(parts), counter.count


@pytest.mark.parametrize("size", [1, 511, 8192, 1 << 20])
def test_concatenated_streams_read_back_whole_in_any_read_size(size):
    raw = lzma.compress(PAYLOAD) + lzma.compress(b"second", format=lzma.FORMAT_ALONE)
    data, counted = _read_all(raw, size)
    assert data == PAYLOAD + b"second"
    assert counted == len(raw)  # every compressed byte counted for the ratio check


def test_a_stream_cut_short_is_an_eof_error():
    with pytest.raises(EOFError, match="end-of-stream marker"):
        _read_all(lzma.compress(PAYLOAD)[:-20], 4096)


def test_trailing_bytes_that_are_not_a_stream_are_an_error():
    with pytest.raises(lzma.LZMAError):
        _read_all(lzma.compress(b"x") + b"junk", 4096)


def test_memory_limit_applies():
    big_dict = lzma.compress(b"a", filters=[{"id": lzma.FILTER_LZMA2, "dict_size": 1 << 30}])
    with pytest.raises(lzma.LZMAError):
        _read_all(big_dict, 4096)
