"""Consensus between reviewers: conflicts, what the dataset calls malicious, and agreement.

* A package version is a **conflict** when its active (not withdrawn) labels disagree on the
  verdict, or when one reviewer would remove it (quarantine or remove, release or project) while
  another would keep it (``not_malware``).
* A version counts as **malicious** for the manifest and the OSV records when at least one
  active label says malicious and none says benign or keep; an ``indeterminate`` does not veto
  (the conflict still sends it to a second review).
* **Agreement** between two reviewers is measured on the versions both labelled: the share of
  equal verdicts and Cohen's kappa, ``(p_o - p_e) / (1 - p_e)``, where ``p_e`` is the agreement
  expected by chance from each reviewer's own verdict frequencies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

from app.sync.labels import action_stance, is_active

Key = tuple[str, str, str]  # (ecosystem, name, version)


def label_key(label: dict[str, Any]) -> Key:
    return (label["ecosystem"], label["name"], label["version"])


def group_active(labels: list[dict[str, Any]]) -> dict[Key, list[dict[str, Any]]]:
    groups: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for lb in labels:
        if is_active(lb):
            groups[label_key(lb)].append(lb)
    return dict(groups)


@dataclass
class Conflict:
    ecosystem: str
    name: str
    version: str
    reasons: list[str]  # "verdict" and/or "remove_vs_keep"
    labels: list[dict[str, Any]] = field(default_factory=list)  # reviewer, verdict, action, reason

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def conflict_reasons(version_labels: list[dict[str, Any]]) -> list[str]:
    """Why these labels (of one version) conflict; empty when they agree."""
    active = [lb for lb in version_labels if is_active(lb)]
    reasons = []
    if len({lb["verdict"] for lb in active}) > 1:
        reasons.append("verdict")
    stances = {action_stance(lb.get("action")) for lb in active}
    if {"remove", "keep"} <= stances:
        reasons.append("remove_vs_keep")
    return reasons


def find_conflicts(labels: list[dict[str, Any]]) -> list[Conflict]:
    out = []
    for key, group in sorted(group_active(labels).items()):
        reasons = conflict_reasons(group)
        if reasons:
            out.append(
                Conflict(
                    *key,
                    reasons=reasons,
                    labels=[
                        {
                            "reviewer": lb["reviewer"],
                            "verdict": lb["verdict"],
                            "action": lb.get("action"),
                            "reason": lb.get("reason"),
                            "decided_at": lb.get("decided_at"),
                        }
                        for lb in sorted(group, key=lambda x: x["reviewer"])
                    ],
                )
            )
    return out


def is_malicious(version_labels: list[dict[str, Any]]) -> bool:
    active = [lb for lb in version_labels if is_active(lb)]
    if not any(lb["verdict"] == "malicious" for lb in active):
        return False
    return not any(
        lb["verdict"] == "benign" or action_stance(lb.get("action")) == "keep" for lb in active
    )


def cohen_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Cohen's kappa of paired ratings; None when undefined (no pairs, or chance is certain
    and the raters still disagree)."""
    n = len(pairs)
    if n == 0:
        return None
    p_o = sum(1 for a, b in pairs if a == b) / n
    ca = Counter(a for a, _ in pairs)
    cb = Counter(b for _, b in pairs)
    p_e = sum(ca[c] * cb[c] for c in set(ca) | set(cb)) / (n * n)
    if p_e >= 1.0:
        return 1.0 if p_o == 1.0 else None
    return (p_o - p_e) / (1.0 - p_e)


@dataclass
class PairAgreement:
    reviewer_a: str
    reviewer_b: str
    items: int  # versions both reviewers labelled
    agreed: int
    agreement: float | None
    kappa: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def pairwise_agreement(labels: list[dict[str, Any]]) -> list[PairAgreement]:
    """Verdict agreement and Cohen's kappa for every pair of reviewers with a shared version."""
    by_reviewer: dict[str, dict[Key, str]] = defaultdict(dict)
    for lb in labels:
        if is_active(lb):
            by_reviewer[lb["reviewer"]][label_key(lb)] = lb["verdict"]
    out = []
    for a, b in combinations(sorted(by_reviewer), 2):
        shared = sorted(set(by_reviewer[a]) & set(by_reviewer[b]))
        if not shared:
            continue
        pairs = [(by_reviewer[a][k], by_reviewer[b][k]) for k in shared]
        agreed = sum(1 for x, y in pairs if x == y)
        out.append(PairAgreement(a, b, len(pairs), agreed, agreed / len(pairs), cohen_kappa(pairs)))
    return out
