"""Tree alignment and file statuses of a release diff."""

from app.core.diff.release import diff_artifacts
from app.core.diff.tree import align_key, diff_trees, similarity
from tests.core.diff.fixtures import make_sdist, make_wheel, pkg_info

BODY = "".join(f"def handler_{i}(event):\n    return process(event, {i})\n\n" for i in range(40))


def by_path(files):
    return {f.path: f for f in files}


def test_rename_detected_with_similarity_and_counts(tmp_path):
    old = make_sdist(tmp_path, "demo", "1.0", {"demo/handlers.py": BODY, "demo/a.py": "a = 1\n"})
    edited = BODY.replace("return process(event, 7)", "return process(event, 77)")
    new = make_sdist(tmp_path, "demo", "1.1", {"demo/events.py": edited, "demo/a.py": "a = 1\n"})
    files = by_path(diff_trees(old, new))
    f = files["demo/events.py"]
    assert (f.status, f.old_path) == ("renamed", "demo/handlers.py")
    assert 95 <= f.similarity < 100
    assert (f.lines_added, f.lines_removed) == (1, 1)
    assert files["demo/a.py"].status == "unchanged"
    assert "demo/handlers.py" not in files  # not also reported as removed


def test_exact_copy_rename_is_100_percent(tmp_path):
    old = make_sdist(tmp_path, "demo", "1.0", {"lib/x.py": BODY})
    new = make_sdist(tmp_path, "demo", "1.1", {"lib/y.py": BODY})
    [f] = diff_trees(old, new)
    assert (f.status, f.similarity, f.old_path) == ("renamed", 100, "lib/x.py")


def test_dissimilar_files_are_added_and_removed_not_renamed(tmp_path):
    old = make_sdist(tmp_path, "demo", "1.0", {"demo/old.py": BODY})
    other = "".join(f"CONSTANT_{i} = {i * 3}\n" for i in range(200))
    new = make_sdist(tmp_path, "demo", "1.1", {"demo/new.py": other})
    statuses = {f.path: f.status for f in diff_trees(old, new)}
    assert statuses == {"demo/old.py": "removed", "demo/new.py": "added"}


def test_below_threshold_is_not_a_rename(tmp_path):
    half = BODY[: len(BODY) // 2]
    rest = "".join(f"x{i} = {i}\n" for i in range(120))
    old = make_sdist(tmp_path, "demo", "1.0", {"a.py": BODY})
    new = make_sdist(tmp_path, "demo", "1.1", {"b.py": half + rest})
    assert similarity(old.members[0], new.members[0]) < 60
    assert {f.status for f in diff_trees(old, new)} == {"added", "removed"}


def test_sdist_against_wheel_aligns_src_layout_and_metadata(tmp_path):
    sdist = make_sdist(
        tmp_path,
        "demo",
        "1.0",
        {
            "PKG-INFO": pkg_info("demo", "1.0"),
            "src/demo.egg-info/PKG-INFO": pkg_info("demo", "1.0"),
            "src/demo/__init__.py": "VERSION = '1.0'\n",
            "src/demo/core.py": BODY,
            "pyproject.toml": "[project]\nname = 'demo'\n",
        },
    )
    wheel = make_wheel(
        tmp_path,
        "demo",
        "1.0",
        {
            "demo-1.0.dist-info/METADATA": pkg_info("demo", "1.0"),
            "demo-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\n",
            "demo/__init__.py": "VERSION = '1.0'\n",
            "demo/core.py": BODY + "extra = 1\n",
        },
    )
    files = by_path(diff_trees(sdist, wheel))
    assert files["demo/__init__.py"].status == "unchanged"
    assert files["demo/__init__.py"].old_path == "src/demo/__init__.py"
    core = files["demo/core.py"]
    assert (core.status, core.lines_added, core.lines_removed) == ("modified", 1, 0)
    meta = files["demo-1.0.dist-info/METADATA"]
    assert (meta.status, meta.old_path) == ("unchanged", "PKG-INFO")
    assert files["demo-1.0.dist-info/WHEEL"].status == "added"
    assert files["pyproject.toml"].status == "removed"


def test_wheel_data_dir_aligns_with_package_path():
    assert align_key("demo-1.0.data/purelib/demo/x.py", "wheel") == "demo/x.py"
    assert align_key("src/demo/x.py", "sdist") == "demo/x.py"
    assert align_key("src/x.py", "sdist") == "src/x.py"  # a module named src stays
    assert align_key("demo-1.0.dist-info/METADATA") == align_key("PKG-INFO")


def test_type_change_text_to_binary(tmp_path):
    old = make_sdist(tmp_path, "demo", "1.0", {"demo/data.dat": "x = 1\ny = 2\n"})
    new = make_sdist(tmp_path, "demo", "1.1", {"demo/data.dat": b"\x7fELF\x02\x01\x00\x00" * 10})
    [f] = diff_trees(old, new)
    assert (f.status, f.binary, f.lines_removed, f.lines_added) == ("type-changed", True, 2, 0)


def test_binary_modified_has_no_line_counts(tmp_path):
    old = make_sdist(tmp_path, "demo", "1.0", {"lib.so": b"\x00\x01" * 50})
    new = make_sdist(tmp_path, "demo", "1.1", {"lib.so": b"\x00\x02" * 50})
    [f] = diff_trees(old, new)
    assert (f.status, f.binary, f.lines_added, f.lines_removed) == ("modified", True, 0, 0)


def test_to_json_has_the_schema_shape(tmp_path):
    old = make_sdist(tmp_path, "demo", "1.0", {"a.py": "x = 1\n"})
    new = make_sdist(tmp_path, "demo", "1.1", {"a.py": "x = 2\n", "b.py": "y\n"})
    doc = diff_artifacts(old, new, capabilities=False).to_json()
    assert doc["schema"] == "vetbench.diff/1"
    # vetbench.diff/1 gains fields, never renames them: these stay, "threats" was added.
    assert set(doc) >= {
        "schema",
        "old",
        "new",
        "files",
        "capabilities",
        "install_surface",
        "metadata",
        "risk",
    }
    assert doc["threats"] == {"new": [], "old": []}  # capabilities=False: nothing scanned
    assert doc["old"]["version"] == "1.0" and doc["new"]["version"] == "1.1"
    assert set(doc["files"][0]) == {
        "path",
        "old_path",
        "status",
        "similarity",
        "binary",
        "lines_added",
        "lines_removed",
    }
    assert doc["capabilities"] == {"added": [], "removed": [], "unchanged": 0}
    assert set(doc["risk"]) == {"old", "new", "added"}


def test_line_diff_on_demand_for_a_changed_file(tmp_path):
    old = make_sdist(tmp_path, "demo", "1.0", {"a.py": "x = 1\nkeep\n"})
    new = make_sdist(tmp_path, "demo", "1.1", {"a.py": "x = 2\nkeep\n"})
    [f] = diff_trees(old, new)
    d = f.line_diff()
    assert [op.tag for op in d.opcodes] == ["replace", "equal"]
    assert d.intraline[(0, 0)].new_spans == ((4, 5),)


def test_cancel_hook_stops_the_release_diff(tmp_path):
    import pytest

    from app.errors import Cancelled

    files = {f"demo/m{i}.py": f"x = {i}\n" for i in range(600)}
    old = make_sdist(tmp_path, "demo", "1.0", files)
    new = make_sdist(tmp_path, "demo", "1.1", {k: v + "y\n" for k, v in files.items()})
    with pytest.raises(Cancelled):
        diff_artifacts(old, new, cancel=lambda: True, capabilities=False)


def test_npm_tarballs_align_under_package_folder(tmp_path):
    import io
    import tarfile

    def npm(version, index_js):
        path = tmp_path / f"left-pad-{version}.tgz"
        with tarfile.open(path, "w:gz") as tar:
            for name, text in (
                ("package/package.json", f'{{"name": "left-pad", "version": "{version}"}}'),
                ("package/index.js", index_js),
            ):
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        from app.core.archive import open_artifact

        return open_artifact(path)

    old = npm("1.0.0", "module.exports = pad;\n")
    new = npm("1.0.1", "require('child_process');\nmodule.exports = pad;\n")
    files = by_path(diff_trees(old, new))
    assert files["index.js"].status == "modified" and files["index.js"].lines_added == 1
    assert old.ecosystem == new.ecosystem == "npm"
