"""Fixtures: a replaying registry on 127.0.0.1 and a fast-failing HTTP client."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.core.registry import HttpConfig, RegistryHttp
from tests.core.registry.servers import ReplayRegistry


@pytest.fixture
def replay():
    server = ReplayRegistry().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def http():
    """Small timeouts and quick backoff so failure cases stay fast."""
    client = RegistryHttp(
        HttpConfig(connect_timeout=2.0, read_timeout=0.3, retries=2, backoff=0.01)
    )
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def cache_dir(tmp_path) -> Path:
    return tmp_path / "cache"


def assert_cache_clean(cache_dir: Path) -> None:
    """No partial download anywhere, and every cached file matches the hash it is filed under."""
    tmp = cache_dir / "tmp"
    leftovers = sorted(p.name for p in tmp.iterdir()) if tmp.exists() else []
    assert leftovers == [], f"partial files left in the cache: {leftovers}"
    files = cache_dir / "files"
    if not files.exists():
        return
    for path in files.rglob("*"):
        if path.is_file():
            algo, digest = path.parent.parent.parent.name, path.parent.name
            assert hashlib.new(algo, path.read_bytes()).hexdigest() == digest, path


@pytest.fixture(scope="session")
def devpi_index(tmp_path_factory):
    """One devpi-server per test session, seeded with Demo.Pkg 1.0 and 1.1 (3 files)."""
    from tests.core.registry.archives import make_sdist, make_wheel
    from tests.core.registry.devpi import find_devpi, start_devpi

    if find_devpi() is None:
        pytest.skip("devpi-server is not installed in this environment (it is in the 'test' extra)")
    index = start_devpi(tmp_path_factory.mktemp("devpi"))
    try:
        payload = 'import base64\nexec(base64.b64decode("cHJpbnQoMSk="))  # http://192.0.2.7/\n'
        for version, files in {
            "1.0": {
                "demo_pkg-1.0.tar.gz": make_sdist("Demo.Pkg", "1.0"),
                "demo_pkg-1.0-py3-none-any.whl": make_wheel("Demo.Pkg", "1.0"),
            },
            "1.1": {
                "demo_pkg-1.1.tar.gz": make_sdist("Demo.Pkg", "1.1"),
                "demo_pkg-1.1-py3-none-any.whl": make_wheel("Demo.Pkg", "1.1"),
                # the payload sits in one platform wheel only
                "demo_pkg-1.1-cp311-cp311-manylinux_2_17_x86_64.whl": make_wheel(
                    "Demo.Pkg", "1.1", extra_code=payload
                ),
            },
        }.items():
            for filename, data in files.items():
                index.upload("Demo.Pkg", version, filename, data)
        yield index
    finally:
        index.stop()
