"""A build that fetches an input from a release host and does nothing else with it.

flash-attn, mamba-ssm and causal-conv1d fetch their own prebuilt wheel from their GitHub
releases in ``bdist_wheel``; pytrec_eval fetches trec_eval's source tarball, mmcv a vendor's
source zip, amazon-kclpy its jars from Maven Central, reportlab its fonts from its own site,
and dbt's in-tree build backend its prebuilt wheel from an address in a shipped manifest,
checked against the manifest's sha256. Each is a network call at install time, which the
scanner raises to high because malware's setup.py calls out too. What malware does with the
call is what these never do: start or load what came down, send what it collected, decode or
hide something, or name a host nobody publishes software on.

So a setup.py (or in-tree build backend) whose only high acts are plain fetches, whose every
address is on a host that serves releases (GitHub, GitLab, Maven Central, PyPI, NVIDIA's and
PyTorch's download hosts) or on the project's own site (a host its ``setup()`` metadata
names) and which names at least one download address there, or which names no address and
checks what it fetched against a pinned sha256, keeps those fetches at medium with an
explanation that says what the moderator should still know: the installed code may come
from that host rather than from the release under review. Anything else in the file (a
start, a send, a decode, a bare IP, an address built where it cannot be read) keeps them
high, so the malicious twin of each of these files still scores as before.

The same holds for a plain module whose top-level code fetches from a release host when it is
imported or run: sling fetches the CLI it wraps from its GitHub releases, PySAM's release
script lists the project's releases through GitHub's API and stores the last tarball. Every
fetch-at-import among the labelled samples writes outside the package or names a bare host,
so it stays high; these are lowered only with the same conditions (only fetches in the file,
every address on a release host), without a setup() to name the project's own site.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from urllib.parse import urlsplit

from app.core.archive import Artifact
from app.core.astparse import parse_python
from app.core.capabilities import context as ctx
from app.core.capabilities.model import Hit, severity_rank

__all__ = ["BUILD_INPUT_RULE", "IMPORT_FETCH_RULE", "lower_build_input_fetches"]

BUILD_INPUT_RULE = "py.fetch_build_input"
IMPORT_FETCH_RULE = "py.fetch_release_at_import"

_FETCH_RULES = frozenset({"py.net", "py.urlretrieve", "py.write_download"})
_FETCH_CAPS = frozenset({"net.outbound", "net.download_to_disk"})
# What else a build-input setup.py does at medium or above without being anything more.
_ROUTINE = frozenset({"py.setup_active", "py.setup_cmdclass", "py.setup_requires"})
_ROUTINE_SPAWN = frozenset({"py.spawn_build_step"})
_LOCAL_EXEC = frozenset({"py.exec_local_file"})  # exec(open("pkg/version.py").read())
_CODE_HOSTS = frozenset(
    {
        "github.com",
        "api.github.com",
        "codeload.github.com",
        "raw.githubusercontent.com",
        "objects.githubusercontent.com",
        "gitlab.com",
        "bitbucket.org",
        "repo1.maven.org",
        "repo.maven.apache.org",
        "files.pythonhosted.org",
        "pypi.org",
        "download.pytorch.org",
        "developer.download.nvidia.com",
    }
)
# A path that names a release artefact, not a project's page.
_DOWNLOAD_PATH = re.compile(
    r"/(releases/download|archive|tarball|zipball|-/archive|maven2|packages)/"
    r"|^/repos/[^/]+/[^/]+/(releases|tags)\b"  # GitHub's API listing a project's releases
    r"|\.(tar\.gz|tgz|tar\.xz|tar\.bz2|zip|whl|jar)$",
    re.IGNORECASE,
)
# The release part added to a repository's address: ``url + "archive/refs/tags/" + tag``.
_DOWNLOAD_FRAGMENT = re.compile(r"^/?(releases/download|archive|tarball|zipball)/")
_IP_HOST = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$|^\[?[0-9a-f:]+\]?$", re.IGNORECASE)
_EXPLANATION = (
    "At install time the build fetches an input from {host} and only stores it (nothing "
    "it fetches is started, loaded or sent on): what gets installed may come from there "
    "rather than from this release."
)
_IMPORT_EXPLANATION = (
    "When the module runs it fetches a release from {host} and only stores it (nothing it "
    "fetches is started, loaded or sent on in this file): a tool fetching its own binary or "
    "data, not a payload by itself."
)


def lower_build_input_fetches(
    hits: list[Hit], artifact: Artifact, backends: frozenset[str] = frozenset()
) -> tuple[list[Hit], set[str]]:
    """``hits`` with the fetches of each build-input setup.py or in-tree build backend
    (``backends``: its modules) at medium, and likewise a module's fetches at import time
    from a release host (a tool fetching its own binary from its GitHub releases when
    imported, sling; a release-notes script listing a project's GitHub releases, PySAM), and
    the setup.py and backend paths whose hits changed (their install-time summary is made
    again by the caller)."""
    fetches: dict[str, list[Hit]] = {}
    for h in hits:
        if (
            h.capability in _FETCH_CAPS
            and h.rule in _FETCH_RULES
            and severity_rank(h.severity) == 3
            and _fetch_place(h, backends) is not None
        ):
            fetches.setdefault(h.path, []).append(h)
    if not fetches:
        return hits, set()
    texts = {m.path: m.text for m in artifact.members if m.path in fetches}
    lowered: dict[int, Hit] = {}  # id of a fetch -> the same fetch at medium
    rebuilt: set[str] = set()  # setup.py and backend paths whose fetches were lowered
    for path, fetched in fetches.items():
        text = texts.get(path)
        if text is None or not _only_fetches(path, hits):
            continue
        host = _download_host(text)
        if host is None:
            continue
        if _fetch_place(fetched[0], backends) == "install":
            rule, why = BUILD_INPUT_RULE, _EXPLANATION
            rebuilt.add(path)
        else:
            rule, why = IMPORT_FETCH_RULE, _IMPORT_EXPLANATION
        for h in fetched:
            lowered[id(h)] = replace(
                h, severity="medium", rule=rule, explanation=why.format(host=host)
            )
    if not lowered:
        return hits, set()
    return [lowered.get(id(h), h) for h in hits], rebuilt


def _fetch_place(h: Hit, backends: frozenset[str]) -> str | None:
    """``install`` for a fetch in setup.py or a build backend when the package is installed,
    ``import`` for one in a plain module's top-level code, else None (a ``.pth`` line, a
    hook, a test)."""
    role = ctx.file_role(h.path, backends)
    if h.place == "install" and role in (ctx.SETUP, ctx.BACKEND):
        return "install"
    if h.place == "import" and role == ctx.CODE:
        return "import"
    return None


def _only_fetches(path: str, hits: list[Hit]) -> bool:
    """Whether every hit of ``path`` at medium or above is a plain fetch or routine setup,
    and nothing at any level collects, reads secrets, decodes or runs text, or is sent on
    the line of a fetch (``urlopen(url + getpass.getuser())``)."""
    fetch_lines = {
        n
        for h in hits
        if h.path == path and h.capability in _FETCH_CAPS
        for n in range(h.line, h.end_line + 1)
    }
    for h in hits:
        if h.path != path or severity_rank(h.severity) < 1:
            continue
        family = h.capability.split(".")[0]
        if family in ("cred", "obf") or (family == "exec" and h.rule not in _LOCAL_EXEC):
            return False
        if family == "collect" and (h.capability != "collect.sysinfo" or h.line in fetch_lines):
            return False
        if severity_rank(h.severity) < 2:
            continue
        if h.capability in _FETCH_CAPS and h.rule in _FETCH_RULES:
            continue
        if h.rule in _ROUTINE or h.rule in _ROUTINE_SPAWN:
            continue
        return False
    return True


def _download_host(text: str) -> str | None:
    """Where the file fetches its build input from, in words, or None.

    Every address outside ``setup()``'s own metadata (its ``url`` and ``project_urls`` are
    pages, not fetches) must be on a code host or on the project's own site (a host its
    metadata names), and one of them must be a download address; or, naming no address at
    all, the file checks what it fetched against a pinned sha256 (an address read from a
    shipped manifest, as CMake's build backend does)."""
    try:
        tree = parse_python(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    in_setup = _setup_call_constants(tree)
    strings = _strings(tree)
    own = {h for h in (_host(v) for n, v in strings if id(n) in in_setup) if h}
    hosts = _CODE_HOSTS | {h for h in own if not _IP_HOST.match(h)}
    host = None
    repo_hosts = set()
    fragment = named = False
    for node, value in strings:
        if id(node) in in_setup:
            continue
        value = value.strip()
        if "://" not in value:
            fragment = fragment or bool(_DOWNLOAD_FRAGMENT.match(value))
            continue
        if value.startswith("{") or re.search(r"\s", value):
            continue  # an XML namespace, or an address inside a message or a command
        if not re.match(r"^(https?|ftp)://", value):
            return None  # another scheme, or a string built around the address
        try:
            parts = urlsplit(value)
            name = (parts.hostname or "").lower()
        except ValueError:
            return None  # not an address a client could fetch either
        if not name or "{" in parts.netloc or "%" in parts.netloc or _IP_HOST.match(name):
            return None  # a host filled in later or a bare address
        if name not in hosts:
            return None
        named = True
        if _DOWNLOAD_PATH.search(parts.path) or name == "repo1.maven.org":
            host = host or name
        else:
            repo_hosts.add(name)  # a repository's address a release path is added to
    if host is None and fragment and repo_hosts:
        host = min(repo_hosts)
    if host is None and not named and _checks_digest(tree):
        host = "an address the package's own files give, checked against a pinned sha256"
    return host


def _strings(tree: ast.AST) -> list[tuple[ast.Constant, str]]:
    return [
        (n, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _host(value: str) -> str:
    value = value.strip()
    if not re.match(r"^https?://", value) or re.search(r"\s", value):
        return ""
    try:
        return (urlsplit(value).hostname or "").lower()
    except ValueError:
        return ""


def _checks_digest(tree: ast.AST) -> bool:
    """Whether the file compares a ``.hexdigest()`` (or a name bound to one) with something:
    ``if hashlib.sha256(data).hexdigest() != entry["sha256"]``."""
    digests = {
        t.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _has_hexdigest(node.value)
        for t in node.targets
        if isinstance(t, ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                if _has_hexdigest(side) or any(
                    isinstance(n, ast.Name) and n.id in digests for n in ast.walk(side)
                ):
                    return True
    return False


def _has_hexdigest(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "hexdigest"
        for n in ast.walk(node)
    )


def _setup_call_constants(tree: ast.AST) -> set[int]:
    """ids of the string constants inside ``setup(...)`` calls (metadata, not fetches)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "setup":
                out.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Constant))
    return out
