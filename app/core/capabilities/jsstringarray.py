"""javascript-obfuscator's string array, decoded without running anything.

javascript-obfuscator moves every literal of a file into one array, rotates it at start-up
by a loop that compares a checksum, and reads it back through hex-named accessor functions
(``_0x3a2b(0x1f)``), optionally base64- or RC4-encoded. :func:`string_array_calls` finds the
array and its accessors, decodes the entries, replays the rotation with a tiny arithmetic
evaluator and maps every accessor call site to the string it returns, which
:class:`~app.core.capabilities.jsdeobfuscate.Folder` then reads as a constant.

It is apart from :mod:`.jsdeobfuscate` (general constant folding of expressions) because it
undoes one tool's output format, with its own regexes, ciphers and limits, and is used once
per file by :mod:`.javascript` before folding starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, SupportsFloat, cast

from tree_sitter import Node

from app.core.capabilities.jsdeobfuscate import (
    MAX_ARRAY,
    MAX_CALL_SITES,
    Folder,
    _arith,
    _b64,
    js_number,
    literal_text,
    parse_int,
    slice_of,
)

_ARRAY_FN_RE = re.compile(
    rb"function\s+([\w$]+)\s*\(\s*\)\s*\{\s*(?:var|const|let)\s+[\w$]+\s*=\s*(\[)\s*['\"]"
)
_ARRAY_VAR_RE = re.compile(rb"(?:var|const|let)\s+([\w$]+)\s*=\s*(\[)\s*['\"]")
_FUNC_RE = re.compile(
    rb"(?:function\s+([\w$]+)|(?:var|const|let)\s+([\w$]+)\s*=\s*function)\s*\(\s*[\w$]+\s*,"
)
_OFFSET_RE = re.compile(rb"([\w$]+)\s*=\s*\1\s*-\s*\(?\s*(-?\s*-?\s*0x[0-9a-fA-F]+|-?\d+)")
_OBF_ALPHABET = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/="
_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def _obf_b64(s: str) -> str:
    """javascript-obfuscator's base64 (lower-case letters first), then URI-decoded."""
    table = str.maketrans(_OBF_ALPHABET.decode(), _STD)
    raw = _b64(s.translate(table))
    if raw is None:
        return s
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _rc4(data: str, key: str) -> str:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + ord(key[i % len(key)])) % 256
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = []
    for ch in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(chr(ord(ch) ^ s[(s[i] + s[j]) % 256]))
    return "".join(out)


@dataclass
class _Accessor:
    name: str
    array: str
    offset: int
    encoding: str  # "", "base64", "rc4"


def _find_arrays(src: bytes, root: Node, folder: Folder) -> dict[str, list[str]]:
    arrays: dict[str, list[str]] = {}
    for rx in (_ARRAY_FN_RE, _ARRAY_VAR_RE):
        for m in rx.finditer(src):
            if len(arrays) >= 20:
                break
            node = root.descendant_for_byte_range(m.start(2), m.start(2) + 1)
            if node is not None and node.type != "array":
                node = node.parent
            if node is None or node.type != "array" or node.named_child_count < 5:
                continue
            items = []
            for c in node.named_children[:MAX_ARRAY]:
                s = literal_text(c, src)
                if s is None:
                    break
                items.append(s)
            else:
                arrays.setdefault(m.group(1).decode(), items)
    return arrays


def _function_body(root: Node, start: int, name: bytes) -> Node | None:
    node = root.descendant_for_byte_range(start, start + 1)
    while node is not None and node.type not in (
        "function_declaration",
        "function_expression",
        "variable_declarator",
    ):
        node = node.parent
    if node is not None and node.type == "variable_declarator":
        node = node.child_by_field_name("value")
    return node


def _find_accessors(src: bytes, root: Node, arrays: dict[str, list[str]]) -> list[_Accessor]:
    out = []
    for m in _FUNC_RE.finditer(src):
        name = (m.group(1) or m.group(2)).decode()
        if name in arrays:
            continue
        fn = _function_body(root, m.start(), name.encode())
        if fn is None or fn.end_byte - fn.start_byte > 20_000:
            continue
        body = src[fn.start_byte : fn.end_byte]
        arr = next(
            (
                a
                for a in arrays
                if re.search(rb"(?<![\w$])" + re.escape(a.encode()) + rb"(?![\w$])", body)
            ),
            None,
        )
        if arr is None:
            continue
        off = _OFFSET_RE.search(body)
        if off is None or b"0x" not in off.group(2).lower():
            # javascript-obfuscator's accessors always shift the index by a hex literal
            # (``i = i - 0x1f0``, ``- 0x0`` at least: it writes every number in hex); a
            # bundle's two-argument helper that happens to name a minified array (``t``,
            # ``n``) does not, nor does a minifier's ``n=n-1`` (decimal), and its ``n(0)``
            # calls are no strings
            continue
        n = js_number(re.sub(rb"\s|-", b"", off.group(2)).decode())
        negs = off.group(2).count(b"-")
        offset = int(n or 0) * (-1 if negs % 2 else 1)
        enc = ""
        if _OBF_ALPHABET in body or b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" in body:
            enc = "rc4" if b"0x100" in body or b"256" in body else "base64"
        out.append(_Accessor(name, arr, offset, enc))
        if len(out) >= 20:
            break
    return out


def _value(acc: _Accessor, arr: list[str], index: object, key: object) -> str | None:
    try:
        # any object: int() raising TypeError or ValueError is the test
        i = int(cast(Any, js_number(index) if isinstance(index, str) else index)) - acc.offset
    except (TypeError, ValueError):
        return None
    if not 0 <= i < len(arr):
        return None
    s = arr[i]
    if acc.encoding == "base64":
        return _obf_b64(s)
    if acc.encoding == "rc4" and isinstance(key, str) and key:
        return _rc4(_obf_b64(s), key)
    return s


_CALL_ARGS = rb"\s*\(\s*(-?0x[0-9a-fA-F]+|-?\d+|'[^'\\]{0,20}'|\"[^\"\\]{0,20}\")\s*(?:,\s*('[^'\\]{0,64}'|\"[^\"\\]{0,64}\"))?\s*\)"


def _arg(tok: bytes | None) -> object:
    if tok is None:
        return None
    t = tok.decode("latin-1")
    if t[:1] in "'\"":
        return t[1:-1]
    return js_number(t.replace("-", "")) * (-1 if t.startswith("-") else 1)  # type: ignore[operator]


_ARGS_RE = re.compile(_CALL_ARGS[3:])  # from the "(" on: a literal start the engine skips to
_COPY_RE = re.compile(rb"=\s*([\w$]+)\s*[,;)]")
_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")


def _name_before(src: bytes, end: int) -> tuple[int, str] | None:
    """The identifier ending at ``end`` (spaces between allowed): its start and text."""
    while end > 0 and src[end - 1] in b" \t\n\r":
        end -= 1
    start = end
    while start > 0 and end - start < 200 and src[start - 1] in _NAME_BYTES:
        start -= 1
    return (start, src[start:end].decode()) if start < end else None


def _copies(src: bytes) -> dict[str, list[str]]:
    """Every ``x = name,`` / ``;`` / ``)`` in the file, by ``name``: one pass for all accessors.

    Searched from the ``=`` (a literal the regex engine skips to) and the copy's name read
    backwards: a pattern starting with a name retries inside every identifier of a bundle.
    """
    out: dict[str, list[str]] = {}
    for m in _COPY_RE.finditer(src):
        before = _name_before(src, m.start())
        if before is not None:
            out.setdefault(m.group(1).decode(), []).append(before[1])
    return out


def _aliases(copies: dict[str, list[str]], name: str) -> set[str]:
    """``name`` and the names it is copied to, three copies deep."""
    names = {name}
    for _ in range(3):
        names |= {c for n in list(names) for c in copies.get(n, ())}
    return names


def _call_sites(src: bytes) -> dict[str, list[tuple[int, int, bytes, bytes | None]]]:
    """Every ``name(number-or-short-string[, short string])`` call by name, in one pass.

    The shape of a string-array accessor call; found from the ``(`` and the name read
    backwards (one pass for all accessors instead of one alternation scan each).
    """
    out: dict[str, list[tuple[int, int, bytes, bytes | None]]] = {}
    for m in _ARGS_RE.finditer(src):
        before = _name_before(src, m.start())
        if before is None or src[before[0] - 1 : before[0]] == b".":
            continue
        out.setdefault(before[1], []).append((before[0], m.end(), m.group(1), m.group(2)))
    return out


def _rotate(src: bytes, root: Node, acc: _Accessor, arr: list[str], names: set[str]) -> list[str]:
    """Replay the start-up rotation of the array (checksum loop or the older fixed count)."""
    call = re.search(
        rb"\}\s*\(\s*" + re.escape(acc.array.encode()) + rb"\s*,\s*(-?0x[0-9a-fA-F]+|-?\d+)\s*\)",
        src,
    )
    if call is None:
        return arr
    target = js_number(call.group(1).decode())
    node = root.descendant_for_byte_range(call.start(), call.start() + 1)
    while node is not None and node.type not in (
        "function_expression",
        "function_declaration",
        "arrow_function",
    ):
        node = node.parent
    if node is None or target is None:
        return arr
    body = src[node.start_byte : node.end_byte]
    if b"parseInt" not in body:  # older builds: while(--n) push(shift()) after ++n: n shifts
        n = int(target) % max(1, len(arr))
        return arr[n:] + arr[:n]
    m = re.search(rb"[\w$]+\s*=\s*(-?\s*parseInt[^;]{0,4000});", body)
    if m is None:
        return arr
    expr_start = node.start_byte + m.start(1)
    expr = root.descendant_for_byte_range(expr_start, node.start_byte + m.end(1) - 1)
    while (
        expr is not None
        and expr.parent is not None
        and expr.parent.type
        not in (
            "variable_declarator",
            "assignment_expression",
        )
    ):
        expr = expr.parent
    if expr is None:
        return arr
    calls = names | {
        c.decode() for c in re.findall(rb"([\w$]+)\s*=\s*" + re.escape(acc.name.encode()), body)
    }
    cur = list(arr)
    for _ in range(len(arr)):
        got = _eval_checksum(src, expr, acc, cur, calls, 0)
        if got is not None and got == target:
            return cur
        cur.append(cur.pop(0))
    return arr


def _eval_checksum(
    src: bytes, node: Node, acc: _Accessor, arr: list[str], calls: set[str], depth: int
) -> float | None:
    if depth > 60:
        return None
    t = node.type
    if t == "number":
        return js_number(slice_of(src, node, 100).decode("ascii", "replace"))
    if t == "parenthesized_expression" and node.named_child_count:
        return _eval_checksum(src, node.named_children[0], acc, arr, calls, depth + 1)
    if t == "unary_expression":
        arg = node.child_by_field_name("argument")
        v = _eval_checksum(src, arg, acc, arr, calls, depth + 1) if arg else None
        op = node.child_by_field_name("operator")
        if v is None or op is None:
            return None
        return -v if op.type == "-" else v
    if t == "binary_expression":
        # a binary expression has both sides (a missing one raises, as before)
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        a = _eval_checksum(src, cast(Node, left), acc, arr, calls, depth + 1)
        b = _eval_checksum(src, cast(Node, right), acc, arr, calls, depth + 1)
        op = node.child_by_field_name("operator")
        if a is None or b is None or op is None:
            return None
        if op.type == "+":
            return a + b
        r = _arith(op.type, a, b)
        return float(cast(SupportsFloat, r.value)) if r is not None else None
    if t == "call_expression":
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fn is None or args is None or not args.named_child_count:
            return None
        name = slice_of(src, fn, 200).decode("utf-8", "replace")
        if name == "parseInt":
            inner = args.named_children[0]
            if inner.type != "call_expression":
                return None
            ifn = inner.child_by_field_name("function")
            iargs = inner.child_by_field_name("arguments")
            if (
                ifn is None
                or iargs is None
                or slice_of(src, ifn, 200).decode("utf-8", "replace") not in calls
            ):
                return None
            toks = [c for c in iargs.named_children]
            idx = _lit(src, toks[0]) if toks else None
            key = _lit(src, toks[1]) if len(toks) > 1 else None
            s = _value(acc, arr, idx, key)
            return parse_int(s) if s is not None else float("nan")
    return None


def _lit(src: bytes, node: Node) -> object:
    if node.type == "number":
        return js_number(slice_of(src, node, 100).decode("ascii", "replace"))
    if node.type == "unary_expression" and node.named_child_count:
        v = _lit(src, node.named_children[0])
        return -v if isinstance(v, (int, float)) else None
    return literal_text(node, src)


def string_array_calls(src: bytes, root: Node, folder: Folder) -> dict[tuple[int, int], str]:
    """Byte range of every string-array accessor call -> the string it returns."""
    if b"[" not in src or b"function" not in src:
        return {}
    arrays = _find_arrays(src, root, folder)
    if not arrays:
        return {}
    out: dict[tuple[int, int], str] = {}
    accessors = _find_accessors(src, root, arrays)
    sites = _call_sites(src) if accessors else {}
    copies = _copies(src) if accessors else {}
    for acc in accessors:
        names = _aliases(copies, acc.name)
        arr = _rotate(src, root, acc, arrays[acc.array], names)
        calls = sorted(c for n in names for c in sites.get(n, ()))
        for start, end, index, key in calls:
            s = _value(acc, arr, _arg(index), _arg(key))
            if s is not None:
                out[(start, end)] = s
            if len(out) >= MAX_CALL_SITES:
                return out
    return out
