"""Install-surface and metadata delta: what a release changes about *installing* it.

Code that runs at install or import time without anyone calling it -- ``.pth`` files,
``setup.py``, build back-ends, npm lifecycle scripts, console entry points -- is where poisoned
releases hide, so it gets its own section of the diff, as do dependencies (added, removed,
re-pinned, or turned into a direct URL) and the people/URLs in the metadata (a changed author
or home page is a takeover sign). Everything is parsed as data: ``tomllib``, ``json``,
``email`` headers and ``packaging.requirements``; nothing from the package is run.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from email.parser import HeaderParser
from typing import TYPE_CHECKING, Any, cast

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from app.core.diff.tree import FileDiff, keyed_members
from app.core.jsondata import loads_bounded

if TYPE_CHECKING:  # pragma: no cover
    from app.core.archive import Artifact, Member

__all__ = [
    "NPM_INSTALL_SCRIPTS",
    "SurfaceChange",
    "dependencies",
    "entry_points",
    "install_surface_delta",
    "metadata_delta",
]

NPM_INSTALL_SCRIPTS = (
    "preinstall",
    "install",
    "postinstall",
    "prepare",
    "preprepare",
    "postprepare",
    "prepublish",
)
_PYPI_META_FIELDS = (
    "author",
    "author-email",
    "maintainer",
    "maintainer-email",
    "home-page",
    "download-url",
)
_NPM_META_FIELDS = ("author", "maintainers", "contributors", "homepage", "repository", "bugs")
_NPM_DEP_GROUPS = (
    "dependencies",
    "optionalDependencies",
    "peerDependencies",
    "bundleDependencies",
    "bundledDependencies",
)
_NPM_URL_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:(?!$)|[\w.-]+/[\w.-]+(?:#.*)?$)", re.I)
_NPM_NOT_URL = ("npm:", "workspace:", "catalog:")
_WHEEL_SCRIPT_RE = re.compile(r"^[^/]+\.data/scripts/[^/]+$")


@dataclass(frozen=True)
class SurfaceChange:
    """One install-surface change.

    ``kind``: pth | setup_py | build_settings | entry_point | npm_script | dependency | binary.
    ``change``: added | removed | modified | renamed | type-changed | url (a dependency now
    installed from a direct URL). ``name`` is the script/entry point/dependency name, ``old``
    and ``new`` the values (strings, trimmed), ``detail`` one sentence for a person.
    """

    kind: str
    change: str
    path: str | None = None
    name: str | None = None
    old: str | None = None
    new: str | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "change": self.change,
            "path": self.path,
            "name": self.name,
            "old": self.old,
            "new": self.new,
            "detail": self.detail,
        }


def _short(value: Any, limit: int = 300) -> str | None:
    if value is None:
        return None
    text = (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    )
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- finding files


def _by_key(artifact: Artifact) -> dict[str, Member]:
    return keyed_members(artifact)


def _text(member: Member | None) -> str | None:
    return member.text if member is not None and member.kind == "text" else None


def _pkg_info(keyed: dict[str, Member]) -> dict[str, list[str]]:
    """Core metadata headers (multi-valued) from PKG-INFO / METADATA."""
    text = _text(keyed.get("<metadata>/PKG-INFO"))
    if not text:
        return {}
    msg = HeaderParser().parsestr(text)
    out: dict[str, list[str]] = {}
    for key, value in msg.items():
        out.setdefault(key.lower(), []).append(str(value).strip())
    return out


def _pyproject(keyed: dict[str, Member]) -> dict:
    text = _text(keyed.get("pyproject.toml"))
    if not text:
        return {}
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return {}


def _package_json(keyed: dict[str, Member]) -> dict:
    text = _text(keyed.get("package.json"))
    if not text:
        return {}
    try:
        doc = loads_bounded(text)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


# --------------------------------------------------------------------------- entry points


def _parse_entry_points_txt(text: str) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    group = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            continue
        if "=" in line and group:
            name, _, value = line.partition("=")
            out.setdefault((group, name.strip()), value.strip())
    return out


def entry_points(
    artifact: Artifact, keyed: dict[str, Member] | None = None
) -> dict[tuple[str, str], str]:
    """``{(group, name): target}`` from entry_points.txt, pyproject and package.json ``bin``."""
    keyed = keyed if keyed is not None else _by_key(artifact)
    out: dict[tuple[str, str], str] = {}
    text = _text(keyed.get("<metadata>/entry_points.txt"))
    if text:
        out.update(_parse_entry_points_txt(text))
    project = _pyproject(keyed).get("project", {})
    if isinstance(project, dict):
        tables = [
            ("console_scripts", project.get("scripts")),
            ("gui_scripts", project.get("gui-scripts")),
        ]
        eps = project.get("entry-points")
        if isinstance(eps, dict):
            tables += list(eps.items())
        for group, table in tables:
            if isinstance(table, dict):
                for name, value in table.items():
                    out.setdefault((str(group), str(name)), str(value))
    pkg = _package_json(keyed)
    binf = pkg.get("bin")
    if isinstance(binf, str):
        out.setdefault(("bin", str(pkg.get("name", ""))), binf)
    elif isinstance(binf, dict):
        for name, value in binf.items():
            out.setdefault(("bin", str(name)), str(value))
    return out


# --------------------------------------------------------------------------- dependencies


def _requires_txt(text: str) -> list[str]:
    out, extra = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra = line[1:-1]
            continue
        out.append(f"{line}; extra == '{extra}'" if extra and ":" not in extra else line)
    return out


def dependencies(
    artifact: Artifact, keyed: dict[str, Member] | None = None
) -> dict[str, tuple[str, bool]]:
    """``{key: (spec, is_url)}``; key is the canonical name (plus marker when there is one)."""
    keyed = keyed if keyed is not None else _by_key(artifact)
    out: dict[str, tuple[str, bool]] = {}
    pkg = _package_json(keyed)
    if pkg:
        for group in _NPM_DEP_GROUPS:
            deps = pkg.get(group)
            if isinstance(deps, list):
                deps = {str(d): "" for d in deps}
            if not isinstance(deps, dict):
                continue
            for name, spec in deps.items():
                spec = str(spec)
                is_url = bool(_NPM_URL_RE.match(spec)) and not spec.startswith(_NPM_NOT_URL)
                key = name if group == "dependencies" else f"{name} ({group})"
                out.setdefault(key, (spec, is_url))
        return out
    specs = _pkg_info(keyed).get("requires-dist", [])
    if not specs:
        text = _text(keyed.get("<metadata>/requires.txt"))
        specs = _requires_txt(text) if text else []
    if not specs:
        project = _pyproject(keyed).get("project", {})
        if isinstance(project, dict):
            specs = [str(s) for s in project.get("dependencies", []) or []]
            optional = project.get("optional-dependencies", {})
            if isinstance(optional, dict):
                for extra, items in optional.items():
                    specs += [f"{s}; extra == '{extra}'" for s in items or []]
    for spec in specs:
        try:
            req = Requirement(spec)
        except InvalidRequirement:
            out.setdefault(spec, (spec, "://" in spec))
            continue
        key = canonicalize_name(req.name) + (f"; {req.marker}" if req.marker else "")
        value = (f"@ {req.url}" if req.url else str(req.specifier)) or "*"
        if req.extras:
            value = f"[{','.join(sorted(req.extras))}] {value}"
        out.setdefault(key, (value, bool(req.url)))
    return out


# --------------------------------------------------------------------------- the delta


def _dict_delta(
    kind: str, old: dict, new: dict, path: str | None, what: str
) -> list[SurfaceChange]:
    out = []
    for key in sorted(set(old) | set(new), key=str):
        name = key if isinstance(key, str) else "/".join(key)
        if key not in old:
            out.append(
                SurfaceChange(
                    kind, "added", path, name, None, _short(new[key]), f"new {what} {name}"
                )
            )
        elif key not in new:
            out.append(
                SurfaceChange(
                    kind, "removed", path, name, _short(old[key]), None, f"{what} {name} removed"
                )
            )
        elif old[key] != new[key]:
            out.append(
                SurfaceChange(
                    kind,
                    "modified",
                    path,
                    name,
                    _short(old[key]),
                    _short(new[key]),
                    f"{what} {name} changed",
                )
            )
    return out


def _file_changes(files: Iterable[FileDiff]) -> list[SurfaceChange]:
    out = []
    for f in files:
        if not f.changed:
            continue
        path = f.path
        base = path.rsplit("/", 1)[-1]
        if path.endswith(".pth") or (f.old_path or "").endswith(".pth"):
            new = _text(f.new_member)
            out.append(
                SurfaceChange(
                    "pth",
                    f.status,
                    path,
                    base,
                    _short(_text(f.old_member)),
                    _short(new),
                    "a .pth file runs its import lines at every interpreter start",
                )
            )
        elif base == "setup.py" and "/" not in path:
            out.append(
                SurfaceChange(
                    "setup_py",
                    f.status,
                    path,
                    base,
                    None,
                    None,
                    f"setup.py {f.status} (+{f.lines_added} "
                    f"-{f.lines_removed}): runs when the sdist is installed",
                )
            )
        elif _WHEEL_SCRIPT_RE.match(path):
            out.append(
                SurfaceChange(
                    "entry_point",
                    f.status,
                    path,
                    base,
                    None,
                    None,
                    f"wheel script {f.status}: installed onto the PATH",
                )
            )
        elif base in ("setup.cfg", "binding.gyp") and "/" not in path:
            out.append(
                SurfaceChange(
                    "build_settings", f.status, path, base, None, None, f"{base} {f.status}"
                )
            )
        elif (
            f.binary
            and f.status in ("added", "modified", "renamed", "type-changed")
            and (f.new_member is not None and f.new_member.kind == "binary")
        ):
            out.append(
                SurfaceChange(
                    "binary",
                    f.status,
                    path,
                    base,
                    None,
                    f"{f.new_member.size} bytes, sha256 {f.new_member.sha256}",
                    f"binary {f.status}: cannot be reviewed as text",
                )
            )
    return out


def _build_system(keyed: dict[str, Member]) -> dict[str, str]:
    bs = _pyproject(keyed).get("build-system", {})
    if not isinstance(bs, dict):
        return {}
    out = {}
    for key in ("requires", "build-backend", "backend-path"):
        if key in bs:
            value = bs[key]
            out[key] = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return out


def _npm_scripts(keyed: dict[str, Member]) -> dict[str, str]:
    scripts = _package_json(keyed).get("scripts")
    if not isinstance(scripts, dict):
        return {}
    return {str(k): str(v) for k, v in scripts.items()}


def install_surface_delta(
    old: Artifact, new: Artifact, files: Iterable[FileDiff]
) -> list[SurfaceChange]:
    """The install-surface section of a release diff (see the module docstring)."""
    ko, kn = _by_key(old), _by_key(new)
    out = _file_changes(files)
    out += _dict_delta(
        "build_settings",
        _build_system(ko),
        _build_system(kn),
        "pyproject.toml",
        "build-system setting",
    )
    out += _dict_delta(
        "entry_point", entry_points(old, ko), entry_points(new, kn), None, "entry point"
    )
    scripts = _dict_delta(
        "npm_script", _npm_scripts(ko), _npm_scripts(kn), "package.json", "npm script"
    )
    for s in scripts:
        if s.name in NPM_INSTALL_SCRIPTS:
            s = SurfaceChange(
                s.kind, s.change, s.path, s.name, s.old, s.new, s.detail + " (runs at npm install)"
            )
        out.append(s)
    out += _dependency_delta(dependencies(old, ko), dependencies(new, kn))
    return out


def _dependency_delta(
    old: dict[str, tuple[str, bool]], new: dict[str, tuple[str, bool]]
) -> list[SurfaceChange]:
    out = []
    for key in sorted(set(old) | set(new)):
        o, n = old.get(key), new.get(key)
        if o == n:
            continue
        if n is not None and n[1] and (o is None or not o[1]):
            detail = (
                f"dependency {key} now installs from a direct URL"
                if o
                else f"new dependency {key} from a direct URL"
            )
            out.append(SurfaceChange("dependency", "url", None, key, o and o[0], n[0], detail))
        elif o is None:  # so n is not None (o == n went on above)
            n = cast(tuple[str, bool], n)
            out.append(
                SurfaceChange("dependency", "added", None, key, None, n[0], f"new dependency {key}")
            )
        elif n is None:
            out.append(
                SurfaceChange(
                    "dependency", "removed", None, key, o[0], None, f"dependency {key} removed"
                )
            )
        else:
            out.append(
                SurfaceChange(
                    "dependency",
                    "modified",
                    None,
                    key,
                    o[0],
                    n[0],
                    f"dependency {key} re-specified",
                )
            )
    return out


def _meta_fields(artifact: Artifact, keyed: dict[str, Member]) -> dict[str, str]:
    pkg = _package_json(keyed)
    if pkg:
        # pkg[f] is not None, so neither is _short(pkg[f])
        return {f: cast(str, _short(pkg[f])) for f in _NPM_META_FIELDS if f in pkg and pkg[f]}
    headers = _pkg_info(keyed)
    out = {f: "; ".join(headers[f]) for f in _PYPI_META_FIELDS if headers.get(f)}
    for entry in headers.get("project-url", []):
        label, _, url = entry.partition(",")
        out[f"project-url:{label.strip()}"] = url.strip() or label.strip()
    return out


def metadata_delta(old: Artifact, new: Artifact) -> list[dict]:
    """``[{"field", "change", "old", "new"}]`` for author, maintainer, home page, URLs…"""
    mo = _meta_fields(old, _by_key(old))
    mn = _meta_fields(new, _by_key(new))
    out = []
    for key in sorted(set(mo) | set(mn)):
        o, n = mo.get(key), mn.get(key)
        if o == n:
            continue
        change = "added" if o is None else "removed" if n is None else "modified"
        out.append({"field": key, "change": change, "old": o, "new": n})
    return out
