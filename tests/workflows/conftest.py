"""The registry test servers and caches, shared with tests/core/registry (feeds and fetching
are use cases over the registry clients)."""

from tests.core.registry.conftest import cache_dir, http, replay  # noqa: F401 - fixtures
