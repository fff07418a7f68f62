"""Conflicts, consensus and Cohen's kappa."""

import pytest

from app.sync.consensus import (
    cohen_kappa,
    conflict_reasons,
    find_conflicts,
    is_malicious,
    pairwise_agreement,
)


def lb(reviewer, verdict, action="none", version="1.0", name="p", withdrawn=False):
    return {
        "ecosystem": "pypi",
        "name": name,
        "version": version,
        "reviewer": reviewer,
        "verdict": verdict,
        "action": action,
        "withdrawn": withdrawn,
    }


def test_conflict_on_verdict_and_on_remove_against_keep():
    assert conflict_reasons([lb("a", "malicious"), lb("b", "benign")]) == ["verdict"]
    assert conflict_reasons(
        [lb("a", "malicious", "remove_release"), lb("b", "benign", "not_malware")]
    ) == ["verdict", "remove_vs_keep"]
    # Same verdict, but one removes and one keeps: still a conflict.
    assert conflict_reasons(
        [lb("a", "indeterminate", "quarantine_project"), lb("b", "indeterminate", "not_malware")]
    ) == ["remove_vs_keep"]
    assert (
        conflict_reasons(
            [lb("a", "malicious", "remove_project"), lb("b", "malicious", "quarantine_release")]
        )
        == []
    )
    # A withdrawn label no longer counts.
    assert conflict_reasons([lb("a", "malicious"), lb("b", "benign", withdrawn=True)]) == []


def test_find_conflicts_lists_each_version_with_its_labels():
    labels = [
        lb("a", "malicious", version="1"),
        lb("b", "benign", version="1"),
        lb("a", "malicious", version="2"),
        lb("b", "malicious", version="2"),
    ]
    (c,) = find_conflicts(labels)
    assert (c.name, c.version, c.reasons) == ("p", "1", ["verdict"])
    assert [x["reviewer"] for x in c.labels] == ["a", "b"]


def test_malicious_consensus_needs_no_benign_or_keep():
    assert is_malicious([lb("a", "malicious"), lb("b", "indeterminate")])
    assert not is_malicious([lb("a", "malicious"), lb("b", "benign")])
    assert not is_malicious([lb("a", "malicious"), lb("b", "indeterminate", "not_malware")])
    assert not is_malicious([lb("a", "malicious", withdrawn=True)])


def test_cohen_kappa_known_values():
    # p_o = 3/4, p_e = .5*.25 + .5*.75 = .5  ->  kappa = .5
    pairs = [("m", "m"), ("m", "b"), ("b", "b"), ("b", "b")]
    assert cohen_kappa(pairs) == pytest.approx(0.5)
    # Textbook example (Cohen 1960 style): 50 items, 20 yes/yes, 15 no/no, 5 yes/no, 10 no/yes
    pairs = [("y", "y")] * 20 + [("n", "n")] * 15 + [("y", "n")] * 5 + [("n", "y")] * 10
    assert cohen_kappa(pairs) == pytest.approx((0.7 - 0.5) / 0.5)
    assert cohen_kappa([("m", "m")] * 4) == 1.0
    assert cohen_kappa([("m", "b"), ("b", "m")]) == pytest.approx(-1.0)
    assert cohen_kappa([]) is None


def test_pairwise_agreement_only_on_shared_versions():
    labels = [lb("alice", "malicious", version=str(i)) for i in range(4)]
    labels += [
        lb("bob", v, version=str(i))
        for i, v in enumerate(["malicious", "benign", "malicious", "malicious"])
    ]
    labels += [lb("carol", "benign", version="99")]
    (pair,) = pairwise_agreement(labels)
    assert (pair.reviewer_a, pair.reviewer_b, pair.items, pair.agreed) == ("alice", "bob", 4, 3)
    assert pair.agreement == 0.75
    assert pair.kappa == pytest.approx(0.0)  # alice always says malicious: no information
