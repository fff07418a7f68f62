"""The pure decoders that constant folding may apply, and how decoded bytes read as text.

:func:`apply_decoder` runs one standard-library decoder named by its Python qualified name
(``base64.b64decode``, ``binascii.unhexlify``, ``zlib.decompress``, ``codecs.decode`` with a
codec...) on a constant taken from the package, with bounded input and bounded output
(decompression never inflates past :data:`MAX_FOLD`); :func:`to_text` and
:func:`looks_like_text` say how the result reads. It is apart from :mod:`.folding` (which
walks expressions) because it is the only place where package data goes through a real
decoder: the list of what may run, and the size limits, are reviewed in one short module.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import codecs
import lzma
import zlib

MAX_FOLD = 2 * 1024 * 1024  # never build strings larger than this
MAX_DECODE_IN = 4 * 1024 * 1024

Value = str | bytes


def _decompress_bounded(fn, data: bytes) -> bytes | None:
    if fn is zlib.decompress:
        d = zlib.decompressobj(zlib.MAX_WBITS | 32)
        out = d.decompress(data, MAX_FOLD)
        return out
    try:
        if fn is lzma.decompress:
            lz = lzma.LZMADecompressor()
            return lz.decompress(data, max_length=MAX_FOLD)
        if fn is bz2.decompress:
            bz = bz2.BZ2Decompressor()
            return bz.decompress(data, max_length=MAX_FOLD)
    except (lzma.LZMAError, OSError, ValueError, EOFError):
        return None
    return None


def _as_bytes(v: Value) -> bytes:
    return v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass")


def apply_decoder(qual: str, value: Value, extra: list[Value] | None = None) -> Value | None:
    """Apply the named pure decoder to constant ``value``; ``None`` when it does not decode."""
    if len(value) > MAX_DECODE_IN:
        return None
    try:
        if qual in (
            "base64.b64decode",
            "base64.standard_b64decode",
            "base64.decodebytes",
            "base64.decodestring",
            "binascii.a2b_base64",
        ):
            data = _as_bytes(value)
            data = b"".join(data.split())
            return base64.b64decode(data + b"=" * (-len(data) % 4))
        if qual == "base64.urlsafe_b64decode":
            data = b"".join(_as_bytes(value).split())
            return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))
        if qual == "base64.b32decode":
            return base64.b32decode(_as_bytes(value))
        if qual == "base64.b16decode":
            return base64.b16decode(_as_bytes(value), casefold=True)
        if qual == "base64.a85decode":
            return base64.a85decode(_as_bytes(value))
        if qual == "base64.b85decode":
            return base64.b85decode(_as_bytes(value))
        if qual in ("binascii.unhexlify", "binascii.a2b_hex", "bytes.fromhex"):
            text = value.decode("ascii") if isinstance(value, bytes) else value
            return bytes.fromhex("".join(text.split()))
        if qual == "zlib.decompress":
            return _decompress_bounded(zlib.decompress, _as_bytes(value))
        if qual == "lzma.decompress":
            return _decompress_bounded(lzma.decompress, _as_bytes(value))
        if qual == "bz2.decompress":
            return _decompress_bounded(bz2.decompress, _as_bytes(value))
        if qual == "gzip.decompress":
            return _decompress_bounded(zlib.decompress, _as_bytes(value))
        if qual == "codecs.decode":
            codec = extra[0] if extra else "utf-8"
            codec = codec.decode() if isinstance(codec, bytes) else codec
            codec = codec.lower().replace("-", "_")
            if codec in ("rot13", "rot_13"):
                text = value.decode("latin-1") if isinstance(value, bytes) else value
                return codecs.decode(text, "rot13")
            if codec in ("base64", "base_64", "hex", "zlib", "bz2"):
                return codecs.decode(_as_bytes(value), codec)
            if codec in ("utf_8", "utf8", "utf_16", "utf_16_le", "latin_1", "ascii"):
                return _as_bytes(value).decode(codec, "replace")
            return None
    except (binascii.Error, ValueError, zlib.error, UnicodeError, TypeError, LookupError):
        return None
    return None


def to_text(v: Value) -> str:
    """Bytes as text for matching (UTF-8, else UTF-16LE for PowerShell, else latin-1)."""
    if isinstance(v, str):
        return v
    try:
        return v.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(v) >= 4 and v[1:2] == b"\x00" and v[3:4] == b"\x00":
        try:
            return v.decode("utf-16-le")
        except UnicodeDecodeError:
            pass
    return v.decode("latin-1")


def looks_like_text(v: bytes) -> bool:
    if not v:
        return False
    head = v[:4096]
    printable = sum(1 for b in head if 32 <= b < 127 or b in (9, 10, 13))
    return printable / len(head) > 0.9
