"""What an encoded blob holds, read from the head a hit keeps (its first 200 characters).

``disguise.encoded_exec`` pairs a blob with code built and run at run time. Web bundles carry
both all day without one reaching the other: icons and fonts inlined as base64 or
percent-encoded SVG, and lookup tables (d3's colour schemes as hex, typed arrays as base64).
A payload hidden for ``eval``/``new Function`` decodes to text (code); an image, a font or
markup is never code, and in JavaScript a blob of binary numbers is a table, since JavaScript
has no way to run bytes. Nothing is decoded beyond the head.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote

__all__ = ["data_url", "inert_blob"]

# Magic numbers of images, fonts and media (the decoded head starts with one).
_MEDIA_MAGIC = (
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"RIFF",
    b"wOFF",
    b"wOF2",
    b"OTTO",
    b"\x00\x01\x00\x00\x00",
    b"\x00\x00\x01\x00",  # .ico
    b"ID3",
    b"OggS",
    b"fLaC",
)
_MARKUP_RE = re.compile(
    rb"^\s*(?:<\?xml|<svg|<!--)|</?(?:svg|path|pattern|image|defs|g|rect|circle|use|"
    rb"linearGradient|clipPath|symbol)\b",
    re.I,
)


def _head_bytes(head: str, rule: str) -> bytes | None:
    head = "".join(head.rstrip("…").split())
    try:
        if rule == "str.hex_blob":
            return bytes.fromhex(head[: len(head) // 2 * 2])
        if rule == "str.base64_blob":
            body = head[: len(head) // 4 * 4]
            if "-" in body or "_" in body:
                return base64.urlsafe_b64decode(body)
            return base64.b64decode(body)
    except (ValueError, binascii.Error):
        return None
    if rule == "str.high_entropy" and head.count("%") * 3 >= len(head) // 2:
        return unquote(head).encode("utf-8", "replace")  # percent-encoded text
    if rule == "str.high_entropy" and _BASE64_RE.match(head):
        try:
            return base64.b64decode(head[: len(head) // 4 * 4])
        except (ValueError, binascii.Error):
            return None
    return None


_BASE64_RE = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}$")
# A source map (version 3), the JSON a bundler appends as a data: URL comment: never code.
# Compact or pretty-printed (esbuild writes ``{\n  "version": 3,``): JSON, whatever spacing.
_SOURCE_MAP = re.compile(rb'\{\s*"version"\s*:\s*3\s*,')


def inert_blob(match: str, rule: str, javascript: bool) -> bool:
    """Whether the blob whose head is ``match`` is an image, a font, markup, a source map or
    (in JavaScript) a table of numbers packed as bytes: data no ``eval`` runs."""
    raw = _head_bytes(match, rule)
    if not raw:
        return False
    if raw.startswith(_MEDIA_MAGIC) or _MARKUP_RE.search(raw[:120]):
        return True
    if _SOURCE_MAP.match(raw):
        return True
    if not javascript or len(raw) < 48:
        return False
    # Text (code, even UTF-8 with non-ASCII) has next to no control bytes; numbers packed as
    # bytes are full of them.
    control = sum(b < 32 and b not in (9, 10, 13) for b in raw)
    return control > 0.1 * len(raw)


# A script or WebAssembly module inlined as a URL (an image type is judged by its bytes).
_DATA_URL_RE = re.compile(
    r"data:(?:application|text)/(?:javascript|ecmascript|wasm)(?:;[\w.=-]+)*;base64,$", re.I
)


def data_url(snippet: str, match: str) -> bool:
    """Whether the blob ``match`` is the body of a ``data:application/javascript;base64,``
    (or WebAssembly) URL in ``snippet``: a web worker's script a bundler inlined for the
    browser to load by its URL, not text the bundle decodes for ``eval``. A blob declared an
    image that decodes to code is not one."""
    head = match.rstrip("\u2026")[:24]
    at = snippet.find(head) if len(head) >= 16 else -1
    return at > 0 and bool(_DATA_URL_RE.search(snippet[max(0, at - 80) : at]))
