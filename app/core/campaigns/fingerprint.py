"""Payload fingerprints that survive renaming, so one payload under many names is one campaign.

Attackers upload the same code under dozens of names, with the package name, the version, a
variable name or the callback URL changed. A fingerprint therefore hashes a *normalised* form:

* Python: the AST with every identifier abstracted to ``_``, docstrings dropped, strings that
  carry the package's own name or version replaced by ``<PKG>``, and URLs, domains, IPs and
  webhook ids replaced by ``<URL>``/``<HOST>``/``<IP>`` (they are kept apart as IOCs);
  top-level functions and classes are sorted so reordering them changes nothing.
* Other text: whitespace folded, the same string abstractions.

Two hashes: ``exact`` (sha256 of the normalised form, indexed) and ``fuzzy`` (TLSH of the
normalised form, for near matches such as an added line). Files too small to say anything are
``trivial`` and never make two packages alike: a bare ``setup(...)`` or an empty
``__init__.py`` must not group unrelated packages.
"""

from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass, field
from typing import cast

from app.core.astparse import parse_python
from app.core.campaigns.iocs import Iocs, extract_iocs
from app.core.capabilities.parsebounds import ast_refusal

MIN_NORMALISED_CHARS = 160  # below this a normalised file is boilerplate-sized
MIN_SUBSTANCE = 3  # fewer non-boilerplate calls/branches than this: boilerplate
# Calls every setup.py or __init__.py makes; they say nothing about a payload.
_BOILERPLATE_CALLS = frozenset(
    {
        "setup",
        "find_packages",
        "find_namespace_packages",
        "open",
        "read",
        "join",
        "dirname",
        "abspath",
        "realpath",
        "get",
        "Extension",
        "print",
        "format",
        "strip",
        "split",
        "readlines",
        "Path",
        "read_text",
        "getLogger",
        "version",
        "exists",
    }
)
_URL_RE = re.compile(r"(?i)\b(?:https?|wss?|ftp)://\S+")
_IP_RE = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_HOST_RE = re.compile(
    r"(?i)\b(?:[a-z0-9-]{1,63}\.)+(?:com|net|org|io|site|xyz|ru|top|cc|me|app|dev|"
    r"info|biz|lol|pw|tk|ml|ga|cf|gq|invalid|sh|link|live|online|store|club)\b"
)
_WS_RE = re.compile(r"\s+")


@dataclass
class FileFingerprint:
    path: str
    exact: str  # sha256 hex of the normalised form
    fuzzy: str | None  # TLSH digest, None when the text is too short for one
    size: int  # length of the normalised form
    iocs: Iocs = field(default_factory=Iocs)
    substance: int = 1_000  # calls and control flow beyond packaging boilerplate (Python only)

    @property
    def trivial(self) -> bool:
        """Too small, or only packaging boilerplate: never evidence that two packages are alike."""
        return self.size < MIN_NORMALISED_CHARS or self.substance < MIN_SUBSTANCE


def _abstract_string(value: str, own_tokens: tuple[str, ...]) -> str:
    low = value.lower()
    for token in own_tokens:
        if token and len(token) >= 3 and token in low:
            return "<PKG>"
    value = _URL_RE.sub("<URL>", value)
    value = _IP_RE.sub("<IP>", value)
    return _HOST_RE.sub("<HOST>", value)


class _Normaliser(ast.NodeTransformer):
    """Abstract identifiers and own-name strings; drop docstrings."""

    def __init__(self, own_tokens: tuple[str, ...]):
        self.own_tokens = own_tokens

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.copy_location(ast.Name(id="_", ctx=node.ctx), node)

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = "_"
        node.annotation = None
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, str):
            return ast.copy_location(
                ast.Constant(_abstract_string(node.value, self.own_tokens)), node
            )
        return node

    def visit_keyword(self, node: ast.keyword) -> ast.AST:
        self.generic_visit(node)
        return node

    def _body_without_docstring(self, body: list[ast.stmt]) -> list[ast.stmt]:
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(getattr(body[0], "value", None), ast.Constant)
            and isinstance(cast(ast.Constant, body[0].value).value, str)
        ):
            return body[1:] or [ast.Pass()]
        return body

    def _visit_def(self, node):
        node.name = "_"
        node.body = self._body_without_docstring(node.body)
        node.returns = None
        self.generic_visit(node)
        return node

    # ast.NodeTransformer dispatches on these exact names.
    visit_FunctionDef = _visit_def  # noqa: N815
    visit_AsyncFunctionDef = _visit_def  # noqa: N815
    visit_ClassDef = _visit_def  # noqa: N815


def python_substance(tree: ast.AST) -> int:
    """Count calls and control flow that are not packaging boilerplate."""
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called not in _BOILERPLATE_CALLS:
                count += 1
        elif isinstance(node, (ast.For, ast.While, ast.Try, ast.With, ast.Lambda)):
            count += 1
    return count


def normalise_python(source: str, own_tokens: tuple[str, ...] = ()) -> str | None:
    """The normalised form of Python source, or ``None`` when it does not parse."""
    parsed = _parse_and_normalise(source, own_tokens)
    return None if parsed is None else parsed[0]


def _parse_and_normalise(source: str, own_tokens: tuple[str, ...]) -> tuple[str, int] | None:
    """(normalised form, substance) from one parse, or ``None`` when it does not parse."""
    if ast_refusal(source):
        return None  # the parser's memory has no bound of its own
    try:
        tree = parse_python(source)
        substance = python_substance(tree)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    try:
        tree = _Normaliser(own_tokens).visit(tree)
        body = [s for s in tree.body]
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(getattr(body[0], "value", None), ast.Constant)
        ):
            body = body[1:]
        dumps = [ast.dump(s, annotate_fields=False, include_attributes=False) for s in body]
    except RecursionError:
        return None
    # Reordering top-level functions and classes must not change the fingerprint; other
    # statements keep their order (it can matter).
    defs = sorted(
        d
        for s, d in zip(body, dumps, strict=True)
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    )
    rest = [
        d
        for s, d in zip(body, dumps, strict=True)
        if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    return "\n".join(rest + defs), substance


def normalise_text(text: str, own_tokens: tuple[str, ...] = ()) -> str:
    """Normalised form of any text: own-name tokens, URLs, IPs and hosts abstracted, space folded."""
    out = text
    for token in own_tokens:
        if token and len(token) >= 3:
            out = re.sub(re.escape(token), "<PKG>", out, flags=re.IGNORECASE)
    out = _URL_RE.sub("<URL>", out)
    out = _IP_RE.sub("<IP>", out)
    out = _HOST_RE.sub("<HOST>", out)
    return _WS_RE.sub(" ", out).strip()


def _fuzzy(data: bytes) -> str | None:
    try:
        import tlsh
    except ImportError:  # pragma: no cover - py-tlsh is a dependency
        return None
    digest = tlsh.hash(data)
    return None if not digest or digest == "TNULL" else digest


def fuzzy_distance(a: str | None, b: str | None) -> int | None:
    """TLSH distance (0 identical … 300+ unrelated), ``None`` when either side has none."""
    if not a or not b:
        return None
    import tlsh

    return tlsh.diff(a, b)


def own_tokens_for(name: str | None, version: str | None) -> tuple[str, ...]:
    """Strings that identify the package itself, abstracted away before hashing."""
    tokens: list[str] = []
    if name:
        low = name.lower()
        tokens += [
            low,
            low.replace("-", "_"),
            low.replace("_", "-"),
            low.replace("-", "").replace("_", ""),
        ]
    if version:
        tokens.append(version.lower())
    return tuple(dict.fromkeys(t for t in tokens if t))


def fingerprint_file(
    path: str, text: str, *, name: str | None = None, version: str | None = None
) -> FileFingerprint:
    """Fingerprint one text file of a package (Python by AST, anything else as text)."""
    own = own_tokens_for(name, version)
    normalised = None
    substance = 1_000
    if path.endswith((".py", ".pyw")):
        parsed = _parse_and_normalise(text, own)
        if parsed is not None:
            normalised, substance = parsed
    if normalised is None:
        normalised = normalise_text(text, own)
    data = normalised.encode("utf-8", "surrogatepass")
    return FileFingerprint(
        path=path,
        exact=hashlib.sha256(data).hexdigest(),
        fuzzy=_fuzzy(data) if len(data) >= MIN_NORMALISED_CHARS else None,
        size=len(data),
        iocs=extract_iocs(text),
        substance=substance,
    )
