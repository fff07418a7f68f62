"""From a Python file's text to its hits: the parse bounds, Python 3.12+ syntax on this 3.11,
dense modules in pieces, then :class:`~app.core.capabilities.pyanalysis.PythonAnalyzer`.

Kept apart from the analyser itself, which only walks a tree: everything here decides whether
and how a tree can be had at all, and why not (the reason becomes ``scan.unread``).
"""

from __future__ import annotations

import ast
import keyword
import re

from app.core.astparse import parse_python
from app.core.capabilities import context as ctx
from app.core.capabilities.model import Hit
from app.core.capabilities.parsebounds import (
    PiecesFailed,
    ast_refusal,
    dense_only,
    top_level_pieces,
)
from app.core.capabilities.pyanalysis import PythonAnalyzer
from app.core.capabilities.pyhomoglyph import mixed_script_name
from app.core.capabilities.pysyntax import (
    MAX_FSTRING_FIXES,
    blank_fstrings,
    downlevel,
    has_fstring,
    parenthesize_excepts,
    python2_except,
    python2_only,
    template_or_fragment,
    tstrings_as_fstrings,
)
from app.core.capabilities.textscan import scan_text_file
from app.core.capabilities.unread import (
    BROKEN_NOTE,
    LOADED_BY_PLACE,
    PYTHON2_NOTE,
    TEMPLATE_NOTE,
    unparsed_hit,
)


def analyse_python(
    path: str,
    text: str,
    role: str,
    import_calls: frozenset[str] = frozenset(),
    lines: list[str] | None = None,
    *,
    command: bool = False,
) -> tuple[list[Hit], str | None]:
    """Hits for one Python source; the second value is why it did not parse (or ``None``).
    ``lines`` is ``text.split("\n")`` when the caller already has it; ``command`` marks a
    script only a user runs by its name (see ``PythonAnalyzer``)."""
    if lines is None:
        lines = text.split("\n")
    refused = ast_refusal(text, lines)  # the parser's memory has no bound of its own
    if dense_only(refused):
        return _analyse_in_pieces(path, text, role, import_calls, lines, refused, command)
    if refused:
        return [], refused
    try:
        # A UTF-8 BOM is a file's encoding mark, which Python drops when it reads the bytes;
        # ast.parse on the decoded text calls it an invalid character (Microsoft's SDKs ship
        # many such files).
        tree = parse_python(text.removeprefix("\ufeff"), filename=path)
    except (SyntaxError, ValueError) as exc:
        newer = _parse_newer_syntax(text, path)
        if not isinstance(newer, ast.Module):
            old = python2_only(newer, text) if isinstance(newer, SyntaxError) else None
            if old is None and isinstance(newer, SyntaxError) and isinstance(exc, SyntaxError):
                old = python2_except(exc)
            if old is not None:
                return [], f"{PYTHON2_NOTE} ({old})"
            shape = (
                template_or_fragment(newer, text, path) if isinstance(newer, SyntaxError) else None
            )
            if shape is not None:
                return [], f"{TEMPLATE_NOTE} ({shape})"
            why = f"{type(exc).__name__}: {getattr(exc, 'msg', exc)}"
            mended = (
                _blank_broken_lines(text, newer)
                if isinstance(newer, SyntaxError) and _may_mend(path, role)
                else None
            )
            if mended is None:
                return [], f"does not parse as Python 3 ({why})"
            tree, broken = mended
            hits, note = _analyse_tree(path, lines, role, import_calls, text, command, tree)
            return hits + _broken_line_hits(path, role, lines, broken, why), note
        tree = newer
    except (RecursionError, MemoryError):
        return [], "too deeply nested to parse"
    return _analyse_tree(path, lines, role, import_calls, text, command, tree)


def _analyse_tree(
    path: str,
    lines: list[str],
    role: str,
    import_calls: frozenset[str],
    text: str,
    command: bool,
    tree: ast.Module,
) -> tuple[list[Hit], str | None]:
    analyzer = PythonAnalyzer(
        path, lines, role, import_calls=import_calls, text=text, command=command
    )
    try:
        analyzer.run(tree)
    except RecursionError:
        return analyzer.hits, "too deeply nested to analyse fully"
    name = mixed_script_name(text, tree)
    if name is not None:
        analyzer.emit(
            "obf.unicode_trick",
            "high",
            ast.Name(id=name, lineno=1, col_offset=0),
            "py.homoglyph",
            f"The name '{name}' mixes alphabets: it looks like another name but is not.",
            name,
            raise_in_context=False,
        )
    return analyzer.hits, None


# A file with a typo no Python compiles (an extra ')', a stray merge marker) is read with up
# to this many of its lines blanked; larger files than MAX_MEND_BYTES are not retried.
MAX_BROKEN_LINES = 3
MAX_MEND_BYTES = 1_000_000


# SyntaxErrors no Python version accepts: brackets that do not pair up, broken indentation,
# a parameter without a default after one with a default, and "invalid syntax" in a file
# already read the 3.12+ way (see _may_be_newer). A string error may be a PEP 701 f-string:
# those files stay unread.
_NEVER_VALID = re.compile(
    r"unmatched '[)\]}]'|closing parenthesis .* does not match|'[(\[{]' was never closed"
    r"|unexpected indent|unindent does not match|expected an indented block|invalid syntax"
    r"|non-default argument follows default argument"
)
_AFTER_DEFAULT = "non-default argument follows default argument"
# A prefixed string literal; a prefix this 3.11 does not know (PEP 750's t"...") may be a
# later Python's grammar, so its line is not mended.
_PREFIXED_STRING = re.compile(r"(?<![\w'\"])([A-Za-z]{1,2})(?:'''|\"\"\"|'|\")")
_KNOWN_PREFIXES = frozenset({"r", "b", "u", "br", "rb", "f", "fr", "rf"})
_DEF_START = re.compile(r"^(\s*)(async\s+)?def\s+(\w+)")
# Where later Pythons added grammar, the next addition may come too: a statement opened by a
# soft keyword (``match x:``, ``type X = ...``, 3.15's ``lazy import json``), and unpacking
# in a comprehension (3.15's ``[*row for row in rows]``).
_SOFT_KEYWORD_STATEMENT = re.compile(r"^\s*([A-Za-z_]\w*)[ \t]+(?![=!<>+\-*/%&|^@.,:;)\]}(\[])\S")
_UNPACKED_COMPREHENSION = re.compile(r"[\[{(]\s*\*")


def _may_mend(path: str, role: str) -> bool:
    """Not a file Python runs by its place (setup.py, a .pth, a package's ``__init__``): a
    broken one of those stays unread high whatever broke it."""
    name = path.rsplit("/", 1)[-1].lower()
    return role not in (ctx.SETUP, ctx.PTH, ctx.BACKEND) and name not in LOADED_BY_PLACE


def _blank_broken_lines(text: str, exc: SyntaxError) -> tuple[ast.Module, list[int]] | None:
    """The tree of ``text`` with the lines a SyntaxError points at blanked (an empty line, or
    ``pass`` where a block needs a body), and those line numbers; None when that does not
    make it parse within :data:`MAX_BROKEN_LINES`. Line numbers are kept, so every hit of the
    rest points at its real line. A module with a syntax error runs nowhere: Python refuses
    the whole file. Only the rest can say what the author meant, so it is read in full."""
    if len(text) > MAX_MEND_BYTES:
        return None
    lines = text.removeprefix("\ufeff").split("\n")
    broken: list[int] = []
    for _ in range(MAX_BROKEN_LINES):
        n = exc.lineno or 0
        if not _NEVER_VALID.match(str(exc.msg)) or not 1 <= n <= len(lines) or n in broken:
            return None
        original = lines[n - 1]
        if has_fstring(original):
            return None  # a PEP 701 f-string may pair brackets the old tokenizer cannot
        if str(exc.msg).startswith("invalid syntax") and _may_be_newer(original, text):
            return None
        if str(exc.msg) == _AFTER_DEFAULT:
            return _plain_signature(lines, n, broken)
        broken.append(n)
        indent = original[: len(original) - len(original.lstrip())]
        for stand_in in ("", f"{indent}pass"):
            lines[n - 1] = stand_in
            try:
                return parse_python("\n".join(lines)), broken
            except SyntaxError as err:
                exc = err
                if err.lineno != n:
                    break  # the blank moved the error on: a next line to blank
            except (ValueError, RecursionError, MemoryError):
                return None
    return None


def _may_be_newer(line: str, text: str) -> bool:
    """Whether an "invalid syntax" at ``line`` may be grammar a later Python reads: a
    statement opened by a name that is no keyword (a soft keyword's shape), unpacking in a
    comprehension, a string prefix this 3.11 does not know, or ``<>`` under
    ``barry_as_FLUFL``. Type parameters, f-strings and bare except tuples were read the 3.12+
    way (:func:`_parse_newer_syntax`) before this error was raised."""
    return (
        "barry_as_FLUFL" in text
        or _soft_keyword_statement(line)
        or _UNPACKED_COMPREHENSION.search(line) is not None
        or any(m.group(1).lower() not in _KNOWN_PREFIXES for m in _PREFIXED_STRING.finditer(line))
    )


def _soft_keyword_statement(line: str) -> bool:
    """Whether ``line`` opens with a name (not a keyword) followed by another word."""
    m = _SOFT_KEYWORD_STATEMENT.match(line)
    return m is not None and not keyword.iskeyword(m.group(1))


def _plain_signature(
    lines: list[str], n: int, broken: list[int]
) -> tuple[ast.Module, list[int]] | None:
    """A def whose parameter without a default follows one with a default (a typo no Python
    compiles, raised at line ``n``): its header, from ``def`` to the line ending in ``:``,
    becomes ``def name(*args, **kwargs):`` on the same lines, so its body is read."""
    start = next((i for i in range(n, max(0, n - 30), -1) if _DEF_START.match(lines[i - 1])), None)
    last = min(len(lines), n + 30)
    end = next((i for i in range(n, last + 1) if lines[i - 1].rstrip().endswith(":")), None)
    head = _DEF_START.match(lines[start - 1]) if start is not None else None
    if start is None or end is None or head is None:
        return None
    indent, is_async, name = head.group(1), head.group(2) or "", head.group(3)
    lines[start - 1] = f"{indent}{is_async}def {name}(*args, **kwargs):"
    for i in range(start + 1, end + 1):
        lines[i - 1] = ""
    broken.extend(range(start, end + 1))
    try:
        return parse_python("\n".join(lines)), broken
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _broken_line_hits(
    path: str, role: str, lines: list[str], broken: list[int], why: str
) -> list[Hit]:
    """The note that lines were blanked, and the pattern rules' reading of those lines."""
    where = ", ".join(str(n) for n in broken)
    note = f"{BROKEN_NOTE} (line {where}: {why}): pattern rules read them, the analyser the rest"
    only = "\n".join(line if i + 1 in broken else "" for i, line in enumerate(lines))
    return [
        unparsed_hit(path, role, note),
        *scan_text_file(path, only, role, python_fallback=True, lines=only.split("\n")),
    ]


def _parse_newer_syntax(text: str, path: str) -> ast.Module | SyntaxError | None:
    """The tree of a file written for Python 3.12+ (PEP 695 type parameters and aliases, PEP
    701 f-strings, PEP 758 ``except A, B:``, PEP 750 t-strings), read on this 3.11 after
    :func:`pysyntax.downlevel`, with bare except tuples parenthesized and the f-strings the old
    parser rejects blanked line by line; else the last SyntaxError (None: not even that)."""
    source = text.removeprefix("\ufeff")
    lowered = downlevel(source) or source
    lowered = parenthesize_excepts(lowered) or lowered
    lowered = tstrings_as_fstrings(lowered) or lowered
    for _ in range(MAX_FSTRING_FIXES + 1):
        try:
            return parse_python(lowered, filename=path)
        except SyntaxError as exc:  # a PEP 701 f-string: cut it, the text rules read it
            # 3.11 names most of them; a quote reused inside a field ends the string early
            # and leaves a stray token instead (f"{x:{fmt=">20s"}}": "invalid decimal literal")
            if exc.lineno is None or (
                "f-string" not in str(exc.msg) and not has_fstring(exc.text or "")
            ):
                return exc
            cut = _cut_fstring(lowered, exc)
            if cut is None:
                return None
            lowered = cut
        except ValueError:
            return None
    return None


# How far above the reported line a rejected f-string is looked for (see _cut_fstring).
_FSTRING_LOOKBACK = 40


def _cut_fstring(text: str, exc: SyntaxError) -> str | None:
    """``text`` with the f-string 3.11 rejected blanked (None: none found to cut). 3.11
    reports a triple-quoted f-string on the line it ends on, with the whole string as the
    error's text, and one inside a call spread over lines on the line that closes the call:
    so the line reported, then the line the string starts on, then the nearest line above
    holding an f-string are tried."""
    lineno = exc.lineno or 0
    cut = blank_fstrings(text, lineno)
    spanned = (exc.text or "").rstrip("\n").count("\n")
    if cut is None and spanned:
        cut = blank_fstrings(text, lineno - spanned)
    if cut is not None:
        return cut
    lines = text.split("\n", lineno)[: lineno - 1]
    for above in range(len(lines), max(0, len(lines) - _FSTRING_LOOKBACK), -1):
        if has_fstring(lines[above - 1]):
            return blank_fstrings(text, above)
    return None


def _analyse_in_pieces(
    path: str,
    text: str,
    role: str,
    import_calls: frozenset[str],
    lines: list[str],
    refused: str | None,
    command: bool = False,
) -> tuple[list[Hit], str | None]:
    """A dense generated module read one bounded piece at a time (see ``top_level_pieces``);
    names bound in one piece are not followed into the next."""
    pieces = top_level_pieces(lines)
    hits: list[Hit] = []
    if pieces is None:
        return hits, refused
    try:
        for tree in pieces:
            analyzer = PythonAnalyzer(
                path, lines, role, import_calls=import_calls, text=text, command=command
            )
            try:
                analyzer.run(tree)
            except RecursionError:
                return hits + analyzer.hits, "too deeply nested to analyse fully"
            hits.extend(analyzer.hits)
            del tree, analyzer  # one piece's tree alive at a time, not two
    except PiecesFailed as failed:
        # A piece no Python 3 compiles (Python 2's ``\N`` in a docstring of a 6 MB generated
        # module) makes the whole file old code, as it would a small one: nothing imports it.
        old = python2_only(failed.error, text) if failed.error is not None else None
        return hits, f"{PYTHON2_NOTE} ({old})" if old is not None else refused
    return hits, None
