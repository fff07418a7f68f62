"""PyPI and any PEP 503/691 index: a project's releases, files, hashes, upload times, yanks.

Two ways in, chosen by the index URL:

* a Warehouse base URL (``https://pypi.org``, the default): the project JSON API
  ``/pypi/<name>/json`` -- every release with files, sha256, upload times and yank reasons in
  one document. (The per-version ``/pypi/<name>/<version>/json`` is not needed: the project
  document already holds every release, and one request is kinder to the index.)
* a simple index URL (a path containing ``simple``, e.g. ``https://pypi.org/simple/`` or
  devpi's ``http://host/root/dev/+simple/``): PEP 691 JSON, the standard path for private
  mirrors; an index that only speaks PEP 503 HTML is read too.

Names are compared after PEP 503 normalisation, so ``Foo.Bar``, ``foo_bar`` and ``FOO-bar`` are
one project. Relative file URLs are resolved against the document's final URL.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any, cast
from urllib.parse import urldefrag, urljoin, urlparse

from packaging.utils import canonicalize_name

from app import config
from app.core.registry.cache import DownloadCache
from app.core.registry.errors import NotFound, OfflineMiss, RegistryError
from app.core.registry.http import RegistryHttp
from app.core.registry.model import Project, ReleaseFile, parse_time

DEFAULT_PYPI_URL = "https://pypi.org/"
SIMPLE_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)
_SDIST_EXTS = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar", ".zip")
_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def normalize_name(name: str) -> str:
    """PEP 503: runs of ``-``, ``_`` and ``.`` become one ``-``; lower case.

    Kept as this module's name for the rule; the rule itself is packaging's
    :func:`~packaging.utils.canonicalize_name`, so every PyPI name in the app compares alike.
    """
    return canonicalize_name(name)


def validate_name(name: str) -> str:
    if not _NAME_RE.match(name or ""):
        raise RegistryError(f"not a valid PyPI project name: {name!r}")
    return name


def default_index_url() -> str:
    return config.pypi_index() or DEFAULT_PYPI_URL


def is_simple_index(index_url: str) -> bool:
    return "simple" in urlparse(index_url).path.lower()


def project_document_url(index_url: str, name: str) -> str:
    base = index_url.rstrip("/")
    if is_simple_index(index_url):
        return f"{base}/{normalize_name(name)}/"
    if urlparse(base).path.endswith("/pypi"):
        return f"{base}/{name}/json"
    return f"{base}/pypi/{name}/json"


def packagetype_of(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith(".whl"):
        return "wheel"
    if lower.endswith(".egg"):
        return "egg"
    if lower.endswith(_SDIST_EXTS):
        return "sdist"
    return "other"


def version_from_filename(filename: str, project: str) -> str | None:
    """The version a distribution file name carries (wheel, egg or sdist naming)."""
    kind = packagetype_of(filename)
    if kind in ("wheel", "egg"):
        parts = filename[: filename.rfind(".")].split("-")
        return parts[1] if len(parts) >= 2 else None
    if kind != "sdist":
        return None
    lower = filename.lower()
    stem = next(filename[: -len(ext)] for ext in _SDIST_EXTS if lower.endswith(ext))
    want = normalize_name(project)
    for i, ch in enumerate(stem):
        if ch == "-" and normalize_name(stem[:i]) == want:
            return stem[i + 1 :] or None
    return None


def _file_url(base: str, url: str) -> tuple[str, dict[str, str]]:
    """Resolve ``url`` against the document; a ``#sha256=…`` fragment becomes a hash."""
    absolute, fragment = urldefrag(urljoin(base, url))
    if urlparse(absolute).scheme not in ("http", "https"):
        raise RegistryError(f"index gave a non-HTTP file URL: {url!r}")
    hashes = {}
    if "=" in fragment:
        algo, _, value = fragment.partition("=")
        hashes[algo.lower()] = value.lower()
    return absolute, hashes


def _yank(value: Any) -> tuple[bool, str | None]:
    """PEP 691 ``yanked`` is False or True or a reason string."""
    if isinstance(value, str):
        return True, value or None
    return bool(value), None


def parse_json_api(doc: dict, doc_url: str, index_url: str) -> Project:
    """A Warehouse ``/pypi/<name>/json`` document as a :class:`Project`."""
    info = doc.get("info") or {}
    name = info.get("name") or ""
    project = Project("pypi", name, index_url, latest=info.get("version"))
    for version, files in (doc.get("releases") or {}).items():
        entries = []
        for f in files or []:
            url, frag_hashes = _file_url(doc_url, f.get("url", ""))
            hashes = {
                k.lower(): v for k, v in (f.get("digests") or {}).items() if isinstance(v, str)
            }
            hashes = {**frag_hashes, **hashes}
            if f.get("md5_digest") and "md5" not in hashes:
                hashes["md5"] = f["md5_digest"]
            ptype = {"bdist_wheel": "wheel", "bdist_egg": "egg"}.get(f.get("packagetype", ""))
            entries.append(
                ReleaseFile(
                    filename=f.get("filename") or url.rsplit("/", 1)[-1],
                    url=url,
                    version=version,
                    hashes=hashes,
                    size=f.get("size") if isinstance(f.get("size"), int) else None,
                    upload_time=parse_time(f.get("upload_time_iso_8601") or f.get("upload_time")),
                    yanked=bool(f.get("yanked")),
                    yanked_reason=f.get("yanked_reason") or None,
                    packagetype=ptype or packagetype_of(f.get("filename") or ""),
                )
            )
        project.releases[version] = entries
    return project


def parse_simple_json(doc: dict, doc_url: str, index_url: str, name: str) -> Project:
    """A PEP 691 JSON project page as a :class:`Project` (versions from file names)."""
    project = Project("pypi", doc.get("name") or name, index_url)
    for version in doc.get("versions") or []:  # API 1.1 lists releases even without files
        project.releases.setdefault(str(version), [])
    for f in doc.get("files") or []:
        filename = f.get("filename") or ""
        url, frag_hashes = _file_url(doc_url, f.get("url", ""))
        version = version_from_filename(filename, project.name)
        if version is None:
            continue
        yanked, reason = _yank(f.get("yanked", False))
        hashes = {**frag_hashes, **{k.lower(): v for k, v in (f.get("hashes") or {}).items()}}
        project.releases.setdefault(version, []).append(
            ReleaseFile(
                filename=filename,
                url=url,
                version=version,
                hashes=hashes,
                size=f.get("size") if isinstance(f.get("size"), int) else None,
                upload_time=parse_time(f.get("upload-time")),
                yanked=yanked,
                yanked_reason=reason,
                packagetype=packagetype_of(filename),
            )
        )
    return project


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._current: dict[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current, self._text = dict(attrs), ""

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append((self._current, self._text.strip()))
            self._current = None


def parse_simple_html(text: str, doc_url: str, index_url: str, name: str) -> Project:
    """A PEP 503 HTML project page (for indexes that do not speak PEP 691 JSON)."""
    parser = _AnchorParser()
    parser.feed(text)
    project = Project("pypi", name, index_url)
    for attrs, label in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        url, hashes = _file_url(doc_url, href)
        filename = label or url.rsplit("/", 1)[-1]
        version = version_from_filename(filename, name)
        if version is None:
            continue
        yanked = "data-yanked" in attrs
        project.releases.setdefault(version, []).append(
            ReleaseFile(
                filename=filename,
                url=url,
                version=version,
                hashes=hashes,
                yanked=yanked,
                yanked_reason=(attrs.get("data-yanked") or None) if yanked else None,
                packagetype=packagetype_of(filename),
            )
        )
    return project


class PypiIndex:
    """Project documents from one index, through the cache (``offline`` reads only the cache)."""

    ecosystem = "pypi"

    def __init__(
        self,
        http: RegistryHttp | None,
        cache: DownloadCache,
        index_url: str | None = None,
        *,
        offline: bool = False,
    ) -> None:
        self.http = http
        self.cache = cache
        self.index_url = index_url or default_index_url()
        self.offline = offline or http is None

    def project(self, name: str) -> Project:
        validate_name(name)
        key = normalize_name(name)
        if self.offline:
            saved = self.cache.load_document("pypi", self.index_url, key)
        else:
            url = project_document_url(self.index_url, name)
            accept = SIMPLE_ACCEPT if is_simple_index(self.index_url) else "application/json"
            http = cast(RegistryHttp, self.http)  # not offline, so there is a client
            try:
                body, final_url, ctype = http.get_json(url, accept=accept)
            except NotFound:
                hint = ""
                if not is_simple_index(self.index_url) and "pypi.org" not in self.index_url:
                    hint = " (for a PEP 691/503 index, pass its simple URL, e.g. …/simple/ or devpi's …/+simple/)"
                raise NotFound(f"no project {name!r} on {self.index_url}{hint}") from None
            kind = "json-api"
            if is_simple_index(self.index_url):
                kind = "simple-json" if isinstance(body, dict) else "simple-html"
            saved = {"kind": kind, "url": final_url, "body": body}
            self._parse(saved, name)  # only cache what parses
            self.cache.save_document("pypi", self.index_url, key, saved)
        return self._parse(saved, name)

    def _parse(self, saved: dict, name: str) -> Project:
        kind, url, body = saved.get("kind"), saved.get("url", ""), saved.get("body")
        try:
            if kind == "json-api" and isinstance(body, dict):
                project = parse_json_api(body, url, self.index_url)
            elif kind == "simple-json" and isinstance(body, dict):
                project = parse_simple_json(body, url, self.index_url, name)
            elif kind == "simple-html" and isinstance(body, str):
                project = parse_simple_html(body, url, self.index_url, name)
            else:
                raise RegistryError(f"unexpected answer from {url} for {name!r}")
        except (AttributeError, TypeError, KeyError) as exc:
            raise RegistryError(f"malformed project document from {url}: {exc}") from exc
        if not project.name:
            project.name = name
        if not project.releases:
            if self.offline and kind is None:
                raise OfflineMiss(f"offline: no cached metadata for {name!r}")
            raise NotFound(f"project {name!r} on {self.index_url} has no releases")
        return project
