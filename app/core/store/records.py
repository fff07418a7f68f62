"""Records the store hands out: queue items, reports, artifacts, log entries, change records.

They are plain frozen dataclasses (no database handle inside), so a UI thread can hold them
while the store's single writer moves on. ``to_json`` gives the stable CLI shapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name

from app.core.store.schema import STATUSES

ECOSYSTEMS = ("pypi", "npm")
SOURCES = ("report", "scanner", "feed", "manual", "inbox")
OPEN_STATUSES = ("new", "in_review", "needs_second_review")
__all__ = [
    "ECOSYSTEMS",
    "SOURCES",
    "STATUSES",
    "OPEN_STATUSES",
    "Change",
    "ItemState",
    "QueueItem",
    "Report",
    "ArtifactRef",
    "LogEntry",
    "ExternalLabel",
    "normalise_project",
]


def normalise_project(ecosystem: str, name: str) -> str:
    """PyPI names compare after PEP 503 normalisation; npm names are lower-case already."""
    if ecosystem == "pypi":
        return canonicalize_name(name)
    return name.lower()


@dataclass(frozen=True)
class Change:
    """What one store operation changed, so a view refreshes only what it shows.

    ``kinds`` is a subset of: ``queue`` (items added or their list order/filters may differ),
    ``item`` (fields of the items in ``item_ids``), ``decision``, ``log``, ``artifact``,
    ``external_labels``, ``inbox``. ``origin`` lets a view skip a refresh it started itself.
    """

    kinds: frozenset[str] = frozenset()
    item_ids: frozenset[int] = frozenset()
    decision_ids: frozenset[int] = frozenset()
    origin: object = field(default=None, compare=False)

    def touches(self, kind: str) -> bool:
        return kind in self.kinds

    def __bool__(self) -> bool:
        return bool(self.kinds)

    def __or__(self, other: Change) -> Change:
        return Change(
            self.kinds | other.kinds,
            self.item_ids | other.item_ids,
            self.decision_ids | other.decision_ids,
            self.origin if self.origin is not None else other.origin,
        )

    def to_json(self) -> dict:
        return {
            "kinds": sorted(self.kinds),
            "item_ids": sorted(self.item_ids),
            "decision_ids": sorted(self.decision_ids),
        }


@dataclass(frozen=True)
class ItemState:
    """What a decision depends on, as the moderator saw it when the item was opened: its
    status, current decision and versions. A decision written later must find the item so
    (:meth:`~app.core.store.decisions.DecisionOps.record_decision` ``expect=``); a risk
    rescored or a file attached meanwhile does not change what was judged, so it is left out.
    """

    status: str
    decision_id: int | None
    versions: tuple[str, ...]

    @classmethod
    def of(cls, item: QueueItem) -> ItemState:
        return cls(item.status, item.decision_id, tuple(item.versions))


@dataclass(frozen=True)
class QueueItem:
    """One project under review; several reports on the same project fold into one item."""

    id: int
    ecosystem: str
    project: str
    versions: tuple[str, ...]
    baseline: str | None
    source: str
    status: str
    risk_level: str | None
    risk_score: float | None
    report_count: int
    reporters: tuple[str, ...]
    received_at: str
    updated_at: str
    decision_id: int | None = None  # the current (not undone) decision, if any

    @property
    def label(self) -> str:
        versions = ", ".join(self.versions) or "?"
        return f"{self.project} {versions}"

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "ecosystem": self.ecosystem,
            "project": self.project,
            "versions": list(self.versions),
            "baseline": self.baseline,
            "source": self.source,
            "status": self.status,
            "risk": {"level": self.risk_level, "score": self.risk_score},
            "report_count": self.report_count,
            "reporters": list(self.reporters),
            "received_at": self.received_at,
            "updated_at": self.updated_at,
            "decision_id": self.decision_id,
        }

    @classmethod
    def from_row(cls, row) -> QueueItem:
        return cls(
            id=row["id"],
            ecosystem=row["ecosystem"],
            project=row["project"],
            versions=tuple(json.loads(row["versions"])),
            baseline=row["baseline"],
            source=row["source"],
            status=row["status"],
            risk_level=row["risk_level"],
            risk_score=row["risk_score"],
            report_count=row["report_count"],
            reporters=tuple(json.loads(row["reporters"])),
            received_at=row["received_at"],
            updated_at=row["updated_at"],
            decision_id=row["decision_id"],
        )


@dataclass(frozen=True)
class Report:
    """One report folded into an item (who said what, about which versions)."""

    id: int
    item_id: int
    source: str
    reporter: str | None
    text: str | None
    versions: tuple[str, ...]
    received_at: str

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "item_id": self.item_id,
            "source": self.source,
            "reporter": self.reporter,
            "text": self.text,
            "versions": list(self.versions),
            "received_at": self.received_at,
        }


@dataclass(frozen=True)
class ArtifactRef:
    """Where an item's artifact is (a local path, or a URL still to fetch) and its sha256."""

    id: int
    item_id: int
    role: str  # new | baseline
    version: str | None
    path: str | None
    url: str | None
    sha256: str | None
    added_at: str

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "item_id": self.item_id,
            "role": self.role,
            "version": self.version,
            "path": self.path,
            "url": self.url,
            "sha256": self.sha256,
            "added_at": self.added_at,
        }


@dataclass(frozen=True)
class LogEntry:
    """One line of the append-only action log."""

    id: int
    at: str
    actor: str | None
    action: str
    item_id: int | None
    decision_id: int | None
    detail: dict

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "item_id": self.item_id,
            "decision_id": self.decision_id,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class ExternalLabel:
    """Another reviewer's label on a release, as the dataset sync found it (read-only here)."""

    ecosystem: str
    project: str
    version: str
    reviewer: str
    label: dict
    updated_at: str

    def to_json(self) -> dict:
        return {
            "ecosystem": self.ecosystem,
            "project": self.project,
            "version": self.version,
            "reviewer": self.reviewer,
            "label": self.label,
            "updated_at": self.updated_at,
        }
