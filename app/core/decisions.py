"""A moderator's decision on a queue item, shaped like what PyPI's admins record.

Every field maps one-to-one onto the PyPI admin form (verdict, observation kind, action,
reason) plus what the shared dataset needs for training: the evidence a reviewer pointed at and
a confirmed/dismissed label on each capability hit. The store persists :class:`Decision` as is;
``to_json``/``from_json`` are the stable shape used by ``vetbench log --json`` and the sync.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from app.errors import UsageError

VERDICTS = ("malicious", "benign", "indeterminate")
KINDS = ("is_malware", "is_spam", "is_dependency_confusion", "is_typosquat", "something_else")
ACTIONS = (
    "not_malware",
    "quarantine_release",
    "quarantine_project",
    "remove_release",
    "remove_project",
    "confirm_malware",
    "none",
)
CONFIDENCES = ("low", "medium", "high")
HIT_LABELS = ("confirmed", "dismissed")
OUTCOMES = ("true_positive", "false_positive", "pending")

# Actions that take something away from users; PyPI requires a written reason for these.
REMOVING_ACTIONS = ("remove_release", "remove_project")
# Actions that only make sense when the package is judged malicious.
PUNITIVE_ACTIONS = (
    "quarantine_release",
    "quarantine_project",
    "remove_release",
    "remove_project",
    "confirm_malware",
)


class DecisionError(UsageError, ValueError):
    """A decision that cannot be recorded as given (bad enum value, missing reason…).

    Both a :class:`UsageError` (the CLI prints one line, exit 2) and a ``ValueError``.
    """


def now_iso() -> str:
    """UTC timestamp with milliseconds, e.g. ``2026-11-24T20:53:17.123Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def derive_outcome(verdict: str) -> str:
    """Items reach the queue because something flagged them: a malicious verdict confirms the
    flag (true positive), a benign one refutes it (false positive), indeterminate is pending."""
    return {"malicious": "true_positive", "benign": "false_positive"}.get(verdict, "pending")


def default_action(verdict: str) -> str:
    return "not_malware" if verdict == "benign" else "none"


def check_verdict_action(verdict: str, action: str | None, reason: str = "") -> str:
    """The one place that says which verdict/action pairs a moderator may record; the window
    asks it before sending, ``vetbench decide`` and the store ask it through
    :meth:`Decision.validated`. Returns the resolved action (the verdict's default when none).

    Refused: a punitive action on a benign verdict, ``not_malware`` on a malicious one, a
    removal on an indeterminate one (removing needs a verdict), a removal without a reason.
    """
    action = action or default_action(verdict)
    _choice("verdict", verdict, VERDICTS)
    _choice("action", action, ACTIONS)
    if verdict == "benign" and action in PUNITIVE_ACTIONS:
        raise DecisionError(f"action {action} contradicts verdict benign")
    if verdict == "malicious" and action == "not_malware":
        raise DecisionError("action not_malware contradicts verdict malicious")
    if verdict == "indeterminate" and action in REMOVING_ACTIONS:
        raise DecisionError(
            f"action {action} needs a malicious verdict (indeterminate may quarantine)"
        )
    if action in REMOVING_ACTIONS and not (reason or "").strip():
        raise DecisionError(f"action {action} requires a reason (--reason)")
    return action


def _choice(name: str, value: object, allowed: tuple[str, ...], optional: bool = False) -> None:
    if value is None and optional:
        return
    if value not in allowed:
        raise DecisionError(f"{name} must be one of {', '.join(allowed)} (got {value!r})")


def _line_number(value: object) -> int:
    """A hit label's line: a whole number (0 when absent). A co-writer's file may hold
    anything there (a string, infinity, NaN, a list): one refusal, never a crash."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DecisionError(f"a hit label's line is a number (got {value!r})")
    try:
        return int(value)
    except (ValueError, OverflowError) as exc:
        raise DecisionError(f"a hit label's line is a whole number (got {value!r})") from exc


@dataclass(frozen=True)
class Evidence:
    """A place in the artifact the reviewer points at: a file, a line range, the capabilities."""

    path: str
    sha256: str | None = None
    line_start: int | None = None
    line_end: int | None = None
    capabilities: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "capabilities": list(self.capabilities),
        }

    @classmethod
    def from_json(cls, obj: dict | Evidence) -> Evidence:
        if isinstance(obj, Evidence):
            return obj
        if not isinstance(obj, dict) or not isinstance(obj.get("path"), str) or not obj["path"]:
            raise DecisionError(f"evidence needs a path: {obj!r}")
        start, end = obj.get("line_start"), obj.get("line_end")
        for v in (start, end):
            if v is not None and (not isinstance(v, int) or v < 1):
                raise DecisionError(f"evidence line numbers are 1-based integers: {obj!r}")
        if start is not None and end is not None and end < start:
            raise DecisionError(f"evidence line_end before line_start: {obj!r}")
        return cls(
            path=obj["path"],
            sha256=obj.get("sha256"),
            line_start=start,
            line_end=end if end is not None else start,
            capabilities=tuple(obj.get("capabilities") or ()),
        )


@dataclass(frozen=True)
class HitLabel:
    """One capability hit judged by the reviewer: the training label of the dataset."""

    capability: str
    path: str
    line: int
    label: str  # confirmed | dismissed
    match: str = ""

    def to_json(self) -> dict:
        return {
            "capability": self.capability,
            "path": self.path,
            "line": self.line,
            "match": self.match,
            "label": self.label,
        }

    @classmethod
    def from_json(cls, obj: dict | HitLabel) -> HitLabel:
        if isinstance(obj, HitLabel):
            return obj
        if not isinstance(obj, dict):
            raise DecisionError(f"a hit label is an object: {obj!r}")
        _choice("hit label", obj.get("label"), HIT_LABELS)
        if not obj.get("capability") or not obj.get("path"):
            raise DecisionError(f"a hit label needs capability and path: {obj!r}")
        return cls(
            capability=str(obj["capability"]),
            path=str(obj["path"]),
            line=_line_number(obj.get("line")),
            label=obj["label"],
            match=str(obj.get("match") or ""),
        )


@dataclass(frozen=True)
class Decision:
    """What a reviewer decided about one queue item.

    ``id``, ``item_id``, ``undone``, ``synced_at`` and ``sync_ref`` are filled by the store
    when read back; callers build a Decision with the reviewer's fields and let
    :meth:`validated` fill defaults (action from verdict, kind, times, seconds spent).
    """

    verdict: str
    action: str | None = None
    kind: str | None = None
    reason: str = ""
    confidence: str = "medium"
    evidence: tuple[Evidence, ...] = ()
    hit_labels: tuple[HitLabel, ...] = ()
    reviewer: str = ""
    started_at: str | None = None
    decided_at: str | None = None
    seconds_spent: float | None = None
    # Filled by the store.
    id: int | None = None
    item_id: int | None = None
    undone: bool = False
    synced_at: str | None = None
    sync_ref: str | None = None

    @property
    def outcome(self) -> str:
        return derive_outcome(self.verdict)

    def validated(self) -> Decision:
        """Check every field against PyPI's vocabulary and fill the derived defaults.

        Raises :class:`DecisionError` (a ``ValueError`` and a ``UsageError``) with one line.
        """
        action = check_verdict_action(self.verdict, self.action, self.reason)
        kind = self.kind
        if kind is None and self.verdict == "malicious":
            kind = "is_malware"
        _choice("kind", kind, KINDS, optional=True)
        _choice("confidence", self.confidence, CONFIDENCES)
        reason = (self.reason or "").strip()
        if not self.reviewer or not self.reviewer.strip():
            raise DecisionError("a decision needs a reviewer name")
        evidence = tuple(Evidence.from_json(e) for e in self.evidence)
        labels = tuple(HitLabel.from_json(h) for h in self.hit_labels)
        decided_at = self.decided_at or now_iso()
        started_at = self.started_at or decided_at
        spent = self.seconds_spent
        if spent is None:
            try:
                spent = max(0.0, (parse_iso(decided_at) - parse_iso(started_at)).total_seconds())
            except ValueError as exc:
                raise DecisionError(
                    f"started_at/decided_at are not ISO 8601 times: {exc}"
                ) from None
        return replace(
            self,
            action=action,
            kind=kind,
            reason=reason,
            reviewer=self.reviewer.strip(),
            evidence=evidence,
            hit_labels=labels,
            started_at=started_at,
            decided_at=decided_at,
            seconds_spent=round(float(spent), 3),
        )

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "item_id": self.item_id,
            "verdict": self.verdict,
            "kind": self.kind,
            "action": self.action,
            "reason": self.reason,
            "confidence": self.confidence,
            "outcome": self.outcome,
            "evidence": [e.to_json() for e in self.evidence],
            "hit_labels": [h.to_json() for h in self.hit_labels],
            "reviewer": self.reviewer,
            "started_at": self.started_at,
            "decided_at": self.decided_at,
            "seconds_spent": self.seconds_spent,
            "undone": self.undone,
            "synced_at": self.synced_at,
            "sync_ref": self.sync_ref,
        }

    @classmethod
    def from_json(cls, obj: dict) -> Decision:
        return cls(
            verdict=obj["verdict"],
            action=obj.get("action"),
            kind=obj.get("kind"),
            reason=obj.get("reason") or "",
            confidence=obj.get("confidence") or "medium",
            evidence=tuple(Evidence.from_json(e) for e in obj.get("evidence") or ()),
            hit_labels=tuple(HitLabel.from_json(h) for h in obj.get("hit_labels") or ()),
            reviewer=obj.get("reviewer") or "",
            started_at=obj.get("started_at"),
            decided_at=obj.get("decided_at"),
            seconds_spent=obj.get("seconds_spent"),
            id=obj.get("id"),
            item_id=obj.get("item_id"),
            undone=bool(obj.get("undone", False)),
            synced_at=obj.get("synced_at"),
            sync_ref=obj.get("sync_ref"),
        )
