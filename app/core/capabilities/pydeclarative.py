"""Declarative Python modules: read by the text rules, without the tree.

Very large SDKs are mostly generated modules that only declare things: API model classes
(attribute maps, typed fields, ``to_dict``), protocol-buffer message classes, tables of
constants. Parsing and walking them is most of what a scan of such a release costs, and the
analyser finds nothing in them, because nothing in them can act: every rule of the analyser
needs a name it acts on (a sink, a source, a decoder, a dynamic lookup) written in the file,
or a literal that is itself a signal (an endpoint, a secret or autostart path, a blob).

:func:`declarative` answers from the text alone, before any parse, with substring tests and
searches that start at a fixed prefix (about a quarter of what the parse alone costs), whether
a module can hold none of that:

- no module the rules act on is imported (``subprocess``, ``socket``, ``requests``; ``os``,
  ``base64`` or ``sys`` where a name the rules act on with it appears too: ``system``,
  ``b64decode``, ``modules``...), and no star import that could bring one in;
- no builtin that acts or looks names up is used by its bare name (``exec(``, ``f = open``,
  ``globals()``), no ``__import__``, ``importlib``, ``builtins``, ``ctypes``, ``marshal``,
  ``pickle``, ``.write``, no ``getattr`` but a plain attribute read;
- no escape that could spell a hidden ASCII word (``\\x65``, ``\\u0065``; ``\\u6d59`` in a
  table of place names spells none), no base64 run, no run of 200 characters without
  a blank (read also where a literal goes on in the next: ``"http://" "203.0.113.9/"``),
  no character-code list, no lambda chain,
  no mixed-alphabet word, and no endpoint, secret or autostart path or shell download.

Words are looked for everywhere (comments and docstrings too): the test errs towards "not
declarative", and a module that fails it is analysed in full, as before. A declarative
module keeps the text rules' findings (long lines, encoded commands, hidden text), as every
parsed module does. What it gives up: the "does not parse" note when it is not valid Python 3
(a Python 2 print, raise or except statement keeps the full reading, and the note),
and a literal the blob rules would call one but whose text holds none of the runs they read
(decoding or running it needs a name above, in this module or the one that uses it).
"""

from __future__ import annotations

import re
from functools import cache

from app.core.capabilities import pynames
from app.core.capabilities import strings as sig
from app.core.capabilities.atoms import ascii_lower
from app.core.capabilities.pycalls import CALL_RULE_QUALNAMES
from app.core.capabilities.pyhomoglyph import may_mix_scripts

# A few lines cost little to parse; the test is for generated modules (an SDK's thousands of
# small models too).
MIN_CHARS = 512

# Anywhere in the text: names that reach the builtins, the module table or code from a
# string, run or unpickle code, or write a file (a payload written out needs nothing else).
_POWER_SUBSTRINGS = (
    "builtins",  # also __builtins__
    "runpy",
    "execfile",
    "pyarmor",
    "pytransform",
    "ctypes",
    "cffi",
    "marshal",
    "pickle",
)
# Uses of two of them that load nothing: protocol-buffer models pass ``marshal="pkg"`` (the
# proto-plus marshal's name) and SDKs call ``unmarshal_json(...)``; a generated gRPC transport
# imports pickle only to log ``pickle.dumps(request)``. Where every occurrence of the word is
# one of these (and pickle is dumped at least once), the word is no power (_harmless_only).
_HARMLESS_WORDS = ("marshal", "pickle")
# the same, by searches that start with a fixed prefix (the engine skips to it)
_POWER_RE = (
    re.compile(r"__(?:import|builtin|subclasses|globals|code|loader)__"),
    re.compile(r"import(?:lib| ?\*)"),  # importlib, star imports
    re.compile(r"\.(?:write|modules)"),  # .write(), .writelines(), sys.modules
)
# Builtins that act or look names up: they count where used by their bare name in code
# (a call, a value assigned, passed or returned), not as a method (``re.compile``) or a word
# of a sentence ("exec into the pod").
# (not input: no rule acts on builtins.input, and ``def f(input: str)`` is everywhere)
_BARE_BUILTINS = ("exec", "eval", "compile", "open", "globals", "locals", "vars")
_BARE_LEAD = frozenset("=([,:{")
_BARE_LEAD_WORDS = frozenset(
    {"return", "yield", "else", "or", "and", "in", "not", "await", "lambda", "is", "if"}
)
# Lookups by a computed key: they matter where a module the rules act on is imported too
# (``os.__dict__[name]``); a model's ``self.__dict__ == other.__dict__`` is none.
_LOOKUP_SUBSTRINGS = ("__dict__", "__getattribute__", "attrgetter", "methodcaller")
# Modules whose every use is an act the rules weigh (imported, they are enough): processes,
# the registry, what the user types, sees or copies.
_ACTING_MODULES = frozenset(
    {
        "subprocess",
        "pty",
        "commands",
        "popen2",
        "winreg",
        "_winreg",
        "win32api",
        "win32process",
        "win32clipboard",
        "getpass",
        "pyperclip",
        "pynput",
        "pyHook",
        "keyboard",
        "pyautogui",
        "mss",
        "webbrowser",
    }
)
# More qualified names the rules reach through a resolved call (files opened other ways).
_MORE_ACTING = frozenset(
    {"io.open", "codecs.open", "os.open", "os.fdopen", "pathlib.Path.open", "sys.modules"}
)

# getattr whose object is a plain name and whose name is a plain word or string literal: an
# attribute read; anything else may be a lookup the analyser folds (``getattr(m, "sys" +
# "tem")``). On a module the rules act on, any getattr is one.
_GETATTR_RE = re.compile(r"getattr\b")
_PLAIN_GETATTR_RE = re.compile(
    r"""getattr\(\s*([\w.]+)(?:\(\w*\))?\s*,\s*(?:\w+|"[\w.]*"|'[\w.]*')\s*[,)]"""
)
# what an import binds: the module path of ``from X import``, every word after ``import``
_FROM_RE = re.compile(r"from[ \t\\]+\.*([\w]+)")
_IMPORT_RE = re.compile(r"import[ \t\\]+([^\n;#]*)")
_WORD_RE = re.compile(r"\w+")
_BARE_RE = {w: re.compile(w + r"\b") for w in _BARE_BUILTINS}
# Python 2 statements (print "x", raise E, "msg", except E, e:): such a module does not parse,
# and the full reading says so
_PYTHON2_RE = (
    re.compile(r"""print[ \t]+(?:["']|>>)"""),
    re.compile(r"raise[ \t]+[\w.]+[ \t]*,"),
    re.compile(r"except[ \t]+[\w.]+[ \t]*,[ \t]*\w+[ \t]*:"),
    re.compile(r"\{%"),  # a Jinja or cookiecutter template, not Python yet
)
# \x41, \u0041, \N{...}, \101: a word spelled in escapes. Only an escape that can spell an
# ASCII character counts: every pattern the string rules match (a URL, a path, a command, a
# blob) is ASCII, and \u00e9 or \u6d59 (a table of place names in any alphabet) spells none;
# \x, octal and \N{...} count whatever they spell.
_ESCAPE_RE = re.compile(r"\\(?:[xN]|u00[0-7]|U000000[0-7]|[0-7]{2})")
# four small integers in a row (a list of character codes spells a string)
_CHAR_CODES_RE = re.compile(r",\s?\d{1,3},\s?\d{1,3},\s?\d{1,3},\s?\d{1,3},")
# letters and digits -> "a", anything else -> " ": a base64 or hex blob of the length the
# string rules look at (200 characters and more) holds a run of 48 letters and digits between
# its "+" and "/", with digits in it; a 40-digit commit hash in a URL does not, and a long
# CamelCase name of code has next to no digits
_BLOB_MAP = bytes.maketrans(
    bytes(range(256)),
    bytes(ord("a") if c < 128 and chr(c).isalnum() else 32 for c in range(256)),
)
_BLOB_RUN = b"a" * 48
# The blob rules' other two readings of a literal of 200+ characters: without blanks in its
# first 200 and of high entropy; or, blanks removed, 1000+ base64 characters (a table of words
# reads so). Where the text holds no such run, no literal is either.
_DENSE_MAP = bytes.maketrans(bytes(range(256)), bytes(32 if c == 32 else 97 for c in range(256)))
_DENSE_RUN = b"a" * 200
_B64_MAP = bytes.maketrans(
    bytes(range(256)),
    bytes(
        97 if c < 128 and (chr(c).isalnum() or chr(c) in "+/= \t\r\n") else 32 for c in range(256)
    ),
)
_B64_RUN = b"a" * 1000
# Where one literal goes on in the next ("abc" "def", "abc"\n    "def", f-strings too, a comment
# or a blank line between): the parser reads one literal of the parts' length, whose
# characters the runs above and the signals below do not see together in the text. The seam
# (the closing quote, what lies up to the next opening quote, that quote) is taken out and the
# text around it read again. Any two quotes with only blanks, comments or line ends between
# are taken for a seam ("" and " " as well): an extra reading costs a little, a missed one
# would hide a URL or a blob split in two.
# (two quotes of a triple-quote delimiter are none: the string goes on; one search per quote:
# a fixed first character lets the engine skip to it)
_SEAM_RE = tuple(
    re.compile(
        q
        + r"""(?:(?:(?:[ \t\f]+|[ \t\f]*#[^\r\n]*)(?:\\?(?:\r?\n|\r(?!\n))[ \t\f]*(?:#[^\r\n]*)?)*"""
        r"""|(?:\\?(?:\r?\n|\r(?!\n))[ \t\f]*(?:#[^\r\n]*)?)+)[rRbBuUfF]{0,2}["']"""
        r"""|[rRbBuUfF]{1,2}["']|(?<!["']["'])["'](?!["']))"""
    )
    for q in "\"'"
)
# how much text either side of a seam is read again: more than any signal spans (a command
# pattern at most ~520 characters; a longer encoded command is a base64 run of 1000)
_SEAM_REACH = 1200
_ALNUM_RUN_RE = re.compile(rb"[A-Za-z0-9]+")
_LETTERS = bytes(c for c in range(128) if chr(c).isalpha())


@cache
def _acting_names() -> tuple[tuple[str | None, tuple[str, ...]], ...]:
    """Each qualified name the analyser's call and taint rules act on, as (the module it is
    imported from, or None for a builtin or any object's method; the other words). The bare
    network verbs (``get``, ``send``) count through their modules; ``getattr`` and the bare
    builtins are looked at on their own (above)."""
    tables = [
        pynames.EXEC_SINKS,
        pynames.IMPORT_SINKS,
        pynames.DESERIALIZE,
        pynames.DECODERS,
        pynames.SPAWN,
        pynames.DOWNLOAD_TO_DISK,
        pynames.ENCODERS,
        pynames.SYSINFO,
        pynames.PLATFORM_FACTS,
        pynames.USER_INPUT,
        pynames.NATIVE_LOAD,
        pynames.HOME_SOURCES,
        CALL_RULE_QUALNAMES - pynames.NET_VERBS,
        _MORE_ACTING,
    ]
    out: set[tuple[str | None, tuple[str, ...]]] = set()
    for q in (q for table in tables for q in table):
        parts = [p.removesuffix("()") for p in q.split(".")]
        if parts[0] in ("builtins", "x"):
            rest = tuple(p for p in parts[1:] if p not in _BARE_BUILTINS)
            if rest == ("setup",):  # setup.py's call: the word alone is prose in any SDK
                rest = ("setup(",)
            if rest and rest not in (("getattr",), ("dict",), ("__import__",), ("execfile",)):
                out.add((None, rest))  # dict(os.environ): os and environ, below
        else:
            out.add((parts[0], tuple(p for p in parts[1:] if p and p != parts[0])))
    out |= {(m.split(".")[0], ()) for m in pynames.NET_MODULES}
    out |= {(m, ()) for m in _ACTING_MODULES}
    # (the Windows APIs of INJECTION_APIS and SHELLCODE_APIS count under ctypes, above)
    return tuple(sorted(out, key=str))


@cache
def _acting_by_root() -> dict[str | None, list[tuple[str, ...]]]:
    """The acting names by the module they are imported from (None: no import needed)."""
    out: dict[str | None, list[tuple[str, ...]]] = {}
    for root, rest in _acting_names():
        if root is None and any(p.startswith("write") for p in rest):
            continue  # write_text, write_bytes: ".write" already
        out.setdefault(root, []).append(rest)
    return out


@cache
def _acting_roots() -> frozenset[str]:
    return frozenset(root for root in _acting_by_root() if root)


def _blob_run(text: str) -> bool:
    """A run of 48+ letters and digits with 4+ digits (a piece of a base64 or hex blob), of
    200+ characters without a blank, or of 1000+ base64 characters and blanks."""
    raw = text.encode("utf-8", "replace")
    if _DENSE_RUN in raw.translate(_DENSE_MAP) or _B64_RUN in raw.translate(_B64_MAP):
        return True
    runs = raw.translate(_BLOB_MAP)
    at = runs.find(_BLOB_RUN)
    while at >= 0:
        run = _ALNUM_RUN_RE.match(raw, at)
        if run is None:  # (cannot happen: the map marks exactly these bytes)
            return True
        if len(run.group().translate(None, _LETTERS)) >= 4:
            return True
        at = runs.find(_BLOB_RUN, run.end())
    return False


def _seamed(text: str) -> str | None:
    """The text around each seam (:data:`_SEAM_RE`) with the seam taken out, the pieces
    apart by a line that joins nothing; None where there is no seam."""
    kept: list[str] = []
    seams: list[int] = []
    pos = size = 0
    for start, end in sorted(m.span() for r in _SEAM_RE for m in r.finditer(text)):
        if start < pos:
            continue  # inside the seam before (a quote of the other kind)
        kept.append(text[pos:start])
        size += start - pos
        seams.append(size)
        pos = end
    if not seams:
        return None
    kept.append(text[pos:])
    joined = "".join(kept)
    windows: list[list[int]] = []
    for at in seams:
        start, end = max(0, at - _SEAM_REACH), at + _SEAM_REACH
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    return "\n \x00 \n".join(joined[a:b] for a, b in windows)


def _string_signal(text: str, lowered: str | None = None) -> bool:
    """Whether a literal in ``text`` could be what a string rule reports: a blob, an endpoint,
    a secret, browser or autostart path, a shell download or reverse shell. ``lowered``:
    ``text.lower()`` where the caller has it (it is :func:`ascii_lower` when of the same
    length)."""
    if _blob_run(text):
        return True
    low = lowered if lowered is not None and len(lowered) == len(text) else ascii_lower(text)
    if sig.endpoint_signals(text, low) or sig.content_signals(text, low):
        return True
    from app.core.capabilities.patterns import engine  # (as pystrings: loaded on first use)

    return bool(engine().scan(text, "cmd", low))


def _imported(text: str) -> set[str]:
    """Every word an import statement of the text names (or a sentence that reads like one)."""
    words = {m.group(1) for m in _FROM_RE.finditer(text)}
    for m in _IMPORT_RE.finditer(text):
        words.update(_WORD_RE.findall(m.group(1)))
    return words


def _bare_use(text: str, word: str) -> bool:
    """Whether ``word`` is used as a name in code: called, or a value assigned, passed,
    returned; not a method or attribute, not a word inside a longer one or a sentence."""
    for m in _BARE_RE[word].finditer(text):
        at, end = m.span()
        before = text[at - 1] if at else "\n"
        if before.isalnum() or before in "_.":
            continue
        line = text[text.rfind("\n", 0, at) + 1 : at]
        if "#" in line and "'" not in line and '"' not in line:
            # after a hash and no quote on the line: a comment, or the inside of a string
            # that began on an earlier line; code in neither case
            continue
        after = text[end : end + 40].lstrip(" \t")
        if after[:1] in ("(", ")", ",", "]", "}", "\n", ":", ";") or after[:1] == "=" != after[1:2]:
            return True
        lead = text[max(0, at - 40) : at].rstrip(" \t")
        if lead[-1:] in _BARE_LEAD or lead.rsplit(None, 1)[-1:] in ([w] for w in _BARE_LEAD_WORDS):
            return True
    return False


def _harmless_only(text: str, word: str) -> bool:
    """Whether every occurrence of the power ``word`` in ``text`` is a use that loads nothing
    (see ``_HARMLESS_WORDS``): a model's ``marshal=`` argument or an ``unmarshal`` function,
    a transport's ``import pickle`` line and ``pickle.dumps``. Found by ``str.find``: the
    words are rare, the modules large."""
    if word not in _HARMLESS_WORDS:
        return False
    dumped = False
    at = text.find(word)
    while at >= 0:
        before = text[at - 1] if at else "\n"
        if word == "marshal" and text.startswith("un", at - 2):
            pass  # unmarshal_json(...): a function of the SDK's own
        elif before.isalnum() or before in "_.":
            return False  # cloudpickle, proto.marshal, _pickle: another object, not ruled on
        elif word == "marshal":
            after = text[at + len(word) : at + 40].lstrip(" \t")
            if not after.startswith("=") or after.startswith("=="):
                return False
        elif text.startswith("pickle.dump", at):
            dumped = True
        else:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            if text[start : end if end >= 0 else len(text)].rstrip() != "import pickle":
                return False
        at = text.find(word, at + len(word))
    return dumped or word == "marshal"


def declarative(text: str, lowered: str | None = None) -> bool:
    """Whether the analyser's tree would have nothing to act on in this module (see the
    module docstring). Text tests only, no parse. ``lowered``: ``text.lower()``, where the
    caller lowers the text for its own rules anyway (one lowering of the file, not two)."""
    if len(text) < MIN_CHARS or text.count("lambda") >= 5:
        return False
    if any(s in text and not _harmless_only(text, s) for s in _POWER_SUBSTRINGS):
        return False
    if any(r.search(text) for r in _POWER_RE):
        return False
    if "\\" in text and _ESCAPE_RE.search(text):
        return False
    if _CHAR_CODES_RE.search(text) or any(r.search(text) for r in _PYTHON2_RE):
        return False
    if not text.isascii() and may_mix_scripts(text):
        return False
    if any(w in text and _bare_use(text, w) for w in _BARE_BUILTINS):
        return False
    imported = _imported(text)
    roots = imported & _acting_roots()
    # (pickle imported to dump only: its load is no use of it, whatever "load" spells)
    roots -= {w for w in _HARMLESS_WORDS if w in roots and _harmless_only(text, w)}
    if roots and any(s in text for s in _LOOKUP_SUBSTRINGS):
        return False
    if "getattr" in text:
        for m in _GETATTR_RE.finditer(text):
            plain = _PLAIN_GETATTR_RE.match(text, m.start())
            if plain is None or plain.group(1).split(".")[0] in roots:
                return False
    by_root = _acting_by_root()
    for root in (None, *roots):
        if any(all(p in text for p in rest) for rest in by_root[root]):
            return False
    # what the string rules read, in the text and where literals go on in the next
    seamed = _seamed(text)
    return not _string_signal(text, lowered) and not (seamed and _string_signal(seamed))
