"""What a screen reader says for each control of the window, decided in one place.

A drop-down or a list with no label of its own is announced as "combo box" or "table": a
moderator using Orca or NVDA cannot tell the Action drop-down from the Kind one, or the queue
from the file list. :func:`name_window` gives every such control a name that says what it is
(the same words the menus and the ``?`` sheet use), and a control left without one by this
table takes the first sentence of its tooltip. A button's text is its name already.
``tests/ui/test_accessibility.py`` fails when a new button, drop-down or list has neither.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

NAMED_CLASSES = (
    QAbstractButton,
    QComboBox,
    QAbstractItemView,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
)


def _names(w) -> list[tuple[QWidget | None, str, str]]:
    q, r, d = w.queue, w.release, w.decision
    find = w.findChild
    return [
        (q.table, "Review queue", "Items to review: j and k move, the open item is reviewed"),
        (q.filter_edit, "Filter the queue by name", "Slash goes here; Enter or Esc returns"),
        (q.status_combo, "Status filter", "Which items the queue lists by status"),
        (q.risk_combo, "Risk filter", "Which items the queue lists by risk"),
        (r.artifact_combo, "Release file under review", "The sdist, each wheel: key a"),
        (r.baseline_combo, "Baseline release", "The release this one is compared against"),
        (r.context, "Report, decision and history", "Why it was reported and what was judged"),
        (r.files, "Files of the release", "Alt+Down and Alt+Up move between files"),
        (r.delta, "Threats, install surface and metadata", ""),
        (r.delta.caps, "Threats and capabilities", "Enter opens the line of a hit"),
        (find(QWidget, "installSurface"), "Install surface", "What runs at install time"),
        (find(QWidget, "metadataDelta"), "Metadata changes", ""),
        (r.diff.left, "Baseline side of the diff", ""),
        (r.diff.right, "Release side of the diff", "n and p changes, ] and [ hits"),
        (d.action_combo, "Action", "What PyPI should do with the project or release"),
        (d.kind_combo, "Kind", "The kind of the finding (is_malware, is_typosquat…)"),
        (d.confidence_combo, "Confidence", ""),
        (d.reason_edit, "Reason", "Required before a remove action; Ctrl+Enter records"),
        (find(QWidget, "hitLabels"), "Labelled hits", "x confirms, dismisses, clears"),
        (find(QWidget, "evidenceList"), "Evidence lines", "e adds the selected lines"),
        (find(QWidget, "findText"), "Find in this file", "Enter next, Shift+Enter previous"),
        (find(QWidget, "hitDetails"), "Current hit explained", "What the hit does and why"),
        (w.banner.details, "Error details", ""),
    ]


def _from_tooltip(widget: QWidget) -> str:
    tip = widget.toolTip().strip()
    return tip.split(". ")[0].split("\n")[0] if tip else ""


def unnamed(root: QWidget) -> list[QWidget]:
    """Controls under ``root`` a screen reader has no words for (no name and no text).

    Qt's own parts are left out: the corner button of a table, the menu bar's overflow
    button, the list inside a drop-down (the drop-down speaks for it) and header views."""
    from PySide6.QtWidgets import QHeaderView

    out = []
    for cls in NAMED_CLASSES:
        for widget in root.findChildren(cls):
            if widget.objectName().startswith("qt_") or isinstance(widget, QHeaderView):
                continue
            if isinstance(widget.parent(), QWidget) and widget.parent().inherits(
                "QComboBoxPrivateContainer"
            ):
                continue
            text = widget.text() if isinstance(widget, QAbstractButton | QLineEdit) else ""
            if isinstance(widget, QLineEdit):
                text = ""  # typed text is no name
            if not widget.accessibleName().strip() and not text.strip():
                out.append(widget)
    return out


def name_window(w) -> None:
    """Name the window's controls (see the module docstring)."""
    for widget, name, description in _names(w):
        if widget is None:
            continue
        widget.setAccessibleName(name)
        if description:
            widget.setAccessibleDescription(description)
    for widget in unnamed(w):
        name = _from_tooltip(widget)
        if not name and isinstance(widget.parent(), QLineEdit):
            name = "Clear the field"  # the clear button Qt adds inside a line edit
        if name:
            widget.setAccessibleName(name)
