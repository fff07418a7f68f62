"""Decisions, undo, the action log and other reviewers' labels (part of :class:`Store`).

Kept apart from the queue code only to keep files short; :class:`DecisionOps` is mixed into
:class:`app.core.store.db.Store` and uses its connection, lock and transaction helpers.

Undo semantics: :meth:`DecisionOps.undo_last` takes the newest decision not yet undone (of one
reviewer if given), marks it undone, puts the item back where it was (the previous decision
becomes current again, or the status before the decision) and appends an ``undone`` log entry.
Nothing is deleted. A decision already synced to the shared dataset cannot be undone locally:
the others may have seen it, so the reviewer records a new decision instead.
:meth:`DecisionOps.undo_last_step` (the app's Ctrl+Z) also takes back the reviewer's skips, in
the order they were made, logging ``unskip``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, cast

from app.core.decisions import Decision, Evidence, HitLabel, now_iso
from app.core.store.errors import ItemNotFound, StaleItem, StoreError
from app.core.store.records import (
    Change,
    ExternalLabel,
    ItemState,
    LogEntry,
    normalise_project,
)

if TYPE_CHECKING:
    from app.core.store.internals import StoreInternals
else:
    StoreInternals = object  # the members come from Store; see app.core.store.internals


def _status_after(verdict: str) -> str:
    """An indeterminate verdict asks for a second pair of eyes."""
    return "needs_second_review" if verdict == "indeterminate" else "decided"


def _decision_from_row(row) -> Decision:
    return Decision(
        verdict=row["verdict"],
        action=row["action"],
        kind=row["kind"],
        reason=row["reason"],
        confidence=row["confidence"],
        evidence=tuple(Evidence.from_json(e) for e in json.loads(row["evidence"])),
        hit_labels=tuple(HitLabel.from_json(h) for h in json.loads(row["hit_labels"])),
        reviewer=row["reviewer"],
        started_at=row["started_at"],
        decided_at=row["decided_at"],
        seconds_spent=row["seconds_spent"],
        id=row["id"],
        item_id=row["item_id"],
        undone=row["undone_at"] is not None,
        synced_at=row["synced_at"],
        sync_ref=row["sync_ref"],
    )


class DecisionOps(StoreInternals):
    """Decision, undo, log and external-label operations of the store."""

    # ------------------------------------------------------------------ decisions

    def record_decision(
        self, item_id: int, decision: Decision, *, expect: ItemState | None = None
    ) -> Change:
        """Validate and record ``decision`` on the item; it becomes the item's current one.

        The item moves to ``decided`` (``needs_second_review`` for an indeterminate verdict).
        Raises :class:`~app.core.decisions.DecisionError` for an invalid decision and
        :class:`ItemNotFound` for an unknown item. The new id is in ``change.decision_ids``.
        With ``expect`` (the item as the moderator saw it), an item another process changed
        since is refused with :class:`StaleItem` naming who changed it; the check runs inside
        the write transaction, so nothing can slip in between. Once this returns, the
        decision is on disk (synchronous=FULL commit).
        """
        d = decision.validated()
        with self.batch():
            item = self.get_item(item_id)
            if expect is not None and ItemState.of(item) != expect:
                raise StaleItem(
                    f"{item.label} changed since you opened it: {self.last_change_text(item.id)}."
                    " Nothing was recorded; look at it again, then decide"
                )
            cur = self._x(
                "INSERT INTO decisions (item_id, verdict, kind, action, reason, confidence,"
                " outcome, evidence, hit_labels, reviewer, started_at, decided_at,"
                " seconds_spent) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    item.id,
                    d.verdict,
                    d.kind,
                    d.action,
                    d.reason,
                    d.confidence,
                    d.outcome,
                    json.dumps([e.to_json() for e in d.evidence]),
                    json.dumps([h.to_json() for h in d.hit_labels]),
                    d.reviewer,
                    d.started_at,
                    d.decided_at,
                    d.seconds_spent,
                ),
            )
            decision_id = int(cast(int, cur.lastrowid))
            self._x(
                "UPDATE items SET status = ?, decision_id = ?, updated_at = ? WHERE id = ?",
                (_status_after(d.verdict), decision_id, now_iso(), item.id),
            )
            self._append_log(
                "decide",
                actor=d.reviewer,
                item_id=item.id,
                decision_id=decision_id,
                detail={
                    "verdict": d.verdict,
                    "action": d.action,
                    "kind": d.kind,
                    "confidence": d.confidence,
                    "outcome": d.outcome,
                    "previous_status": item.status,
                    "previous_decision_id": item.decision_id,
                },
            )
        return Change(
            frozenset({"decision", "item", "queue", "log"}),
            frozenset({item.id}),
            frozenset({decision_id}),
        )

    def last_change_text(self, item_id: int) -> str:
        """Who last changed the item's status, decision or versions, and how, in words
        (``ana decided malicious · quarantine release at …``)."""
        with self._lock:
            row = self._x(
                "SELECT at, actor, action, detail FROM action_log WHERE item_id = ? AND action IN"
                " ('decide', 'undone', 'status', 'unskip', 'report', 'queue_add')"
                " ORDER BY id DESC LIMIT 1",
                (int(item_id),),
            ).fetchone()
        if row is None:
            return "changed by another process"
        who = row["actor"] or "someone"
        detail = json.loads(row["detail"] or "{}")
        what = {
            "decide": "decided "
            + " · ".join(str(v) for v in (detail.get("verdict"), detail.get("action")) if v),
            "undone": f"undid the {detail.get('verdict') or ''} decision".replace("  ", " "),
            "status": f"set it {detail.get('to') or 'another status'}",
            "unskip": "took back a skip",
            "report": "reported it again (versions may differ)",
            "queue_add": "queued it",
        }[row["action"]]
        return f"{who} {what} at {row['at']}"

    def get_decision(self, decision_id: int) -> Decision:
        with self._lock:
            row = self._x("SELECT * FROM decisions WHERE id = ?", (int(decision_id),)).fetchone()
        if row is None:
            raise ItemNotFound(f"no decision {decision_id}")
        return _decision_from_row(row)

    def decisions_for(self, item_id: int) -> list[Decision]:
        """Every decision on the item, oldest first, undone ones included (``undone`` set)."""
        with self._lock:
            rows = self._x(
                "SELECT * FROM decisions WHERE item_id = ? ORDER BY id", (int(item_id),)
            ).fetchall()
        return [_decision_from_row(r) for r in rows]

    def current_decision(self, item_id: int) -> Decision | None:
        """The newest decision on the item that was not undone, or None."""
        with self._lock:
            row = self._x(
                "SELECT * FROM decisions WHERE item_id = ? AND undone_at IS NULL"
                " ORDER BY id DESC LIMIT 1",
                (int(item_id),),
            ).fetchone()
        return None if row is None else _decision_from_row(row)

    def unsynced_decisions(self, *, include_undone: bool = False) -> list[Decision]:
        """Decisions not yet marked synced (what the dataset sync still has to export)."""
        sql = "SELECT * FROM decisions WHERE synced_at IS NULL"
        if not include_undone:
            sql += " AND undone_at IS NULL"
        with self._lock:
            rows = self._x(sql + " ORDER BY id").fetchall()
        return [_decision_from_row(r) for r in rows]

    def mark_synced(
        self, decision_id: int, ref: str | None = None, at: str | None = None
    ) -> Change:
        """Record that the sync exported this decision (``ref``: e.g. the dataset file or
        commit). From then on it can no longer be undone locally."""
        with self.batch():
            row = self._x(
                "SELECT item_id FROM decisions WHERE id = ?", (int(decision_id),)
            ).fetchone()
            if row is None:
                raise ItemNotFound(f"no decision {decision_id}")
            at = at or now_iso()
            self._x(
                "UPDATE decisions SET synced_at = ?, sync_ref = ? WHERE id = ?",
                (at, ref, int(decision_id)),
            )
            self._append_log(
                "synced",
                item_id=row["item_id"],
                decision_id=int(decision_id),
                detail={"ref": ref, "at": at},
            )
        return Change(
            frozenset({"decision", "log"}),
            frozenset({row["item_id"]}),
            frozenset({int(decision_id)}),
        )

    def undo_last(self, reviewer: str | None = None, *, actor: str | None = None) -> Change | None:
        """Undo the newest decision not yet undone (of ``reviewer`` if given); None if there
        is nothing to undo. Works across restarts: the state is in the file, not in memory.

        Raises :class:`StoreError` when that decision was already synced to the dataset.
        """
        with self.batch():
            sql = "SELECT id FROM decisions WHERE undone_at IS NULL"
            params: list = []
            if reviewer:
                sql += " AND reviewer = ?"
                params.append(reviewer)
            row = self._x(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
            if row is None:
                return None
            return self.undo_decision(int(row["id"]), actor=actor or reviewer)

    def skip_item(self, item_id: int, reviewer: str | None = None) -> Change:
        """Set an item aside for now ("s" in the app); :meth:`undo_last_step` takes it back."""
        return self.set_status(item_id, "skipped", actor=reviewer)

    def undo_last_step(self, reviewer: str | None = None) -> Change | None:
        """The app's Ctrl+Z: undo the newest of ``reviewer``'s decisions and skips still in
        effect. A skip is undone by putting the item back to the status it had (logged as
        ``unskip``); a skipped item that has moved on since (opened, decided) is not a step to
        undo any more. None when there is nothing to undo."""
        with self.batch():
            who = " AND reviewer = ?" if reviewer else ""
            dec = self._x(
                "SELECT d.id, (SELECT max(l.id) FROM action_log l WHERE l.decision_id = d.id"
                " AND l.action = 'decide') AS log_id FROM decisions d WHERE d.undone_at IS NULL"
                + who
                + " ORDER BY d.id DESC LIMIT 1",
                [reviewer] if reviewer else [],
            ).fetchone()
            skip = self._x(
                "SELECT l.id, l.item_id, l.detail FROM action_log l JOIN items i ON i.id = l.item_id"
                " WHERE l.action = 'status' AND json_extract(l.detail, '$.to') = 'skipped'"
                " AND i.status = 'skipped'"
                + (" AND l.actor = ?" if reviewer else "")
                # a skip already undone, or overtaken by later work on the item, is no step
                + " AND NOT EXISTS (SELECT 1 FROM action_log later WHERE later.item_id = l.item_id"
                " AND later.id > l.id AND later.action IN ('status', 'decide', 'undone', 'unskip'))"
                " ORDER BY l.id DESC LIMIT 1",
                [reviewer] if reviewer else [],
            ).fetchone()
            if skip is not None and (dec is None or int(skip["id"]) > int(dec["log_id"] or 0)):
                before = json.loads(skip["detail"]).get("from") or "new"
                item_id = int(skip["item_id"])
                self._x(
                    "UPDATE items SET status = ?, updated_at = ? WHERE id = ?",
                    (before, now_iso(), item_id),
                )
                self._append_log(
                    "unskip",
                    actor=reviewer,
                    item_id=item_id,
                    detail={"undoes": int(skip["id"]), "to": before},
                )
                return Change(frozenset({"item", "queue", "log"}), frozenset({item_id}))
            if dec is None:
                return None
            return self._undo_with_its_bulk(int(dec["id"]), reviewer)

    def _undo_with_its_bulk(self, decision_id: int, actor: str | None) -> Change:
        """A decision made for a whole campaign is undone with its siblings: one Ctrl+Z takes
        back the one step the moderator took."""
        ids = [
            int(r[0])
            for r in self._x(
                "SELECT cd.decision_id FROM campaign_decisions cd JOIN decisions d"
                " ON d.id = cd.decision_id WHERE d.undone_at IS NULL AND cd.bulk_id ="
                " (SELECT bulk_id FROM campaign_decisions WHERE decision_id = ?)"
                " ORDER BY cd.decision_id DESC",
                (decision_id,),
            ).fetchall()
        ] or [decision_id]
        change = self.undo_decision(ids[0], actor=actor)
        for other in ids[1:]:
            change = change | self.undo_decision(other, actor=actor)
        return change

    def undo_decision(self, decision_id: int, *, actor: str | None = None) -> Change:
        """Undo one given decision (bulk undo of a campaign calls this per member).

        Raises :class:`StoreError` if it is already undone or was synced to the dataset.
        """
        with self.batch():
            row = self._x("SELECT * FROM decisions WHERE id = ?", (int(decision_id),)).fetchone()
            if row is None:
                raise ItemNotFound(f"no decision {decision_id}")
            if row["undone_at"] is not None:
                raise StoreError(f"decision #{decision_id} is already undone")
            if row["synced_at"] is not None:
                raise StoreError(
                    f"decision #{row['id']} on item {row['item_id']} was already "
                    "synced to the dataset and cannot be undone; record a new decision instead"
                )
            decision_id, item_id = int(row["id"]), int(row["item_id"])
            now = now_iso()
            self._x("UPDATE decisions SET undone_at = ? WHERE id = ?", (now, decision_id))
            item = self.get_item(item_id)
            restored_status, restored_id = item.status, item.decision_id
            if item.decision_id == decision_id:
                prev = self._x(
                    "SELECT id, verdict FROM decisions WHERE item_id = ? AND undone_at IS NULL"
                    " ORDER BY id DESC LIMIT 1",
                    (item_id,),
                ).fetchone()
                if prev is not None:
                    restored_status, restored_id = _status_after(prev["verdict"]), prev["id"]
                else:
                    restored_id = None
                    restored_status = self._status_before(decision_id)
                self._x(
                    "UPDATE items SET status = ?, decision_id = ?, updated_at = ? WHERE id = ?",
                    (restored_status, restored_id, now, item_id),
                )
            self._append_log(
                "undone",
                actor=actor or row["reviewer"],
                item_id=item_id,
                decision_id=decision_id,
                detail={
                    "verdict": row["verdict"],
                    "reviewer": row["reviewer"],
                    "restored_status": restored_status,
                    "restored_decision_id": restored_id,
                },
            )
        return Change(
            frozenset({"decision", "item", "queue", "log"}),
            frozenset({item_id}),
            frozenset({decision_id}),
        )

    def _status_before(self, decision_id: int) -> str:
        """The item's status before its decisions, once none of them stands any more.

        Follows the log back through earlier decisions (a decision taken on an already decided
        item logged ``decided`` as its previous status) to the status a reviewer set by hand;
        ``new`` if the log does not say.
        """
        seen: set[int] = set()
        current: int | None = decision_id
        while current is not None and current not in seen:
            seen.add(current)
            row = self._x(
                "SELECT detail FROM action_log WHERE action = 'decide' AND decision_id = ?"
                " ORDER BY id LIMIT 1",
                (current,),
            ).fetchone()
            if row is None:
                break
            detail = json.loads(row["detail"])
            status = detail.get("previous_status")
            current = detail.get("previous_decision_id")
            if status not in (None, "decided", "needs_second_review"):
                return status
            if status == "needs_second_review" and current is None:
                return status  # flagged for a second look by hand, before any decision
        return "new"

    # ------------------------------------------------------------------ action log

    def log(
        self,
        limit: int = 100,
        offset: int = 0,
        *,
        item_id: int | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[LogEntry]:
        """The action log, newest first (optionally of one item, by one actor, of one action
        -- a log action such as ``decide`` or a decision's action such as ``remove_project``
        -- and from ``since`` up to, not including, ``until``: ISO times or dates). It is
        append-only: the database refuses UPDATE and DELETE on it."""
        clauses: list[str] = []
        params: list = []
        if item_id is not None:
            clauses.append("item_id = ?")
            params.append(int(item_id))
        if actor:
            clauses.append("actor = ?")
            params.append(actor)
        if action:
            clauses.append(
                "(action = ? OR decision_id IN (SELECT id FROM decisions WHERE action = ?))"
            )
            params += [action, action]
        if since:
            clauses.append("at >= ?")
            params.append(since)
        if until:
            clauses.append("at < ?")
            params.append(until)
        sql = "SELECT * FROM action_log"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        with self._lock:
            rows = self._x(sql, [*params, int(limit), int(offset)]).fetchall()
        return [
            LogEntry(
                id=r["id"],
                at=r["at"],
                actor=r["actor"],
                action=r["action"],
                item_id=r["item_id"],
                decision_id=r["decision_id"],
                detail=json.loads(r["detail"]),
            )
            for r in rows
        ]

    def record_observation(self, item_id: int, actor: str | None, detail: dict) -> Change:
        """Log an Observation the registry accepted (what was sent and what it answered)."""
        with self.batch():
            item = self.get_item(item_id)
            self._append_log("observation", actor=actor, item_id=item.id, detail=detail)
        return Change(frozenset({"log"}), frozenset({item.id}))

    # ------------------------------------------------------------------ other reviewers

    def upsert_external_label(
        self, ecosystem: str, project: str, version: str, reviewer: str, label_json: dict | str
    ) -> Change:
        """Store (or replace) another reviewer's label on one release; the dataset sync calls
        this. These records are read-only for the local reviewer and not in the action log."""
        label = json.loads(label_json) if isinstance(label_json, str) else dict(label_json)
        norm = normalise_project(ecosystem, project)
        with self.batch():
            self._x(
                "INSERT INTO external_labels (ecosystem, norm_project, project, version,"
                " reviewer, label, updated_at) VALUES (?,?,?,?,?,?,?)"
                " ON CONFLICT (ecosystem, norm_project, version, reviewer) DO UPDATE SET"
                " project = excluded.project, label = excluded.label,"
                " updated_at = excluded.updated_at",
                (ecosystem, norm, project, str(version), reviewer, json.dumps(label), now_iso()),
            )
            ids = [
                r[0]
                for r in self._x(
                    "SELECT id FROM items WHERE ecosystem = ? AND norm_project = ?",
                    (ecosystem, norm),
                )
            ]
        return Change(frozenset({"external_labels"}), frozenset(ids))

    def external_labels_for(
        self, item: int | tuple[str, str, str] | tuple[str, str]
    ) -> list[ExternalLabel]:
        """Other reviewers' labels for an item id (all its versions) or for
        ``(ecosystem, project, version)`` / ``(ecosystem, project)``."""
        if isinstance(item, int):
            q = self.get_item(item)
            eco, norm, versions = q.ecosystem, normalise_project(q.ecosystem, q.project), q.versions
        else:
            eco, project, *rest = item
            norm = normalise_project(eco, project)
            versions = tuple(rest)
        sql = "SELECT * FROM external_labels WHERE ecosystem = ? AND norm_project = ?"
        params: list = [eco, norm]
        if versions:
            sql += f" AND version IN ({','.join('?' * len(versions))})"
            params += list(versions)
        with self._lock:
            rows = self._x(sql + " ORDER BY version, reviewer", params).fetchall()
        return [
            ExternalLabel(
                ecosystem=r["ecosystem"],
                project=r["project"],
                version=r["version"],
                reviewer=r["reviewer"],
                label=json.loads(r["label"]),
                updated_at=r["updated_at"],
            )
            for r in rows
        ]

    def external_label_count(self) -> int:
        """How many labels of other reviewers are stored (the sync checks its index by it)."""
        with self._lock:
            return int(self._x("SELECT count(*) FROM external_labels").fetchone()[0])

    def decision_reviewers(self) -> set[str]:
        """Every reviewer who recorded a decision in this store (undone ones included)."""
        with self._lock:
            return {r[0] for r in self._x("SELECT DISTINCT reviewer FROM decisions").fetchall()}
