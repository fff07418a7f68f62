"""Work out JavaScript's hidden strings without running anything.

Obfuscated npm code hides every name it uses: ``b['ex'+'ec']``, ``global['req'+'uire']``,
``String.fromCharCode(101,118,97,108)``, ``\\x65\\x76`` escapes, ``Buffer.from(s,'base64')``,
``atob(s)`` and, from javascript-obfuscator, a *string array* (one array of all literals,
rotated at start-up by a loop that compares a checksum, read through hex-named accessor
functions, optionally base64- or RC4-encoded). :class:`Folder` folds an expression to its
constant value; :func:`string_array_calls` decodes the string array, replays the rotation
with a tiny arithmetic evaluator and maps every accessor call site to the string it returns.
All of it is bounded: folding depth, string sizes, rotations and call sites have limits.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any, SupportsFloat, cast

from tree_sitter import Node

MAX_STRING = 2_000_000
MAX_DEPTH = 30
MAX_CALL_SITES = 200_000
MAX_ARRAY = 50_000


@dataclass(frozen=True)
class Val:
    """A folded value and whether a decoder (base64, hex, char codes, a string array) made it."""

    value: object
    decoded: bool = False


_ESC_RE = re.compile(
    r"\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|(\r\n|.))", re.S
)
_SIMPLE_ESC = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def unescape(raw: str) -> str:
    """A JS string literal's body with its escapes resolved."""
    if "\\" not in raw:
        return raw

    def sub(m: re.Match) -> str:
        hx, brace, u4, other = m.groups()
        if hx or brace or u4:
            cp = int(hx or brace or u4, 16)
            return chr(cp) if cp <= 0x10FFFF else ""
        if other in ("\n", "\r\n", "\r"):
            return ""
        return _SIMPLE_ESC.get(other, other)

    return _ESC_RE.sub(sub, raw)


def slice_of(src: bytes, node: Node, limit: int | None = None) -> bytes:
    """A node's source text as a slice of the one source bytes (at most ``limit`` bytes).

    Never ``node.text``: on a tree parsed through a read callback (how :mod:`.jsparse` keeps
    its time budget) every ``node.text`` calls back into Python for the whole node and the
    binding keeps what it read, so a bundle's places cost gigabytes.
    """
    end = node.end_byte if limit is None else min(node.end_byte, node.start_byte + limit)
    return src[node.start_byte : end]


def literal_text(node: Node, src: bytes) -> str | None:
    """The value of a string or substitution-free template literal."""
    if node.type == "string" or (
        node.type == "template_string"
        and not any(c.type == "template_substitution" for c in node.children)
    ):
        raw = slice_of(src, node, MAX_STRING).decode("utf-8", "replace")
        return unescape(raw[1:-1])
    return None


def js_number(text: str) -> float | None:
    t = text.replace("_", "").lower().strip()
    if t.startswith("-"):
        n = js_number(t[1:])
        return -n if n is not None else None
    try:
        if t.startswith("0x"):
            return int(t, 16)
        if t.startswith("0o"):
            return int(t[2:], 8)
        if t.startswith("0b"):
            return int(t[2:], 2)
        return float(t) if any(c in t for c in ".e") else int(t)
    except ValueError:
        return None


def parse_int(s: object) -> float:
    """JavaScript's parseInt(s) (base 10) on a string; NaN when no digits lead."""
    m = re.match(r"\s*([+-]?\d+)", str(s))
    return int(m.group(1)) if m else float("nan")


def _b64(text: str) -> bytes | None:
    compact = re.sub(r"\s+", "", text)
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=False)
    except (binascii.Error, ValueError):
        return None


def as_text(v: object) -> str | None:
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            return v.decode("latin-1")
    return v if isinstance(v, str) else None


class Folder:
    """Folds expressions of one parsed file. ``resolved`` maps (start, end) byte ranges of
    accessor calls to their decoded strings; identifiers bound once to a constant fold to it."""

    def __init__(self, src: bytes, root: Node, resolved: dict[tuple[int, int], str] | None = None):
        self.src = src
        self.root = root
        self.resolved = resolved or {}
        self._bindings: dict[str, Node | None] = {}
        self._sites: dict[bytes, list[tuple[int, bool]]] | None = None

    def text(self, node: Node, limit: int | None = None) -> bytes:
        """The node's source (its first ``limit`` bytes): a slice, never ``node.text``."""
        return slice_of(self.src, node, limit)

    def name(self, node: Node) -> str:
        """An identifier's or property's name (names are short: 200 bytes at most)."""
        return slice_of(self.src, node, 200).decode("utf-8", "replace")

    def binding(self, name: str) -> Node | None:
        """The value of the single declaration ``name = …`` (None when rebound or unknown)."""
        if name in self._bindings:
            return self._bindings[name]
        if self._sites is None:
            self._sites = _assignment_sites(self.src)
        self._bindings[name] = None
        found: Node | None = None
        sites = self._sites.get(name.encode(), ())
        if len(sites) > 2 or any(compound for _start, compound in sites):
            return None
        for start, _compound in sites:
            node = self.root.descendant_for_byte_range(start, start + len(name.encode()))
            parent = node.parent if node is not None else None
            if parent is None:
                return None
            if parent.type == "variable_declarator" and parent.child_by_field_name("name") == node:
                found = parent.child_by_field_name("value")
            elif (
                parent.type == "assignment_expression"
                and parent.child_by_field_name("left") == node
            ):
                found = parent.child_by_field_name("right")
            else:
                continue
        self._bindings[name] = found
        return found

    def fold(self, node: Node | None, depth: int = 0) -> Val | None:
        if node is None or depth > MAX_DEPTH:
            return None
        t = node.type
        if t in ("string", "template_string"):
            s = literal_text(node, self.src)
            return Val(s) if s is not None else None
        if t == "number":
            n = js_number(self.text(node, 100).decode("ascii", "replace"))
            return Val(n) if n is not None else None
        if t == "parenthesized_expression" and node.named_child_count == 1:
            return self.fold(node.named_children[0], depth + 1)
        if t == "identifier":
            name = self.name(node)
            b = self.binding(name)
            if b is None or (b.type == "identifier" and self.name(b) == name):
                return None
            return self.fold(b, depth + 1)
        if t == "binary_expression":
            return self._binary(node, depth)
        if t == "array":
            items = []
            for c in node.named_children[:MAX_ARRAY]:
                v = self.fold(c, depth + 1)
                if v is None:
                    return None
                items.append(v)
            return Val([i.value for i in items], any(i.decoded for i in items))
        if t == "call_expression":
            key = (node.start_byte, node.end_byte)
            if key in self.resolved:
                return Val(self.resolved[key], True)
            return self._call(node, depth)
        if t == "new_expression":
            return None
        if t == "subscript_expression":
            return None
        return None

    def _binary(self, node: Node, depth: int) -> Val | None:
        op = node.child_by_field_name("operator")
        left = self.fold(node.child_by_field_name("left"), depth + 1)
        if left is None:
            return None
        right = self.fold(node.child_by_field_name("right"), depth + 1)
        if right is None or op is None:
            return None
        a, b, o = left.value, right.value, op.type
        dec = left.decoded or right.decoded
        if o == "+":
            if isinstance(a, str) or isinstance(b, str):
                out = _js_str(a) + _js_str(b)
                return Val(out, dec) if len(out) <= MAX_STRING else None
            if isinstance(a, (int, float)) and isinstance(b, (int, float)):
                return Val(a + b, dec)
            return None
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return _arith(o, a, b, dec)
        return None

    def _call(self, node: Node, depth: int) -> Val | None:
        fn = node.child_by_field_name("function")
        args_node = node.child_by_field_name("arguments")
        if fn is None or args_node is None:
            return None
        args = [c for c in args_node.named_children if c.type != "comment"]
        name = self.callee_name(fn, depth)
        if name is None:
            return None
        obj = (
            fn.child_by_field_name("object")
            if fn.type in ("member_expression", "subscript_expression")
            else None
        )
        if name in ("fromCharCode", "atob", "from") or obj is None:
            return self._decoder_call(name, obj, args, depth)
        return self._method_call(name, obj, args, depth)

    def _decoder_call(
        self, name: str, obj: Node | None, args: list[Node], depth: int
    ) -> Val | None:
        """fromCharCode, atob, Buffer.from, decodeURIComponent: the decoders of obfuscators."""
        if name == "fromCharCode":
            codes = []
            for a in args:
                if a.type == "spread_element" and a.named_child_count:
                    v = self.fold(a.named_children[0], depth + 1)
                    if v is None or not isinstance(v.value, list):
                        return None
                    codes.extend(v.value)
                    continue
                v = self.fold(a, depth + 1)
                if v is None:
                    return None
                codes.append(v.value)
            try:
                return Val("".join(chr(int(c)) for c in codes), True)
            except (TypeError, ValueError, OverflowError):
                return None
        if name == "atob" and args:
            v = self.fold(args[0], depth + 1)
            raw = _b64(v.value) if v is not None and isinstance(v.value, str) else None
            return Val(raw.decode("latin-1"), True) if raw is not None else None
        if name == "from" and obj is not None and self.text(obj, 10) == b"Buffer" and args:
            v = self.fold(args[0], depth + 1)
            enc = self.fold(args[1], depth + 1) if len(args) > 1 else None
            if v is None or not isinstance(v.value, str):
                return None
            e = (enc.value if enc else "utf8") or "utf8"
            if e == "base64" or e == "base64url":
                raw = _b64(v.value.replace("-", "+").replace("_", "/"))
                return Val(raw, True) if raw is not None else None
            if e == "hex":
                try:
                    return Val(bytes.fromhex(v.value), True)
                except ValueError:
                    return None
            return Val(v.value.encode("utf-8", "surrogatepass"), v.decoded)
        if obj is None:
            if name in ("decodeURIComponent", "unescape", "decodeURI") and args:
                v = self.fold(args[0], depth + 1)
                if v is None or not isinstance(v.value, str):
                    return None
                from urllib.parse import unquote

                return Val(unquote(v.value), v.decoded or "%" in v.value)
        return None

    def _method_call(self, name: str, obj: Node, args: list[Node], depth: int) -> Val | None:
        """String and array methods on a folded value (join, split, reverse, concat...)."""
        base = self.fold(obj, depth + 1)
        if base is None:
            return None
        b = base.value
        if name == "toString" and isinstance(b, bytes):
            return Val(as_text(b), base.decoded)
        if name == "join" and isinstance(b, list):
            sep = self.fold(args[0], depth + 1) if args else Val(",")
            if sep is None:
                return None
            return Val(_js_str(sep.value).join(_js_str(i) for i in b), base.decoded)
        if name == "reverse" and isinstance(b, list):
            return Val(b[::-1], True)
        if name == "split" and isinstance(b, str) and args:
            sep = self.fold(args[0], depth + 1)
            if sep is None or not isinstance(sep.value, str):
                return None
            return Val(list(b) if sep.value == "" else b.split(sep.value), base.decoded)
        if name == "concat" and isinstance(b, str):
            parts = [self.fold(a, depth + 1) for a in args]
            if any(p is None for p in parts):
                return None
            return Val(b + "".join(_js_str(p.value) for p in parts if p), base.decoded)
        if name in ("toLowerCase", "toUpperCase", "trim") and isinstance(b, str):
            return Val(
                getattr(
                    b, {"toLowerCase": "lower", "toUpperCase": "upper", "trim": "strip"}[name]
                )(),
                base.decoded,
            )
        return None

    def callee_name(self, fn: Node, depth: int = 0) -> str | None:
        """The name a call calls: ``f``, ``o.f``, ``o['f']``, ``o['f'+'']``, ``o[_0x1(0x2)]``."""
        if fn.type == "identifier":
            return self.name(fn)
        if fn.type == "member_expression":
            prop = fn.child_by_field_name("property")
            return self.name(prop) if prop is not None else None
        if fn.type == "subscript_expression":
            idx = fn.child_by_field_name("index")
            v = self.fold(idx, depth + 1) if idx is not None else None
            return v.value if v is not None and isinstance(v.value, str) else None
        if fn.type == "parenthesized_expression" and fn.named_child_count:
            # (0, o.f)(…): the comma trick of bundlers and obfuscators
            inner = fn.named_children[-1]
            if inner.type == "sequence_expression" and inner.named_child_count:
                inner = inner.named_children[-1]
            return self.callee_name(inner, depth + 1)
        return None


_ASSIGN_RE = re.compile(
    rb"(?<![\w$.])([A-Za-z_$][\w$]{0,80})\s*(\*\*|>>>|<<|>>|\?\?|\|\||&&|[-+*/%&|^])?=(?![=>])"
)


def _assignment_sites(src: bytes) -> dict[bytes, list[tuple[int, bool]]]:
    """Every ``name =`` / ``name op=`` in the file, by name, in one pass (bounded per name)."""
    out: dict[bytes, list[tuple[int, bool]]] = {}
    for m in _ASSIGN_RE.finditer(src):
        sites = out.setdefault(m.group(1), [])
        if len(sites) < 3:
            sites.append((m.start(), m.group(2) is not None))
    return out


def _js_str(v: object) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list):
        return ",".join(_js_str(i) for i in v)
    if isinstance(v, bytes):
        return as_text(v) or ""
    return str(v)


def _arith(op: str, a: float, b: float, dec: bool = False) -> Val | None:
    try:
        if op == "-":
            return Val(a - b, dec)
        if op == "*":
            return Val(a * b, dec)
        if op == "/":
            return Val(a / b if b else float("nan"), dec)
        if op == "%":
            return Val(a % b if b else float("nan"), dec)
        if op == "^" and isinstance(a, int) and isinstance(b, int):
            return Val(a ^ b, dec)
    except (OverflowError, ValueError):
        return None
    return None


# --- javascript-obfuscator string arrays ---------------------------------------------------

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
