"""Campaigns: queue items that carry the same payload, shown and decided as one thing.

Attackers upload one payload under dozens or hundreds of names. Each queue item's
*suspicious* files (those with a capability hit of medium severity or more) are fingerprinted
(:mod:`app.core.campaigns.fingerprint`); items that share an exact fingerprint, or whose fingerprints
lie within a TLSH distance threshold, form a campaign. Boilerplate (a plain ``setup(...)``, an
empty ``__init__.py``) never counts, so unrelated packages are not grouped by what every
package has.

Campaign ids are persisted: a campaign keeps its id as members join; when a newcomer bridges
two campaigns the older id wins. This module decides what a campaign is; its rows are kept by
the store (:mod:`app.core.store.campaigns`, tables from the store's versioned migrations), so
this module runs no SQL. Fingerprints and IOCs are derived data that can always be rebuilt.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from app.core.campaigns.fingerprint import FileFingerprint, fingerprint_file, fuzzy_distance
from app.core.campaigns.iocs import Iocs, extract_iocs, ioc_matches
from app.core.capabilities.model import Hit, severity_rank
from app.core.decisions import now_iso

FUZZY_THRESHOLD = 40  # TLSH distance at or below which two payload files are the same payload
SUSPICIOUS_SEVERITY = "medium"


@dataclass
class Campaign:
    """A group of queue items sharing a payload."""

    id: int
    item_ids: list[int]
    fingerprints: list[str] = field(default_factory=list)  # exact hashes shared by members
    capabilities: list[str] = field(default_factory=list)  # capabilities every member shows
    iocs: Iocs = field(default_factory=Iocs)
    verdicts: dict[int, str] = field(default_factory=dict)  # item id -> current verdict
    created_at: str = ""

    @property
    def decided_malicious(self) -> bool:
        return "malicious" in self.verdicts.values()

    @property
    def undecided(self) -> list[int]:
        return [i for i in self.item_ids if i not in self.verdicts]

    def to_json(self, store=None) -> dict:
        members = []
        for item_id in self.item_ids:
            entry: dict = {"id": item_id, "verdict": self.verdicts.get(item_id)}
            if store is not None:
                item = store.get_item(item_id)
                entry.update(
                    ecosystem=item.ecosystem,
                    project=item.project,
                    versions=list(item.versions),
                    status=item.status,
                )
            members.append(entry)
        return {
            "id": self.id,
            "size": len(self.item_ids),
            "members": members,
            "fingerprints": self.fingerprints,
            "capabilities": self.capabilities,
            "iocs": self.iocs.to_json(),
            "decided_malicious": self.decided_malicious,
            "undecided": self.undecided,
            "created_at": self.created_at,
        }


def suspicious_paths(
    findings: Iterable[Hit], min_severity: str = SUSPICIOUS_SEVERITY
) -> dict[str, set[str]]:
    """Paths with a hit at ``min_severity`` or above, each with its capability ids."""
    floor = severity_rank(min_severity)
    out: dict[str, set[str]] = defaultdict(set)
    for hit in findings:
        if severity_rank(hit.severity) >= floor:
            out[hit.path].add(hit.capability)
    return out


def index_item(
    store, item_id: int, artifacts, *, source_key: str | None = None
) -> list[FileFingerprint]:
    """Record the fingerprints of the item's suspicious files and the IOCs of all its text.

    ``artifacts`` is a list of ``(Artifact, findings)``, one per release file. Re-indexing an
    item replaces what was recorded for it. Returns the non-trivial fingerprints stored.
    """
    stored: dict[str, tuple[FileFingerprint, set[str]]] = {}
    all_iocs = Iocs()
    for artifact, findings in artifacts:
        suspicious = suspicious_paths(findings)
        for member in artifact.text_members():
            text = member.text
            if text is None:
                continue
            if member.path in suspicious:
                fp = fingerprint_file(
                    member.path, text, name=artifact.name, version=artifact.version
                )
                all_iocs.merge(fp.iocs)
                if not fp.trivial:
                    stored[member.path] = (fp, suspicious[member.path])
            else:
                all_iocs.merge(extract_iocs(text))
    if source_key is None:
        source_key = ",".join(sorted(a.sha256 or a.source for a, _f in artifacts))
    store.replace_campaign_index(
        item_id,
        [
            (fp.path, fp.exact, fp.fuzzy, fp.size, caps, fp.iocs.to_json())
            for fp, caps in stored.values()
        ],
        [(kind, value) for kind, values in all_iocs.to_json().items() for value in values],
        source_key,
    )
    return [fp for fp, _caps in stored.values()]


def index_pending(store, *, scan: Callable | None = None, progress: Callable | None = None) -> int:
    """Fingerprint every item whose local artifact was not indexed yet; returns how many.

    ``scan(artifact) -> ScanResult`` defaults to the capability scanner with the store's
    findings cache, so re-indexing costs little. Unreadable artifacts are skipped.
    """
    if scan is not None:
        return _index_rows(store, scan, progress)
    from app.core.capabilities.scan import cached_scanner

    with cached_scanner(store.path) as cached_scan:
        return _index_rows(store, cached_scan, progress)


def _index_rows(store, scan: Callable, progress: Callable | None) -> int:
    """Index items whose set of release files changed since they were last indexed.

    Every file of the release counts (the sdist and each wheel): a payload may sit in one
    platform wheel only.
    """
    from app.core.archive import ArchiveError, open_artifact

    files = store.release_files()
    indexed = store.campaign_index_keys()
    pending = []
    for item_id, entries in files.items():
        key = ",".join(sorted(sha or path for path, sha in entries))
        if indexed.get(item_id) != key:
            pending.append((item_id, entries, key))
    for n, (item_id, entries, key) in enumerate(pending):
        opened = []
        for path, _sha in entries:
            try:
                artifact = open_artifact(path)
            except (ArchiveError, OSError):
                continue
            opened.append((artifact, scan(artifact).findings))
        index_item(store, item_id, opened, source_key=key)
        if progress:
            progress(n + 1, len(pending))
    return len(pending)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group_fingerprints(
    rows: list[tuple[int, str, str | None]], threshold: int = FUZZY_THRESHOLD
) -> list[set[int]]:
    """Group item ids by shared exact fingerprints or fuzzy distance ≤ ``threshold``.

    ``rows`` are ``(item_id, exact, fuzzy)``. Fuzzy comparison runs once per pair of distinct
    exact fingerprints, so a payload uploaded a thousand times costs one comparison.
    """
    uf = _UnionFind()
    by_exact: dict[str, list[int]] = defaultdict(list)
    fuzzy_of: dict[str, str] = {}
    for item_id, exact, fuzzy in rows:
        by_exact[exact].append(item_id)
        if fuzzy:
            fuzzy_of[exact] = fuzzy
    for items in by_exact.values():
        for other in items[1:]:
            uf.union(items[0], other)
        uf.find(items[0])
    exacts = list(fuzzy_of)
    for i, a in enumerate(exacts):
        fa = fuzzy_of[a]
        for b in exacts[i + 1 :]:
            distance = fuzzy_distance(fa, fuzzy_of[b])
            if distance is not None and distance <= threshold:
                uf.union(by_exact[a][0], by_exact[b][0])
    groups: dict[int, set[int]] = defaultdict(set)
    for item_id, _exact, _fuzzy in rows:
        groups[uf.find(item_id)].add(item_id)
    return [g for g in groups.values() if len(g) >= 2]


def regroup(store, threshold: int = FUZZY_THRESHOLD) -> list[Campaign]:
    """Recompute memberships from the stored fingerprints, keeping campaign ids stable.

    An undecided item that joins a campaign with a malicious decision is ranked first: its
    risk is raised to critical (the action log records why).
    """
    groups = group_fingerprints(store.fingerprint_rows(), threshold)
    newcomers = store.assign_campaigns(groups)
    campaigns = list_campaigns(store)
    by_id = {c.id: c for c in campaigns}
    for item_id, campaign_id in newcomers:
        campaign = by_id.get(campaign_id)
        if campaign and campaign.decided_malicious and item_id in campaign.undecided:
            store.set_risk(item_id, "critical", 10.0)
    return campaigns


def _verdicts(store, item_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for item_id in item_ids:
        decision = store.current_decision(item_id)
        if decision is not None:
            out[item_id] = decision.verdict
    return out


def list_campaigns(store) -> list[Campaign]:
    """All campaigns, those with undecided members of a decided-malicious campaign first,
    then the largest."""
    members = store.campaign_members()
    created = store.campaign_created()
    campaigns = [
        _describe(store, cid, items, created.get(cid, "")) for cid, items in members.items()
    ]
    campaigns.sort(
        key=lambda c: (not (c.decided_malicious and c.undecided), -len(c.item_ids), c.id)
    )
    return campaigns


def get_campaign(store, campaign_id: int) -> Campaign | None:
    items, created_at = store.members_of_campaign(campaign_id)
    if not items:
        return None
    return _describe(store, int(campaign_id), items, created_at)


def memberships(store) -> dict[int, tuple[int, int]]:
    """``{item id: (campaign id, campaign size)}`` in one query, for a queue column."""
    return store.campaign_memberships()


def refresh(store, *, progress: Callable | None = None):
    """Fingerprint what is new, regroup, and say what changed (for the app's queue view)."""
    from app.core.store.records import Change

    before = memberships(store)
    index_pending(store, progress=progress)
    regroup(store)
    after = memberships(store)
    touched = {i for i in set(before) | set(after) if before.get(i) != after.get(i)}
    return Change(frozenset({"item"}) if touched else frozenset(), frozenset(touched))


def campaign_of(store, item_id: int) -> int | None:
    return store.campaign_of_item(item_id)


def _describe(store, campaign_id: int, item_ids: list[int], created_at: str) -> Campaign:
    exact_items: dict[str, set[int]] = defaultdict(set)
    caps_per_item: dict[int, set[str]] = defaultdict(set)
    iocs = Iocs()
    for item_id, exact, capabilities, doc in store.fingerprints_of(item_ids):
        exact_items[exact].add(item_id)
        caps_per_item[item_id] |= set(capabilities)
        iocs.merge(
            Iocs(
                set(doc.get("urls", [])),
                set(doc.get("domains", [])),
                set(doc.get("ips", [])),
                set(doc.get("webhooks", [])),
            )
        )
    shared_fps = sorted(e for e, items in exact_items.items() if len(items) >= 2)
    cap_sets = [caps_per_item[i] for i in item_ids if i in caps_per_item]
    shared_caps = sorted(set.intersection(*cap_sets)) if cap_sets else []
    return Campaign(
        campaign_id,
        list(item_ids),
        shared_fps,
        shared_caps,
        iocs,
        _verdicts(store, item_ids),
        created_at,
    )


def search_iocs(store, value: str) -> dict[str, Any]:
    """Queue items and dataset labels that contain a domain, URL or IP.

    Domains match their subdomains too; URLs match by prefix.
    """
    needle = value.strip().lower()
    items: dict[int, list[str]] = defaultdict(list)
    if needle:
        for item_id, found, kind in store.items_with_ioc(needle):
            one = Iocs()
            getattr(one, kind).add(found)
            if ioc_matches(needle, one):
                items[item_id].append(found)
    labels = store.labels_mentioning(needle) if needle else []
    out_items = []
    for item_id, matched in sorted(items.items()):
        item = store.get_item(item_id)
        out_items.append(
            {
                "id": item_id,
                "ecosystem": item.ecosystem,
                "project": item.project,
                "versions": list(item.versions),
                "status": item.status,
                "campaign": campaign_of(store, item_id),
                "matched": sorted(set(matched)),
            }
        )
    return {"value": value, "items": out_items, "labels": labels}


# ---------------------------------------------------------------------- bulk decisions


def decide_campaign(store, campaign_id: int, decision, *, only_undecided: bool = True):
    """Apply one decision to every member (each gets its own decision and log entry).

    Returns ``(Change, member ids decided)``. With ``only_undecided`` members that already
    carry a decision keep it. All members land in one transaction, or none.
    """
    from dataclasses import replace

    from app.core.store.errors import StoreError

    campaign = get_campaign(store, campaign_id)
    if campaign is None:
        raise StoreError(f"no campaign {campaign_id} (see `vetbench campaigns`)")
    targets = campaign.undecided if only_undecided else list(campaign.item_ids)
    template = decision.validated()
    bulk_id = f"{campaign_id}:{now_iso()}"
    change = None
    with store.batch():
        for item_id in targets:
            one = store.record_decision(
                item_id, replace(template, reason=_bulk_reason(template, campaign_id))
            )
            store.link_campaign_decisions(campaign_id, bulk_id, one.decision_ids)
            change = one if change is None else change | one
    return change, targets


def _bulk_reason(decision, campaign_id: int) -> str:
    note = f"[campaign {campaign_id}]"
    return f"{decision.reason} {note}".strip() if note not in decision.reason else decision.reason


def undo_campaign(store, campaign_id: int):
    """Undo the newest bulk decision applied to the campaign, member by member.

    Returns the combined Change, or ``None`` when no bulk decision is left to undo.
    """
    return store.undo_campaign(campaign_id)
