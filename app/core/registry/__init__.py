"""Registry client: fetch releases and their baselines from PyPI, PEP 691 indexes and npm.

No Qt here. The entry points other parts call:

* :func:`fetch_release` -- every file of a release, verified, into the cache.
* :func:`fetch_with_baseline` -- the same plus the baseline release's files.
* :func:`fetch_project` -- a project's releases, files, upload times and yanked state.
* :func:`parse_spec` -- ``NAME[==VERSION]`` / ``NAME@VERSION`` into parts.

Errors are :class:`RegistryError` subclasses (all :class:`app.errors.VetbenchError`).
"""

from app.core.registry.baseline import STRATEGIES, choose_baseline
from app.core.registry.cache import DownloadCache, default_cache_dir
from app.core.registry.errors import (
    DownloadError,
    IntegrityError,
    NotFound,
    OfflineMiss,
    RegistryError,
    ServerError,
    TooLarge,
)
from app.core.registry.fetcher import (
    ECOSYSTEMS,
    FetchResult,
    fetch_project,
    fetch_release,
    fetch_with_baseline,
    resolve_version,
)
from app.core.registry.http import HttpConfig, RegistryHttp
from app.core.registry.model import FetchedFile, Project, ReleaseFile
from app.core.registry.pypi import normalize_name
from app.core.registry.spec import parse_spec
from app.errors import Cancelled  # the one Cancelled, here for download callers

__all__ = [
    "ECOSYSTEMS",
    "STRATEGIES",
    "Cancelled",
    "DownloadCache",
    "DownloadError",
    "FetchResult",
    "FetchedFile",
    "HttpConfig",
    "IntegrityError",
    "NotFound",
    "OfflineMiss",
    "Project",
    "RegistryError",
    "RegistryHttp",
    "ReleaseFile",
    "ServerError",
    "TooLarge",
    "choose_baseline",
    "default_cache_dir",
    "fetch_project",
    "fetch_release",
    "fetch_with_baseline",
    "normalize_name",
    "parse_spec",
    "resolve_version",
]
