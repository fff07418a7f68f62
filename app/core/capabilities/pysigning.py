"""Key parameters that a module only signs with.

A function handed ``private_key`` (or a seed, a signing key) is read as holding a secret, and
a request built from it as sending that secret out: a trojanised wallet API takes the key and
posts it. Yet the usual use of a key is to sign with it, and a signature does not carry the
key: zi_api_auth_client's ``pki_authentication(client_id, private_key)`` hands the key to its
own ``_get_client_jwt``, which passes it to ``jwt.encode(claims, private_key,
algorithm='RS256')``, and the request sends the signed token. A parameter whose every use is
as the key of a signing call (or as the argument of one of the module's own functions that
only signs with it) sends nothing of the key; one used in any other way (put in a body, a
header, a string, a list) keeps its taint.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from app.core.capabilities.pytree import children

# Keyed signers by module: the argument position and keyword that hold the key.
_KEYED: dict[str, tuple[int, str]] = {
    "jwt.encode": (1, "key"),
    "jose.jwt.encode": (1, "key"),
    "jose.jws.sign": (1, "key"),
    "hmac.new": (0, "key"),
    "hmac.digest": (0, "key"),
}

# Methods that sign with the key they are handed or are called on (cryptography's
# ``key.sign(data, ...)``, eth_account's ``Account.sign_transaction(tx, key)``).
SIGN_METHODS = frozenset(
    {
        "sign",
        "sign_transaction",
        "signTransaction",
        "sign_message",
        "signMessage",
        "sign_typed_data",
        "sign_hash",
        "signHash",
        "unsafe_sign_hash",
    }
)

_Def = ast.FunctionDef | ast.AsyncFunctionDef


def makes_signature(node: ast.AST) -> bool:
    """``acct.sign_transaction(tx)``, ``key.sign(data)``: a signature made with a key, which
    does not carry the key (the taint rules do not pass a key's taint through one)."""
    return (
        type(node) is ast.Call
        and type(node.func) is ast.Attribute
        and node.func.attr in SIGN_METHODS
    )


# Constructors that turn a wallet's private key or seed into an account (eth_account's
# ``Account.from_key``, solders' ``Keypair.from_base58_string``, web3.js-style ports). A name
# handed to one holds a wallet secret, whatever it is called: a trojanised "validator" takes
# ``validate_key`` and posts it.
WALLET_KEY_CALLS = frozenset(
    {
        "from_key",
        "from_base58_string",
        "from_mnemonic",
        "from_secret_key",
        "from_private_key",
        "privateKeyToAccount",
        "from_seed_phrase",
    }
)


def _alias(node: ast.Import | ast.ImportFrom, out: dict[str, str]) -> None:
    """Record local name -> the module path it stands for (``import jwt as J``, ``from jose
    import jwt``, ``from jwt import encode``)."""
    if type(node) is ast.Import:
        for a in node.names:
            out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
    elif type(node) is ast.ImportFrom and node.module and not node.level:
        for a in node.names:
            out[a.asname or a.name] = f"{node.module}.{a.name}"


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not ast.Name:
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


class SigningKeys:
    """Which (function, parameter) pairs of one module are used only to sign."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree  # read on the first key parameter (most modules have none)
        self.aliases: dict[str, str] = {}
        self.defs: dict[str, list[_Def]] = {}
        self._memo: dict[tuple[int, str], bool] = {}

    def _index(self) -> None:
        """The imports and definitions of the module's top level, of its classes' bodies and
        of top-level ``if``/``try`` blocks (``try: import jwt``). Not the whole tree: two
        whole walks of every large module that names a key parameter were a tenth of a
        popular SDK's scan. A signer imported or defined deeper is not known, so a key
        handed to it keeps its taint."""
        todo: list[ast.stmt] = list(self.tree.body)
        while todo:
            node = todo.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self.defs.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                _alias(node, self.aliases)
            elif isinstance(node, ast.ClassDef):
                todo.extend(node.body)
            elif isinstance(node, ast.If | ast.Try):
                todo.extend([*node.body, *node.orelse, *getattr(node, "finalbody", [])])
                for h in getattr(node, "handlers", []):
                    todo.extend(h.body)

    def wallet_keys(self, fn: _Def) -> frozenset[str]:
        """The names ``fn`` hands, as they are, to a wallet-key constructor. The analyser asks
        only in a module whose text names one (``mentions_wallet``): most never walk a body
        here."""
        out: set[str] = set()
        stack: list[ast.AST] = list(fn.body)
        while stack:
            node = stack.pop()
            if (
                type(node) is ast.Call
                and type(node.func) is ast.Attribute
                and node.func.attr in WALLET_KEY_CALLS
            ):
                out.update(a.id for a in node.args if type(a) is ast.Name)
            stack.extend(children(node))
        return frozenset(out)

    def sign_only(self, fn: _Def, param: str) -> bool:
        """Whether every use of ``param`` in ``fn`` is as a signing key (true of a parameter
        never used: nothing of it is sent)."""
        if not self._memo:
            self._index()
        key = (id(fn), param)
        if key not in self._memo:
            self._memo[key] = True  # a recursive call assumes what is being shown
            self._memo[key] = all(self._use_signs(*u) for u in _uses(fn, param))
        return self._memo[key]

    def _use_signs(self, use: ast.Name, parent: ast.AST | None, grand: ast.AST | None) -> bool:
        if type(parent) is ast.keyword:
            parent = grand
        if type(parent) is ast.Call and parent.func is not use:
            return self._call_signs(parent, use)
        if type(parent) is ast.Attribute and type(grand) is ast.Call and grand.func is parent:
            # key.sign(data, ...): the key signs; unless the module defines that method
            return parent.attr in SIGN_METHODS and parent.attr not in self.defs
        return False

    def _call_signs(self, call: ast.Call, use: ast.Name) -> bool:
        """Whether ``use``, an argument of ``call``, is the key the call signs with."""
        pos = next((i for i, a in enumerate(call.args) if a is use), None)
        kw = next((k.arg for k in call.keywords if k.value is use), None)
        if pos is None and kw is None:
            return False  # inside *args or **kwargs
        func = call.func
        own = self._own_callees(func)
        if own is not None:
            return all(self._param_signs(fn, func, pos, kw) for fn in own)
        q = _dotted(func, self.aliases)
        if q in _KEYED:
            at, name = _KEYED[q]
            return pos == at or kw == name
        return type(func) is ast.Attribute and func.attr in SIGN_METHODS

    def _own_callees(self, func: ast.AST) -> list[_Def] | None:
        """The module's own definitions a call may reach (``f(...)``, ``self.f(...)``), or
        None when it calls something else."""
        if type(func) is ast.Name:
            return self.defs.get(func.id)
        if type(func) is ast.Attribute and type(func.value) is ast.Name:
            if func.value.id in ("self", "cls"):
                return self.defs.get(func.attr)
        return None

    def _param_signs(self, fn: _Def, func: ast.AST, pos: int | None, kw: str | None) -> bool:
        """Whether the parameter of ``fn`` an argument lands in only signs."""
        params = fn.args.posonlyargs + fn.args.args
        if kw is not None:
            names = {a.arg for a in params + fn.args.kwonlyargs}
            return kw in names and self.sign_only(fn, kw)
        bound = type(func) is ast.Attribute and bool(params) and params[0].arg in ("self", "cls")
        at = (pos or 0) + 1 if bound else (pos or 0)
        return at < len(params) and self.sign_only(fn, params[at].arg)


def _uses(fn: _Def, param: str) -> Iterator[tuple[ast.Name, ast.AST | None, ast.AST | None]]:
    """Each load of ``param`` in ``fn``'s body, with its parent and grandparent."""
    stack: list[tuple[ast.AST, ast.AST | None, ast.AST | None]] = [(s, None, None) for s in fn.body]
    while stack:
        node, parent, grand = stack.pop()
        if type(node) is ast.Name and node.id == param:
            yield node, parent, grand
            continue
        stack.extend((child, node, parent) for child in children(node))
