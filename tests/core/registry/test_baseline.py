"""Baselines: previous by version order, last uploaded before an injected release, last benign."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from app.core.registry import RegistryError, choose_baseline
from app.core.registry.model import Project, ReleaseFile
from app.core.registry.pypi import parse_json_api
from tests.core.registry.servers import FIXTURES


def _project(uploads: dict[str, int], ecosystem: str = "pypi", yanked=()) -> Project:
    """versions -> upload day offsets."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    project = Project(ecosystem, "demo", "http://127.0.0.1/")
    for version, day in uploads.items():
        project.releases[version] = [
            ReleaseFile(
                filename=f"demo-{version}.tar.gz",
                url="http://127.0.0.1/x",
                version=version,
                upload_time=start + timedelta(days=day),
                yanked=version in yanked,
            )
        ]
    return project


def test_previous_by_version_order_on_a_recorded_project():
    doc = json.loads((FIXTURES / "pypi" / "idna.json").read_text())
    project = parse_json_api(doc, "https://pypi.org/pypi/idna/json", "https://pypi.org/")
    assert choose_baseline(project, "3.7") == "3.6"
    assert choose_baseline(project, "3.10") == "3.9"  # 3.10 > 3.9, not string order
    oldest = min(
        project.releases, key=lambda v: project.upload_time(v) or datetime.max.replace(tzinfo=UTC)
    )
    assert choose_baseline(project, oldest) is None


def test_injected_release_compares_with_what_was_uploaded_just_before():
    # 1.3.9 was pushed after 1.4.1 existed (a stolen token publishing an "old" number)
    project = _project({"1.3.8": 1, "1.4.0": 10, "1.4.1": 20, "1.3.9": 30})
    assert choose_baseline(project, "1.3.9", "previous") == "1.3.8"
    assert choose_baseline(project, "1.3.9", "uploaded-before") == "1.4.1"
    assert choose_baseline(project, "1.3.8", "uploaded-before") is None


def test_last_benign_skips_releases_nobody_cleared():
    project = _project({"1.0": 1, "1.1": 2, "1.2": 3, "1.3": 4})
    assert choose_baseline(project, "1.3", "benign", benign_versions=["1.0", "1.1"]) == "1.1"
    assert choose_baseline(project, "1.3", "benign", benign_versions=["2.0"]) is None
    assert choose_baseline(project, "1.3", "benign", benign_versions=[]) is None


def test_yanked_releases_are_not_baselines_unless_nothing_else_exists():
    project = _project({"1.0": 1, "1.1": 2, "1.2": 3}, yanked={"1.1"})
    assert choose_baseline(project, "1.2") == "1.0"
    assert choose_baseline(project, "1.2", "uploaded-before") == "1.0"
    only_yanked = _project({"1.0": 1, "1.1": 2}, yanked={"1.0"})
    assert choose_baseline(only_yanked, "1.1") == "1.0"


def test_npm_semver_order():
    project = _project({"1.0.0": 1, "1.0.0-beta.2": 0, "1.0.0-beta.11": 2, "0.9.0": 0}, "npm")
    assert choose_baseline(project, "1.0.0") == "0.9.0"  # a final release skips prereleases
    assert choose_baseline(project, "1.0.0-beta.11") == "1.0.0-beta.2"


def test_unknown_strategy_is_a_clear_error():
    with pytest.raises(RegistryError, match="unknown baseline strategy 'newest'"):
        choose_baseline(_project({"1.0": 1}), "1.0", "newest")
