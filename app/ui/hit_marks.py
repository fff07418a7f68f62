"""How a moderator's label on a hit (``x``: confirmed, dismissed) is shown, in one place.

The label is drawn where the hit is seen: beside its line in the diff's gutter and on its row
in the threats/capabilities list, as a glyph *and* a colour (✓ confirmed, ✗ dismissed), and
spoken in words (tooltips and accessible text), so the state is clear without telling colours
apart. The labels themselves live in the decision form's draft
(:class:`app.ui.decision_panel.DecisionPanel`), which is why they survive item switches and
restarts; the views get a plain ``{hit key: label}`` mapping whenever it changes.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from app.ui import safe_text

GLYPHS = {"confirmed": "✓", "dismissed": "✗"}


def label_key(hit) -> tuple:
    """One label per hit, several on one line included (the match tells them apart)."""
    return (hit.capability, hit.path, hit.line, safe_text.one_line(hit.match, 200))


def label_color(theme, label: str) -> QColor:
    return QColor(theme.hit_confirmed if label == "confirmed" else theme.hit_dismissed)


def row_label(labels: dict, hits) -> str | None:
    """The label a line's mark shows: confirmed when any of its hits is, dismissed when
    every labelled one is; ``None`` when none of them is labelled."""
    found = [labels[label_key(h)] for h in hits if label_key(h) in labels]
    if not found:
        return None
    return "confirmed" if "confirmed" in found else "dismissed"


def step_label(labels: dict, capability: str, path: str, line: int) -> str | None:
    """The label of a threat step (capability · path:line), which carries no match text: the
    step's hit is the one at that place, so any label there is its label."""
    found = [
        lab
        for (cap, p, ln, _match), lab in labels.items()
        if (cap, p, ln) == (capability, path, line)
    ]
    if not found:
        return None
    return "confirmed" if "confirmed" in found else "dismissed"


def spoken(label: str | None) -> str:
    """What a screen reader and a tooltip say about the label."""
    return {
        "confirmed": "confirmed by you",
        "dismissed": "dismissed by you (false positive)",
    }.get(label or "", "not labelled")
