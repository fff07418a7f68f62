"""The Python analyser's state, shared by its rule mixins.

:class:`~app.core.capabilities.pyanalysis.PythonAnalyzer` owns the scopes, name resolution,
folding and the emitted hits; :class:`~app.core.capabilities.pycalls.CallRules`,
:class:`~app.core.capabilities.pystrings.StringRules` and
:class:`~app.core.capabilities.pytaint.TaintRules` use them. The mixins name
:class:`AnalyzerState` as their base only while type checking; at run time the base is
``object``, so nothing here changes the analyser's classes.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Protocol

from app.core.capabilities.folding import Folded, Folder
from app.core.capabilities.model import Hit
from app.core.capabilities.pysigning import SigningKeys


class ScopeState(Protocol):
    """What the mixins read and write of a :class:`~app.core.capabilities.pyanalysis.Scope`."""

    taint: dict[str, frozenset[str]]
    names: dict[str, str]
    executed: bool
    install: bool


class AnalyzerState(Protocol):
    """The members of :class:`PythonAnalyzer` its mixins use (as defined in ``pyanalysis``)."""

    path: str
    lines: list[str]
    role: str
    hits: list[Hit]
    decoded_depth: int
    at_line: int | None
    folder: Folder
    docstrings: set[int]
    table_strings: set[int]
    host_tables: set[int]
    data_strings: set[int]
    signing: SigningKeys  # during run: the module's signing keys (pysigning)
    tree: ast.Module  # during run: the module's tree
    file_targets: dict[str, ast.AST]
    path_tails: dict[str, str]
    mentions_environ: bool
    mentions_store: bool
    hashed_nodes: set[int]
    own_functions: frozenset[str]
    file_readers: frozenset[str]
    return_taints: dict[str, frozenset[str]]
    own_imports: set[str]
    inherited_names: dict[str, str]

    def __init__(
        self,
        path: str,
        lines: list[str],
        role: str,
        *,
        decoded_depth: int = 0,
        at_line: int | None = None,
        import_calls: frozenset[str] = frozenset(),
        text: str | None = None,
    ) -> None: ...

    def run(self, tree: ast.Module) -> list[Hit]: ...

    @property
    def scopes(self) -> Sequence[ScopeState]: ...

    def in_install(self) -> bool: ...

    def _is_socket_fd(self, node: ast.AST) -> bool: ...

    def _listening_socket(self, node: ast.AST) -> bool: ...

    def _is_env_whole(self, node: ast.AST) -> bool: ...

    def _holds_env_whole(self, value: ast.AST) -> bool: ...

    def _mark_downloaded(self, target: ast.AST | None) -> None: ...

    def _written(self, node: ast.Call, data: ast.AST, fh: ast.AST) -> None: ...

    @property
    def scope(self) -> ScopeState: ...

    def _lookup_name(self, name: str) -> str | None: ...

    def _lookup_taint(self, name: str) -> frozenset[str]: ...

    def _lookup_const(self, name: str) -> Folded | None: ...

    def qualname(self, node: ast.AST) -> str | None: ...

    def _canon(self, q: str | None) -> str | None: ...

    def _is_net(self, q: str) -> bool: ...

    def emit(
        self,
        cap: str,
        severity: str,
        node: ast.AST,
        rule: str,
        explanation: str,
        match: str | None = None,
        *,
        raise_in_context: bool = True,
        place: str | None = None,
    ) -> None: ...

    def taint_of(self, node: ast.AST | None) -> frozenset[str]: ...

    def _place(self) -> str: ...

    def _analyse_decoded(self, folded: Folded, node: ast.AST, plain: bool = False) -> None: ...
