"""`python -m build`, then a plain `pip install` of the wheel into a fresh venv, must run.

This is what a user of the wheel does; nothing here may lean on the checkout: the commands run
from a temporary folder with a clean environment, so the resources must come out of the wheel.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.packaging.conftest import (
    build_once,
    clean_env,
    copy_source_tree,
    png_size,
    project_version,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)


def _build(folder: Path) -> dict:
    """sdist and wheel from `python -m build` (the wheel is built from the sdist)."""
    source = folder / "src"
    source.mkdir()
    copy_source_tree(source)
    out = folder / "dist"
    started = time.monotonic()
    result = _run([sys.executable, "-m", "build", "--outdir", str(out), str(source)])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(f"python -m build: {time.monotonic() - started:.1f} s")
    wheels, sdists = list(out.glob("vetbench-*.whl")), list(out.glob("vetbench-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    return {"wheel": str(wheels[0]), "sdist": str(sdists[0]), "source": str(source)}


def _install(folder: Path, wheel: str) -> dict:
    """A fresh venv with the wheel and its dependencies, as `pip install vetbench-*.whl`."""
    env = clean_env(folder)
    started = time.monotonic()
    result = _run([sys.executable, "-m", "venv", str(folder / "venv")], env=env)
    assert result.returncode == 0, result.stderr
    result = _run(
        [
            str(folder / "venv" / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            wheel,
        ],
        env=env,
        cwd=folder,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(f"venv + pip install (with dependencies): {time.monotonic() - started:.1f} s")
    return {"venv": str(folder / "venv")}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    paths = build_once(tmp_path_factory, "wheel-build", _build)
    return {key: Path(value) for key, value in paths.items()}


@pytest.fixture(scope="module")
def venv(built, tmp_path_factory) -> Path:
    return Path(
        build_once(
            tmp_path_factory, "wheel-venv", lambda folder: _install(folder, str(built["wheel"]))
        )["venv"]
    )


def test_wheel_carries_every_resource_file_and_no_build_leftovers(built):
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    resources = built["source"] / "resources"
    shipped = sorted(
        p.relative_to(resources).as_posix()
        for p in resources.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert "rules/capabilities.json" in shipped and "icons/vetbench.svg" in shipped
    missing = [rel for rel in shipped if f"app/_resources/{rel}" not in names]
    assert missing == []
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith(("packaging/", "tests/", "resources/"))]


def test_sdist_carries_what_the_wheel_build_needs(built):
    import tarfile

    with tarfile.open(built["sdist"]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert "packaging/wheel_resources.py" in names
    assert "resources/rules/capabilities.json" in names


def test_installed_wheel_reports_the_metadata_version(venv, tmp_path):
    result = _run(
        [str(venv / "bin" / "vetbench"), "--version"], env=clean_env(tmp_path), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"vetbench {project_version()}"


def test_installed_wheel_finds_resources_inside_site_packages(venv, tmp_path):
    code = "from app.resources import resources_root; print(resources_root())"
    result = _run([str(venv / "bin" / "python"), "-c", code], env=clean_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = Path(result.stdout.strip())
    assert root.parts[-2:] == ("app", "_resources") and "site-packages" in root.parts
    assert root.is_relative_to(venv)


def test_installed_wheel_scans_an_sdist(venv, tiny_sdist, tmp_path):
    env = clean_env(tmp_path, VETBENCH_DB=str(tmp_path / "store.sqlite"))
    result = _run(
        [str(venv / "bin" / "vetbench"), "scan", str(tiny_sdist), "--json"], env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[0])
    assert report["schema"] == "vetbench.scan/1"
    assert report["target"]["name"] == "tinypkg" and report["target"]["version"] == "1.0"
    # The rules came out of the wheel: the install-time download in setup.py is reported.
    assert any(f["path"].endswith("setup.py") for f in report["findings"]), report


def test_installed_wheel_renders_a_screenshot_offscreen(venv, tmp_path):
    shot = tmp_path / "shot.png"
    env = clean_env(tmp_path, VETBENCH_DB=str(tmp_path / "store.sqlite"))
    result = _run(
        [str(venv / "bin" / "vetbench"), "--screenshot", str(shot), "--size", "1280x800"],
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert png_size(shot) == (1280, 800)
    assert "Traceback" not in result.stderr and "panicked" not in result.stderr, result.stderr
