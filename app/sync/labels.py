"""``vetbench.label/1``: one reviewer's decision on one package version, as a dataset file.

The label carries the store's decision model one-to-one (so it maps onto what PyPI's admins
record) plus what identifies the reviewed thing::

    {
      "schema": "vetbench.label/1",
      "ecosystem": "pypi", "name": "evil-pkg", "version": "1.0.2",
      "reviewer": "alice",
      "verdict": "malicious",              # malicious | benign | indeterminate
      "kind": "is_malware",                # is_malware | is_spam | is_dependency_confusion |
                                           #   is_typosquat | something_else | null
      "action": "remove_project",          # not_malware | quarantine_release | quarantine_project
                                           #   | remove_release | remove_project | confirm_malware | none
      "reason": "exfiltrates ~/.aws",      # required for any remove_*
      "confidence": "high",                # low | medium | high | null
      "evidence": [{"path": "setup.py", "sha256": "...", "line_start": 3, "line_end": 9,
                    "capabilities": ["network.http"]}],
      "hit_labels": [{"capability": "network.http", "path": "setup.py", "line": 4,
                      "match": "urlopen(", "label": "confirmed"}],   # confirmed | dismissed
      "artifact": {"filename": "evil_pkg-1.0.2.tar.gz", "sha256": "...",
                   "sample": "samples/pypi/evil-pkg/1.0.2/evil_pkg-1.0.2.tar.gz.zip"},
      "started_at": "2026-11-24T10:00:00Z", "decided_at": "2026-11-24T10:03:10Z",
      "seconds_spent": 190.0,
      "withdrawn": false,                  # true: the reviewer undid the decision
      "withdrawn_at": null,
      "source": null,                      # imports: {"dataset": "datadog", "path": "..."}
      "signature": {"alg": "ed25519", "public_key": "<hex>", "value": "<hex>"}
    }

``signature`` is the reviewer's own signature (:mod:`app.sync.signing`): the sync writes it and
counts no label that lacks a valid one by the key known for that reviewer.

Keys are written sorted with indent 2 and a final newline, so a label's bytes are a function
of its content: rewriting an unchanged label is a no-op, and git diffs stay small.
"""

from __future__ import annotations

import json
import math
from typing import Any

# The label is the store's decision model: one vocabulary, defined in app.core.decisions.
from app.core.decisions import (
    ACTIONS,
    CONFIDENCES,
    HIT_LABELS,
    KINDS,
    VERDICTS,
    DecisionError,
    Evidence,
    HitLabel,
)
from app.core.jsondata import JSONInputError, loads_bounded
from app.sync.layout import (
    DatasetError,
    check_version,
    label_relpath,
    normalize_ecosystem,
    normalize_name,
)
from app.sync.signing import signature_shape_problem

SCHEMA = "vetbench.label/1"
REMOVE_ACTIONS = ("quarantine_release", "quarantine_project", "remove_release", "remove_project")
KEEP_ACTIONS = ("not_malware",)
MAX_LABEL_BYTES = 2 * 1024**2


class LabelError(DatasetError):
    """A label that does not follow vetbench.label/1 (the message says which field)."""


def action_stance(action: str | None) -> str | None:
    """``remove`` (quarantine or remove), ``keep`` (not_malware) or None (no stance)."""
    if action in REMOVE_ACTIONS:
        return "remove"
    if action in KEEP_ACTIONS:
        return "keep"
    return None


def make_label(
    *,
    ecosystem: str,
    name: str,
    version: str,
    reviewer: str,
    verdict: str,
    kind: str | None = None,
    action: str | None = "none",
    reason: str | None = None,
    confidence: str | None = None,
    evidence: list[dict] | None = None,
    hit_labels: list[dict] | None = None,
    artifact: dict | None = None,
    started_at: str | None = None,
    decided_at: str | None = None,
    seconds_spent: float | None = None,
    withdrawn: bool = False,
    withdrawn_at: str | None = None,
    source: dict | None = None,
) -> dict[str, Any]:
    """Build and validate a label (raises LabelError on a bad field)."""
    label = {
        "schema": SCHEMA,
        "ecosystem": normalize_ecosystem(ecosystem),
        "name": normalize_name(ecosystem, name),
        "version": version,
        "reviewer": reviewer,
        "verdict": verdict,
        "kind": kind,
        "action": action or "none",
        "reason": reason,
        "confidence": confidence,
        "evidence": list(evidence or []),
        "hit_labels": list(hit_labels or []),
        "artifact": artifact,
        "started_at": started_at,
        "decided_at": decided_at,
        "seconds_spent": seconds_spent,
        "withdrawn": bool(withdrawn),
        "withdrawn_at": withdrawn_at,
        "source": source,
    }
    validate_label(label)
    return label


def _need(cond: bool, where: str, msg: str) -> None:
    if not cond:
        raise LabelError(f"{where}: {msg}")


def _opt_str(label: dict, key: str, where: str, max_len: int = 20000) -> None:
    v = label.get(key)
    _need(v is None or (isinstance(v, str) and len(v) <= max_len), where, f"{key} must be a string")


def validate_label(label: Any, where: str = "label", any_version: bool = False) -> dict[str, Any]:
    """Check a parsed label against vetbench.label/1; returns it, or raises LabelError.

    ``any_version`` admits version ``*`` ("every version", only from imports; such a label
    never becomes a dataset file).
    """
    _need(isinstance(label, dict), where, "not a JSON object")
    _need(label.get("schema") == SCHEMA, where, f"schema must be {SCHEMA!r}")
    for key in ("ecosystem", "name", "version", "reviewer", "verdict"):
        _need(isinstance(label.get(key), str) and label[key] != "", where, f"{key} is required")
    try:
        eco = normalize_ecosystem(label["ecosystem"])
        _need(eco == label["ecosystem"], where, "ecosystem must be lowercase pypi or npm")
        _need(normalize_name(eco, label["name"]) == label["name"], where, "name is not normalised")
        version = "0" if any_version and label["version"] == "*" else label["version"]
        check_version(version)
        label_relpath(eco, label["name"], version, label["reviewer"])
    except LabelError:
        raise
    except DatasetError as exc:
        raise LabelError(f"{where}: {exc}") from exc
    _need(label["verdict"] in VERDICTS, where, f"verdict must be one of {', '.join(VERDICTS)}")
    _need(label.get("kind") is None or label["kind"] in KINDS, where, "unknown kind")
    _need(label.get("action", "none") in ACTIONS, where, "unknown action")
    _need(
        label.get("confidence") is None or label["confidence"] in CONFIDENCES,
        where,
        "confidence must be low, medium or high",
    )
    for key in ("reason", "started_at", "decided_at", "withdrawn_at"):
        _opt_str(label, key, where)
    if label.get("action") in ("remove_release", "remove_project") and not label.get("withdrawn"):
        _need(bool((label.get("reason") or "").strip()), where, "a remove needs a reason")
    secs = label.get("seconds_spent")
    _need(
        secs is None
        or (
            isinstance(secs, int | float)
            and not isinstance(secs, bool)
            and math.isfinite(secs)
            and secs >= 0
        ),
        where,
        "seconds_spent must be a non-negative number",
    )
    _need(isinstance(label.get("withdrawn", False), bool), where, "withdrawn must be true or false")
    for key in ("evidence", "hit_labels"):
        items = label.get(key, [])
        _need(isinstance(items, list), where, f"{key} must be a list")
        _need(all(isinstance(i, dict) for i in items), where, f"{key} entries must be objects")
    for hit in label.get("hit_labels", []):
        _need(hit.get("label") in HIT_LABELS, where, "hit label must be confirmed or dismissed")
    try:  # the store reads them back as Evidence and HitLabel: same checks, refused here
        for ev in label.get("evidence", []):
            Evidence.from_json(ev)
        for hit in label.get("hit_labels", []):
            HitLabel.from_json(hit)
    except (DecisionError, ValueError, TypeError) as exc:
        raise LabelError(f"{where}: {exc}") from None
    for hit in label.get("hit_labels", []):
        _need(isinstance(hit.get("line", 0), int | None), where, "hit line must be a number")
    art = label.get("artifact")
    _need(art is None or isinstance(art, dict), where, "artifact must be an object")
    if art:
        sha = art.get("sha256")
        _need(
            sha is None
            or (
                isinstance(sha, str)
                and len(sha) == 64
                and all(c in "0123456789abcdef" for c in sha)
            ),
            where,
            "artifact.sha256 must be 64 lowercase hex digits",
        )
        for key in ("filename", "sample"):
            _opt_str(art, key, where, 1000)
    _need(
        label.get("source") is None or isinstance(label["source"], dict),
        where,
        "source must be an object",
    )
    shape = signature_shape_problem(label.get("signature"))
    _need(shape is None, where, shape or "")
    return label


def dump_label(label: dict[str, Any]) -> bytes:
    """Canonical bytes: sorted keys, indent 2, UTF-8, final newline."""
    validate_label(label)
    return (json.dumps(label, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def parse_label(data: bytes, where: str = "label") -> dict[str, Any]:
    """Parse and validate label bytes; any problem is a LabelError naming ``where``."""
    if len(data) > MAX_LABEL_BYTES:
        raise LabelError(f"{where}: too large")
    try:
        obj = loads_bounded(data)
    except JSONInputError as exc:
        raise LabelError(f"{where}: not valid JSON ({exc})") from exc
    return validate_label(obj, where)


def label_path(label: dict[str, Any]) -> str:
    """Where this label belongs in the dataset."""
    return label_relpath(label["ecosystem"], label["name"], label["version"], label["reviewer"])


def is_active(label: dict[str, Any]) -> bool:
    return not label.get("withdrawn", False)
