"""setup.py blocks that pip never runs.

Many setup.py files keep a maintainer's release helper at the top level, behind a test of the
command line: ``if sys.argv[-1] == "publish": os.system("twine upload dist/*")``. pip runs
setup.py only with its own commands (``egg_info``, ``dist_info``, ``bdist_wheel``,
``install``, ``develop``, ``build*``, ``sdist``), so such a block never runs when a user
installs the package; its starts are a maintainer's, not an install-time act. A block guarded
by one of pip's commands (``if "install" in sys.argv``) does run and is judged as before.

The same holds for a command class that setup.py registers only under names of its own
(``cmdclass={"upload": UploadCommand, "build_assets": WebpackBuild}``): pip never asks for
those commands, so the class's code is a maintainer's. One registered under a pip command, or
subclassing one (``class PostInstall(install)``), runs at install as before.
"""

from __future__ import annotations

import ast

from app.core.capabilities.pytree import children, walk

# What pip (and its PEP 517 setuptools backend) passes to setup.py, and the commands those run.
PIP_COMMANDS = frozenset(
    {
        "egg_info",
        "dist_info",
        "bdist_wheel",
        "bdist_egg",
        "install",
        "install_lib",
        "install_scripts",
        "install_data",
        "install_headers",
        "install_egg_info",
        "develop",
        "editable_wheel",
        "build",
        "build_py",
        "build_ext",
        "build_clib",
        "build_scripts",
        "sdist",
    }
)


def argv_aliases(tree: ast.Module) -> frozenset[str]:
    """Module-level names bound to ``sys.argv`` or an item of it (``command = sys.argv[-1]``)."""
    return frozenset(
        t.id
        for s in tree.body
        if isinstance(s, ast.Assign) and _is_argv(s.value)
        for t in s.targets
        if isinstance(t, ast.Name)
    )


# Base classes of command overrides that run when pip installs (``class Post(install)``).
INSTALL_COMMANDS = {
    "install",
    "develop",
    "egg_info",
    "build_py",
    "build",
    "sdist",
    "bdist_egg",
    "bdist_wheel",
    "build_ext",
    "easy_install",
    "_install",
    "orig_install",
}


def _is_argv(node: ast.AST, aliases: frozenset[str] = frozenset()) -> bool:
    """``sys.argv`` or an item or slice of it, or a name bound to one."""
    if isinstance(node, ast.Name):
        return node.id in aliases
    if isinstance(node, ast.Subscript):
        node = node.value
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "argv"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


def _words(node: ast.AST) -> list[str] | None:
    """The literal command words a comparison names: ``"publish"`` or ``("tag", "release")``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set) and node.elts:
        out = [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
        return out if len(out) == len(node.elts) else None
    return None


def _beside_argv(argv: ast.AST, other: ast.AST, aliases: frozenset[str]) -> list[str] | None:
    """The command words ``other`` names when ``argv`` is the command line."""
    return _words(other) if _is_argv(argv, aliases) else None


def not_an_install_command(test: ast.AST, aliases: frozenset[str] = frozenset()) -> bool:
    """Whether ``test`` holds only when setup.py was started with commands pip never gives:
    ``sys.argv[-1] == "publish"``, ``"upload" in sys.argv``, ``sys.argv[1] in ("tag",
    "release")`` (also as one side of an ``and``)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(not_an_install_command(v, aliases) for v in test.values)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and len(test.comparators) == 1):
        return False
    op, left, right = test.ops[0], test.left, test.comparators[0]
    if not isinstance(op, ast.Eq | ast.In):
        return False
    # argv == "publish" either way round; "upload" in argv (or argv[1] in ("tag", ...))
    first, second = (left, right) if isinstance(op, ast.Eq) else (right, left)
    words = _beside_argv(first, second, aliases) or _beside_argv(second, first, aliases)
    return bool(words) and not any(w.lstrip("-") in PIP_COMMANDS for w in words or ())


def registered_commands(tree: ast.Module) -> tuple[frozenset[str], frozenset[str]]:
    """Command classes by what ``cmdclass`` dicts register them as: (those registered only
    under commands pip never gives, ``{"upload": UploadCommand}``; those registered under a
    pip command or a key that is not a plain string, ``{"egg_info": Anything}``, which run at
    install whatever class they subclass)."""
    own: set[str] = set()
    pip: set[str] = set()
    for node in walk(tree):  # ast.walk's order without context/operator leaves: half the cost
        if isinstance(node, ast.keyword) and node.arg == "cmdclass":
            value: ast.AST | None = node.value
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and "cmdclass" in t.id.lower() for t in node.targets
        ):
            value = node.value
        elif isinstance(node, ast.Dict):  # setup(**{"cmdclass": {...}})
            value = next(
                (v for k, v in zip(node.keys, node.values, strict=True) if _is_str(k, "cmdclass")),
                None,
            )
        else:
            continue
        if not isinstance(value, ast.Dict):
            continue
        for k, v in zip(value.keys, value.values, strict=True):
            if not isinstance(v, ast.Name):
                continue
            key = k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None
            if key is not None and key not in PIP_COMMANDS:
                own.add(v.id)
            else:
                pip.add(v.id)
    return frozenset(own - pip), frozenset(pip)


def maintainer_functions(
    tree: ast.Module, top: frozenset[str], aliases: frozenset[str] = frozenset()
) -> frozenset[str]:
    """setup.py's top-level functions named only inside blocks a maintainer's own command
    reaches (``if sys.argv[-1] == "publish": publish()``): py-tlsh's ``publish()`` runs
    ``twine upload`` for its author, never under pip. One named anywhere else (another
    function, ``cmdclass``, a callback) may run at install and keeps its place."""
    named: dict[str, bool] = {}  # name -> every mention so far is inside such a block
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, guarded = stack.pop()
        if type(node) is ast.Name and node.id in top:
            named[node.id] = named.get(node.id, True) and guarded
            continue
        if type(node) is ast.If and not guarded and not_an_install_command(node.test, aliases):
            stack.extend((child, True) for child in node.body)
            stack.extend((child, False) for child in node.orelse)
            continue
        stack.extend((child, guarded) for child in children(node))
    return frozenset(name for name, only in named.items() if only)


def _is_str(node: ast.AST | None, text: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == text


# The commands that put a package in place or describe it (pip runs egg_info or dist_info,
# then install or develop), as opposed to the build steps that compile its native parts
# (build, build_ext, build_clib, bdist_wheel): a program the code computes is a compiler, a
# configure script or a build helper far more often in a build step than in an install step.
BUILD_STEPS = frozenset({"build", "build_ext", "build_clib", "bdist_wheel", "sdist"})
# pip's commands less the build steps (and build_scripts, which copies scripts), plus the
# names install overrides are registered or imported under (easy_install, an aliased install)
INSTALL_STEPS = (PIP_COMMANDS - BUILD_STEPS - {"build_scripts"}) | {
    "easy_install",
    "_install",
    "orig_install",
}
_MAX_REACH = 200


def install_step_code(tree: ast.Module) -> frozenset[str]:
    """Names of the classes and functions whose code runs inside an install step: a command
    class that subclasses one of :data:`INSTALL_STEPS` (``class Post(install)``, also under an
    import alias or through a class of the file that does) or is registered under one (or
    under a key that is no plain string), and every function or method those call by name
    (``payload()``, ``Tool().fetch()``), transitively. A helper only a build step calls
    (``build_ext`` querying the compiler, ``build_clib`` running ``configure``) is not in it."""
    by_name: dict[str, list[ast.AST]] = {}
    classes: list[ast.ClassDef] = []
    aliases: dict[str, str] = {}
    for node in walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            by_name.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.ClassDef):
            classes.append(node)
        elif isinstance(node, ast.ImportFrom):
            aliases.update((a.asname, a.name) for a in node.names if a.asname)
    keys = _registered_keys(tree)
    reached: set[str] = set()
    todo: list[ast.AST] = []
    grew = True
    while grew:  # a class of the file subclassing one found to install installs too
        grew = False
        for cls in classes:
            if cls.name in reached:
                continue
            bases = {aliases.get(n, n) for n in map(_base_name, cls.bases)}
            if bases & (INSTALL_STEPS | reached) or keys.get(cls.name, set()) - BUILD_STEPS:
                reached.add(cls.name)
                todo.append(cls)
                grew = True
    while todo and len(reached) < _MAX_REACH:
        for node in walk(todo.pop()):
            if not isinstance(node, ast.Call) or _own_or_base_call(node.func):
                continue
            name = _base_name(node.func)
            if name and name not in reached and name in by_name:
                reached.add(name)
                todo.extend(by_name[name])
    return frozenset(reached)


def _own_or_base_call(func: ast.AST) -> bool:
    """``self.x()``, ``super().run()``, ``install.run(self)``: the class's own methods
    (walked with it) or the command it extends, not another class's method of that name."""
    if not isinstance(func, ast.Attribute):
        return False
    obj = func.value
    if isinstance(obj, ast.Call):
        return isinstance(obj.func, ast.Name) and obj.func.id == "super"
    return _base_name(obj) in ("self", "cls") or _base_name(obj) in INSTALL_COMMANDS | PIP_COMMANDS


def _base_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _registered_keys(tree: ast.Module) -> dict[str, set[str]]:
    """class name -> the cmdclass keys it is registered under ("?" for a computed key):
    ``{"install": Post}``, ``dict(install=Post)``, ``cmdclass["install"] = Post``."""
    out: dict[str, set[str]] = {}

    def add(k: ast.AST | None, v: ast.AST) -> None:
        if not isinstance(v, ast.Name):
            return
        key = k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else "?"
        if key in PIP_COMMANDS or key == "?":
            out.setdefault(v.id, set()).add(key)

    for node in walk(tree):
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                add(k, v)
        elif isinstance(node, ast.Call) and _base_name(node.func) == "dict":
            for kw in node.keywords:
                add(ast.Constant(kw.arg) if kw.arg else None, kw.value)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Subscript):
                    add(t.slice, node.value)
    return out
