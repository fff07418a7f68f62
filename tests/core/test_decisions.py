"""Which verdict/action pairs may be recorded: one rule in the core for the window and CLI."""

from __future__ import annotations

import pytest

from app.core.decisions import Decision, DecisionError, HitLabel, check_verdict_action


@pytest.mark.parametrize(
    "verdict, action, message",
    [
        ("malicious", "not_malware", "contradicts verdict malicious"),
        ("benign", "remove_project", "contradicts verdict benign"),
        ("benign", "remove_release", "contradicts verdict benign"),
        ("benign", "quarantine_release", "contradicts verdict benign"),
        ("indeterminate", "remove_project", "needs a malicious verdict"),
        ("indeterminate", "remove_release", "needs a malicious verdict"),
    ],
)
def test_contradictory_pairs_are_refused_with_one_line(verdict, action, message):
    with pytest.raises(DecisionError, match=message) as err:
        check_verdict_action(verdict, action, "a reason")
    assert "\n" not in str(err.value)
    with pytest.raises(DecisionError, match=message):
        Decision(verdict=verdict, action=action, reason="a reason", reviewer="ana").validated()


@pytest.mark.parametrize(
    "verdict, action, resolved",
    [
        ("malicious", None, "none"),
        ("malicious", "quarantine_release", "quarantine_release"),
        ("malicious", "remove_project", "remove_project"),
        ("benign", None, "not_malware"),
        ("indeterminate", "quarantine_project", "quarantine_project"),
        ("indeterminate", "not_malware", "not_malware"),
    ],
)
def test_allowed_pairs_resolve_the_action(verdict, action, resolved):
    assert check_verdict_action(verdict, action, "a reason") == resolved


def test_a_removal_without_a_reason_is_refused():
    with pytest.raises(DecisionError, match="requires a reason"):
        check_verdict_action("malicious", "remove_release", "   ")


def test_a_hit_labels_line_that_is_no_whole_number_is_one_refusal():
    """A co-writer's label may hold infinity (Python's json reads Infinity) or text where the
    line goes: one DecisionError, never an OverflowError out of the sync."""
    base = {"capability": "network.http", "path": "setup.py", "label": "confirmed"}
    for bad in (float("inf"), float("nan"), "three", [3], True):
        with pytest.raises(DecisionError):
            HitLabel.from_json({**base, "line": bad})
    assert HitLabel.from_json({**base, "line": "12"}).line == 12
    assert HitLabel.from_json(base).line == 0
