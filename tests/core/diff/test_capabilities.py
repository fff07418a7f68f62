"""Capability delta: pairing by capability, file identity and matched text — not line."""

from app.core.diff.capabilities import pair_hits
from app.core.diff.release import diff_artifacts
from tests.core.diff.fixtures import fake_scan, hit, make_sdist, make_wheel, pkg_info

CODE = "import urllib.request\n\ndef fetch():\n    return urllib.request.urlopen(URL)\n"


def test_moved_hit_is_unchanged(tmp_path):
    old = make_sdist(tmp_path, "demo", "1.0", {"demo/net.py": CODE})
    new = make_sdist(tmp_path, "demo", "1.1", {"demo/net.py": "# a comment\n" * 20 + CODE})
    scan = fake_scan(
        {
            "1.0": [hit("network.http", "demo/net.py", 4, "urllib.request.urlopen(URL)")],
            "1.1": [hit("network.http", "demo/net.py", 24, "urllib.request.urlopen(URL)")],
        }
    )
    d = diff_artifacts(old, new, scan=scan)
    assert d.capabilities.added == [] and d.capabilities.removed == []
    assert d.capabilities.unchanged_count == 1
    assert d.to_json()["capabilities"]["unchanged"] == 1


def test_hit_in_renamed_file_across_sdist_and_wheel_is_unchanged(tmp_path):
    old = make_sdist(tmp_path, "demo", "1.0", {"src/demo/net.py": CODE * 3})
    new = make_wheel(
        tmp_path,
        "demo",
        "1.1",
        {
            "demo/transport.py": CODE * 3 + "x = 1\n",
            "demo-1.1.dist-info/METADATA": pkg_info("demo", "1.1"),
        },
    )
    scan = fake_scan(
        {
            "1.0": [hit("network.http", "src/demo/net.py", 4, "urllib.request.urlopen(URL)")],
            "1.1": [hit("network.http", "demo/transport.py", 8, "urllib.request.urlopen( URL )")],
        }
    )
    d = diff_artifacts(old, new, scan=scan)
    assert d.capabilities.unchanged_count == 1 and not d.capabilities.added


def test_new_hit_is_added_and_risk_goes_old_to_new(tmp_path):
    old = make_sdist(tmp_path, "demo", "1.0", {"demo/net.py": CODE})
    new = make_sdist(tmp_path, "demo", "1.1", {"demo/net.py": CODE + "exec(b64decode(P))\n"})
    scan = fake_scan(
        {
            "1.0": [],
            "1.1": [
                hit("exec.decode_then_exec", "demo/net.py", 5, "exec(b64decode(P))", "critical")
            ],
        },
        levels={"1.0": "none", "1.1": "critical"},
    )
    d = diff_artifacts(old, new, scan=scan)
    assert [h.capability for h in d.capabilities.added] == ["exec.decode_then_exec"]
    assert d.capabilities.max_added_severity() == "critical"
    doc = d.to_json()
    assert doc["risk"]["old"]["level"] == "none" and doc["risk"]["new"]["level"] == "critical"
    assert doc["capabilities"]["added"][0]["line"] == 5


def test_duplicates_pair_as_a_multiset():
    old = [hit("exec.eval", "a.py", n, "eval(x)") for n in (1, 5, 9)]
    new = [hit("exec.eval", "a.py", n, "eval(x)") for n in (2, 6, 10, 14)]
    delta = pair_hits(old, new)
    assert (len(delta.added), len(delta.removed), delta.unchanged_count) == (1, 0, 3)
    # Nearest lines pair first, so the leftover is the real newcomer at the end.
    assert delta.added[0].line == 14


def test_same_text_other_capability_or_file_is_not_paired():
    old = [hit("exec.eval", "a.py", 1, "eval(x)")]
    new = [hit("exec.eval", "b.py", 1, "eval(x)"), hit("exec.exec", "a.py", 1, "eval(x)")]
    delta = pair_hits(old, new)
    assert len(delta.added) == 2 and len(delta.removed) == 1


def test_per_capability_and_per_file_summaries():
    old = [hit("exec.eval", "a.py", 1, "eval(x)"), hit("net.http", "a.py", 3, "get(u)")]
    new = [hit("exec.eval", "a.py", 7, "eval(x)"), hit("net.socket", "b.py", 1, "socket()")]
    delta = pair_hits(old, new)
    assert delta.by_capability() == {
        "exec.eval": {"added": 0, "removed": 0, "unchanged": 1},
        "net.http": {"added": 0, "removed": 1, "unchanged": 0},
        "net.socket": {"added": 1, "removed": 0, "unchanged": 0},
    }
    assert delta.by_file()["b.py"] == {"added": 1, "removed": 0, "unchanged": 0}


def test_missing_scanner_is_reported_not_crashed(tmp_path, monkeypatch):
    import app.core.diff.release as release

    monkeypatch.setattr(release, "_default_scan", lambda: None)
    old = make_sdist(tmp_path, "demo", "1.0", {"a.py": "x\n"})
    new = make_sdist(tmp_path, "demo", "1.1", {"a.py": "y\n"})
    d = diff_artifacts(old, new)
    assert d.capabilities is None and "scanner not available" in d.errors[0]
    assert d.to_json()["capabilities"] == {"added": [], "removed": [], "unchanged": 0}


def test_long_matches_alike_in_their_first_200_characters_are_a_change(tmp_path):
    # The payload of a long one-line call changes after its 200th character: the trimmed
    # matches are equal, the hits must still not pair as "unchanged".
    import base64

    head = "import base64\nexec(base64.b64decode('"
    same = base64.b64encode(b"print('fetching 192.0.2.10')\n" * 20).decode()
    old_code = head + same + base64.b64encode(b"x = 1\n" * 40).decode() + "'))\n"
    new_code = (
        head + same + base64.b64encode(b"import os; os.system('id')\n" * 9).decode() + "'))\n"
    )
    assert old_code[:300] == new_code[:300] and old_code != new_code
    old = make_sdist(tmp_path, "demo", "1.0", {"setup.py": old_code})
    new = make_sdist(tmp_path, "demo", "1.1", {"setup.py": new_code})
    d = diff_artifacts(old, new)
    long_hits = [h for h in d.capabilities.added if len(h.match) >= 199]
    assert long_hits, [(h.capability, h.match[:40]) for h in d.capabilities.added]
    assert all(h.match_sha256 for h in long_hits)
    assert {h.capability for h in long_hits} <= {h.capability for h in d.capabilities.removed}
    # The same release against itself: every long hit pairs with itself.
    same_d = diff_artifacts(new, new)
    assert not same_d.capabilities.added and not same_d.capabilities.removed


def test_pairing_by_the_whole_match_keeps_moved_long_hits_unchanged(tmp_path):
    from app.core.capabilities.hits import make_hit

    def long_hit(line, match):
        return make_hit("network.http", "high", "demo/net.py", [], line, None, 0, match, "t", "t")

    long_call = "urllib.request.urlopen(" + "'http://192.0.2.1/" + "a" * 300 + "')"
    old_hit = long_hit(4, long_call)
    new_hit = long_hit(40, long_call.replace("(", "( ", 1))  # moved and re-spaced
    changed = long_hit(4, long_call[:-2] + "b')")
    assert old_hit.match == changed.match  # trimmed alike
    d = pair_hits([old_hit], [new_hit])
    assert d.unchanged_count == 1 and not d.added
    d = pair_hits([old_hit], [changed])
    assert d.added == [changed] and d.removed == [old_hit]
