"""The desktop file, AppStream metainfo and icons agree with each other and with pyproject."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET

import pytest

from tests.packaging.conftest import REPO, png_size, project_version

PACKAGING = REPO / "packaging"
ICONS = REPO / "resources" / "icons"
APP_ID = "io.github.vetbench.Vetbench"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
DESKTOP = PACKAGING / "vetbench.desktop"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_launches_the_installed_command_with_the_app_icon():
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "vetbench"  # the console script of pyproject.toml
    with open(REPO / "pyproject.toml", "rb") as f:
        assert "vetbench" in tomllib.load(f)["project"]["scripts"]
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")


def test_metainfo_names_the_app_id_desktop_id_and_current_release():
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"
    assert root.find("provides/binary").text == "vetbench"
    releases = [r.get("version") for r in root.findall("releases/release")]
    assert project_version() in releases, "add a <release> for the pyproject version"


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstreamcli not installed")
def test_metainfo_passes_appstream_validation():
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="desktop-file-validate not installed"
)
def test_desktop_file_passes_desktop_file_validate():
    result = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True, timeout=60
    )
    errors = [line for line in result.stdout.splitlines() if "error" in line.lower()]
    assert result.returncode == 0 and not errors, result.stdout + result.stderr


@pytest.mark.parametrize("size", [16, 24, 32, 48, 64, 128, 256])
def test_each_png_icon_has_its_nominal_size(size):
    assert png_size(ICONS / f"vetbench-{size}.png") == (size, size)


def test_svg_icon_is_a_square_svg_document():
    root = ET.parse(ICONS / "vetbench.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    _x, _y, width, height = (float(v) for v in root.get("viewBox").split())
    assert width == height > 0


def test_app_id_and_icon_files_offered_to_the_ui_match_the_packaging_files():
    from app.resources import APP_ID as UI_APP_ID
    from app.resources import app_icon_files

    assert UI_APP_ID == APP_ID
    files = app_icon_files()
    assert files[0].name == "vetbench.svg"
    assert [f.name for f in files[1:]] == [
        f"vetbench-{n}.png" for n in (16, 24, 32, 48, 64, 128, 256)
    ]


def _install_desktop(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PACKAGING / "install-desktop.sh"), *args], capture_output=True, text=True, timeout=60
    )


def test_install_desktop_puts_bundle_launcher_and_icons_where_desktops_look(tmp_path):
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    exe = bundle / "vetbench"
    exe.write_text("#!/bin/sh\necho bundled vetbench\n")
    exe.chmod(0o755)
    prefix = tmp_path / "prefix"
    result = _install_desktop("--prefix", str(prefix), "--bundle", str(bundle))
    assert result.returncode == 0, result.stderr

    launcher = prefix / "share" / "applications" / f"{APP_ID}.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(launcher, encoding="utf-8")
    command = parser["Desktop Entry"]["Exec"]
    assert command == str(prefix / "bin" / "vetbench")
    assert subprocess.run([command], capture_output=True, text=True).stdout == "bundled vetbench\n"
    assert (prefix / "share" / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    assert (prefix / "share/icons/hicolor/scalable/apps" / f"{APP_ID}.svg").is_file()
    assert png_size(prefix / "share/icons/hicolor/48x48/apps" / f"{APP_ID}.png") == (48, 48)

    result = _install_desktop("--prefix", str(prefix), "--uninstall")
    assert result.returncode == 0, result.stderr
    # Only the desktop's own index caches (mimeinfo.cache, icon-theme.cache) may remain.
    left = [
        p
        for p in prefix.rglob("*")
        if (p.is_file() or p.is_symlink()) and not p.name.endswith(".cache")
    ]
    assert left == [], left


def test_install_desktop_without_bundle_launches_vetbench_from_path(tmp_path):
    result = _install_desktop("--prefix", str(tmp_path), "--bundle", "none")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "share" / "applications" / f"{APP_ID}.desktop").read_text()
    assert "\nExec=vetbench\n" in text and not (tmp_path / "bin").exists()
