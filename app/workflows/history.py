"""What was decided about an item and about its project before: the moderator's memory.

A decided item shows its verdict, action, reason, evidence and labelled hits
(:func:`decision_lines`); the project's earlier releases show what they were judged, by whom
and why, from this store's decisions and from other reviewers' labels in the dataset
(:func:`project_history`). The window, ``vetbench log`` and ``vetbench report`` all word it
the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.store.records import normalise_project
from app.core.versions import version_key

__all__ = ["PastVerdict", "decision_lines", "evidence_text", "project_history"]


@dataclass(frozen=True)
class PastVerdict:
    """One earlier judgement of a release of the project."""

    version: str
    verdict: str
    action: str | None
    reason: str
    reviewer: str
    at: str
    source: str  # "store" (decided here) or "dataset" (another reviewer's label)
    item_id: int | None = None

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "verdict": self.verdict,
            "action": self.action,
            "reason": self.reason,
            "reviewer": self.reviewer,
            "at": self.at,
            "source": self.source,
            "item_id": self.item_id,
        }


def evidence_text(ev) -> str:
    """``setup.py:15-17 (network, exec)``."""
    lines = ""
    if ev.line_start:
        lines = f":{ev.line_start}" + (
            f"-{ev.line_end}" if ev.line_end and ev.line_end != ev.line_start else ""
        )
    caps = f" ({', '.join(ev.capabilities)})" if ev.capabilities else ""
    return f"{ev.path}{lines}{caps}"


def decision_lines(decision) -> list[str]:
    """A decision in a few plain lines: verdict and action, reason, evidence, labelled hits."""
    out = [
        f"Decided {decision.verdict} / {decision.action or '-'}"
        + (f" ({decision.kind})" if decision.kind else "")
        + f" by {decision.reviewer or '?'} at {decision.decided_at or '?'}"
        + (" — undone" if getattr(decision, "undone", False) else "")
    ]
    if decision.reason:
        out.append(f"Reason: {decision.reason}")
    for ev in decision.evidence:
        out.append(f"Evidence: {evidence_text(ev)}")
    for label in decision.hit_labels:
        out.append(f"Hit {label.label}: {label.capability} at {label.path}:{label.line}")
    return out


def project_history(store, item, limit: int = 20) -> list[PastVerdict]:
    """Earlier releases of ``item``'s project with their verdicts, newest version first:
    other queue items' current decisions, then dataset labels of versions not decided here."""
    norm = normalise_project(item.ecosystem, item.project)
    out: list[PastVerdict] = []
    decided: set[str] = set()
    for other in store.list_items(text=item.project, ecosystem=item.ecosystem, limit=200):
        if other.id == item.id or normalise_project(other.ecosystem, other.project) != norm:
            continue
        decision = store.current_decision(other.id) if other.decision_id else None
        if decision is None:
            continue
        version = ", ".join(other.versions) or "?"
        decided.update(other.versions)
        out.append(
            PastVerdict(
                version,
                decision.verdict,
                decision.action,
                decision.reason or "",
                decision.reviewer or "?",
                decision.decided_at or "",
                "store",
                other.id,
            )
        )
    for label in store.external_labels_for((item.ecosystem, item.project)):
        if label.version in decided or label.version in item.versions:
            continue
        body = label.label
        out.append(
            PastVerdict(
                label.version,
                str(body.get("verdict") or "?"),
                body.get("action"),
                str(body.get("reason") or ""),
                label.reviewer,
                label.updated_at,
                "dataset",
            )
        )
    out.sort(key=lambda p: version_key(p.version.split(", ")[-1], item.ecosystem), reverse=True)
    return out[:limit]
