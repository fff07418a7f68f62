"""Passwords a package names for its own encrypted archives, to read what they hold.

An evaluation suite ships its answers in ``secrets.zip`` so that crawlers do not learn them
(its README: ``setup.py --password self-proliferation``); a dropper ships its payload the same
way with the password in the code that unpacks it. Either way the package holds the key, and
what it locks is code that can run: an archive read with that key is reviewed like any other,
one read with none stays "not read". Candidates are taken from the package's text (never
guessed) and tried only on entries the dataset's password does not open.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from app.core.archive.model import Artifact, Skip

# How many candidates are tried, how long one may be, and how much of each text is read.
MAX_CANDIDATES = 8
MAX_TEXT_BYTES = 1_000_000
_WORD = r"""([^\s'"`,;)]{3,64})"""
_PATTERNS = (
    # setup.py --password X, unzip -P X, 7z x -pX, zip -P X
    re.compile(r"--password[= ]+['\"`]?" + _WORD),
    re.compile(r"\bunzip\b[^\n]{0,80}?\s-P\s*['\"`]?" + _WORD),
    re.compile(r"\b7za?\b[^\n]{0,80}?\s-p['\"`]?" + _WORD),
    # pwd=b"X", setpassword(b"X"), password="X", PASSWORD = 'X'
    re.compile(r"\b(?:pwd|setpassword\(|password)\s*[=:(]?\s*b?['\"]" + _WORD + r"['\"]", re.I),
)
_LOCKED = "password"  # what the readers' skip reasons for an entry no password opened say

_extra: ContextVar[tuple[bytes, ...]] = ContextVar("vetbench_archive_passwords", default=())


def extra_passwords() -> tuple[bytes, ...]:
    """The candidates in force while an artifact is read again (empty otherwise)."""
    return _extra.get()


@contextmanager
def trying(passwords: tuple[bytes, ...]) -> Iterator[None]:
    token = _extra.set(passwords)
    try:
        yield
    finally:
        _extra.reset(token)


def harvest(texts: Iterable[str], exclude: bytes) -> tuple[bytes, ...]:
    """Up to :data:`MAX_CANDIDATES` passwords the texts name, in the order they appear."""
    found: list[bytes] = []
    for text in texts:
        text = text[:MAX_TEXT_BYTES]
        low = text.lower()
        if "pass" not in low and "pwd" not in low and "-p" not in low:
            continue
        for pattern in _PATTERNS:
            for m in pattern.finditer(text):
                word = m.group(1).encode("utf-8", "replace")
                if word != exclude and word not in found:
                    found.append(word)
                    if len(found) >= MAX_CANDIDATES:
                        return tuple(found)
    return tuple(found)


def locked_count(skips: Iterable[Skip]) -> int:
    return sum(1 for s in skips if _LOCKED in s.reason)


def with_package_passwords(
    artifact: Artifact, reopen: Callable[[], Artifact], exclude: bytes
) -> Artifact:
    """``artifact``, or the artifact read again (``reopen``) with the passwords its own texts
    name, when that opens entries the first reading could not."""
    locked = locked_count(artifact.skips)
    if not locked:
        return artifact
    texts = (m.text for m in artifact.members if m.kind == "text" and m.text)
    candidates = harvest(texts, exclude)
    if not candidates:
        return artifact
    try:
        with trying(candidates):
            again = reopen()
    except Exception:  # noqa: BLE001 - what a key unlocks must never cost the first reading
        return artifact
    if locked_count(again.skips) >= locked:
        return artifact
    again.flags.append("password-from-package")
    return again
