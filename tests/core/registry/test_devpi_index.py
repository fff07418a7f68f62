"""The PEP 691 path against a real index: devpi-server on 127.0.0.1, seeded by the tests."""

from __future__ import annotations

import pytest

from app.cli import main
from app.core.registry import NotFound, fetch_with_baseline
from tests.core.registry.conftest import assert_cache_clean

pytestmark = [pytest.mark.slow, pytest.mark.network]


def test_release_and_baseline_every_file_from_devpi(devpi_index, http, cache_dir):
    result = fetch_with_baseline(
        "pypi", "demo-pkg", "1.1", cache_dir=cache_dir, index_url=devpi_index.simple_url, http=http
    )
    assert result.name == "demo-pkg" and result.baseline_version == "1.0"
    assert sorted(f.filename for f in result.files) == [
        "demo_pkg-1.1-cp311-cp311-manylinux_2_17_x86_64.whl",
        "demo_pkg-1.1-py3-none-any.whl",
        "demo_pkg-1.1.tar.gz",
    ]
    assert sorted(f.filename for f in result.baseline_files) == [
        "demo_pkg-1.0-py3-none-any.whl",
        "demo_pkg-1.0.tar.gz",
    ]
    for f in result.all_files():
        assert f.path.read_bytes() == devpi_index.uploaded[f.filename]
        assert f.verified
    assert_cache_clean(cache_dir)


def test_the_payload_in_one_platform_wheel_is_fetched(devpi_index, http, cache_dir):
    from app.core.archive import open_artifact

    result = fetch_with_baseline(
        "pypi",
        "Demo_Pkg",
        None,
        cache_dir=cache_dir,
        index_url=devpi_index.simple_url,
        http=http,
        with_baseline=False,
    )
    assert result.version == "1.1"  # latest by version order (the simple API names no latest)
    texts = {}
    for f in result.files:
        artifact = open_artifact(f.path)
        texts[f.filename] = "".join(m.text or "" for m in artifact.members)
    with_payload = [name for name, text in texts.items() if "b64decode" in text]
    assert with_payload == ["demo_pkg-1.1-cp311-cp311-manylinux_2_17_x86_64.whl"]


def test_unknown_project_on_devpi(devpi_index, http, cache_dir):
    with pytest.raises(NotFound, match="no project 'not-there'"):
        fetch_with_baseline(
            "pypi",
            "not-there",
            None,
            cache_dir=cache_dir,
            index_url=devpi_index.simple_url,
            http=http,
        )


def test_cli_fetch_against_devpi_prints_absolute_paths(devpi_index, cache_dir, capsys):
    code = main(
        [
            "fetch",
            "Demo.Pkg==1.1",
            "--baseline",
            "--index",
            devpi_index.simple_url,
            "--cache-dir",
            str(cache_dir),
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert len(out) == 5
    assert all(line.startswith(str(cache_dir.absolute())) for line in out)
    names = [line.rsplit("/", 1)[1] for line in out]
    assert sorted(names[:3]) == sorted(n for n in devpi_index.uploaded if "-1.1" in n)
    assert sorted(names[3:]) == ["demo_pkg-1.0-py3-none-any.whl", "demo_pkg-1.0.tar.gz"]
