"""What a package makes the installer fetch: its declared dependencies, read as data.

pip installs every ``Requires-Dist`` of a wheel, every ``install_requires`` and
``setup_requires`` of an sdist and every ``[build-system] requires`` before any code of the
package runs, so a dependency is as much a payload channel as setup.py: the real malware sits
in a second package, fetched from a URL, a git repository, a local path, or under a name one
letter away from a popular project's. Each requirement is found where pip reads it (core
metadata, ``requires.txt``, setup.py's ``setup()`` keywords, setup.cfg, pyproject.toml) and
judged:

* a URL, VCS or local-path requirement: medium (``meta.url_dependency``), high when the URL
  is a bare IP, a paste, file-drop or tunnel service, or a package file installed from a
  server that is no code forge;
* a name that squats a popular project (the same list and distance as the package-name
  check): high (``meta.suspicious_dependency``), unless the name is itself an established
  project (``resources/popular/pypi-established.txt``: ``ijson`` is no squat of ``ujson``);
* a name the dataset labels malicious (``vetbench scan --dataset``): critical.
"""

from __future__ import annotations

import ast
import configparser
import re
import tomllib
from dataclasses import dataclass
from typing import cast

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from app.core.archive import Artifact, Member
from app.core.capabilities.hits import make_hit
from app.core.capabilities.metadata import typosquat_of, well_known_pypi_names
from app.core.capabilities.model import Hit
from app.core.capabilities.setuptree import setup_nodes
from app.core.capabilities.strings import endpoint_signals

MAX_REQUIREMENTS = 500  # per artifact: a list longer than this is read up to here
_SETUP_KEYWORDS = ("install_requires", "setup_requires", "extras_require", "dependency_links")
_LOCAL = re.compile(r"^(?:file:|\.{1,2}[/\\]|/|[A-Za-z]:[/\\])")
# A direct download of a package file (not a repository) from a host that is no code forge:
# the registry refuses such references in uploaded metadata, so a release carrying one in its
# setup.py or requirements installs code from a server of its author's choosing.
_ARCHIVE_URL = re.compile(
    r"^https?://[^\s#]+?\.(?:tar\.gz|tgz|tar\.bz2|tar\.xz|zip|whl|egg|exe)(?:[?#]\S*)?$", re.I
)
_FORGE = re.compile(
    r"^https?://(?:[\w-]+\.)*(?:github\.com|githubusercontent\.com|gitlab\.com|bitbucket\.org|"
    r"codeload\.github\.com|files\.pythonhosted\.org|download\.pytorch\.org|"
    r"data\.pyg\.org|storage\.googleapis\.com/jax-releases)/",
    re.I,
)
_URLISH = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git\+|hg\+|svn\+|bzr\+)", re.I)


@dataclass(frozen=True)
class DeclaredRequirement:
    """One requirement as written, where it was written, and when pip fetches it."""

    text: str
    member: Member
    line: int
    when: str  # "install" (a dependency) or "build" (setup_requires, build-system requires)


def _line_of(text: str, needle: str) -> int:
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


def _from_metadata(m: Member) -> list[DeclaredRequirement]:
    head = (m.text or "").split("\n\n", 1)[0]
    return [
        DeclaredRequirement(line.split(":", 1)[1].strip(), m, n, "install")
        for n, line in enumerate(head.split("\n"), 1)
        if line.startswith("Requires-Dist:")
    ]


def _from_requires_txt(m: Member) -> list[DeclaredRequirement]:
    return [
        DeclaredRequirement(line.strip(), m, n, "install")
        for n, line in enumerate((m.text or "").split("\n"), 1)
        if line.strip() and not line.strip().startswith(("[", "#"))
    ]


def _strings(node: ast.AST, names: dict[str, ast.AST], depth: int = 0) -> list[ast.Constant]:
    """String constants of a list/tuple/dict literal, following module-level names once."""
    if depth > 3:
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, ast.Name) and node.id in names:
        return _strings(names[node.id], names, depth + 1)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [c for e in node.elts for c in _strings(e, names, depth + 1)]
    if isinstance(node, ast.Dict):
        return [c for v in node.values if v is not None for c in _strings(v, names, depth + 1)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _strings(node.left, names, depth + 1) + _strings(node.right, names, depth + 1)
    return []


def _from_setup_py(m: Member) -> list[DeclaredRequirement]:
    # None: too big to parse within bounds, or unparsable; the analyser reports either
    # (scan.unread). The tree is the one the run-roles pass already parsed, when it did.
    nodes = setup_nodes(m.text or "")
    if nodes is None:
        return []
    tree = cast(ast.Module, nodes[0])  # the walk starts at the module
    names: dict[str, ast.AST] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                names[target.id] = stmt.value
    out: list[DeclaredRequirement] = []
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg not in _SETUP_KEYWORDS:
                continue
            when = "build" if kw.arg == "setup_requires" else "install"
            out += [
                DeclaredRequirement(str(c.value), m, c.lineno, when)
                for c in _strings(kw.value, names)
            ]
    return out


def _from_setup_cfg(m: Member) -> list[DeclaredRequirement]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(m.text or "")
    except configparser.Error:
        return []
    out: list[DeclaredRequirement] = []
    for key in ("install_requires", "setup_requires", "dependency_links"):
        value = parser.get("options", key, fallback="")
        when = "build" if key == "setup_requires" else "install"
        for item in re.split(r"[\n;]", value):
            item = item.strip()
            if item and not item.startswith("#"):
                out.append(DeclaredRequirement(item, m, _line_of(m.text or "", item), when))
    return out


def _from_pyproject(m: Member) -> list[DeclaredRequirement]:
    try:
        doc = tomllib.loads(m.text or "")
    except tomllib.TOMLDecodeError:
        return []
    project = doc.get("project") or {}
    build = doc.get("build-system") or {}
    found = [(r, "install") for r in project.get("dependencies") or []]
    found += [(r, "build") for r in build.get("requires") or []]
    extras = project.get("optional-dependencies") or {}
    if isinstance(extras, dict):
        for values in extras.values():
            found += [(r, "install") for r in values or []]
    text = m.text or ""
    return [DeclaredRequirement(r, m, _line_of(text, r), w) for r, w in found if isinstance(r, str)]


def declared_requirements(art: Artifact) -> list[DeclaredRequirement]:
    """Every requirement pip would fetch for ``art``, where it is written."""
    out: list[DeclaredRequirement] = []
    for m in art.members:
        if m.kind != "text" or not m.text or "!/" in m.path:
            continue
        parts = m.path.split("/")
        name = parts[-1]
        top = len(parts) == 1
        if name in ("METADATA", "PKG-INFO") and (
            top or parts[-2].endswith(("-info", ".dist-info"))
        ):
            out += _from_metadata(m)
        elif name == "requires.txt" and parts[-2].endswith(".egg-info"):
            out += _from_requires_txt(m)
        elif top and name == "setup.py":
            out += _from_setup_py(m)
        elif top and name == "setup.cfg":
            out += _from_setup_cfg(m)
        elif top and name == "pyproject.toml":
            out += _from_pyproject(m)
        if len(out) >= MAX_REQUIREMENTS:
            return out[:MAX_REQUIREMENTS]
    return out


def _parse(text: str) -> tuple[str, str]:
    """(canonical name or "", URL or local path or "") of one requirement string."""
    spec = text.split(";", 1)[0].strip()
    if _URLISH.match(spec) or _LOCAL.match(spec):
        egg = re.search(r"#egg=([\w.-]+)", spec)
        return (canonicalize_name(egg.group(1)) if egg else "", spec)
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return "", ""
    return canonicalize_name(req.name), req.url or ""


def dependency_hits(art: Artifact, known_malicious: frozenset[str] = frozenset()) -> list[Hit]:
    """Hits for dependencies fetched from elsewhere, squatting names, or labelled malicious.

    ``known_malicious`` holds ``ecosystem:canonical-name`` of packages a reviewer labelled
    malicious in the dataset.
    """
    if art.ecosystem not in ("pypi", None, ""):
        return []
    own = canonicalize_name(art.name) if art.name else ""
    # a dependency on an established project is on that project, whatever it is close to
    popular = well_known_pypi_names()
    squatter = bool(own) and typosquat_of(own) is not None
    hits: list[Hit] = []
    seen: set[tuple[str, str]] = set()
    for req in declared_requirements(art):
        name, url = _parse(req.text)
        if name == own and not url:
            continue
        found = _judge(req, name, url, own, popular, known_malicious, squatter)
        for cap, sev, rule, why in found:
            key = (rule, name or url)  # one finding per dependency, not per extra
            if key in seen:
                continue
            seen.add(key)
            lines = (req.member.text or "").split("\n")
            hits.append(
                make_hit(cap, sev, req.member.path, lines, req.line, None, 0, req.text, rule, why)
            )
    return hits


def _judge(
    req: DeclaredRequirement,
    name: str,
    url: str,
    own: str,
    popular: frozenset[str],
    known_malicious: frozenset[str],
    squatter: bool,
) -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    when = "when the package is built" if req.when == "build" else "when the package is installed"
    label = f"'{name}'" if name else "a dependency"
    if url:
        bad = endpoint_signals(url)
        if bad:
            out.append(
                (
                    "meta.url_dependency",
                    "high",
                    "meta.url_dep_endpoint",
                    f"pip fetches {label} {when} from {url[:120]}: {bad[0].explanation}",
                )
            )
        elif req.when == "install" and _ARCHIVE_URL.match(url) and not _FORGE.match(url):
            out.append(
                (
                    "meta.url_dependency",
                    "high",
                    "meta.url_dep_archive",
                    f"pip downloads and installs {label} {when} from a file on a private "
                    f"server ({url[:120]}): code no registry or forge ever showed anyone.",
                )
            )
        elif _LOCAL.match(url):
            out.append(
                (
                    "meta.url_dependency",
                    "medium",
                    "meta.local_dep",
                    f"{label} is installed from a local path ({url[:120]}) {when}: whatever "
                    "sits there on the installing machine, not a release anyone reviewed.",
                )
            )
        else:
            out.append(
                (
                    "meta.url_dependency",
                    "medium",
                    "meta.url_dep",
                    f"pip fetches {label} {when} from a URL or repository, not from PyPI: {url[:120]}",
                )
            )
    if name and f"pypi:{name}" in known_malicious:
        out.append(
            (
                "meta.suspicious_dependency",
                "critical",
                "meta.malicious_dep",
                f"Depends on '{name}', labelled malicious in the dataset: installing this "
                "package installs it.",
            )
        )
    elif name and not url and name not in popular:
        target = typosquat_of(name)
        if target and target != own:
            # Popular projects depend on many names a letter or two from other popular ones
            # (httpx2, cattrs, aiofile, fastai): only a typo's shape, or a package that itself
            # squats a name, makes it high.
            typo = swapped(name, target)
            out.append(
                (
                    "meta.suspicious_dependency",
                    "high" if typo or squatter else "medium",
                    "meta.squatted_dep",
                    f"Depends on '{name}', "
                    + ("the name" if typo else "one or two letters away from the name")
                    + f" of the popular package '{target}'"
                    + (" with two letters swapped" if typo else "")
                    + (" (and this package's own name squats another)" if squatter else "")
                    + f": installing this package pulls the look-alike {when}.",
                )
            )
    return out


def swapped(name: str, target: str) -> bool:
    """``name`` is ``target`` with two neighbouring letters swapped (``reqeusts``): a typo's
    shape, which a real project's name almost never has."""
    if len(name) != len(target) or name == target:
        return False
    diff = [i for i, (a, b) in enumerate(zip(name, target, strict=True)) if a != b]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and name[diff[0]] == target[diff[1]]
        and name[diff[1]] == target[diff[0]]
    )
