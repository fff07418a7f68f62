"""Which code of a module runs when it is loaded: the walk before the walk.

A module's top level runs on import (at install for setup.py and .pth files), and so does
every function it calls from there, directly or through a callback taker (``atexit.register``,
``Thread(target=...)``), and every method a module-level line starts (``Grabber().run()``,
see :mod:`loadmethods`). The analyser asks this first, so that the same ``requests.post`` is
weighed as an import-time act in a function the module calls on load and as a library
feature in one only a user calls. In setup.py it also reads which classes ``cmdclass``
registers for pip and which blocks only a maintainer's own command reaches
(:mod:`setupcommands`).

A mixin of :class:`~app.core.capabilities.pyanalysis.PythonAnalyzer`.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

from app.core.capabilities import context as ctx
from app.core.capabilities.loadmethods import methods_on_load
from app.core.capabilities.pycalls import _last_name
from app.core.capabilities.pytaint import file_readers
from app.core.capabilities.pytree import children, is_main_guard
from app.core.capabilities.setupcommands import (
    argv_aliases,
    maintainer_functions,
    not_an_install_command,
    registered_commands,
)
from app.core.capabilities.unpassed import given_guard, live_nodes, unpassed_params

_CALLBACK_TAKERS = {
    "register",
    "Thread",
    "Process",
    "Timer",
    "start_new_thread",
    "submit",
    "call_soon",
}


class LoadReach:
    """``called_on_load`` and ``methods_on_load`` of a module, and setup.py's command facts."""

    role: str
    import_calls: frozenset[str]
    called_on_load: set[str]
    methods_on_load: set[tuple[str, str]]
    own_functions: frozenset[str]
    top_defs: Mapping[str, ast.AST]
    file_readers: frozenset[str]
    maintainer_classes: frozenset[str]
    maintainer_functions: frozenset[str]
    pip_classes: frozenset[str]
    argv_names: frozenset[str]
    setup_tree: ast.Module | None
    def_names: list[str]
    class_names: list[str]
    # top-level function -> parameters none of the module's load-time calls passes (unpassed)
    unpassed: dict[str, frozenset[str]]

    def _prepass(self, tree: ast.Module) -> None:
        """Which top-level functions run at load time (``called_on_load``).

        Only direct calls by name count (``run()``, ``atexit.register(run)``,
        ``Thread(target=run)``): ``obj.run()`` says nothing about a module-level ``run``.
        Calls inside methods, nested functions, lambdas and ``if __name__ == "__main__"``
        never make anything run on import, so only module-level code is walked first, then
        the body of each function found to run, and nothing else: most of a module's code
        sits in functions that are never reached this way.
        """
        top = {
            n.name: n
            for n in tree.body
            if type(n) is ast.FunctionDef or type(n) is ast.AsyncFunctionDef
        }
        self.own_functions = frozenset(top)
        self.top_defs = top
        if self.role == ctx.SETUP:  # exec(read("pkg/__about__.py")): setup.py's version idiom
            self.file_readers = file_readers(top)
            self.maintainer_classes, self.pip_classes = registered_commands(tree)
            self.argv_names = argv_aliases(tree)
            self.maintainer_functions = maintainer_functions(tree, frozenset(top), self.argv_names)
            self.setup_tree = tree  # install_step_code(tree) on a computed start's first ask
        self.unpassed = {}
        self._sites: dict[str, list[ast.Call]] = {}
        self._unknown = set(top) & self.import_calls  # called by another module on its load
        self._reach_all(tree, top)
        if self._sites and (dead := unpassed_params(tree, top, self._sites, self._unknown)):
            # again, leaving out the branches only a parameter no load-time call passes opens
            self.unpassed = dead
            self.called_on_load = set()
            self._reach_all(tree, top)

    def _reach_all(self, tree: ast.Module, top: Mapping[str, ast.AST]) -> None:
        """``called_on_load`` and ``methods_on_load`` from the module's top level."""
        if top:
            top_ids = {id(n) for n in top.values()}
            calls = self._direct_calls(tree.body, top_ids)
            calls.extend(set(top) & self.import_calls)
            self._reach(calls, top)
        main_counts = self.role in (ctx.SETUP, ctx.PTH)
        self.methods_on_load, from_methods = methods_on_load(
            tree,
            self.called_on_load,
            top,
            lambda s: type(s) is ast.If and self._guard_skips_load(s.test, main_counts),
            self._live,
        )
        self._unknown |= from_methods  # called from a method: with arguments not followed
        self._reach(list(from_methods), top)

    def _live(self, name: str, func: ast.AST) -> list[ast.AST]:
        """The parts of a top-level function that run when the module's load-time calls run
        it: all of it, save the branches only a parameter none of them passes opens."""
        dead = self.unpassed.get(name)
        body = getattr(func, "body", None)
        if not dead or type(body) is not list:
            return children(func)
        return live_nodes(body, dead)

    def unpassed_branch(self, test: ast.AST) -> bool:
        """Whether an ``if`` of the top-level function being read opens only when a parameter
        none of the module's load-time calls passes was given (``unpassed``)."""
        if len(self.def_names) != 1 or self.class_names:
            return False
        return given_guard(test, self.unpassed.get(self.def_names[0], frozenset()))

    def _reach(self, calls: list[str], top: Mapping[str, ast.AST]) -> None:
        """Add ``calls`` and what they call, transitively, to ``called_on_load``."""
        while calls:
            name = calls.pop()
            if name in self.called_on_load or name not in top:
                continue
            self.called_on_load.add(name)
            calls.extend(self._direct_calls(self._live(name, top[name]), None))

    def _direct_calls(self, nodes: Sequence[ast.AST], stop_ids: set[int] | None) -> list[str]:
        """Names called directly (or handed to a callback taker) in ``nodes``. With
        ``stop_ids`` (module level) function definitions, lambdas and the ``__main__`` guard
        are not entered: their calls do not run on import."""
        out: list[str] = []
        stack = list(nodes)
        func_types = (ast.FunctionDef, ast.AsyncFunctionDef)
        module_level = stop_ids is not None
        main_guard_counts = self.role in (ctx.SETUP, ctx.PTH)
        while stack:
            node = stack.pop()
            t = type(node)
            if type(node) is ast.Call:  # type(node), not t: the type checker narrows node
                func = node.func
                if type(func) is ast.Name:
                    out.append(func.id)
                    self._sites.setdefault(func.id, []).append(node)
                if _last_name(func) in _CALLBACK_TAKERS:
                    handed = [a.id for a in node.args if type(a) is ast.Name]
                    handed += [k.value.id for k in node.keywords if type(k.value) is ast.Name]
                    out.extend(handed)
                    self._unknown.update(handed)
            elif module_level:
                if t in func_types or t is ast.Lambda:
                    continue
                if type(node) is ast.If and self._guard_skips_load(node.test, main_guard_counts):
                    continue
            elif t is ast.Name or t is ast.Constant:
                continue
            stack.extend(children(node))
        return out

    def _guard_skips_load(self, test: ast.AST, main_guard_counts: bool) -> bool:
        """An ``if`` whose body never runs on load: the ``__main__`` guard outside setup.py
        and .pth, a setup.py block only a maintainer's command reaches."""
        if self.role == ctx.SETUP and not_an_install_command(test, self.argv_names):
            return True
        return not main_guard_counts and is_main_guard(test)
