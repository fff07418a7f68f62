"""Constant folding for Python expressions: what string an obfuscated expression spells.

Malware hides names and payloads as ``"o" + "s"``, ``"".join(chr(c) for c in [...])``,
``bytes.fromhex(...)``, ``"metsys"[::-1]`` or small base64/hex literals. Folding evaluates
those forms *as data*, with size limits, and never executes anything: only a fixed set of
pure standard-library decoders (:mod:`.pydecoders`) is applied to constant input.
"""

from __future__ import annotations

import ast
import codecs
from collections.abc import Iterator
from typing import Any, cast

from app.core.capabilities.ciphers import fernet_decrypt
from app.core.capabilities.pydecoders import (
    MAX_DECODE_IN as MAX_DECODE_IN,  # the decoders' limits, importable from here as before
)
from app.core.capabilities.pydecoders import (
    MAX_FOLD,
    Value,
    apply_decoder,
    to_text,
)
from app.core.capabilities.pydecoders import (
    looks_like_text as looks_like_text,  # pysinks imports it from here
)
from app.core.capabilities.pynames import DECODERS
from app.core.capabilities.pytree import inline_function_call

MAX_ITEMWISE = 64 * 1024  # bytes a keyed cipher comprehension is evaluated over, item by item


class Folded:
    """A folded value and whether a decoder produced it (decoded data is a signal)."""

    __slots__ = ("value", "decoded", "partial", "layers")

    def __init__(
        self, value: Value, decoded: bool = False, partial: bool = False, layers: tuple = ()
    ):
        self.value = value
        self.decoded = decoded
        self.partial = partial  # some parts were unknown (an f-string field, a % format)
        self.layers = layers  # the decoders that produced it, outermost last: ("b64decode", ...)


# What folding can undo: every decoder the analyser knows, except marshal (code objects are
# detected, never loaded) and the builtins spelling of bytes.fromhex (renamed in _fold_call).
_DECODERS = DECODERS - {"marshal.loads", "builtins.bytes.fromhex"}


_PATH_JOINERS = {
    "os.path.expanduser",
    "os.path.join",
    "pathlib.Path",
    "os.path.expandvars",
    "os.path.abspath",
    "os.path.normpath",
    "pathlib.PurePath",
    "pathlib.Path.joinpath",
    "posixpath.join",
    "ntpath.join",
}


class Folder:
    """Folds expressions; ``resolve`` maps a call's function node to a qualified name."""

    def __init__(self, resolve, lookup, lookup_int=None, functions=None):
        self.resolve = resolve  # callable(node) -> qualified name or None
        self.lookup = lookup  # callable(name) -> Folded or None
        # callable(name) -> int or None: a cipher's key or shift kept in its own variable
        self.lookup_int = lookup_int or (lambda name: None)
        # callable(name) -> the module's own top-level def of that name, or None
        self.functions = functions or (lambda name: None)
        self.depth = 0
        self.method_aliases: dict[str, ast.Attribute] = {}  # _ = "".join

    def fold(self, node: ast.AST) -> Folded | None:
        if self.depth > 60:
            return None
        self.depth += 1
        try:
            return self._fold(node)
        finally:
            self.depth -= 1

    def fold_value(self, node: ast.AST) -> Value | None:
        f = self.fold(node)
        return f.value if f else None

    def _fold(self, node: ast.AST) -> Folded | None:  # noqa: C901 - one dispatch table
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str | bytes):
                return Folded(node.value)
            return None
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return self.lookup(f"{node.value.id}.{node.attr}")  # a class attribute
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                a, b = self.fold(node.left), self.fold(node.right)
                if (
                    a
                    and b
                    and type(a.value) is type(b.value)
                    and len(a.value) + len(b.value) <= MAX_FOLD
                ):
                    return Folded(
                        cast(Any, a.value) + b.value,  # both str or both bytes
                        a.decoded or b.decoded,
                        a.partial or b.partial,
                    )
            if isinstance(node.op, ast.Mult):
                a = self.fold(node.left)
                if a and isinstance(node.right, ast.Constant) and isinstance(node.right.value, int):
                    n = node.right.value
                    if n >= 0 and len(a.value) * n <= MAX_FOLD:
                        return Folded(a.value * n, a.decoded)
            if isinstance(node.op, ast.Div):  # pathlib: Path.home() / ".bashrc"
                a, b = self.fold(node.left), self.fold(node.right)
                if b is not None and isinstance(b.value, str):
                    left = a.value if a is not None and isinstance(a.value, str) else "{}"
                    return Folded(f"{left}/{b.value}", partial=a is None or a.partial)
                return None
            if isinstance(node.op, ast.Mod):
                a = self.fold(node.left)
                if a and isinstance(a.value, str):
                    return Folded(
                        a.value, a.decoded, True
                    )  # the format string itself is what matters
            return None
        if isinstance(node, ast.JoinedStr):
            parts = []
            partial = False
            for v in node.values:
                if isinstance(v, ast.Constant) and isinstance(v.value, str):
                    parts.append(v.value)
                elif isinstance(v, ast.FormattedValue):
                    f = self.fold(v.value)
                    if f is None:
                        partial = True
                    parts.append(to_text(f.value) if f else "{}")
                else:
                    return None
            return Folded("".join(parts), partial=partial)
        if isinstance(node, ast.Subscript):
            base = self.fold(node.value)
            if base and isinstance(node.slice, ast.Slice):
                s = node.slice
                if (
                    s.lower is None
                    and s.upper is None
                    and isinstance(s.step, ast.UnaryOp)
                    and isinstance(s.step.op, ast.USub)
                    and isinstance(s.step.operand, ast.Constant)
                    and s.step.operand.value == 1
                ):
                    return Folded(base.value[::-1], True)
            return None
        if isinstance(node, ast.Call):
            return self._fold_call(node)
        return None

    def _fold_call(self, node: ast.Call) -> Folded | None:  # noqa: C901
        func = node.func
        args = node.args
        if isinstance(func, ast.Name) and func.id in self.method_aliases:
            func = self.method_aliases[func.id]
        # method calls on a folded value: "".join, .decode, .encode, .replace, [::-1] handled above
        if isinstance(func, ast.Attribute):
            attr = func.attr
            if attr == "decrypt" and len(args) == 1 and isinstance(func.value, ast.Call):
                return self._fold_fernet(func.value, args[0])
            if attr == "join" and len(args) == 1:
                sep = self.fold(func.value)
                items = self._fold_sequence(args[0])
                if sep is not None and items is not None:
                    # the item values are str (bytes) when the separator is, as checked
                    if all(isinstance(i.value, str) for i in items) and isinstance(sep.value, str):
                        strs = cast("Iterator[str]", (i.value for i in items))
                        layers = next((i.layers for i in items if i.layers), ())
                        return Folded(
                            sep.value.join(strs), any(i.decoded for i in items), layers=layers
                        )
                    if all(isinstance(i.value, bytes) for i in items) and isinstance(
                        sep.value, bytes
                    ):
                        blobs = cast("Iterator[bytes]", (i.value for i in items))
                        return Folded(sep.value.join(blobs), any(i.decoded for i in items))
                return None
            if attr in ("decode", "encode") and not (
                isinstance(func.value, ast.Name) and func.value.id == "codecs"
            ):
                base = self.fold(func.value)
                if base is None:
                    return None
                codec = self.fold_value(args[0]) if args else "utf-8"
                if attr == "decode" and isinstance(base.value, bytes):
                    if isinstance(codec, str) and codec.lower().replace("-", "_") not in (
                        "utf_8",
                        "utf8",
                        "ascii",
                        "latin_1",
                        "latin1",
                        "utf_16",
                        "utf_16_le",
                    ):
                        dec = apply_decoder("codecs.decode", base.value, [codec])
                        layers = (*base.layers, str(codec))
                        return Folded(dec, True, layers=layers) if dec is not None else None
                    return Folded(to_text(base.value), base.decoded, layers=base.layers)
                if attr == "encode" and isinstance(base.value, str):
                    if isinstance(codec, str) and codec.lower() in ("rot13", "rot_13"):
                        return Folded(codecs.encode(base.value, "rot13"), True)
                    return Folded(base.value.encode("utf-8", "surrogatepass"), base.decoded)
                return base
            if attr in ("replace",) and len(args) == 2:
                base, a, b = (
                    self.fold(func.value),
                    self.fold_value(args[0]),
                    self.fold_value(args[1]),
                )
                if (
                    base
                    and a is not None
                    and b is not None
                    and type(a) is type(b) is type(base.value)
                ):
                    out = cast(Any, base.value).replace(a, b)  # a, b: the same type as it
                    if len(out) <= MAX_FOLD:
                        return Folded(out, base.decoded)
                return None
            if attr in ("strip", "lower", "upper") and not args:
                base = self.fold(func.value)
                return Folded(getattr(base.value, attr)(), base.decoded) if base else None
        qual = self.resolve(func)
        if qual is None:
            fn = self.functions(func.id) if type(func) is ast.Name else None
            body = inline_function_call(node, fn) if fn is not None else None
            return self.fold(body) if body is not None else None  # the module's own decoder
        if qual == "builtins.bytes.fromhex":  # how the analyser resolves bytes.fromhex
            qual = "bytes.fromhex"
        if qual in _PATH_JOINERS and args:
            parts, partial = [], False
            for arg in args:
                f = self.fold(arg)
                if f is None or not isinstance(f.value, str):
                    parts.append("{}")
                    partial = True
                else:
                    parts.append(f.value)
                    partial = partial or f.partial
            return Folded("/".join(parts), partial=partial)
        if qual == "builtins.chr" and len(args) == 1:
            n = int_constant(args[0], self.lookup_int)
            if n is not None and 0 <= n < 0x110000:
                return Folded(chr(n))
            return None
        if qual in ("builtins.bytes", "builtins.bytearray") and len(args) == 1:
            if isinstance(args[0], ast.ListComp | ast.GeneratorExp):
                return self._fold_byte_comprehension(args[0])
            if isinstance(args[0], ast.List | ast.Tuple):
                ints = [int_constant(e) for e in args[0].elts]
                if all(i is not None and 0 <= i < 256 for i in ints):
                    return Folded(bytes(cast("list[int]", ints)))  # no None, as checked
            f = self.fold(args[0])
            if f and isinstance(f.value, str) and len(args) == 1:
                return Folded(f.value.encode("utf-8"), f.decoded)
            return f
        if qual in ("builtins.str",) and args:
            f = self.fold(args[0])
            if f and isinstance(f.value, bytes) and len(args) >= 2:
                return Folded(to_text(f.value), f.decoded)
            return f
        if qual in _DECODERS and args:
            f = self.fold(args[0])
            if f is None:
                return None
            folded = [self.fold_value(a) for a in args[1:2]]
            extra = [e for e in folded if e is not None]
            if qual == "codecs.decode" and not extra:
                kw = {k.arg: self.fold_value(k.value) for k in node.keywords}
                if kw.get("encoding"):
                    extra = [cast(Value, kw["encoding"])]  # not None, as checked
            out = apply_decoder(qual, f.value, extra)
            layers = (*f.layers, qual.rsplit(".", 1)[-1])
            return Folded(out, True, layers=layers) if out is not None else None
        if qual == "builtins.reversed" and args:
            f = self.fold(args[0])
            return Folded(f.value[::-1], True, layers=(*f.layers, "reversed")) if f else None
        return None

    def _fold_fernet(self, cipher: ast.Call, token_node: ast.AST) -> Folded | None:
        """``Fernet(<constant key>).decrypt(<constant token>)``, decrypted as data."""
        if not cipher.args or not (self.resolve(cipher.func) or "").endswith("Fernet"):
            return None
        key, token = self.fold(cipher.args[0]), self.fold(token_node)
        if key is None or token is None:
            return None
        out = fernet_decrypt(key.value, token.value)
        return Folded(out, True, layers=(*token.layers, "Fernet")) if out is not None else None

    def _fold_byte_comprehension(self, node: ast.ListComp | ast.GeneratorExp) -> Folded | None:
        """``bytes(b ^ K for b in data)``, ``bytes([c ^ key[i % len(key)] for i, c in
        enumerate(data)])`` and the like over a folded ``data``: XOR and shift ciphers with
        a constant key, undone as data (a plain key byte-wise; anything else item by item up
        to :data:`MAX_ITEMWISE` bytes)."""
        if len(node.generators) != 1 or node.generators[0].ifs:
            return None
        gen = node.generators[0]
        it, index = gen.iter, None
        if (
            isinstance(it, ast.Call)
            and isinstance(it.func, ast.Name)
            and it.func.id == "enumerate"
            and len(it.args) == 1
            and isinstance(gen.target, ast.Tuple)
            and len(gen.target.elts) == 2
            and all(isinstance(e, ast.Name) for e in gen.target.elts)
        ):
            index = cast(ast.Name, gen.target.elts[0]).id
            item = cast(ast.Name, gen.target.elts[1]).id
            it = it.args[0]
        elif isinstance(gen.target, ast.Name):
            item = gen.target.id
        else:
            return None
        data = self.fold(it)
        if data is None:
            return None
        raw = (
            data.value if isinstance(data.value, bytes) else data.value.encode("latin-1", "replace")
        )
        xor = any(isinstance(n, ast.BitXor) for n in ast.walk(node.elt))
        layers = (*data.layers, "xor") if xor else data.layers
        out = _xor_fast(node.elt, item, raw)
        if out is None:
            if len(raw) > MAX_ITEMWISE:
                return None
            env: dict[str, int] = {}
            values = []
            for i, b in enumerate(raw):
                env[item] = b
                if index is not None:
                    env[index] = i
                v = self._int_env(node.elt, env)
                if v is None or not 0 <= v < 256:
                    return None
                values.append(v)
            out = bytes(values)
        return Folded(out, data.decoded or xor, layers=layers)

    def _int_env(self, node: ast.AST, env: dict[str, int], depth: int = 0) -> int | None:
        """An integer expression over the comprehension's variables and folded constants."""
        if depth > 12:
            return None
        if isinstance(node, ast.Name):
            return env[node.id] if node.id in env else self.lookup_int(node.id)
        if isinstance(node, ast.Constant):
            return node.value if type(node.value) is int else None
        if isinstance(node, ast.BinOp):
            a = self._int_env(node.left, env, depth + 1)
            b = self._int_env(node.right, env, depth + 1)
            if a is None or b is None:
                return None
            op = node.op
            if isinstance(op, ast.BitXor):
                return a ^ b
            if isinstance(op, ast.Add):
                return a + b
            if isinstance(op, ast.Sub):
                return a - b
            if isinstance(op, ast.Mod) and b:
                return a % b
            if isinstance(op, ast.BitAnd):
                return a & b
            if isinstance(op, ast.BitOr):
                return a | b
            return None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1:
            if node.func.id == "len":
                f = self.fold(node.args[0])
                return len(f.value) if f is not None else None
            if node.func.id == "ord":
                return self._int_env(node.args[0], env, depth + 1)
            return None
        if isinstance(node, ast.Subscript):
            f = self.fold(node.value)
            i = self._int_env(node.slice, env, depth + 1)
            if f is None or i is None or not -len(f.value) <= i < len(f.value):
                return None
            v = f.value[i]
            return v if isinstance(v, int) else ord(v)
        return None

    def _fold_sequence(self, node: ast.AST) -> list[Folded] | None:
        if isinstance(node, ast.List | ast.Tuple):
            out = []
            for e in node.elts:
                f = self.fold(e)
                if f is None:
                    return None
                out.append(f)
            return out
        if isinstance(node, ast.ListComp | ast.GeneratorExp) and len(node.generators) == 1:
            gen = node.generators[0]
            if gen.ifs or not isinstance(gen.target, ast.Name):
                return None
            seq: list[int | Value | None]
            if isinstance(gen.iter, ast.List | ast.Tuple):
                seq = [int_constant(e) for e in gen.iter.elts]
                if not all(s is not None for s in seq):
                    seq = [self.fold_value(e) for e in gen.iter.elts]
                    if not all(s is not None for s in seq):
                        return None
            else:
                f = self.fold(gen.iter)
                if f is None:
                    return None
                seq = list(f.value)
            if len(seq) > MAX_FOLD // 4:
                return None
            name = gen.target.id
            xor = any(isinstance(n, ast.BitXor) for n in ast.walk(node.elt))
            # chr(ord(c) - k) over text: each character moved by a key is a shift cipher
            shift = not xor and any(isinstance(n, ast.BinOp) for n in ast.walk(node.elt))
            layer = ("xor",) if xor else ("shift",) if shift else ()
            out = []
            for item in seq:
                val = _eval_elt(node.elt, name, item, self.resolve, self.lookup_int)
                if val is None:
                    return None
                out.append(Folded(val, xor or shift, layers=layer))
            return out
        if isinstance(node, ast.Call) and len(node.args) == 2 and not node.keywords:
            return self._fold_map(node)
        f = self.fold(node)
        if f is not None:  # each item keeps how the whole was made (reversed, decoded)
            d, layers = f.decoded, f.layers
            if isinstance(f.value, str):
                return [Folded(c, d, layers=layers) for c in f.value]
            return [Folded(bytes([c]), d, layers=layers) for c in f.value]
        return None

    def _fold_map(self, node: ast.Call) -> list[Folded] | None:
        """``map(chr, [112, 105, 112])``, the chr reached by any name the analyser resolves
        (``getattr(__builtins__, "chr")``), over written integers: the characters, as the
        comprehension ``chr(c) for c in [...]`` folds."""
        if self.resolve(node.func) != "builtins.map" or self.resolve(node.args[0]) != (
            "builtins.chr"
        ):
            return None
        seq = node.args[1]
        if not isinstance(seq, ast.List | ast.Tuple) or len(seq.elts) > MAX_FOLD // 4:
            return None
        ints = [int_constant(e, self.lookup_int) for e in seq.elts]
        if not all(i is not None and 0 <= i < 0x110000 for i in ints):
            return None
        return [Folded(chr(cast(int, i))) for i in ints]


def _xor_fast(elt: ast.AST, item: str, raw: bytes) -> bytes | None:
    """``item ^ K`` (either order) with a constant K, byte-wise through a table: any size."""
    if not (isinstance(elt, ast.BinOp) and isinstance(elt.op, ast.BitXor)):
        return None
    for a, b in ((elt.left, elt.right), (elt.right, elt.left)):
        if (
            isinstance(a, ast.Name)
            and a.id == item
            and isinstance(b, ast.Constant)
            and type(b.value) is int
            and 0 <= b.value < 256
        ):
            return raw.translate(bytes(i ^ b.value for i in range(256)))
    return None


def int_sequence(node: ast.AST) -> Folded | None:
    """A literal list or tuple of small integers as data (``DATA = [104, 116, ...]``), so a
    cipher loop over the name that holds it folds: bytes when every item is a byte, else the
    text of the code points. Short lists (flags, versions) are left alone."""
    if not isinstance(node, ast.List | ast.Tuple) or not 8 <= len(node.elts) <= MAX_ITEMWISE:
        return None
    ints = [int_constant(e) for e in node.elts]
    if not all(i is not None and 0 <= i < 0x110000 for i in ints):
        return None
    values = cast("list[int]", ints)  # no None, as checked
    if max(values) < 256:
        return Folded(bytes(values))
    return Folded("".join(map(chr, values)))


def int_constant(node: ast.AST, ints=None) -> int | None:
    """An integer constant expression; ``ints`` maps a name to a known integer constant."""
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    ):
        return node.value
    if isinstance(node, ast.Name) and ints is not None:
        return ints(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = int_constant(node.operand, ints)
        return -v if v is not None else None
    if isinstance(node, ast.BinOp):
        a, b = int_constant(node.left, ints), int_constant(node.right, ints)
        if a is None or b is None:
            return None
        op = node.op
        if isinstance(op, ast.Add):
            return a + b
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.BitXor):
            return a ^ b
        if isinstance(op, ast.Mult) and abs(a * b) < 1 << 32:
            return a * b
    return None


def _eval_elt(elt: ast.AST, name: str, item, resolve=None, ints=None) -> str | None:
    """Evaluate ``chr(x)``, ``chr(x ^ k)``, ``chr(x - k)`` or ``x`` for one item of a comprehension."""
    if isinstance(elt, ast.Name) and elt.id == name:
        return (
            item
            if isinstance(item, str)
            else (chr(item) if isinstance(item, int) and 0 <= item < 0x110000 else None)
        )
    if (
        isinstance(elt, ast.Call)
        and isinstance(elt.func, ast.Name)
        and len(elt.args) == 1
        and (elt.func.id == "chr" or (resolve is not None and resolve(elt.func) == "builtins.chr"))
    ):
        n = _eval_int(elt.args[0], name, item, ints)
        if n is not None and 0 <= n < 0x110000:
            return chr(n)
    return None


def _eval_int(node: ast.AST, name: str, item, ints=None) -> int | None:
    if isinstance(node, ast.Name) and node.id == name:
        if isinstance(item, int):
            return item
        if isinstance(item, str) and len(item) == 1:
            return ord(item)
        return None
    if isinstance(node, ast.Name) and ints is not None:
        return ints(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "ord"
        and node.args
    ):
        return _eval_int(node.args[0], name, item, ints)
    if isinstance(node, ast.BinOp):
        a, b = _eval_int(node.left, name, item, ints), _eval_int(node.right, name, item, ints)
        if a is None or b is None:
            return None
        if isinstance(node.op, ast.BitXor):
            return a ^ b
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mod) and b:  # a shift kept in range: (ord(c) - k) % 256
            return a % b
    return None
