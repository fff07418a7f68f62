"""A setup.py that fetches a build input from a code host and does nothing else with it.

flash-attn, mamba-ssm and causal-conv1d fetch their own prebuilt wheel from their GitHub
releases in ``bdist_wheel``; pytrec_eval fetches trec_eval's source tarball, mmcv a vendor's
source zip, amazon-kclpy its jars from Maven Central. Each is a network call at install time,
which the scanner raises to high because malware's setup.py calls out too. What malware does
with the call is what these never do: start or load what came down, send what it collected,
decode or hide something, or name a host nobody publishes software on.

So a setup.py whose only high acts are plain fetches, whose every address is on a host that
serves releases (GitHub, GitLab, Maven Central, PyPI, NVIDIA's and PyTorch's download hosts)
and which names at least one such download address, keeps those fetches at medium with an
explanation that says what the moderator should still know: the installed code may come
from that host rather than from the release under review. Anything else in the file (a
start, a send, a decode, a bare IP, an address built where it cannot be read) keeps them
high, so the malicious twin of each of these files still scores as before.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from urllib.parse import urlsplit

from app.core.archive import Artifact
from app.core.capabilities import context as ctx
from app.core.capabilities.model import Hit, severity_rank

__all__ = ["BUILD_INPUT_RULE", "lower_build_input_fetches"]

BUILD_INPUT_RULE = "py.fetch_build_input"

_FETCH_RULES = frozenset({"py.net", "py.urlretrieve", "py.write_download"})
_FETCH_CAPS = frozenset({"net.outbound", "net.download_to_disk"})
# What else a build-input setup.py does at medium or above without being anything more.
_ROUTINE = frozenset({"py.setup_active", "py.setup_cmdclass", "py.setup_requires"})
_ROUTINE_SPAWN = frozenset({"py.spawn_build_step"})
_LOCAL_EXEC = frozenset({"py.exec_local_file"})  # exec(open("pkg/version.py").read())
_CODE_HOSTS = frozenset(
    {
        "github.com",
        "codeload.github.com",
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
    r"|\.(tar\.gz|tgz|tar\.xz|tar\.bz2|zip|whl|jar)$",
    re.IGNORECASE,
)
# The release part added to a repository's address: ``url + "archive/refs/tags/" + tag``.
_DOWNLOAD_FRAGMENT = re.compile(r"^/?(releases/download|archive|tarball|zipball)/")
_IP_HOST = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$|^\[?[0-9a-f:]+\]?$", re.IGNORECASE)
_EXPLANATION = (
    "setup.py fetches a build input from {host} at install time and only stores it "
    "(nothing it fetches is started, loaded or sent on): what gets installed may come from "
    "there rather than from this release."
)


def lower_build_input_fetches(hits: list[Hit], artifact: Artifact) -> tuple[list[Hit], set[str]]:
    """``hits`` with the fetches of each build-input setup.py at medium, and the paths
    whose hits changed (their install-time summary is made again by the caller)."""
    fetches: dict[str, list[Hit]] = {}
    for h in hits:
        if (
            h.capability in _FETCH_CAPS
            and h.rule in _FETCH_RULES
            and h.place == "install"
            and severity_rank(h.severity) == 3
            and ctx.file_role(h.path) == ctx.SETUP
        ):
            fetches.setdefault(h.path, []).append(h)
    if not fetches:
        return hits, set()
    texts = {m.path: m.text for m in artifact.members if m.path in fetches}
    lowered: dict[int, str] = {}
    for path, fetched in fetches.items():
        text = texts.get(path)
        if text is None or not _only_fetches(path, hits):
            continue
        host = _download_host(text)
        if host is not None:
            for h in fetched:
                lowered[id(h)] = _EXPLANATION.format(host=host)
    if not lowered:
        return hits, set()
    out = [
        replace(h, severity="medium", rule=BUILD_INPUT_RULE, explanation=lowered[id(h)])
        if id(h) in lowered
        else h
        for h in hits
    ]
    return out, {h.path for h in hits if id(h) in lowered}


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
    """The code host of the file's download address, or None when the file names no
    download address or names any address off the code hosts (outside ``setup()``'s own
    metadata: its ``url`` and ``project_urls`` are pages, not fetches)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    in_setup = _setup_call_constants(tree)
    host = None
    repo_hosts = set()
    fragment = False
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in in_setup:
            continue
        value = node.value.strip()
        if "://" not in value:
            fragment = fragment or bool(_DOWNLOAD_FRAGMENT.match(value))
            continue
        if value.startswith("{") or re.search(r"\s", value):
            continue  # an XML namespace, or an address inside a message or a command
        if not re.match(r"^(https?|ftp)://", value):
            return None  # another scheme, or a string built around the address
        parts = urlsplit(value.split()[0])
        name = (parts.hostname or "").lower()
        if not name or "{" in parts.netloc or "%" in parts.netloc or _IP_HOST.match(name):
            return None  # a host filled in later or a bare address
        if name not in _CODE_HOSTS:
            return None
        if _DOWNLOAD_PATH.search(parts.path) or name == "repo1.maven.org":
            host = host or name
        else:
            repo_hosts.add(name)  # a repository's address a release path is added to
    if host is None and fragment and repo_hosts:
        return min(repo_hosts)
    return host


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
