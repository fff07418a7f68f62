"""Tar header fields shared by the tar reader and its sparse-member reader."""

from __future__ import annotations

BLOCK = 512


class BadHeader(Exception):
    """A header block that is not a valid tar header."""


def _number(field: bytes) -> int:
    """Octal ASCII, or GNU base-256 when the high bit of the first byte is set."""
    if field[0] & 0x80:
        if field[0] == 0xFF:
            raise BadHeader("negative number in header")
        return int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
    digits = field.split(b"\x00", 1)[0].strip(b" ")
    if not digits:
        return 0
    try:
        value = int(digits, 8)
    except ValueError:
        raise BadHeader(f"invalid number field {field!r}") from None
    if value < 0 or b"_" in digits:
        raise BadHeader(f"invalid number field {field!r}")
    return value
