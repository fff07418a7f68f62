"""From the checkout, `packaging/build.sh` produces a bundle whose smoke test passes.

Slow (about a minute on 2 cores, see README): runs only when ``CI`` is set or
``VETBENCH_BUILD_BUNDLE=1``, so a developer's `packaging/dev.sh test` stays quick.
The bundle is built into a temporary folder; `dist/` of the checkout is left alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO, build_once, clean_env, png_size, project_version

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        not (os.environ.get("CI") or os.environ.get("VETBENCH_BUILD_BUNDLE") == "1"),
        reason="bundle build runs only with CI set or VETBENCH_BUILD_BUNDLE=1",
    ),
]


def _resource_files() -> list[str]:
    root = REPO / "resources"
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def _build(dist: Path) -> dict:
    resources = _resource_files()  # before the build: what it must carry
    started = time.monotonic()
    env = dict(os.environ, VETBENCH_SKIP_SETUP="1")  # dev.sh test has set up .venv already
    result = subprocess.run(
        [str(REPO / "packaging" / "build.sh"), "--dist", str(dist), "all"],
        capture_output=True,
        text=True,
        timeout=850,
        cwd=REPO,
        env=env,
    )
    print(f"packaging/build.sh all: {time.monotonic() - started:.1f} s\n{result.stderr[-2000:]}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return {"dist": str(dist), "log": result.stderr, "resources": resources}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> dict:
    built = build_once(tmp_path_factory, "bundle-build", _build)
    dist = Path(built["dist"])
    return {
        "dist": dist,
        "exe": dist / "vetbench" / "vetbench",
        "log": built["log"],
        "resources": built["resources"],
    }


def _run_bundle(bundle: dict, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    # No venv, no pyenv on PATH: only what a machine without Python has.
    env = clean_env(tmp_path, PATH="/usr/bin:/bin", VETBENCH_DB=str(tmp_path / "s.sqlite"))
    return subprocess.run(
        [str(bundle["exe"]), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )


def test_build_script_reports_a_passing_smoke_test(bundle):
    assert f"smoke: ok ('vetbench {project_version()}'" in bundle["log"]
    assert list(bundle["dist"].glob("vetbench-*.whl")), "build.sh all also builds the wheel"


def test_bundle_carries_resources_and_its_own_python(bundle):
    internal = bundle["dist"] / "vetbench" / "_internal"
    assert "rules/capabilities.json" in bundle["resources"]
    missing = [rel for rel in bundle["resources"] if not (internal / "resources" / rel).is_file()]
    assert missing == []
    assert list(internal.glob("libpython3*.so*")), "the bundle must not need a system Python"
    assert not (internal / "PySide6" / "QtQuick.abi3.so").exists(), "unused Qt modules excluded"


def _bundled_top_level_names(bundle: dict) -> set[str]:
    """Top-level modules in the bundle: in its PYZ archive, or as files under _internal/."""
    from PyInstaller.archive.readers import CArchiveReader

    pyz = CArchiveReader(str(bundle["exe"])).open_embedded_archive("PYZ.pyz")
    names = {name.split(".")[0] for name in pyz.toc}
    internal = bundle["dist"] / "vetbench" / "_internal"
    names |= {p.name.split(".")[0] for p in internal.iterdir()}
    return names


def test_bundle_carries_every_runtime_dependency(bundle):
    # Optional imports fall back silently (yara-x -> re), so check what went in, not behaviour.
    import importlib.metadata as metadata
    import tomllib

    from packaging.requirements import Requirement

    with open(REPO / "pyproject.toml", "rb") as f:
        wanted = [Requirement(r).name for r in tomllib.load(f)["project"]["dependencies"]]
    provides: dict[str, set[str]] = {}
    for top, dists in metadata.packages_distributions().items():
        for dist in dists:
            provides.setdefault(dist.lower().replace("_", "-"), set()).add(top)
    bundled = _bundled_top_level_names(bundle)
    missing = [
        name for name in wanted if not provides.get(name.lower().replace("_", "-"), set()) & bundled
    ]
    assert missing == [], f"runtime dependencies not in the bundle: {missing}"


def _offered_commands(result: subprocess.CompletedProcess) -> set[str]:
    """Subcommand names from argparse's "invalid choice ... (choose from 'a', 'b')" line."""
    listed = re.search(r"choose from (.*)\)", result.stderr)
    assert listed, result.stderr
    return set(re.findall(r"'([^']+)'", listed.group(1)))


def test_bundle_offers_every_subcommand_of_the_source_tree(bundle, tmp_path):
    # Subcommands are discovered with pkgutil at run time, which a frozen app must support.
    source = subprocess.run(
        [sys.executable, "-m", "app", "no-such-command"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    expected = _offered_commands(source)
    assert expected, "the source tree has no subcommands to compare with"
    offered = _offered_commands(_run_bundle(bundle, tmp_path, "no-such-command"))
    assert expected <= offered, f"missing in the bundle: {sorted(expected - offered)}"


def test_bundle_renders_a_screenshot_without_python_on_path(bundle, tmp_path):
    shot = tmp_path / "shot.png"
    result = _run_bundle(bundle, tmp_path, "--screenshot", str(shot), "--size", "1280x800")
    assert result.returncode == 0, result.stderr
    assert png_size(shot) == (1280, 800)
    assert "Traceback" not in result.stderr and "panicked" not in result.stderr, result.stderr


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run not installed")
def test_bundle_draws_on_an_x_server(bundle, tmp_path):
    # The real xcb platform plugin, not offscreen: its libraries must be in the bundle or
    # on the system (README lists them).
    shot = tmp_path / "x11.png"
    env = clean_env(tmp_path, PATH="/usr/bin:/bin")
    env.pop("QT_QPA_PLATFORM")
    result = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1280x1024x24",
            str(bundle["exe"]),
            "--screenshot",
            str(shot),
            "--size",
            "1280x800",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert png_size(shot) == (1280, 800)
    assert "Traceback" not in result.stderr and "panicked" not in result.stderr, result.stderr


def test_bundle_scans_an_sdist(bundle, tiny_sdist, tmp_path):
    result = _run_bundle(bundle, tmp_path, "scan", str(tiny_sdist), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[0])
    assert report["schema"] == "vetbench.scan/1"
    assert any(f["path"].endswith("setup.py") for f in report["findings"]), report
