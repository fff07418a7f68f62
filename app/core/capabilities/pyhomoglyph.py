"""Homoglyph names: identifiers that mix Latin with a look-alike alphabet."""

from __future__ import annotations

import ast
import functools
import re

from app.core.capabilities.pytree import identifiers

_NON_ASCII_WORD_RE = re.compile(r"\b\w*[^\x00-\x7f]\w*")  # \b: never retried inside a word


@functools.cache
def _other_script_letter() -> re.Pattern:
    """Any letter of the scripts ``_mixed_script`` looks for besides Latin. A file without one
    has no mixed-script name, and most non-ASCII files (accents, CJK, emoji in comments) have
    none: a search for this class skips the word-by-word check there. Built from the Unicode
    names themselves, once per process (planes 0 and 1 hold every such letter)."""
    import unicodedata

    letters = [
        chr(c)
        for c in range(0x80, 0x20000)
        if chr(c).isalpha() and unicodedata.name(chr(c), "").split(" ", 1)[0] in _OTHER_SCRIPTS
    ]
    return re.compile("[" + "".join(re.escape(ch) for ch in letters) + "]")


_OTHER_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"})


def _mixed_script(name: str) -> bool:
    import unicodedata

    scripts = set()
    for ch in name:
        if ch.isalpha():
            try:
                scripts.add(unicodedata.name(ch).split()[0])
            except ValueError:
                continue
    return "LATIN" in scripts and bool(scripts & _OTHER_SCRIPTS)


def may_mix_scripts(text: str) -> bool:
    """Whether ``text`` holds a word that mixes alphabets (in code, a comment or a string):
    only then can a name in its tree be one."""
    if text.isascii() or not _other_script_letter().search(text):
        return False
    return any(_mixed_script(w) for w in _NON_ASCII_WORD_RE.findall(text))


def mixed_script_name(text: str, tree: ast.AST) -> str | None:
    """The first name in ``tree`` that mixes alphabets, or None. Only a word that mixes
    alphabets can be one: such words are looked for in the text first (cheap), and the tree
    is walked for identifiers only when one exists."""
    if not may_mix_scripts(text):
        return None
    for n in identifiers(tree):
        if not n.isascii() and _mixed_script(n):
            return n
    return None
