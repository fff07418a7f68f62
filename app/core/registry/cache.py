"""A content-addressed download cache: each file downloads once, and only verified bytes land.

Layout under the cache root (``$VETBENCH_CACHE_DIR`` or the user cache dir)::

    files/<algorithm>/<hex[:2]>/<hex>/<filename>   verified artifacts, keyed by the index's hash
    documents/<ecosystem>/<index-key>/<name>.json  the last project document seen (for --offline)
    tmp/                                           in-flight downloads (same filesystem)

A download is written to ``tmp/``, hashed while it streams, compared with the hash the index
published, and only then renamed into place. A mismatch, a truncation, a timeout or a cancel
removes the partial file, so the cache never holds bytes nobody verified. The file keeps its
real name inside its hash folder so that the paths ``vetbench fetch`` prints are readable.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app import config
from app.core.registry.errors import IntegrityError, OfflineMiss, RegistryError
from app.core.registry.http import Progress, RegistryHttp

#: Algorithms we verify, strongest first. md5 alone is not trusted (see :meth:`fetch`).
VERIFY_ALGORITHMS = ("sha256", "sha512", "sha384", "sha1")
# A file counts as verified only against one of these: SHA-1 (old npm ``shasum``) is still
# checked, but a collision can be made for it, so such a file is reported unverified.
STRONG_ALGORITHMS = ("sha256", "sha512", "sha384")
_HEX = re.compile(r"^[0-9a-f]{32,128}$")


def default_cache_dir() -> Path:
    return config.download_cache_dir()


def safe_filename(name: str) -> str:
    """The last path component of an index-supplied file name, without anything path-like."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[:200] or "download"


def _clean_hashes(hashes: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for algo, value in (hashes or {}).items():
        algo = str(algo).lower().replace("-", "")
        value = str(value or "").lower()
        if algo in VERIFY_ALGORITHMS and _HEX.match(value):
            out[algo] = value
    return out


def primary_hash(hashes: Mapping[str, str]) -> tuple[str, str] | None:
    """The strongest verifiable ``(algorithm, hex)`` among ``hashes``."""
    clean = _clean_hashes(hashes)
    for algo in VERIFY_ALGORITHMS:
        if algo in clean:
            return algo, clean[algo]
    return None


class DownloadCache:
    """Verified files and project documents on disk (see the module docstring for the layout)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root).expanduser() if root else default_cache_dir()
        self.root = self.root.absolute()

    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    def blob_path(self, algorithm: str, hexdigest: str, filename: str) -> Path:
        hexdigest = hexdigest.lower()
        return self.root / "files" / algorithm / hexdigest[:2] / hexdigest / safe_filename(filename)

    def find(self, hashes: Mapping[str, str], filename: str) -> Path | None:
        """The cached file for any of ``hashes`` (same bytes under another name count too)."""
        for algo, value in _clean_hashes(hashes).items():
            folder = self.blob_path(algo, value, filename).parent
            exact = folder / safe_filename(filename)
            if exact.is_file():
                return exact
            if folder.is_dir():
                for other in sorted(folder.iterdir()):
                    if other.is_file():
                        return other
        return None

    # ------------------------------------------------------------------ files

    def fetch(
        self,
        http: RegistryHttp | None,
        url: str,
        hashes: Mapping[str, str],
        filename: str,
        *,
        size: int | None = None,
        offline: bool = False,
        progress: Progress | None = None,
        cancel: Any = None,
        describe: str | None = None,
    ) -> tuple[Path, str, bool]:
        """Return ``(path, sha256, verified)`` for the file, downloading it if needed.

        ``verified`` is False when the index published no usable hash (then the file is
        stored under the sha256 we computed) or only a SHA-1 (checked, but forgeable). Raises :class:`IntegrityError` on a mismatch,
        :class:`OfflineMiss` when offline and not cached, and the download errors of
        :class:`RegistryHttp`; in every failure the partial file is gone.
        """
        what = describe or filename
        expected = primary_hash(hashes)
        strong = expected is not None and expected[0] in STRONG_ALGORITHMS
        cached = self.find(hashes, filename)
        if cached is not None and (size is None or cached.stat().st_size == size):
            return cached, self._sha256_of(cached, hashes), strong
        if offline or http is None:
            raise OfflineMiss(
                f"offline: {what} is not in the download cache ({self.root}); "
                "fetch it once while online"
            )
        algorithms = ["sha256"]
        if expected and expected[0] != "sha256":
            algorithms.append(expected[0])
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp_dir, prefix="dl-", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w+b") as out:
                _, digests = http.download_to(
                    url,
                    out,
                    algorithms=tuple(algorithms),
                    expected_size=size,
                    label=safe_filename(filename),
                    progress=progress,
                    cancel=cancel,
                )
            if expected is not None and digests[expected[0]] != expected[1]:
                raise IntegrityError(
                    f"hash mismatch for {what}: the index says {expected[0]} {expected[1]}, "
                    f"the download from {url} has {digests[expected[0]]}; file discarded"
                )
            if expected is None:
                key_algo, key = "sha256", digests["sha256"]
            else:
                key_algo, key = expected
            target = self.blob_path(key_algo, key, filename)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
            return target, digests["sha256"], strong
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    @staticmethod
    def _sha256_of(path: Path, hashes: Mapping[str, str]) -> str:
        known = _clean_hashes(hashes).get("sha256")
        if known:
            return known
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                h.update(chunk)
        return h.hexdigest()

    # ------------------------------------------------------------------ documents

    def _document_path(self, ecosystem: str, index_url: str, name: str) -> Path:
        index_key = hashlib.sha256(index_url.encode()).hexdigest()[:16]
        return (
            self.root
            / "documents"
            / ecosystem
            / index_key
            / (safe_filename(name.replace("/", "__")) + ".json")
        )

    def save_document(self, ecosystem: str, index_url: str, name: str, document: Any) -> None:
        """Keep the latest project document so that ``--offline`` can answer later."""
        path = self._document_path(ecosystem, index_url, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp_dir, prefix="doc-", suffix=".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(document, fh)
            os.replace(tmp_name, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)

    def load_document(self, ecosystem: str, index_url: str, name: str) -> Any:
        path = self._document_path(ecosystem, index_url, name)
        try:
            with path.open(encoding="utf-8") as fh:
                return json.load(fh)
        except FileNotFoundError:
            raise OfflineMiss(
                f"offline: no cached {ecosystem} metadata for {name!r} from {index_url}; "
                "fetch it once while online"
            ) from None
        except ValueError as exc:
            raise RegistryError(f"cached metadata for {name!r} is damaged ({path}): {exc}") from exc
