"""Version ordering: the baseline of a release is the one just before it by version order."""

import pytest

from app.core.versions import (
    is_prerelease,
    parse_semver,
    pick_baseline,
    previous_release,
    sort_versions,
)


def test_pep440_orders_dev_pre_final_post():
    shuffled = ["1.0.post1", "1.0", "1.0rc1", "1.0a1", "1.0.dev1", "1.0b2", "0.9", "1.0a1.dev2"]
    assert sort_versions(shuffled, "pypi") == [
        "0.9",
        "1.0.dev1",
        "1.0a1.dev2",
        "1.0a1",
        "1.0b2",
        "1.0rc1",
        "1.0",
        "1.0.post1",
    ]


def test_pep440_numeric_not_lexical():
    assert sort_versions(["1.10", "1.9", "1.2"], "pypi") == ["1.2", "1.9", "1.10"]


def test_semver_prerelease_precedence_from_the_spec():
    # The example chain in semver 2.0.0, section 11.
    chain = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
    ]
    assert sort_versions(reversed(chain), "npm") == chain


def test_semver_build_metadata_ignored_and_parsed():
    sv = parse_semver("2.1.3-rc.1+build.5")
    assert (sv.major, sv.minor, sv.patch, sv.prerelease, sv.build) == (
        2,
        1,
        3,
        ("rc", "1"),
        "build.5",
    )
    assert parse_semver("1.2") is None


def test_previous_release_skips_prereleases_for_a_final():
    versions = ["1.0.0", "1.1.0", "1.2.0rc1", "1.2.0", "2.0.0"]
    assert previous_release(versions, "1.2.0", "pypi") == "1.1.0"
    assert previous_release(versions, "1.2.0rc1", "pypi") == "1.1.0"
    assert previous_release(versions, "2.0.0", "pypi") == "1.2.0"
    assert previous_release(versions, "1.0.0", "pypi") is None


def test_previous_release_falls_back_to_prerelease_when_no_final_below():
    assert previous_release(["0.1.0a1", "0.1.0a2", "0.1.0"], "0.1.0") == "0.1.0a2"


def test_previous_release_of_a_prerelease_may_be_a_prerelease():
    assert previous_release(["1.0a1", "1.0a2", "0.9"], "1.0a2") == "1.0a1"


def test_previous_release_npm_semver():
    versions = ["1.0.0", "1.0.1", "1.1.0-beta.1", "1.1.0-beta.2", "1.1.0"]
    assert previous_release(versions, "1.1.0", "npm") == "1.0.1"
    assert previous_release(versions, "1.1.0-beta.2", "npm") == "1.1.0-beta.1"


def test_equal_version_spelled_differently_is_not_previous():
    assert previous_release(["1.0", "0.9"], "1.0.0", "pypi") == "0.9"


def test_unknown_current_gives_none_and_garbage_never_wins():
    assert previous_release(["1.0"], "not a version") is None
    assert previous_release(["zzz", "0.5"], "1.0") == "0.5"


def test_pick_baseline_explicit_wins():
    assert pick_baseline(["1.0", "2.0"], "3.0", explicit="1.0") == "1.0"
    assert pick_baseline(["1.0", "2.0"], "3.0") == "2.0"


@pytest.mark.parametrize(
    ("version", "eco", "pre"),
    [
        ("1.0rc1", "pypi", True),
        ("1.0", "pypi", False),
        ("1.0.post1", "pypi", False),
        ("1.0.0-beta", "npm", True),
        ("1.0.0", "npm", False),
    ],
)
def test_is_prerelease(version, eco, pre):
    assert is_prerelease(version, eco) is pre
