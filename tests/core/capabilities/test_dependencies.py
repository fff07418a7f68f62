"""What a package makes pip fetch: URL, local-path, squatted and known-malicious dependencies,
wherever pip reads them (core metadata, setup.py keywords, setup.cfg, pyproject.toml). Every
package is built here; URLs point at reserved addresses or example.invalid."""

from __future__ import annotations

import json

from app.cli import main
from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from app.sync import layout
from app.sync.labels import dump_label, label_path, make_label
from tests.core.archive.fixtures import make_sdist, make_wheel
from tests.sync.signed import signed


def scan(path, known=frozenset()):
    return scan_artifact(open_artifact(path), known_malicious=known)


def by_rule(result) -> dict[str, object]:
    return {h.rule: h for h in result.findings}


def metadata(name: str, requires: list[str]) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0", "Summary: a tool"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    return ("\n".join(lines) + "\n\nA tool.\n").encode()


def test_a_git_dependency_alone_is_medium_not_an_alarm(tmp_path):
    meta = metadata("toolz2", ["helper @ git+https://example.invalid/org/helper.git"])
    result = scan(
        make_wheel(tmp_path, name="toolz2", files={"toolz2-1.0.dist-info/METADATA": meta})
    )
    hit = by_rule(result)["meta.url_dep"]
    assert hit.severity == "medium" and hit.line == 5
    assert result.risk.level not in ("high", "critical")


def test_a_dependency_from_a_bare_ip_is_high(tmp_path):
    setup = b"""from setuptools import setup
setup(
    name="colorsx",
    install_requires=["colors @ http://203.0.113.9/colors-1.0.tar.gz"],
)
"""
    result = scan(make_sdist(tmp_path, name="colorsx", files={"setup.py": setup}))
    hit = by_rule(result)["meta.url_dep_endpoint"]
    assert hit.severity == "high" and hit.path == "setup.py" and hit.line == 4
    assert "mismatch.url_dependency" in {t.id for t in result.threats}


def test_setup_requires_from_a_local_path_is_reported_as_build_time(tmp_path):
    setup = b"""from setuptools import setup
BUILD = ["file:///tmp/evilbuild"]
setup(name="neatpkg", setup_requires=BUILD)
"""
    result = scan(make_sdist(tmp_path, name="neatpkg", files={"setup.py": setup}))
    hit = by_rule(result)["meta.local_dep"]
    assert hit.line == 2 and "built" in hit.explanation


def test_a_dependency_squatting_a_popular_name_is_high(tmp_path):
    cfg = b"[metadata]\nname = neatpkg\n\n[options]\ninstall_requires =\n    reqeusts\n    click\n"
    result = scan(make_sdist(tmp_path, name="neatpkg", files={"setup.cfg": cfg}))
    hit = by_rule(result)["meta.squatted_dep"]
    assert hit.severity == "high" and "'requests'" in hit.explanation
    assert "mismatch.suspicious_dependency" in {t.id for t in result.threats}
    assert result.risk.level in ("high", "critical")


def test_ordinary_dependencies_raise_nothing(tmp_path):
    pyproject = b"""[project]
name = "neatpkg"
version = "1.0"
dependencies = ["requests>=2", "click", "typing-extensions; python_version < '3.11'"]
[build-system]
requires = ["setuptools>=61", "wheel"]
"""
    result = scan(make_sdist(tmp_path, name="neatpkg", files={"pyproject.toml": pyproject}))
    assert not [h for h in result.findings if h.rule.startswith("meta.") and "dep" in h.rule]


def test_a_dependency_labelled_malicious_in_the_dataset_is_critical(tmp_path, capsys):
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    label = signed(
        make_label(
            ecosystem="pypi",
            name="evil-helper",
            version="0.1",
            reviewer="alice",
            verdict="malicious",
            action="remove_project",
            reason="steals tokens",
            confidence="high",
        )
    )
    layout.atomic_write(dataset, label_path(label), dump_label(label))
    meta = metadata("innocent", ["Evil_Helper>=0.1"])
    path = make_wheel(tmp_path, name="innocent", files={"innocent-1.0.dist-info/METADATA": meta})

    assert main(["scan", "--json", "--no-cache", str(path)]) == 0  # without the dataset: nothing
    doc = json.loads(capsys.readouterr().out)
    assert not [f for f in doc["findings"] if f["rule"] == "meta.malicious_dep"]

    code = main(
        ["scan", "--json", "--no-cache", "--fail-on", "high", "--dataset", str(dataset), str(path)]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    hit = next(f for f in doc["findings"] if f["rule"] == "meta.malicious_dep")
    assert hit["severity"] == "critical" and "evil-helper" in hit["explanation"]
    assert doc["risk"]["level"] == "critical"


def test_a_missing_dataset_folder_is_unusable_input(tmp_path, capsys):
    path = make_wheel(tmp_path, name="innocent")
    assert main(["scan", "--dataset", str(tmp_path / "nope"), str(path)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_a_near_name_that_is_no_typo_is_shown_but_not_an_alarm(tmp_path):
    """Popular projects depend on names a letter from popular ones (httpx2, cattrs, aiofile)."""
    meta = metadata("neatpkg", ["requests2>=1", "click"])
    result = scan(
        make_wheel(tmp_path, name="neatpkg", files={"neatpkg-1.0.dist-info/METADATA": meta})
    )
    hit = by_rule(result)["meta.squatted_dep"]
    assert hit.severity == "medium" and "'requests'" in hit.explanation
    assert result.risk.level not in ("high", "critical")
