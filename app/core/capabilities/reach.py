"""Which files install and import actually run, whatever folder they sit in.

A file's weight comes from where it sits (:mod:`.context`): ``setup.py`` runs at install,
package modules at import, and tests, docs, examples, ``tools/`` and ``scripts/`` are lowered
one step because they usually run only when a developer runs them. Malware uses exactly that:
``setup.py`` runs ``exec(open("tools/enc.py").read())`` or imports ``scripts.post_install``,
and a package's ``__init__`` imports ``.tools.helper``. Such files are not "usually run only
by a developer": this module finds them (read as text and syntax trees; nothing is run) so
the scan gives them the place of the code that runs them.
"""

from __future__ import annotations

import ast
import posixpath
import re

from app.core.capabilities import context as ctx
from app.core.capabilities.setuptree import setup_nodes

MAX_ROUNDS = 4  # import chains followed from the package's modules
MAX_SETUP_BYTES = 2 * 1024 * 1024
_EXEC_NAMES = {"exec", "execfile", "run_path", "run_module"}
# Imports at column 0 (where module-level imports run), matched on "\n" + text: no part of
# the pattern crosses a line end, so indented lines never match. The literal "\n" start is
# searched at C speed (a leading ^ under re.M is tried at every position, and keeping only the
# unindented lines first cost a split and a join per module).
_IMPORT_RE = re.compile(
    r"\n(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([\w, \t*]+)|import[ \t]+([\w., \t]+))"
)


def _call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def _literal_path(node: ast.AST) -> str | None:
    """``"a/b.py"``, ``os.path.join(here, "a", "b.py")`` or ``Path(here) / "b.py"`` as a
    relative path (non-literal parts such as ``here`` are taken as setup.py's folder)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and _call_name(node) in ("join", "Path", "abspath", "normpath"):
        parts = [p for p in (_literal_path(a) for a in node.args) if p]
        return "/".join(parts) if parts else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        parts = [p for p in (_literal_path(node.left), _literal_path(node.right)) if p]
        return "/".join(parts) if parts else None
    return None


def setup_run_files(setup_path: str, text: str, paths: set[str]) -> tuple[set[str], set[str]]:
    """(files setup.py executes as its own code: ``exec(open(X).read())``,
    ``exec(compile(open(X).read(), ...))``, ``runpy.run_path(X)``, ``execfile(X)``;
    local modules it imports at module level) among ``paths``."""
    if len(text) > MAX_SETUP_BYTES:  # the parser's memory is unbounded
        return set(), set()
    nodes = setup_nodes(text)  # parsed once for this and the requirements (bounds inside)
    if nodes is None:
        return set(), set()
    base = posixpath.dirname(setup_path)
    found: set[str] = set()
    executes = False
    opened: list[str] = []
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name in _EXEC_NAMES:
            executes = True
            if name in ("execfile", "run_path") and node.args:
                rel = _literal_path(node.args[0])
                if rel:
                    opened.append(rel)
        elif name in ("open", "read_text", "Path") and node.args:
            rel = _literal_path(node.args[0])
            if rel and rel.endswith(".py"):
                opened.append(rel)
        elif name in ("read_text", "read") and isinstance(node.func, ast.Attribute):
            rel = _literal_path(node.func.value)
            if rel and rel.endswith(".py"):
                opened.append(rel)
    if executes:
        for rel in opened:
            path = posixpath.normpath(
                posixpath.join(base, rel.lstrip("./") if rel.startswith("./") else rel)
            )
            if path in paths:
                found.add(path)
    return found, _imported(setup_path, "\n" + text, paths)


def _candidates(importer: str, module: str, names: list[str]) -> list[str]:
    dots = len(module) - len(module.lstrip("."))
    parts = [p for p in module.lstrip(".").split(".") if p]
    pkg = importer.rsplit("/", 1)[0].split("/") if "/" in importer else []
    if dots:
        if dots - 1 > len(pkg):
            return []
        bases = [pkg[: len(pkg) - (dots - 1)] + parts]
    else:
        bases = [parts, ["src", *parts]]
    out = []
    for b in bases:
        # importing a.b.c runs a/__init__, a/b/__init__ and a/b/c
        for i in range(1, len(b) + 1):
            out.append("/".join(b[:i]) + "/__init__.py")
        if b:
            out.append("/".join(b) + ".py")
        for n in names:
            sub = [*b, n]
            out += ["/".join(sub) + ".py", "/".join(sub) + "/__init__.py"]
    return out


def _imported(
    importer: str, text: str, paths: set[str], stems: frozenset[str] | None = None
) -> set[str]:
    """The files of ``paths`` that ``text``'s module-level imports load. With ``stems`` (the
    module names the wanted files can be imported as), an absolute import naming none of them
    is not resolved: every path it could load ends in one of its own names."""
    found: set[str] = set()
    for m in _IMPORT_RE.finditer(text):
        if m.group(3) is not None:
            modules = [p.split()[0] for p in m.group(3).split(",") if p.split()]
            for mod in modules:
                if stems is not None and _names_none(mod, (), stems):
                    continue
                found.update(c for c in _candidates(importer, mod, []) if c in paths)
        else:
            names = [
                p.split()[0] for p in m.group(2).split(",") if p.split() and p.split()[0] != "*"
            ]
            if stems is not None and _names_none(m.group(1), names, stems):
                continue
            found.update(c for c in _candidates(importer, m.group(1), names) if c in paths)
    found.discard(importer)
    return found


def _names_none(module: str, names, stems: frozenset[str]) -> bool:
    """An absolute import none of whose module parts or imported names is in ``stems``
    (a relative one resolves against the importer's folders: always looked at)."""
    if module.startswith("."):
        return False
    return not any(p in stems for p in module.split(".")) and not any(n in stems for n in names)


def _stem(path: str) -> str:
    """The name ``path`` is imported as: ``a/b.py`` -> ``b``, ``a/b/__init__.py`` -> ``b``."""
    folders, _, name = path.rpartition("/")
    if name == "__init__.py":
        return folders.rpartition("/")[2]
    return name[:-3] if name.endswith(".py") else name


def import_run_files(py_files: dict[str, str], roles: dict[str, str]) -> set[str]:
    """Files in lowered folders (tools/, scripts/, demo/...) that the package's own modules
    import at module level: they run on import, so they are package code."""
    if ctx.TEST not in roles.values():  # only a lowered file can be promoted: none, no work
        return set()
    paths = set(py_files)
    # only a lowered file can be promoted: imports that cannot name one are not resolved
    # ("src" is a folder every absolute import is also tried under)
    stems: frozenset[str] | None = frozenset(_stem(p) for p, r in roles.items() if r == ctx.TEST)
    if stems is not None and "src" in stems:
        stems = None
    running = {p for p, r in roles.items() if r == ctx.CODE}
    promoted: set[str] = set()
    frontier = set(running)
    for _ in range(MAX_ROUNDS):
        new: set[str] = set()
        for path in frontier:
            text = py_files.get(path) or ""
            if "import" not in text:
                continue
            for target in _imported(path, "\n" + text, paths, stems):
                if roles.get(target) == ctx.TEST and target not in promoted:
                    new.add(target)
        if not new:
            break
        promoted |= new
        frontier = new
    return promoted


def unimportable_scripts(code: dict[str, str]) -> frozenset[str]:
    """Package modules whose file name is no Python name (``generate-bcp47.py``): no import
    statement can load them (``import pkg.generate-bcp47`` does not parse), so their top level
    runs when someone runs the file, not when the package is imported. The one way left to
    import one is its name written as a string (``importlib.import_module("pkg.a-b")``,
    ``runpy.run_path``): a file whose name another code file (``code``: the ``.py`` and
    ``.pth`` texts) writes is left as it is."""
    stems: dict[str, list[str]] = {}
    for path in code:
        stem, dot, ext = path.rpartition("/")[2].rpartition(".")
        if dot and ext in ("py", "pyw") and stem and not stem.isidentifier():
            stems.setdefault(stem, []).append(path)
    if not stems:
        return frozenset()
    written = _written_by(code, stems)
    return frozenset(
        path for stem, paths in stems.items() for path in paths if not written[stem] - {path}
    )


def _written_by(code: dict[str, str], words) -> dict[str, set[str]]:
    """For each of ``words``, the files of ``code`` whose text holds it: one pass of one
    pattern over each text (a package of a thousand migrations and a thousand modules asked
    each name of each file a thousand times)."""
    found: dict[str, set[str]] = {w: set() for w in words}
    if max(map(len, found)) <= _MAX_TREE_WORD:
        pattern = re.compile(_trie_alternation(found))
    else:  # (a tree is built by recursion, one level per character)
        pattern = re.compile("|".join(re.escape(w) for w in sorted(found, key=len, reverse=True)))
    for path, text in code.items():
        for w in set(pattern.findall(text)):
            found[w].add(path)
    return found


# A file name longer than this (an archive may hold any) is searched for by a flat alternation.
_MAX_TREE_WORD = 255


def _trie_alternation(words) -> str:
    """A pattern matching the longest of ``words`` at each place, written as a tree of their
    shared beginnings (``hook\\-(?:PyQt5|django)``): a flat alternation of 400 names is tried
    name by name at every position of every file (PyInstaller's hooks: 0.6 s a scan), the
    tree only one branch per character. ``?`` after a word that goes on is greedy, so the
    longer word wins, as it does in an alternation sorted longest first."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def branch(node: dict) -> str:
        alternatives = [re.escape(ch) + branch(node[ch]) for ch in sorted(node) if ch]
        if "" not in node:
            return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"
        return f"(?:{'|'.join(alternatives)})?" if alternatives else ""

    return branch(trie)


def outside_package_root(setup_text: str, paths: set[str]) -> set[str]:
    """The ``.py`` files of an sdist that its ``setup.py`` does not install: where it maps the
    root package folder elsewhere (dlib's ``package_dir={"": "tools/python"}``), packages and
    modules are looked for only under that folder, so a file outside it (dlib's
    ``python_examples/``) is never importable once installed. Such a file runs when a
    developer runs it, like those in ``examples/``. ``setup.py`` itself and whatever it runs
    or imports keep their place (see :func:`setup_run_files`)."""
    if len(setup_text) > MAX_SETUP_BYTES or "package_dir" not in setup_text:
        return set()
    root = None
    for node in setup_nodes(setup_text) or ():
        if type(node) is ast.keyword and node.arg == "package_dir":
            mapping = node.value
            if type(mapping) is not ast.Dict:
                return set()  # built at run time: where it points is not read here
            for k, v in zip(mapping.keys, mapping.values, strict=False):
                if type(k) is ast.Constant and k.value == "" and type(v) is ast.Constant:
                    root = v.value
    if not isinstance(root, str) or not root.strip("./"):
        return set()
    root = posixpath.normpath(root.strip("/")) + "/"
    return {p for p in paths if p.endswith(".py") and "/" in p and not p.startswith(root)}


# A file name in quotes, alone or as a path's last part: "_migrate.py", 'workers/run.py'.
_QUOTED_PY_RE = re.compile(r"[\"'/\\]([\w.-]+\.py)[\"']")
# What starts a program (the mentioning file must have one) and what would run or load a
# file's text in this process instead (the mentioning file must have none).
_STARTS_RE = re.compile(
    r"\bsubprocess\b|\bPopen\b|\bsys\.executable\b|\bos\.(?:system|exec\w*|spawn\w*)\(|"
    r"create_subprocess_exec"
)
# Every import statement's line, matched on "\n" + text (see _IMPORT_RE).
_IMPORT_LINE_RE = re.compile(r"\n[ \t]*(?:from|import)[ \t][^\n]*")
_WORD_RE = re.compile(r"[A-Za-z_]\w*")
_LOADS_RE = re.compile(
    r"(?<![\w.])(?:exec|execfile|compile|eval)\(|\brun_path\b|\bspec_from_file_location\b|"
    r"\bSourceFileLoader\b|\bload_source\b|\bimport_module\b|__import__"
)


def spawned_scripts(py_files: dict[str, str]) -> frozenset[str]:
    """Package modules another module starts as a program of their own by file name
    (hatch-jupyter-builder's CLI runs ``[python, Path(__file__).parent / "_migrate.py"]``;
    comfy-env copies ``_persistent_worker.py`` out and starts it as a worker): their top
    level runs in that new process, when the starting code runs, not when the package is
    imported. Only where nothing imports the module by name, and every file naming it starts
    programs and never loads or runs code from a file itself (``exec(open(...).read())``,
    ``runpy.run_path``, ``importlib``), which would run it in the importing process. The
    start keeps its own place: a package that starts its payload on import is still raised
    there, and the payload's chains are judged in it."""
    by_name: dict[str, list[str]] = {}
    for path in py_files:
        name = path.rpartition("/")[2]
        if name.endswith(".py") and name not in ("__init__.py", "__main__.py", "setup.py"):
            by_name.setdefault(name, []).append(path)
    mentions: dict[str, set[str]] = {}
    for path, text in py_files.items():
        if '.py"' not in text and ".py'" not in text:
            continue
        for m in _QUOTED_PY_RE.finditer(text):
            if m.group(1) in by_name:
                mentions.setdefault(m.group(1), set()).add(path)
    starter: dict[str, bool] = {}  # per file: starts programs and loads no code from a file

    def only_starts(path: str) -> bool:
        if path not in starter:
            t = py_files[path]
            starter[path] = _STARTS_RE.search(t) is not None and _LOADS_RE.search(t) is None
        return starter[path]

    out: set[str] = set()
    imported: dict[str, set[str]] | None = None  # a word of an import line -> its files
    for name, by in mentions.items():
        if not all(only_starts(p) for p in by):
            continue
        if imported is None:
            imported = _import_words(py_files)
        if imported.get(name[:-3], set()) - set(by_name[name]):
            continue
        out.update(p for p in by_name[name] if p not in by)
    return frozenset(out)


def _import_words(py_files: dict[str, str]) -> dict[str, set[str]]:
    """Each name written on an import line (``from pkg.sub import a, b``: pkg, sub, a, b),
    with the files that write it: read once for all the names asked."""
    out: dict[str, set[str]] = {}
    for path, text in py_files.items():
        if "import" not in text:
            continue
        for line in _IMPORT_LINE_RE.findall("\n" + text):
            for word in _WORD_RE.findall(line):
                out.setdefault(word, set()).add(path)
    return out
