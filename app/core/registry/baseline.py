"""Which release to diff a suspect release against.

Three strategies, because attacks differ:

* ``previous`` -- the previous release by version order (PEP 440 / semver, via
  :mod:`app.core.versions`). The usual case: 1.4.2 is compared with 1.4.1.
* ``uploaded-before`` -- the last release *uploaded* before the suspect one. An attacker with a
  stolen token may publish an "old" version number (an injected 1.3.9 after 1.4.1 exists); by
  version order its predecessor would be 1.3.8, but the code the attacker started from is the
  newest one, 1.4.1.
* ``benign`` -- the newest release below the suspect one that the store holds as benign (a
  moderator decided so). Useful when the previous release is itself suspicious.

Yanked releases are skipped as baselines unless nothing else exists: a yank often means the
release was broken or malicious, which makes it a poor reference.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.core.registry.errors import RegistryError
from app.core.registry.model import Project
from app.core.versions import previous_release, version_key

STRATEGIES = ("previous", "uploaded-before", "benign")


def _candidates(project: Project, version: str) -> list[str]:
    """Versions with files, other than ``version``; yanked ones only if nothing else remains."""
    others = [v for v, files in project.releases.items() if v != version and files]
    unyanked = [v for v in others if not project.is_yanked(v)]
    return unyanked or others


def previous_by_version(project: Project, version: str) -> str | None:
    return previous_release(_candidates(project, version), version, project.ecosystem)


def last_uploaded_before(project: Project, version: str) -> str | None:
    """The release whose first upload is the latest one before ``version``'s first upload."""
    when = project.upload_time(version)
    if when is None:
        return None
    dated = [
        (stamp, version_key(v, project.ecosystem), v)
        for v in _candidates(project, version)
        if (stamp := project.upload_time(v)) is not None and stamp < when
    ]
    return max(dated)[2] if dated else None


def last_benign(project: Project, version: str, benign_versions: Iterable[str]) -> str | None:
    """The newest version below ``version`` (by version order) among ``benign_versions``.

    ``benign_versions`` come from the store (what moderators marked benign); only versions
    the index still has files for can serve (a yanked benign release is fine here).
    """
    with_files = {v for v, files in project.releases.items() if v != version and files}
    known = set(benign_versions) & with_files
    return previous_release(known, version, project.ecosystem, include_prereleases=True)


def choose_baseline(
    project: Project,
    version: str,
    strategy: str = "previous",
    *,
    benign_versions: Iterable[str] | None = None,
) -> str | None:
    """The baseline version for ``version`` under ``strategy`` (None when there is none)."""
    if strategy == "previous":
        return previous_by_version(project, version)
    if strategy == "uploaded-before":
        return last_uploaded_before(project, version)
    if strategy == "benign":
        return last_benign(project, version, benign_versions or ())
    raise RegistryError(
        f"unknown baseline strategy {strategy!r} (choose from {', '.join(STRATEGIES)})"
    )
