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
    client = RegistryHttp(HttpConfig(connect_timeout=2.0, read_timeout=0.3, retries=2, backoff=0.01))
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
