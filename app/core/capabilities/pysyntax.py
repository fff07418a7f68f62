"""Python 3.12+ syntax read on the 3.11 the scanner runs on.

Releases of popular projects already use PEP 695 type parameters (``def f[**P, R](...)``,
``class Box[T]:``) and ``type`` aliases. Python 3.11's parser rejects them, and a package file
that does not parse is reported unread (high), so every such release was an alarm. The type
parameter lists are pure annotations: removing them (and turning ``type X = ...`` into
``X = ...``) changes no call, import or string, keeps every line and column before the cut, and
lets the analyser read the rest. Nothing here runs the code.
"""

from __future__ import annotations

import re

# `def name[`, `async def name[`, `class Name[`: a type parameter list follows.
_GENERIC_DEF = re.compile(r"^(\s*(?:async\s+)?(?:def|class)\s+[A-Za-z_]\w*)\[", re.MULTILINE)
# `type Alias = ...` / `type Alias[T] = ...` at the start of a statement (a soft keyword).
_TYPE_ALIAS = re.compile(r"^(\s*)type\s+([A-Za-z_]\w*)\s*(\[)?", re.MULTILINE)
MAX_DOWNLEVEL_BYTES = 16 * 1024 * 1024


def _closing(text: str, start: int) -> int | None:
    """Index of the ``]`` closing the ``[`` at ``start`` (None: not closed on sane terms).
    A bound may be a forward reference in quotes (``[CT: "CType"]``): a one-line string is
    stepped over, and so is a comment to the end of its line."""
    depth = 0
    i, stop = start, min(len(text), start + 2000)
    while i < stop:
        c = text[i]
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
            if depth == 0:
                return i if c == "]" else None
        elif c in "\"'":
            close = text.find(c, i + 1, stop)
            if close < 0 or "\n" in text[i:close] or "\\" in text[i:close]:
                return None
            i = close
        elif c == "#":  # a comment on a line of the list (a linter's pragma)
            eol = text.find("\n", i, stop)
            if eol < 0:
                return None
            i = eol
        i += 1
    return None


def downlevel(text: str) -> str | None:
    """``text`` with PEP 695 syntax rewritten for Python 3.11's parser, or None when it holds
    none (or is too large to bother)."""
    if len(text) > MAX_DOWNLEVEL_BYTES or ("[" not in text and "type " not in text):
        return None
    out: list[str] = []
    pos = 0
    cuts: list[tuple[int, int, str]] = []
    for m in _GENERIC_DEF.finditer(text):
        end = _closing(text, m.end() - 1)
        if end is not None:
            cuts.append((m.end() - 1, end + 1, ""))
    for m in _TYPE_ALIAS.finditer(text):
        after = m.end()
        params_end = after
        if m.group(3):
            close = _closing(text, after - 1)
            if close is None:
                continue
            params_end = close + 1
        rest = text[params_end : params_end + 80].lstrip(" \t")
        if not rest.startswith("=") or rest.startswith("=="):
            continue  # `type(x)`, `type = 3`... are ordinary code
        # "type X[T] = v" -> "X = v": drop the keyword and the parameters
        cuts.append((m.start() + len(m.group(1)), m.start(2), ""))
        if m.group(3):
            cuts.append((after - 1, params_end, ""))
    if not cuts:
        return None
    for start, end, repl in sorted(cuts):
        if start < pos:
            continue
        out.append(text[pos:start])
        # a list over several lines leaves its line breaks as continuations, so every later
        # line keeps its number (``class C \`` / ``:`` reads as ``class C:``)
        out.append(repl + "\\\n" * text.count("\n", start, end))
        pos = end
    out.append(text[pos:])
    return "".join(out)


# A PEP 750 template string (3.14): ``t"..."``, ``tr"..."``, ``rt"..."``.
_TSTRING_PREFIX = re.compile(r"(?<![\w'\".])(?:[rR]?([tT])|([tT])[rR])(?=['\"])")


def tstrings_as_fstrings(text: str) -> str | None:
    """``text`` with each 3.14 template string's ``t`` made ``f`` (None: it holds none).

    A t-string has the f-string's grammar and evaluates the same fields; only what it builds
    differs (a Template, not a str), which changes no call, name or string the analyser
    reads. Columns and lines stay. A ``t"`` the pattern finds inside another string's text
    turns into ``f"`` there, which changes no token boundary."""
    if len(text) > MAX_DOWNLEVEL_BYTES or not _TSTRING_PREFIX.search(text):
        return None
    out, n = _TSTRING_PREFIX.subn(lambda m: m.group(0).replace("t", "f").replace("T", "F"), text)
    return out if n else None


_FSTRING_START = re.compile(r"(?<![\w'\"])(?:[rR]?[fF]|[fF][rR])('''|\"\"\"|'|\")")
MAX_FSTRING_FIXES = 20


def has_fstring(line: str) -> bool:
    """Whether ``line`` opens an f-string."""
    return _FSTRING_START.search(line) is not None


def _fstring_end(text: str, start: int, quote: str) -> int | None:
    """End (exclusive) of the f-string whose opening quote ends at ``start``: quotes inside a
    ``{...}`` replacement field do not close it in 3.12 (PEP 701), and a field may run over
    several lines; a one-quote f-string still ends at its line outside a field."""
    depth = 0
    i = start
    stop = min(len(text), start + _MAX_FSTRING_CHARS)
    while i < stop:
        if depth == 0 and text.startswith(quote, i):
            return i + len(quote)
        c = text[i]
        if c == "\n" and depth == 0 and len(quote) == 1:
            return None
        if c == "\\" and depth == 0:
            i += 2
            continue
        if c == "{":
            if depth == 0 and text.startswith("{{", i):
                i += 2
                continue
            depth += 1
        elif c == "}" and depth > 0:
            depth -= 1
        i += 1
    return None


_MAX_FSTRING_CHARS = 20_000


def blank_fstrings(text: str, lineno: int) -> str | None:
    """``text`` with the f-strings that start on line ``lineno`` (1-based) replaced by ``""``,
    for a 3.12 f-string (nested quotes, backslashes or line breaks in its fields) the 3.11
    parser rejects; None when the line holds none that could be cut. The line breaks an
    f-string spanned are kept, so every later line keeps its number. What the f-string held
    is still read by the text rules."""
    if lineno < 1:
        return None
    begin = 0
    for _ in range(lineno - 1):
        begin = text.find("\n", begin) + 1
        if begin == 0:
            return None
    line_end = text.find("\n", begin)
    line_end = len(text) if line_end < 0 else line_end
    out, pos, changed = [], begin, False
    while True:
        m = _FSTRING_START.search(text, pos, line_end)
        if m is None:
            break
        end = _fstring_end(text, m.end(), m.group(1))
        if end is None:
            return None
        breaks = text.count("\n", m.end(), end)
        out.append(text[pos : m.start()] + '""' + "\n" * breaks)
        pos, changed = end, True
        if breaks:  # go on along the line the f-string ended on
            line_end = text.find("\n", end)
            line_end = len(text) if line_end < 0 else line_end
    if not changed:
        return None
    return text[:begin] + "".join(out) + text[pos:]


# Statements and literals only Python 2 has. Every Python 3 rejects each at compile time, so a
# file whose SyntaxError sits on one of them cannot be run by any Python 3: it is old code (a py2
# wheel, a legacy module kept beside the new one), not code hidden from the analyser. The
# pattern rules still read it, so a payload in it is still found. ``except A, e:`` is not here:
# Python 3.14 reads it as ``except (A, e):`` (PEP 758), see :func:`parenthesize_excepts`; nor is
# ``<>``, which ``from __future__ import barry_as_FLUFL`` makes valid (see _python2_diamond).
_PYTHON2_ONLY = re.compile(
    r"^\s*print\s+[^\s(=.,;:)\]}+*/%&|^<>!-]"  # print "x"
    r"|^\s*exec\s+[^\s(=.]"  # exec "code" in ns
    r"|^\s*raise\s+[\w.]+(?:\([^)]*\)|\[[^\]]*\])?\s*,"  # raise Error, "message" [, tb]
    r"|\b(?:0[xX][0-9a-fA-F]+|\d+)[lL]\b"  # long literal 0xFFL, 10L
    r"|(?<![\w.])0[0-7]+\b(?!\.)"  # octal 0777
    r"|`[^`\n]+`"  # backtick repr
    r"|\b[uU][rR]['\"]"  # ur'...'
    # ``x.async`` / ``x.await``: names before 3.7 made them keywords (no supported Python 3)
    r"|\.\s*(?:async|await)\b"
    r"|(?<![\w.])async\s*=(?!=)"  # f(async=False), def f(async=True): a name before 3.7
)
_PYTHON2_MESSAGES = (
    "Missing parentheses in call to 'print'",
    "Missing parentheses in call to 'exec'",
    "leading zeros in decimal integer literals",
    # A plain string holding a Windows path ('C:\Users\x'): Python 2's byte strings know no
    # \U, \u or \N escape, every Python 3 str rejects the truncated one. Not \x (Python 2
    # rejects it too) nor an unknown \N{NAME} (a later Unicode version may know it).
    "truncated \\UXXXXXXXX escape",
    "truncated \\uXXXX escape",
    "malformed \\N character escape",
    # Python 2 read a tab as reaching the next multiple of 8; Python 3 rejects the mix
    "inconsistent use of tabs and spaces in indentation",
    # True and False were names in Python 2 (``True = not None`` kept 2.2 code running); every
    # Python 3 makes them keywords. Not None, which Python 2.4 already refused.
    "cannot assign to True",
    "cannot assign to False",
)
# ``except A, B:`` (and ``except* A, B:``) without ``as``: valid from Python 3.14 on.
# The types may be parenthesized themselves (``except (A, B), e:``); ``as`` ends the tuple.
_BARE_EXCEPT_TUPLE = re.compile(
    r"^(\s*except\*?\s+)((?:(?!\bas\b)[^\n:#])+,(?:(?!\bas\b)[^\n:#])+?)(\s*:)", re.MULTILINE
)


def parenthesize_excepts(text: str) -> str | None:
    """``except A, B:`` written as 3.11 reads it, ``except (A, B):`` (None: there is none).
    Lines are kept; only columns after ``except`` on those lines move by one."""
    out, n = _BARE_EXCEPT_TUPLE.subn(r"\1(\2)\3", text)
    return out if n else None


# ``except KeyError, e:`` binding a lower-case name: Python 2's way to name the exception. 3.14
# reads it as a tuple of classes, so it alone says nothing; in a file that does not parse even
# with the tuple parenthesized, it says the file is Python 2 code, which no Python 3 runs.
_PYTHON2_EXCEPT = re.compile(
    r"^\s*except\s+\(?[\w.]+(?:\s*,\s*[\w.]+)*\)?\s*,\s*[a-z_][a-z0-9_]*\s*:"
)


def python2_except(exc: SyntaxError) -> str | None:
    """The Python 2 ``except X, name:`` 3.11 failed on (None: the failure is something else);
    ask only where the file fails again with its except tuples parenthesized."""
    line = (exc.text or "").rstrip("\n")
    if _PYTHON2_EXCEPT.match(line):
        return f"line {exc.lineno}: {line.strip()[:80]}"
    return None


def python2_only(exc: SyntaxError, text: str = "") -> str | None:
    """What on the failing line is Python 2 only (None: the failure is something else).
    ``text`` is the file's, asked whether it turns ``<>`` on for Python 3."""
    msg = str(exc.msg or "")
    line = (exc.text or "").rstrip("\n")
    if (
        any(m in msg for m in _PYTHON2_MESSAGES)
        or _PYTHON2_ONLY.search(line)
        or _python2_diamond(exc, text)
    ):
        return f"line {exc.lineno}: {line.strip()[:80]}"
    return None


def _python2_diamond(exc: SyntaxError, text: str) -> bool:
    """Whether the parser stopped on a ``<>`` operator (Python 2's ``!=``) in a file that does
    not name ``barry_as_FLUFL``, the one future import under which Python 3 reads it. The
    token the error marks is the operator itself, so ``<>`` inside a string, or a failure
    elsewhere on the line, does not count (BeautifulSoup 3 fails on purpose so under Python 3:
    ``"very old release..." <> "use Beautiful Soup 4"``)."""
    line, start = exc.text or "", (exc.offset or 0) - 1
    return start >= 0 and line[start : start + 2] == "<>" and "barry_as_FLUFL" not in text


# A template's placeholder in code: Jinja/cookiecutter ``{{ name }}`` and ``{% if %}``,
# ``string.Template``'s ``${name}``; looked for outside one-line string literals.
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{\w[\w.]*\}")
_STRING_LITERAL = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
_PLACEHOLDER_LOOKBACK = 5
# ``str.format``'s ``{name}`` where Python needs a name: after ``from``/``import``/``class``/
# ``def``/``as`` or a dot, or glued to a name (``{pascal}Settings``, ``get_{name}``).
_FORMAT_FIELD = re.compile(r"\{[A-Za-z_]\w*\}")
_NAME_BEFORE = re.compile(r"(?:\b(?:from|import|class|def|as)\s+|[\w.])$")


def _format_field_as_name(exc: SyntaxError) -> str | None:
    """The line, where the parser failed on the ``{`` of a ``str.format`` field standing for
    a name (None: it failed elsewhere). A project generator's ``from {name}.client import
    {pascal}Client`` is filled in by ``text.format(name=...)`` before it is a module; as it
    is, it is a set display where a module or class name must be, which no Python reads.
    The error must point at the field itself: a ``{x}`` elsewhere on a line broken
    otherwise says nothing."""
    line, start = exc.text or "", (exc.offset or 0) - 1
    m = _FORMAT_FIELD.match(line, start) if start >= 0 else None
    if m is None:
        return None
    glued = line[m.end() : m.end() + 1]
    if _NAME_BEFORE.search(line[:start]) or glued.isalnum() or glued == "_":
        return line.strip()[:80]
    return None


def template_or_fragment(exc: SyntaxError, text: str, path: str) -> str | None:
    """Why a file that does not parse is a template or a fragment, not a module (None: it
    is neither). Such a file runs nowhere as it is, on any Python: a project generator
    renders it (a placeholder in code on the failing line, a ``str.format`` field where a
    name must be, or a ``{{ name }}`` folder or file name no import can spell), or a code
    generator splices it into a class (the first statement of the file is indented)."""
    lineno = exc.lineno or 0
    lines = text.split("\n", lineno)[:lineno]
    # 3.11 may report a bad line inside a call on the line that closes the call
    for at in range(len(lines), max(0, len(lines) - _PLACEHOLDER_LOOKBACK), -1):
        code = _STRING_LITERAL.sub("''", lines[at - 1]).split("#", 1)[0]
        if _PLACEHOLDER.search(code):
            return f"a template: line {at}: {lines[at - 1].strip()[:80]}"
    field = _format_field_as_name(exc)
    if field is not None:
        return f"a template: line {lineno}: {field}"
    folders = path.rsplit("!/", 1)[-1]
    if re.search(r"\{\{[^/]*\}\}", folders):
        return "a template: its path holds a placeholder"
    if str(exc.msg) == "unexpected indent" and exc.lineno:
        before = text.split("\n", exc.lineno)[: exc.lineno - 1]
        if all(not b.strip() or b.lstrip().startswith("#") for b in before):
            return f"a fragment: its first statement is indented (line {exc.lineno})"
    return None
