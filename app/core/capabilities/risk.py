"""Package risk: a 0–10 score and a level, decided by threats (see :mod:`.threats`).

* The level is the highest threat's severity. Hits that are part of no threat count only up to
  medium when they are a powerful API alone (a subprocess, a socket, ``ctypes``, ``pickle``, a
  credential file read by a cloud SDK): information, never high by themselves.
* Many low hits never add up to high: the count only moves the score inside the band of the
  level reached (low 1–2.9, medium 3–5.9, high 6–8.4, critical 8.5–10); each threat at the
  level adds a little, so two chains score above one.
"""

from __future__ import annotations

from app.core.capabilities.model import SEVERITIES, Hit, Risk, severity_rank
from app.core.capabilities.threats import Threat, assess

_BANDS = {0: (0.0, 0.0), 1: (1.0, 2.9), 2: (3.0, 5.9), 3: (6.0, 8.4), 4: (8.5, 10.0)}


def assess_risk(hits: list[Hit], code_files: int = 0) -> tuple[Risk, list[Threat], list[Hit]]:
    """(risk, threats, the hits as shown: lone powerful APIs lowered to medium).

    ``code_files``: the package's code modules, for :func:`.corroboration.corroborate`."""
    threats, shown, level = assess(hits, code_files)
    counted = [h for h in shown if severity_rank(h.severity) > 0]
    if not level:
        return Risk(0.0, "none"), threats, shown
    lo, hi = _BANDS[level]
    at_level = sum(1 for h in counted if severity_rank(h.severity) == level)
    distinct = len(
        {h.capability for h in counted if severity_rank(h.severity) >= max(1, level - 1)}
    )
    threat_ids = {t.id for t in threats if severity_rank(t.severity) == level}
    bonus = min(
        1.0,
        0.08 * max(0, at_level - 1)
        + 0.12 * max(0, distinct - 1)
        + (0.15 * len(threat_ids) if threat_ids else 0.0),
    )
    return Risk(round(lo + (hi - lo) * bonus, 1), SEVERITIES[level]), threats, shown


def score(hits: list[Hit]) -> Risk:
    """The package risk for all hits of one artifact."""
    return assess_risk(hits)[0]


def explain_threats(hits: list[Hit]) -> list[str]:
    """One sentence per threat, for reports: ``id (severity): explanation``."""
    return [f"{t.id} ({t.severity}): {t.explanation}" for t in assess_risk(hits)[1]]
