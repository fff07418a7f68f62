"""Homoglyph names: identifiers that mix Latin with a look-alike alphabet."""

from __future__ import annotations

import ast
import builtins
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


def _scripts(name: str) -> set[str]:
    """The scripts of the letters of ``name`` (``LATIN``, ``GREEK``...), by their Unicode names."""
    import unicodedata

    scripts = set()
    for ch in name:
        if ch.isalpha():
            try:
                scripts.add(unicodedata.name(ch).split()[0])
            except ValueError:
                continue
    return scripts


def _mixed_script(name: str) -> bool:
    scripts = _scripts(name)
    return "LATIN" in scripts and bool(scripts & _OTHER_SCRIPTS)


def may_mix_scripts(text: str) -> bool:
    """Whether ``text`` holds a word that mixes alphabets (in code, a comment or a string):
    only then can a name in its tree be one."""
    if text.isascii() or not _other_script_letter().search(text):
        return False
    return any(_mixed_script(w) for w in _NON_ASCII_WORD_RE.findall(text))


def mixed_script_name(text: str, tree: ast.AST) -> str | None:
    """The first name in ``tree`` that mixes alphabets with a look-alike letter inside a word,
    or in a part of two letters that reads as a word of the file or a builtin (see
    :func:`_short_mixes`); None
    when there is none. Only a word that mixes alphabets can be one: such words are looked
    for in the text first (cheap), and the tree is walked for identifiers only when one
    exists."""
    if not may_mix_scripts(text):
        return None
    # a name whose other-alphabet letters are drawn like no Latin one (``cumulativeλx``,
    # ``Δt_max``) reads as no other name: a homoglyph needs a look-alike (``pаssword``)
    mixed = {
        n for n in identifiers(tree) if not n.isascii() and _mixed_script(n) and _skeleton(n) != n
    }
    if not mixed:
        return None
    known: set[str] | None = None
    for n in sorted(mixed):
        short = _short_mixes(n)
        if short is None:
            return n  # a word that mixes alphabets
        if short:
            if known is None:
                known = set(_ASCII_WORD_RE.findall(text)) | set(dir(builtins))
            if _skeleton(n) in known:
                return n  # reads as a name the code uses
    return None


# Every ASCII word of the file (names, imports, attributes): what a short mix may imitate.
_ASCII_WORD_RE = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
# Runs of letters: the parts of a name between underscores and digits.
_SEGMENT_RE = re.compile(r"[^\W\d_]+")
# A mixed part this short is a symbol with an index (``ρI``, ``σx``), too short to read as a word.
_SYMBOL_LETTERS = 2


def _short_mixes(name: str) -> bool | None:
    """Whether a part of ``name`` mixes alphabets: None when one that does is a word (longer
    than :data:`_SYMBOL_LETTERS`), True when only short ones do, False when none does.
    Scientific code names values by their symbols (``Σ_T``, ``μ_Q_m_1``, ``_merge_topk_ρI``):
    a Greek letter standing as a part of its own, beside an index letter or inside a formula's
    name (:func:`_greek_only`) mimics no word; a homoglyph hides inside a word (``рrint``,
    ``pаssword``)."""
    short = False
    for part in _SEGMENT_RE.findall(name):
        if _mixed_script(part):
            if len(part) > _SYMBOL_LETTERS and not _greek_only(part):
                return None
            short = True
    return short


def _greek_only(part: str) -> bool:
    """Whether the letters of ``part`` that are not Latin are all Greek: the alphabet of
    mathematical notation (``dℓdα`` for dℓ/dα, ``cumulativeλx``). Such a part is judged like a
    symbol with an index: a homoglyph only where it reads as a name the code uses. Cyrillic,
    Armenian or Cherokee inside a Latin word has no notational use and stays one."""
    return not (_scripts(part) & _OTHER_SCRIPTS) - {"GREEK"}


# Greek and Cyrillic letters drawn like Latin ones (Unicode's confusables, the common ones).
_LOOK_ALIKE = str.maketrans(
    "аеорсухѕіјԁԛԝһӏАВЕКМНОРСТХУЅІЈαορνικτυχγΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxsijdqwhlABEKMHOPCTXYSIJaopviktuxyABEZHIKMNOPTYX",
)


def _skeleton(name: str) -> str:
    """``name`` with each look-alike letter replaced by the Latin letter it imitates."""
    return name.translate(_LOOK_ALIKE)
