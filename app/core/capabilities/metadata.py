"""Metadata signals: typosquatted names and empty descriptions.

Typosquatting compares the normalised name with the most-downloaded names of the ecosystem
(``resources/popular/<ecosystem>.txt``) by optimal-string-alignment distance (rapidfuzz; a swap of two letters counts one): distance 1 for
names of 4–8 characters, up to 2 for longer names. A popular name itself is never a squat.
"""

from __future__ import annotations

from functools import lru_cache

from packaging.utils import canonicalize_name
from rapidfuzz import process
from rapidfuzz.distance import OSA

from app.core.archive import Artifact
from app.core.capabilities.hits import make_hit
from app.core.capabilities.model import Hit
from app.resources import resource_path


@lru_cache(maxsize=4)
def popular_names(ecosystem: str) -> tuple[str, ...]:
    path = resource_path("popular", f"{ecosystem}.txt")
    if not path.exists():
        return ()
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(canonicalize_name(line) if ecosystem == "pypi" else line.lower())
    return tuple(dict.fromkeys(names))


@lru_cache(maxsize=1)
def established_pypi_names() -> frozenset[str]:
    """Canonical names of the most downloaded PyPI projects
    (``resources/popular/pypi-established.txt``): real projects a dependency may name however
    close their name is to a popular one's."""
    path = resource_path("popular", "pypi-established.txt")
    if not path.exists():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip() for x in lines if x.strip() and not x.startswith("#"))


@lru_cache(maxsize=1)
def well_known_pypi_names() -> frozenset[str]:
    """The canonical names of both lists: projects a package may name (depend on, pip-install)
    as themselves, whatever other name they are close to."""
    return frozenset(popular_names("pypi")) | established_pypi_names()


def typosquat_of(name: str, ecosystem: str = "pypi") -> str | None:
    """The popular name ``name`` imitates, or ``None``."""
    n = canonicalize_name(name) if ecosystem == "pypi" else name.lower()
    names = popular_names(ecosystem)
    if not n or n in names or len(n) < 5:
        return None
    limit = 1 if len(n) <= 8 else 2
    best = process.extractOne(n, names, scorer=OSA.distance, score_cutoff=limit)
    if best is None:
        return None
    return best[0]


def metadata_hits(art: Artifact) -> list[Hit]:
    hits: list[Hit] = []
    meta_path = _meta_path(art)
    if art.name:
        target = typosquat_of(art.name, art.ecosystem)
        if target:
            hits.append(
                make_hit(
                    "meta.typosquat",
                    "medium",
                    meta_path,
                    [],
                    1,
                    None,
                    0,
                    art.name,
                    "meta.typosquat",
                    f"The name '{art.name}' is one or two letters away from the popular package '{target}'.",
                )
            )
    raw_headers = art.metadata.get("headers")
    headers = raw_headers if isinstance(raw_headers, dict) else None
    if headers is not None:
        m = art.member(meta_path)
        body = ""
        if m is not None and m.text:
            parts = m.text.split("\n\n", 1)
            body = parts[1].strip() if len(parts) > 1 else ""
        summary = (headers.get("summary") or "").strip()
        desc = (headers.get("description") or "").strip()
        if summary in ("", "UNKNOWN") and desc in ("", "UNKNOWN") and not body:
            hits.append(
                make_hit(
                    "meta.empty_description",
                    "low",
                    meta_path,
                    [],
                    1,
                    None,
                    0,
                    f"Summary: {summary}",
                    "meta.empty_description",
                    "The package has no description at all.",
                )
            )
        copied = _copied_from(art.name or "", body, art.ecosystem)
        if copied:
            hits.append(
                make_hit(
                    "meta.empty_description",
                    "low",
                    meta_path,
                    [],
                    1,
                    None,
                    0,
                    body.strip().split("\n", 1)[0][:120],
                    "meta.copied_description",
                    f"The description's title names the popular package '{copied}', not this one: "
                    "it looks copied.",
                )
            )
    return hits


def _copied_from(name: str, body: str, ecosystem: str) -> str | None:
    """The popular package whose name is the description's title, when it is not this one."""
    for line in body.strip().split("\n")[:5]:
        title = line.strip().strip("#=*-` ").strip()
        if not title:
            continue
        title = canonicalize_name(title.split(":")[0].split(" - ")[0].strip())
        own = canonicalize_name(name)
        if (
            title in popular_names(ecosystem)
            and title != own
            and not own.startswith(title)
            and not title.startswith(own)
        ):
            return title
        return None
    return None


def _meta_path(art: Artifact) -> str:
    for m in art.members:
        if m.path == "PKG-INFO" or m.path.endswith((".dist-info/METADATA", "EGG-INFO/PKG-INFO")):
            return m.path
    return "package.json" if art.ecosystem == "npm" else "PKG-INFO"
