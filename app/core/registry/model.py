"""What the registry layer knows about a project, whichever index or API it came from.

PyPI's JSON API, a PEP 691 simple index and npm's package document all reduce to a
:class:`Project`: a name and, per version, every file with its URL, published hashes, size,
upload time and yanked state. Everything above this layer (baselines, fetch, the feed) works
on this one shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 timestamp from an index (``Z`` or offset or naive-UTC) as aware UTC."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC)


@dataclass(frozen=True)
class ReleaseFile:
    """One downloadable file of one release as the index describes it."""

    filename: str
    url: str
    version: str
    hashes: dict[str, str] = field(default_factory=dict)
    size: int | None = None
    upload_time: datetime | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    packagetype: str = "other"  # sdist | wheel | egg | npm | other


@dataclass
class Project:
    """A project's releases and files (``releases`` maps version -> files)."""

    ecosystem: str  # pypi | npm
    name: str  # as the index spells it
    index_url: str
    releases: dict[str, list[ReleaseFile]] = field(default_factory=dict)
    latest: str | None = None  # what the index calls latest (PyPI info.version, npm dist-tags)

    def versions(self) -> list[str]:
        return list(self.releases)

    def files(self, version: str) -> list[ReleaseFile]:
        return list(self.releases.get(version, []))

    def upload_time(self, version: str) -> datetime | None:
        """When a release appeared: its earliest file upload."""
        times = [f.upload_time for f in self.releases.get(version, []) if f.upload_time]
        return min(times) if times else None

    def is_yanked(self, version: str) -> bool:
        """PEP 592: a release is yanked when all of its files are."""
        files = self.releases.get(version, [])
        return bool(files) and all(f.yanked for f in files)

    def yanked_reason(self, version: str) -> str | None:
        for f in self.releases.get(version, []):
            if f.yanked and f.yanked_reason:
                return f.yanked_reason
        return None


@dataclass(frozen=True)
class FetchedFile:
    """A verified file in the cache, ready for :func:`app.core.archive.open_artifact`."""

    path: Path
    ecosystem: str
    name: str
    version: str
    filename: str
    sha256: str
    url: str
    size: int
    packagetype: str = "other"
    yanked: bool = False
    verified: bool = True  # False only when the index published no hash to check against
    role: str = "release"  # release | baseline

    def to_json(self) -> dict:
        return {
            "path": str(self.path),
            "ecosystem": self.ecosystem,
            "name": self.name,
            "version": self.version,
            "filename": self.filename,
            "sha256": self.sha256,
            "url": self.url,
            "size": self.size,
            "packagetype": self.packagetype,
            "yanked": self.yanked,
            "verified": self.verified,
            "role": self.role,
        }
