"""The npm registry: a package document (every version, its tarball, integrity, publish time).

One npm version has exactly one file, the tarball. Its ``dist.integrity`` is an SRI string
(``sha512-<base64>``, sometimes several space-separated); very old versions carry only the sha1
``dist.shasum``. Both become hex digests so the cache verifies npm tarballs the same way it
verifies PyPI files. The full document (``Accept: application/json``, not the abbreviated
install format) is used because only it carries the ``time`` map of publish times.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import cast
from urllib.parse import quote, urldefrag, urljoin, urlparse

from app import config
from app.core.registry.cache import DownloadCache
from app.core.registry.errors import NotFound, RegistryError
from app.core.registry.http import RegistryHttp
from app.core.registry.model import Project, ReleaseFile, parse_time

DEFAULT_NPM_URL = "https://registry.npmjs.org/"
_NAME_RE = re.compile(r"^(?:@[a-z0-9~][a-z0-9._~-]*/)?[a-z0-9~][a-z0-9._~-]*$", re.IGNORECASE)


def default_registry_url() -> str:
    return config.npm_registry() or DEFAULT_NPM_URL


def validate_name(name: str) -> str:
    if not _NAME_RE.match(name or "") or len(name) > 214:
        raise RegistryError(f"not a valid npm package name: {name!r}")
    return name


def document_url(registry_url: str, name: str) -> str:
    # Scoped names keep their "@" and encode the slash: /@scope%2fname
    return registry_url.rstrip("/") + "/" + quote(name, safe="@")


def sri_to_hex(integrity: str) -> dict[str, str]:
    """``"sha512-<b64> sha1-<b64>"`` -> ``{"sha512": hex, "sha1": hex}`` (bad parts skipped)."""
    out: dict[str, str] = {}
    for part in (integrity or "").split():
        algo, _, b64 = part.partition("-")
        b64 = b64.split("?", 1)[0]  # SRI options
        try:
            out[algo.lower()] = base64.b64decode(b64, validate=True).hex()
        except (binascii.Error, ValueError):
            continue
    return out


def parse_document(doc: dict, doc_url: str, registry_url: str, name: str) -> Project:
    times = doc.get("time") or {}
    project = Project(
        "npm",
        doc.get("name") or name,
        registry_url,
        latest=(doc.get("dist-tags") or {}).get("latest"),
    )
    for version, meta in (doc.get("versions") or {}).items():
        dist = (meta or {}).get("dist") or {}
        tarball = dist.get("tarball")
        if not tarball:
            continue
        url, _ = urldefrag(urljoin(doc_url, tarball))
        if urlparse(url).scheme not in ("http", "https"):
            raise RegistryError(f"registry gave a non-HTTP tarball URL: {tarball!r}")
        hashes = sri_to_hex(dist.get("integrity", ""))
        shasum = dist.get("shasum")
        if isinstance(shasum, str) and "sha1" not in hashes:
            hashes["sha1"] = shasum.lower()
        deprecated = (meta or {}).get("deprecated")
        project.releases[version] = [
            ReleaseFile(
                filename=url.rsplit("/", 1)[-1] or f"{name}-{version}.tgz",
                url=url,
                version=version,
                hashes=hashes,
                size=None,  # npm publishes only the unpacked size, not the tarball's
                upload_time=parse_time(times.get(version)),
                yanked=False,
                yanked_reason=deprecated if isinstance(deprecated, str) and deprecated else None,
                packagetype="npm",
            )
        ]
    return project


class NpmRegistry:
    """Package documents from one npm registry, through the cache."""

    ecosystem = "npm"

    def __init__(
        self,
        http: RegistryHttp | None,
        cache: DownloadCache,
        registry_url: str | None = None,
        *,
        offline: bool = False,
    ) -> None:
        self.http = http
        self.cache = cache
        self.index_url = registry_url or default_registry_url()
        self.offline = offline or http is None

    def project(self, name: str) -> Project:
        validate_name(name)
        key = name.lower()
        if self.offline:
            saved = self.cache.load_document("npm", self.index_url, key)
        else:
            url = document_url(self.index_url, name)
            http = cast(RegistryHttp, self.http)  # not offline, so there is a client
            try:
                body, final_url, _ = http.get_json(url, accept="application/json")
            except NotFound:
                raise NotFound(f"no npm package {name!r} on {self.index_url}") from None
            if not isinstance(body, dict):
                raise RegistryError(f"unexpected answer from {url}: not a JSON package document")
            saved = {"url": final_url, "body": body}
            self._parse(saved, name)
            self.cache.save_document("npm", self.index_url, key, saved)
        return self._parse(saved, name)

    def _parse(self, saved: dict, name: str) -> Project:
        try:
            project = parse_document(saved["body"], saved.get("url", ""), self.index_url, name)
        except (AttributeError, TypeError, KeyError) as exc:
            raise RegistryError(f"malformed npm package document for {name!r}: {exc}") from exc
        if not project.releases:
            raise NotFound(f"npm package {name!r} on {self.index_url} has no published versions")
        return project
