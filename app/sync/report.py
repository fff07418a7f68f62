"""What one ``vetbench sync`` did: the report the command prints and ``--json`` serialises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.sync.dataset import FileProblem


@dataclass
class SyncReport:
    """What one sync did (``--json`` prints :meth:`to_json`)."""

    dataset: str
    reviewer: str | None
    pushed: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    marked_synced: int = 0
    pulled: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    git: dict[str, Any] = field(default_factory=dict)
    # A local reviewer's label someone else changed or deleted, put back from the store.
    restored: list[dict[str, str]] = field(default_factory=list)
    # Labels claimed in a reviewer's name without that reviewer's valid signature.
    forged: list[dict[str, str]] = field(default_factory=list)
    # Own labels written before labels were signed, now signed (content unchanged).
    resigned: list[str] = field(default_factory=list)
    # Other reviewers' labels counted without a signature (a reviewer never seen signing).
    unsigned: list[str] = field(default_factory=list)

    @property
    def tampered(self) -> bool:
        """Someone else wrote in a reviewer's name: ``vetbench sync`` exits 1."""
        return bool(self.restored or self.forged)

    @property
    def changed(self) -> bool:
        return bool(
            self.pushed
            or self.withdrawn
            or self.samples
            or self.pulled
            or self.removed
            or self.reopened
            or self.derived
            or self.restored
            or self.resigned
        )

    def merge(self, other: SyncReport) -> SyncReport:
        """Fold a later sync's report into this one (git retries)."""
        names = ("pushed", "withdrawn", "samples", "pulled", "removed", "reopened", "derived")
        for name in (*names, "restored", "resigned", "unsigned"):
            mine = getattr(self, name)
            mine.extend(x for x in getattr(other, name) if x not in mine)
        self.marked_synced += other.marked_synced
        self.conflicts = other.conflicts or self.conflicts
        self.problems = other.problems
        self.forged = other.forged
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "reviewer": self.reviewer,
            "pushed": self.pushed,
            "withdrawn": self.withdrawn,
            "samples": self.samples,
            "marked_synced": self.marked_synced,
            "pulled": self.pulled,
            "removed": self.removed,
            "reopened": self.reopened,
            "conflicts": self.conflicts,
            "derived": self.derived,
            "problems": [p.to_json() for p in self.problems],
            "git": self.git,
            "restored": self.restored,
            "forged": self.forged,
            "resigned": self.resigned,
            "unsigned": self.unsigned,
        }
