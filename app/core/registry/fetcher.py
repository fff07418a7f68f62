"""Fetch every file of a release (and of its baseline) into the verified cache.

Every file, not the first one listed: the sdist and each wheel. A payload placed in only one
platform wheel is exactly what a scanner that reads ``urls[0]`` misses.

These are the entry points the CLI (``vetbench fetch``), the queue and the feed watcher call.
They are synchronous; the desktop app runs them in a worker thread and passes ``progress`` and
``cancel`` (a ``threading.Event``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from packaging.version import InvalidVersion, Version

from app import config
from app.core.registry.baseline import choose_baseline
from app.core.registry.cache import DownloadCache
from app.core.registry.errors import NotFound, RegistryError
from app.core.registry.http import HttpConfig, Progress, RegistryHttp
from app.core.registry.model import FetchedFile, Project
from app.core.registry.npm import NpmRegistry
from app.core.registry.pypi import PypiIndex
from app.core.versions import sort_versions

ECOSYSTEMS = ("pypi", "npm")


@dataclass
class FetchResult:
    """A release's files and, when one exists, its baseline's files."""

    ecosystem: str
    name: str
    version: str
    files: list[FetchedFile]
    baseline_version: str | None = None
    baseline_files: list[FetchedFile] = field(default_factory=list)
    strategy: str = "previous"
    yanked: bool = False
    yanked_reason: str | None = None

    def all_files(self) -> list[FetchedFile]:
        return [*self.files, *self.baseline_files]

    def to_json(self) -> dict:
        return {
            "ecosystem": self.ecosystem,
            "name": self.name,
            "version": self.version,
            "yanked": self.yanked,
            "yanked_reason": self.yanked_reason,
            "files": [f.to_json() for f in self.files],
            "baseline": {
                "strategy": self.strategy,
                "version": self.baseline_version,
                "files": [f.to_json() for f in self.baseline_files],
            },
        }


def open_index(
    ecosystem: str,
    http: RegistryHttp | None,
    cache: DownloadCache,
    index_url: str | None = None,
    *,
    offline: bool = False,
) -> PypiIndex | NpmRegistry:
    if ecosystem == "pypi":
        return PypiIndex(http, cache, index_url, offline=offline)
    if ecosystem == "npm":
        return NpmRegistry(http, cache, index_url, offline=offline)
    raise RegistryError(f"unknown ecosystem {ecosystem!r} (choose from {', '.join(ECOSYSTEMS)})")


def resolve_version(project: Project, version: str | None) -> str:
    """``version`` as the index spells it (``1.0`` finds ``1.0.0`` under PEP 440), or latest."""
    if version is None:
        if project.latest and project.latest in project.releases:
            return project.latest
        with_files = [
            v for v, files in project.releases.items() if files and not project.is_yanked(v)
        ]
        ordered = sort_versions(with_files or list(project.releases), project.ecosystem)
        return ordered[-1]
    if version in project.releases:
        return version
    if project.ecosystem == "pypi":
        try:
            wanted = Version(version)
        except InvalidVersion:
            wanted = None
        if wanted is not None:
            for candidate in project.releases:
                try:
                    if Version(candidate) == wanted:
                        return candidate
                except InvalidVersion:
                    continue
    newest = sort_versions(project.releases, project.ecosystem)[-3:]
    raise NotFound(
        f"{project.name} has no release {version} on {project.index_url} "
        f"(newest: {', '.join(reversed(newest))})"
    )


class _Session:
    """One HTTP client + cache + index for a fetch; closes what it opened."""

    def __init__(self, ecosystem, cache_dir, index_url, offline, http) -> None:
        self.cache = DownloadCache(cache_dir)
        self.offline = offline or config.offline()
        self._own_http = http is None and not self.offline
        self.http = None if self.offline else (http or RegistryHttp(HttpConfig()))
        self.index = open_index(ecosystem, self.http, self.cache, index_url, offline=self.offline)

    def close(self) -> None:
        if self._own_http and self.http is not None:
            self.http.close()


def _download_release(
    session: _Session,
    project: Project,
    version: str,
    role: str,
    progress: Progress | None,
    cancel: Any,
) -> list[FetchedFile]:
    files = project.files(version)
    if not files:
        raise NotFound(f"{project.name} {version} has no files on {project.index_url}")
    fetched = []
    for rf in files:
        path, sha256, verified = session.cache.fetch(
            session.http,
            rf.url,
            rf.hashes,
            rf.filename,
            size=rf.size,
            offline=session.offline,
            progress=progress,
            cancel=cancel,
            describe=f"{project.name} {version} file {rf.filename}",
        )
        fetched.append(
            FetchedFile(
                path=path,
                ecosystem=project.ecosystem,
                name=project.name,
                version=version,
                filename=rf.filename,
                sha256=sha256,
                url=rf.url,
                size=path.stat().st_size,
                packagetype=rf.packagetype,
                yanked=rf.yanked,
                verified=verified,
                role=role,
            )
        )
    return fetched


def fetch_project(
    ecosystem: str,
    name: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    index_url: str | None = None,
    offline: bool = False,
    http: RegistryHttp | None = None,
) -> Project:
    """The project document (releases, files, upload times, yanks), cached for offline use."""
    session = _Session(ecosystem, cache_dir, index_url, offline, http)
    try:
        return session.index.project(name)
    finally:
        session.close()


def fetch_release(
    ecosystem: str,
    name: str,
    version: str | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    index_url: str | None = None,
    progress: Progress | None = None,
    cancel: Any = None,
    offline: bool = False,
    http: RegistryHttp | None = None,
) -> list[FetchedFile]:
    """Download (or find in the cache) every file of ``name`` ``version`` (None = latest)."""
    return fetch_with_baseline(
        ecosystem,
        name,
        version,
        cache_dir=cache_dir,
        index_url=index_url,
        progress=progress,
        cancel=cancel,
        offline=offline,
        http=http,
        with_baseline=False,
    ).files


def fetch_with_baseline(
    ecosystem: str,
    name: str,
    version: str | None = None,
    *,
    strategy: str = "previous",
    benign_versions: Iterable[str] | None = None,
    baseline_version: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    index_url: str | None = None,
    progress: Progress | None = None,
    cancel: Any = None,
    offline: bool = False,
    http: RegistryHttp | None = None,
    with_baseline: bool = True,
) -> FetchResult:
    """Every file of the release and of its baseline (chosen by ``strategy``, or explicit).

    A release without any earlier release has no baseline: ``baseline_version`` is None and
    ``baseline_files`` empty -- not an error, the first upload of a project is common.
    """
    session = _Session(ecosystem, cache_dir, index_url, offline, http)
    try:
        project = session.index.project(name)
        resolved = resolve_version(project, version)
        result = FetchResult(
            ecosystem=ecosystem,
            name=project.name,
            version=resolved,
            files=_download_release(session, project, resolved, "release", progress, cancel),
            strategy=strategy if not baseline_version else "explicit",
            yanked=project.is_yanked(resolved),
            yanked_reason=project.yanked_reason(resolved),
        )
        if with_baseline:
            base: str | None
            if baseline_version:
                base = resolve_version(project, baseline_version)
            else:
                base = choose_baseline(project, resolved, strategy, benign_versions=benign_versions)
            if base is not None:
                result.baseline_version = base
                result.baseline_files = _download_release(
                    session, project, base, "baseline", progress, cancel
                )
        return result
    finally:
        session.close()
