"""Work out JavaScript's hidden strings without running anything.

Obfuscated npm code hides every name it uses: ``b['ex'+'ec']``, ``global['req'+'uire']``,
``String.fromCharCode(101,118,97,108)``, ``\\x65\\x76`` escapes, ``Buffer.from(s,'base64')``,
``atob(s)`` and, from javascript-obfuscator, a *string array* (one array of all literals,
rotated at start-up by a loop that compares a checksum, read through hex-named accessor
functions, optionally base64- or RC4-encoded). :class:`Folder` folds an expression to its
constant value, reading accessor calls as the strings that
:func:`~app.core.capabilities.jsstringarray.string_array_calls` decoded from the string array
(its own module). All of it is bounded: folding depth, string sizes, rotations and call sites
have limits.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

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


# The name and the blanks after it are possessive: what follows a name is never a name
# character and never a blank, so a shorter name or fewer blanks cannot match where the whole
# ones did not. Without that, every identifier not followed by "=" (most of a bundle) was
# tried again at each of its shorter lengths: half of this regex's time on a minified file.
_ASSIGN_RE = re.compile(
    rb"(?<![\w$.])([A-Za-z_$][\w$]{0,80}+)\s*+(\*\*|>>>|<<|>>|\?\?|\|\||&&|[-+*/%&|^])?=(?![=>])"
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
