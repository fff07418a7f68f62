"""Dean Edwards' JavaScript packer (``eval(function(p,a,c,k,e,r){...}('...',62,99,'...'.split('|')))``)
undone as data.

The packer was the common way to shrink a jQuery plugin before minifiers: the code's words are
replaced by base-62 numbers into a word list, and the few lines in front put them back and
``eval`` the result. Vendored copies sit in many docs themes and bundled web assets, so the
``eval`` of "decoded" text says nothing by itself: what says something is what the unpacked
code does. The substitution is plain and needs no JavaScript run: each word of the payload
that reads as a number in base ``a`` is replaced by that entry of the word list (when it is
not empty), exactly as the packer's own loop does.
"""

from __future__ import annotations

import re

from app.core.capabilities.jsdeobfuscate import unescape

# The packer's function header, then its call's arguments: the payload string, the base, the
# word count and the word list split on '|'. ``e`` and ``r``/``d`` are the packer's helpers.
_PACKED_RE = re.compile(
    r"""\Afunction\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,\s*[rd]\s*\)\s*\{.{0,2000}?\}\s*\(\s*"""
    r"""(?P<q>['"])(?P<p>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*,\s*(?P<a>\d{1,3})\s*,\s*(?P<c>\d{1,6})\s*,\s*"""
    r"""(?P<q2>['"])(?P<k>(?:\\.|(?!(?P=q2)).)*)(?P=q2)\s*\.split\(\s*(?P<q3>['"])\|(?P=q3)\s*\)""",
    re.S,
)
_WORD_RE = re.compile(r"\b\w+\b")
_MAX_SOURCE = 4_000_000


def _digit(ch: str) -> int:
    """One digit of the packer's numbers: 0-9, a-z (10-35), then A-Z (36-61)."""
    if "0" <= ch <= "9":
        return ord(ch) - 48
    if "a" <= ch <= "z":
        return ord(ch) - 87
    if "A" <= ch <= "Z":
        return ord(ch) - 29
    return 99  # "_" and others: no digit of any base the packer writes


def _number(word: str, base: int) -> int | None:
    value = 0
    for ch in word:
        d = _digit(ch)
        if d >= base:
            return None
        value = value * base + d
    return value


def unpack(source: str) -> str | None:
    """The code a packer call (``function(p,a,c,k,e,r){...}(...)``, the argument ``eval`` is
    handed) unpacks to, or None when ``source`` is not such a call."""
    if len(source) > _MAX_SOURCE or not source.startswith("function"):
        return None
    m = _PACKED_RE.match(source)
    if m is None:
        return None
    base, count = int(m.group("a")), int(m.group("c"))
    if not 2 <= base <= 62:
        return None
    words = unescape(m.group("k")).split("|")
    payload = unescape(m.group("p"))

    def put_back(w: re.Match) -> str:
        n = _number(w.group(0), base)
        if n is None or n >= min(count, len(words)) or not words[n]:
            return w.group(0)
        return words[n]

    return _WORD_RE.sub(put_back, payload)
