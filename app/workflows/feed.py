"""Pre-review every upload: poll PyPI's RSS feeds, scan each new release against its baseline,
queue the ones at or above a risk level.

Feeds (RSS 2.0; each ``<item>`` has ``title``, ``link``, ``description``, ``pubDate``):

* https://pypi.org/rss/updates.xml -- latest updates, titles ``"NAME VERSION"``;
* https://pypi.org/rss/packages.xml -- newest projects; titles ``"NAME VERSION"`` or
  ``"NAME added to PyPI"`` (then the version comes from the link, else the latest release).

A release is judged by what it *adds*: its capability hits are paired with those of the same
kind of file in the baseline (:func:`app.core.diff.capabilities.pair_hits`) and only the added hits are
scored. A first release has no baseline, so all of its hits count. Entries already seen (kept in
a small JSON state file) are not reviewed twice; a failure on one entry is recorded and the
others go on.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from app.core.registry.errors import NotFound, RegistryError
from app.core.registry.fetcher import FetchResult, fetch_with_baseline
from app.core.registry.http import RegistryHttp
from app.core.registry.model import FetchedFile
from app.core.registry.pypi import normalize_name
from app.errors import VetbenchError

DEFAULT_FEEDS = ("https://pypi.org/rss/updates.xml", "https://pypi.org/rss/packages.xml")
STATE_LIMIT = 5000
_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
_ADDED = re.compile(r"^(?P<name>\S+)\s+added to PyPI$", re.IGNORECASE)
_LINK_VERSION = re.compile(r"/project/(?P<name>[^/]+)/(?P<version>[^/]+)/?$")


@dataclass(frozen=True)
class FeedEntry:
    name: str
    version: str | None  # None: a new project whose feed item named no version
    link: str | None = None
    published: datetime | None = None
    description: str | None = None

    @property
    def key(self) -> str:
        return f"{normalize_name(self.name)}=={self.version or ''}"


def _text(item: ET.Element, tag: str) -> str | None:
    node = item.find(tag)
    return node.text.strip() if node is not None and node.text else None


def parse_rss(data: bytes) -> list[FeedEntry]:
    """Entries of an RSS document, in feed order, duplicates (same release) dropped.

    The feed is untrusted input: a DOCTYPE or entity declaration (billion laughs, external
    entities) is refused outright, wherever it stands -- the parser refuses it, so a long
    preamble before it no longer hides it from a look at the first bytes.
    """
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise RegistryError(
            f"refusing an RSS feed with a DOCTYPE or entity declarations ({exc})"
        ) from None
    except ET.ParseError as exc:
        raise RegistryError(f"not a readable RSS feed: {exc}") from exc
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for item in root.iter("item"):
        title = _text(item, "title") or ""
        link = _text(item, "link")
        name, version = None, None
        added = _ADDED.match(title)
        if added:
            name = added.group("name")
        elif " " in title:
            name, version = title.rsplit(" ", 1)
        link_match = _LINK_VERSION.search(link or "")
        if version is None and link_match:
            version = link_match.group("version")
            name = name or link_match.group("name")
        if not name or not _NAME_RE.match(name.strip()):
            continue
        published = None
        if stamp := _text(item, "pubDate"):
            with contextlib.suppress(TypeError, ValueError):
                published = parsedate_to_datetime(stamp)
        entry = FeedEntry(
            name.strip(),
            version.strip() if version else None,
            link,
            published,
            _text(item, "description"),
        )
        if entry.key not in seen:
            seen.add(entry.key)
            entries.append(entry)
    return entries


class FeedState:
    """Keys of releases already reviewed, in a JSON file (newest last, capped)."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path) if path else None
        self.seen: list[str] = []
        if self.path and self.path.exists():
            try:
                self.seen = list(json.loads(self.path.read_text(encoding="utf-8")).get("seen", []))
            except (ValueError, AttributeError):
                self.seen = []  # a damaged state file only means re-reviewing some entries
        self._set = set(self.seen)

    def __contains__(self, key: str) -> bool:
        return key in self._set

    def add(self, key: str) -> None:
        if key not in self._set:
            self.seen.append(key)
            self._set.add(key)
        if len(self.seen) > STATE_LIMIT:
            drop = self.seen[: len(self.seen) - STATE_LIMIT]
            self.seen = self.seen[-STATE_LIMIT:]
            self._set.difference_update(drop)

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".feed-state-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"seen": self.seen}, fh)
        os.replace(tmp, self.path)


@dataclass
class Review:
    """What the watcher concluded about one feed entry."""

    entry: FeedEntry
    version: str | None = None
    baseline_version: str | None = None
    level: str = "none"
    score: float = 0.0
    added: int = 0  # capability hits added against the baseline
    top: list[str] = field(default_factory=list)  # a few "capability path:line" of added hits
    queued_item: int | None = None
    error: str | None = None
    permanent: bool = False  # the error will not go away by retrying (no such release)
    result: FetchResult | None = None

    def to_json(self) -> dict:
        return {
            "name": self.entry.name,
            "version": self.version or self.entry.version,
            "baseline": self.baseline_version,
            "risk": {"level": self.level, "score": self.score},
            "added_hits": self.added,
            "top": self.top,
            "queued_item": self.queued_item,
            "error": self.error,
        }


def _counterpart(f: FetchedFile, baseline: list[FetchedFile]) -> FetchedFile | None:
    """The baseline file to compare ``f`` with: same kind, and for wheels the same tags."""
    same = [b for b in baseline if b.packagetype == f.packagetype]
    if f.packagetype == "wheel":
        tags = f.filename.split("-", 2)[-1]
        exact = [b for b in same if b.filename.split("-", 2)[-1] == tags]
        same = exact or same
    return (same or baseline or [None])[0]


def review_release(result: FetchResult, scan: Callable | None = None) -> tuple[str, float, list]:
    """``(level, score, added_hits)`` of a release's files against its baseline's."""
    from app.core.archive import open_artifact
    from app.core.capabilities.risk import score as risk_score
    from app.core.diff.capabilities import pair_hits

    if scan is None:
        from app.core.capabilities.scan import scan_artifact as scan
    scanned: dict[Path, list] = {}

    def hits_of(f: FetchedFile) -> list:
        if f.path not in scanned:
            try:
                scanned[f.path] = scan(open_artifact(f.path)).findings
            except VetbenchError:
                scanned[f.path] = []
        return scanned[f.path]

    best: tuple[str, float, list] = ("none", 0.0, [])
    for f in result.files:
        base = _counterpart(f, result.baseline_files)
        added = pair_hits(hits_of(base), hits_of(f)).added if base is not None else hits_of(f)
        risk = risk_score(added)
        if risk.score > best[1] or (risk.score == best[1] and len(added) > len(best[2])):
            best = (risk.level, float(risk.score), added)
    return best


def review_entry(
    entry: FeedEntry,
    *,
    index_url: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    http: RegistryHttp | None = None,
    scan: Callable | None = None,
) -> Review:
    """Fetch the entry's release and baseline, and score what the release adds."""
    review = Review(entry)
    try:
        result = fetch_with_baseline(
            "pypi", entry.name, entry.version, index_url=index_url, cache_dir=cache_dir, http=http
        )
    except VetbenchError as exc:
        review.error = str(exc)
        review.permanent = isinstance(exc, NotFound)
        return review
    review.result = result
    review.version, review.baseline_version = result.version, result.baseline_version
    review.level, review.score, added = review_release(result, scan)
    review.added = len(added)
    review.top = [f"{h.capability} {h.path}:{h.line}" for h in added[:5]]
    return review


def queue_review(store, review: Review, min_level: str) -> int | None:
    """Queue the release (with its files attached) if its risk is at least ``min_level``."""
    from app.core.capabilities.model import severity_rank

    if review.error or review.result is None:
        return None
    if severity_rank(review.level) < severity_rank(min_level):
        return None
    result = review.result
    reason = (
        f"watch-feed: {review.level} ({review.score:g}) adds {review.added} capability "
        f"hit(s) against {result.baseline_version or 'no baseline'}: " + "; ".join(review.top)
    )
    item, _ = store.add_item(
        "pypi",
        result.name,
        [result.version],
        baseline=result.baseline_version,
        source="feed",
        reporter="watch-feed",
        report_text=reason,
        risk_level=review.level,
        risk_score=review.score,
    )
    known = {(a.role, a.sha256) for a in store.artifacts_for(item.id)}
    for role, files in (("new", result.files), ("baseline", result.baseline_files)):
        for f in files:
            if (role, f.sha256) not in known:
                store.attach_artifact(
                    item.id, role, str(f.path), f.sha256, url=f.url, version=f.version
                )
    review.queued_item = item.id
    return item.id


def poll_once(
    feed_urls: Iterable[str],
    state: FeedState,
    *,
    http: RegistryHttp,
    store=None,
    min_level: str = "high",
    index_url: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    on_review: Callable[[Review], None] | None = None,
    scan: Callable | None = None,
) -> list[Review]:
    """One pass over the feeds: review each unseen entry (oldest first), queue, remember."""
    entries: list[FeedEntry] = []
    errors: list[Review] = []
    for url in feed_urls:
        try:
            body, _, _ = http.get_bytes(
                url, accept="application/rss+xml, application/xml, text/xml"
            )
            entries.extend(reversed(parse_rss(body)))  # feeds list newest first
        except VetbenchError as exc:
            errors.append(Review(FeedEntry(url, None), error=f"feed {url}: {exc}"))
    reviews: list[Review] = list(errors)
    for review in errors:
        if on_review:
            on_review(review)
    done: set[str] = set()
    for entry in entries:
        if entry.key in state or entry.key in done:
            continue
        done.add(entry.key)
        review = review_entry(entry, index_url=index_url, cache_dir=cache_dir, http=http, scan=scan)
        if store is not None:
            queue_review(store, review, min_level)
        if review.version and review.error is None:
            state.add(FeedEntry(entry.name, review.version).key)
        if review.error is None or review.permanent:
            state.add(entry.key)  # transient failures are retried on the next poll
        reviews.append(review)
        if on_review:
            on_review(review)
    state.save()
    return reviews
