"""The campaign tables: fingerprints, IOCs, groups and bulk decisions (part of :class:`Store`).

:mod:`app.core.campaigns.grouping` decides *what* a campaign is (which files are suspicious,
which fingerprints are alike); this mixin only stores and reads its rows, so every statement
runs under the store's lock and every write in one ``BEGIN IMMEDIATE`` transaction
(:meth:`Store.batch`). The tables come from schema v4 (:mod:`app.core.store.schema`), so
readers never create anything: the queue's campaign column reads them on the GUI thread,
which must never wait for the write lock.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from app.core.decisions import now_iso
from app.core.store.records import Change

if TYPE_CHECKING:
    from app.core.store.internals import StoreInternals
else:
    StoreInternals = object  # the members come from Store; see app.core.store.internals


def like_escape(text: str) -> str:
    """``text`` as a literal inside a ``LIKE ... ESCAPE '\\'`` pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class CampaignOps(StoreInternals):
    """Campaign rows of the store (mixed into :class:`app.core.store.db.Store`)."""

    # ------------------------------------------------------------------ indexing

    def release_files(self) -> dict[int, list[tuple[str, str | None]]]:
        """``{item id: [(path, sha256), ...]}`` of every local release file (role ``new``)."""
        files: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
        with self._lock:
            rows = self._x(
                "SELECT item_id, path, sha256 FROM artifacts"
                " WHERE role = 'new' AND path IS NOT NULL ORDER BY item_id, id"
            ).fetchall()
        for row in rows:
            files[int(row["item_id"])].append((row["path"], row["sha256"]))
        return dict(files)

    def campaign_index_keys(self) -> dict[int, str | None]:
        """``{item id: key of the release files it was last fingerprinted from}``."""
        with self._lock:
            rows = self._x("SELECT item_id, artifact_sha256 FROM campaign_indexed").fetchall()
        return {int(r[0]): r[1] for r in rows}

    def replace_campaign_index(
        self,
        item_id: int,
        fingerprints: Iterable[tuple[str, str, str | None, int, Iterable[str], dict]],
        iocs: Iterable[tuple[str, str]],
        source_key: str,
    ) -> None:
        """Replace what is recorded for one item, in one transaction.

        ``fingerprints``: ``(path, exact, fuzzy, size, capability ids, IOC document)`` of its
        suspicious files; ``iocs``: ``(kind, value)`` found in any of its text (stored lower
        case, as :meth:`items_with_ioc` searches); ``source_key`` names the release files.
        """
        with self.batch():
            self._x("DELETE FROM campaign_fingerprints WHERE item_id = ?", (item_id,))
            self._x("DELETE FROM item_iocs WHERE item_id = ?", (item_id,))
            for path, exact, fuzzy, size, caps, doc in fingerprints:
                self._x(
                    "INSERT INTO campaign_fingerprints (item_id, path, exact, fuzzy, size,"
                    " capabilities, iocs) VALUES (?,?,?,?,?,?,?)",
                    (item_id, path, exact, fuzzy, size, json.dumps(sorted(caps)), json.dumps(doc)),
                )
            for kind, value in iocs:
                self._x(
                    "INSERT OR IGNORE INTO item_iocs (item_id, value, kind) VALUES (?,?,?)",
                    (item_id, value.lower(), kind),
                )
            self._x(
                "INSERT INTO campaign_indexed (item_id, artifact_sha256, indexed_at) VALUES (?,?,?)"
                " ON CONFLICT (item_id) DO UPDATE SET artifact_sha256 = excluded.artifact_sha256,"
                " indexed_at = excluded.indexed_at",
                (item_id, source_key, now_iso()),
            )

    # ------------------------------------------------------------------ grouping

    def fingerprint_rows(self) -> list[tuple[int, str, str | None]]:
        """``(item id, exact, fuzzy)`` of every stored fingerprint."""
        with self._lock:
            rows = self._x("SELECT item_id, exact, fuzzy FROM campaign_fingerprints").fetchall()
        return [(int(r[0]), r[1], r[2]) for r in rows]

    def assign_campaigns(self, groups: Iterable[set[int]]) -> list[tuple[int, int]]:
        """Make ``groups`` the campaigns, keeping ids stable; returns the newcomers.

        A group takes the oldest id among its members' current campaigns (so when a newcomer
        bridges two campaigns the older wins), or a new one; groups are taken in the order
        of their smallest item id, so new ids follow the queue. Items in no group leave their
        campaign. Returns ``(item id, campaign id)`` of items that had no campaign before.
        Reads and writes share one transaction: a concurrent regroup cannot interleave.
        """
        newcomers: list[tuple[int, int]] = []
        with self.batch():
            old = {
                int(r[0]): int(r[1])
                for r in self._x("SELECT item_id, campaign_id FROM campaign_members").fetchall()
            }
            assigned: dict[int, int] = {}
            for group in sorted(groups, key=min):
                existing = sorted({old[i] for i in group if i in old})
                if existing:
                    campaign_id = existing[0]
                else:
                    cur = self._x("INSERT INTO campaigns (created_at) VALUES (?)", (now_iso(),))
                    campaign_id = int(cast(int, cur.lastrowid))
                for item_id in group:
                    assigned[item_id] = campaign_id
            now = now_iso()
            for item_id, campaign_id in assigned.items():
                if old.get(item_id) != campaign_id:
                    self._x(
                        "INSERT INTO campaign_members (item_id, campaign_id, joined_at)"
                        " VALUES (?,?,?) ON CONFLICT (item_id) DO UPDATE SET"
                        " campaign_id = excluded.campaign_id, joined_at = excluded.joined_at",
                        (item_id, campaign_id, now),
                    )
                    if item_id not in old:
                        newcomers.append((item_id, campaign_id))
            for item_id in set(old) - set(assigned):
                self._x("DELETE FROM campaign_members WHERE item_id = ?", (item_id,))
        return newcomers

    # ------------------------------------------------------------------ reading

    def campaign_members(self) -> dict[int, list[int]]:
        """``{campaign id: member item ids}``, campaigns in the order of their first member."""
        members: dict[int, list[int]] = defaultdict(list)
        with self._lock:
            rows = self._x(
                "SELECT item_id, campaign_id FROM campaign_members ORDER BY item_id"
            ).fetchall()
        for item_id, campaign_id in rows:
            members[int(campaign_id)].append(int(item_id))
        return dict(members)

    def campaign_created(self) -> dict[int, str]:
        """``{campaign id: created_at}``."""
        with self._lock:
            rows = self._x("SELECT id, created_at FROM campaigns").fetchall()
        return {int(r[0]): r[1] for r in rows}

    def members_of_campaign(self, campaign_id: int) -> tuple[list[int], str]:
        """The member ids of one campaign (by item id) and its created_at ('' if unknown)."""
        with self._lock:
            items = [
                int(r[0])
                for r in self._x(
                    "SELECT item_id FROM campaign_members WHERE campaign_id = ? ORDER BY item_id",
                    (int(campaign_id),),
                ).fetchall()
            ]
            row = self._x(
                "SELECT created_at FROM campaigns WHERE id = ?", (int(campaign_id),)
            ).fetchone()
        return items, (row[0] if row else "")

    def campaign_memberships(self) -> dict[int, tuple[int, int]]:
        """``{item id: (campaign id, campaign size)}`` in one query, for a queue column."""
        with self._lock:
            rows = self._x(
                "SELECT m.item_id, m.campaign_id, c.n FROM campaign_members m JOIN"
                " (SELECT campaign_id, COUNT(*) AS n FROM campaign_members GROUP BY campaign_id) c"
                " ON c.campaign_id = m.campaign_id"
            ).fetchall()
        return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}

    def campaign_of_item(self, item_id: int) -> int | None:
        with self._lock:
            row = self._x(
                "SELECT campaign_id FROM campaign_members WHERE item_id = ?", (int(item_id),)
            ).fetchone()
        return None if row is None else int(row[0])

    def fingerprints_of(self, item_ids: list[int]) -> list[tuple[int, str, list[str], dict]]:
        """``(item id, exact, capability ids, IOC document)`` of the items' fingerprints."""
        marks = ",".join("?" * len(item_ids))
        with self._lock:
            rows = self._x(
                f"SELECT item_id, exact, capabilities, iocs FROM campaign_fingerprints"
                f" WHERE item_id IN ({marks})",
                item_ids,
            ).fetchall()
        return [
            (int(r["item_id"]), r["exact"], json.loads(r["capabilities"]), json.loads(r["iocs"]))
            for r in rows
        ]

    # ------------------------------------------------------------------ IOC search

    def items_with_ioc(self, needle: str) -> list[tuple[int, str, str]]:
        """``(item id, value, kind)`` of IOCs equal to ``needle``, under it as a subdomain, or
        starting with it (candidates: the caller applies the exact matching rules)."""
        with self._lock:
            rows = self._x(
                "SELECT item_id, value, kind FROM item_iocs WHERE value = ?"
                " OR value LIKE ? ESCAPE '\\' OR value LIKE ? ESCAPE '\\'",
                (needle, "%." + like_escape(needle), like_escape(needle) + "%"),
            ).fetchall()
        return [(int(r["item_id"]), r["value"], r["kind"]) for r in rows]

    def labels_mentioning(self, needle: str) -> list[dict]:
        """Other reviewers' labels whose text contains ``needle`` (lower case)."""
        with self._lock:
            rows = self._x(
                "SELECT ecosystem, project, version, reviewer, label FROM external_labels"
                " WHERE lower(label) LIKE ? ESCAPE '\\'",
                ("%" + like_escape(needle) + "%",),
            ).fetchall()
        return [
            {
                "ecosystem": r["ecosystem"],
                "project": r["project"],
                "version": r["version"],
                "reviewer": r["reviewer"],
            }
            for r in rows
        ]

    # ------------------------------------------------------------------ bulk decisions

    def link_campaign_decisions(
        self, campaign_id: int, bulk_id: str, decision_ids: Iterable[int]
    ) -> None:
        """Record that a bulk decision on the campaign made these decisions (call inside the
        :meth:`batch` that records them, so both land or neither)."""
        with self.batch():
            for decision_id in decision_ids:
                self._x(
                    "INSERT INTO campaign_decisions (decision_id, campaign_id, bulk_id)"
                    " VALUES (?,?,?)",
                    (decision_id, campaign_id, bulk_id),
                )

    def undo_campaign(self, campaign_id: int) -> Change | None:
        """Undo the newest bulk decision applied to the campaign, member by member.

        Returns the combined Change, or ``None`` when no bulk decision is left to undo.
        """
        with self.batch():
            row = self._x(
                "SELECT cd.bulk_id FROM campaign_decisions cd JOIN decisions d"
                " ON d.id = cd.decision_id WHERE cd.campaign_id = ? AND d.undone_at IS NULL"
                " ORDER BY cd.decision_id DESC LIMIT 1",
                (int(campaign_id),),
            ).fetchone()
            if row is None:
                return None
            ids = [
                int(r[0])
                for r in self._x(
                    "SELECT cd.decision_id FROM campaign_decisions cd JOIN decisions d"
                    " ON d.id = cd.decision_id WHERE cd.bulk_id = ? AND d.undone_at IS NULL"
                    " ORDER BY cd.decision_id DESC",
                    (row[0],),
                ).fetchall()
            ]
            change = None
            for decision_id in ids:
                one = self.undo_decision(decision_id)
                change = one if change is None else change | one
        return change
