"""``vetbench sync``: local decisions out to the dataset, everyone else's labels in.

One sync does, in order:

1. **push** — for every queue item with a decision not yet marked synced (undone ones too), the
   reviewer's current decision becomes ``labels/<eco>/<name>/<version>/<reviewer>.json`` for each
   version of the item (a malicious verdict also copies the artifact into an encrypted sample
   zip first). When the reviewer has no current decision left (undone), an existing label is
   rewritten with ``withdrawn: true``. Then the decisions are marked synced in the store.
2. **pull** — every label file whose stat signature changed since the last sync is read,
   validated and stored as another reviewer's read-only label; deleted files become withdrawn
   labels. Hostile files are reported one by one and skipped. A label is counted as its
   reviewer's only when signed by that reviewer's key (:mod:`app.sync.signing`); anything else
   claimed in a reviewer's name is listed as ``forged`` and never counted. A label of a *local*
   reviewer that this store did not write (rewritten, deleted, replaced) is put back as the
   store says and listed as ``restored``: a label is its reviewer's.
3. **consensus** — versions whose labels changed are checked for conflicts; a new conflict
   re-opens the matching queue items as ``needs_second_review``.
4. **derived files** — the OSV record of every touched package and ``manifest.json`` are
   regenerated (written only when their bytes change).

Crash safety comes from idempotence, not from a journal: every file write is atomic, a label's
bytes are a function of the decision, the store marks a decision synced only after its file is
on disk, and pulled labels are upserts. Killed at any point, the next sync redoes what was
missing and finds the rest already equal: nothing is lost, nothing is duplicated.
"""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import Any

from app import config
from app.core.decisions import Decision, now_iso
from app.core.jsondata import loads_bounded
from app.sync.consensus import conflict_reasons, is_malicious
from app.sync.dataset import FileProblem, check_label_sample, read_label_file, walk_labels
from app.sync.labels import dump_label, label_path, make_label, parse_label
from app.sync.layout import (
    MANIFEST,
    DatasetError,
    _test_pause,
    atomic_write,
    check_filename,
    ensure_dataset,
    file_exists,
    label_owner,
    label_relpath,
    normalize_name,
    osv_relpath,
    read_file,
    release_of,
    remove_file,
    sample_relpath,
    sync_filesystem,
)
from app.sync.manifest import build_manifest, dump_manifest
from app.sync.osv import build_osv, dump_osv
from app.sync.report import SyncReport
from app.sync.samples import SampleError, inspect_sample, write_sample
from app.sync.signing import FORGED, Keyring, forged_message, signing_bytes
from app.sync.state import FileSig, SyncState, state_path_for

# A forged label's state row starts with FORGED, so each sync checks it again (a pin removed by
# the moderator, or the owner's restore, then takes effect) and says so again.
OWN_CHECKED = "own-labels-checked/1"


def _older_than_seen(label: dict[str, Any], seen: dict[str, Any]) -> bool:
    """A decision made before the one already seen at this place, or the same decision
    brought back after its reviewer withdrew it."""
    new, old = str(label.get("decided_at") or ""), str(seen.get("decided_at") or "")
    return new < old or (new == old and bool(seen.get("withdrawn")) and not label.get("withdrawn"))


def default_reviewer() -> str:
    return config.reviewer() or getpass.getuser() or "reviewer"


def items_for_release(store: Any, eco: str, name: str, version: str) -> list:
    """The local queue items about one release (``name`` normalised)."""
    out = []
    for item in store.list_items(ecosystem=eco, text=name, limit=1000):
        try:
            same = normalize_name(eco, item.project) == name
        except DatasetError:
            same = False
        if same and version in item.versions:
            out.append(item)
    return out


def label_from_decision(
    d: Decision, ecosystem: str, project: str, version: str, artifact: dict | None
) -> dict[str, Any]:
    """The vetbench.label/1 form of a store decision on one version."""
    return make_label(
        ecosystem=ecosystem,
        name=project,
        version=version,
        reviewer=d.reviewer,
        verdict=d.verdict,
        kind=d.kind,
        action=d.action,
        reason=d.reason or None,
        confidence=d.confidence,
        evidence=[e.to_json() for e in d.evidence],
        hit_labels=[h.to_json() for h in d.hit_labels],
        artifact=artifact,
        started_at=d.started_at,
        decided_at=d.decided_at,
        seconds_spent=d.seconds_spent,
    )


class DatasetSync:
    """One store, one dataset folder. Use :meth:`run` (or the steps, for tests)."""

    def __init__(
        self,
        store: Any,
        dataset: Path | str,
        reviewer: str | None = None,
        *,
        samples: bool = True,
        state_path: Path | None = None,
        keys_dir: Path | None = None,
    ):
        self.store = store
        self.root = ensure_dataset(Path(dataset))
        self.reviewer = reviewer
        self.samples = samples
        self.state = SyncState(state_path or state_path_for(Path(store.path), self.root))
        self.keys = Keyring(keys_dir) if keys_dir else Keyring.for_store(store.path)
        self.report = SyncReport(str(self.root), reviewer)
        self._touched_versions: set[tuple[str, str, str]] = set()
        self._pulled_versions: set[tuple[str, str, str]] = set()
        self._touched_packages: set[tuple[str, str]] = set()

    def close(self) -> None:
        self.state.close()

    def _sign(self, label: dict[str, Any]) -> dict[str, Any]:
        return self.keys.own(label["reviewer"]).sign(label)

    # ------------------------------------------------------------------ helpers

    def local_reviewers(self) -> set[str]:
        names = self.store.decision_reviewers()
        if self.reviewer:
            names.add(self.reviewer)
        return names

    def _problem(self, path: str, error: str) -> None:
        self.report.problems.append(FileProblem(path, error))

    def _note_written(self, rel: str, label: dict[str, Any]) -> None:
        """Index a file we wrote, so the next walk does not re-read it."""
        try:
            st = os.lstat(self.root / rel)
        except OSError:
            return
        self.state.put_label(rel, FileSig.of(st), label)
        self._touch((label["ecosystem"], label["name"], label["version"]))

    def _touch(self, key: tuple[str, str, str]) -> None:
        """This version's labels changed: conflicts and derived files need a look (recorded
        in the state too, so a crash before that look does not lose it)."""
        self.state.mark_dirty(key)
        self._touched_versions.add(key)
        self._touched_packages.add(key[:2])

    def _current_bytes(self, rel: str) -> bytes | None:
        try:
            return read_file(self.root, rel)
        except FileNotFoundError:
            return None
        except (DatasetError, OSError):
            return None  # unreadable or hostile: our atomic write replaces it

    # ------------------------------------------------------------------ push

    def _artifact_for(
        self, item_id: int, eco: str, name: str, version: str, verdict: str
    ) -> dict | None:
        arts = [a for a in self.store.artifacts_for(item_id) if a.role == "new"]
        exact = [a for a in arts if a.version == version]
        art = (exact or (arts if len(arts) == 1 else []) or [None])[-1]
        if art is None:
            return None
        local = Path(art.path) if art.path else None
        filename = local.name if local else (art.url or "").rsplit("/", 1)[-1] or None
        out = {"filename": filename, "sha256": art.sha256, "sample": None}
        if not (self.samples and verdict == "malicious" and local and local.is_file()):
            return out
        try:
            rel = sample_relpath(eco, name, version, check_filename(local.name))
            info = None
            if file_exists(self.root, rel):
                try:
                    info = inspect_sample(self.root, rel)
                except SampleError:
                    info = None
            if info is None or not art.sha256 or info.recorded_sha256 != art.sha256:
                sha = write_sample(self.root, rel, local, local.name)
                out["sha256"] = out["sha256"] or sha
                if art.sha256 and sha != art.sha256:
                    self._problem(
                        rel,
                        f"artifact on disk has sha256 {sha}, the store says "
                        f"{art.sha256}; sample written from the file on disk",
                    )
                    out["sha256"] = sha
                self.report.samples.append(rel)
            out["sample"] = rel
        except DatasetError as exc:
            self._problem(str(local), f"sample not written: {exc}")
        return out

    def push(self) -> None:
        pending = self.store.unsynced_decisions(include_undone=True)
        if self.reviewer:
            pending = [d for d in pending if d.reviewer == self.reviewer]
        by_item: dict[tuple[int, str], list[Decision]] = {}
        for d in pending:
            by_item.setdefault((d.item_id, d.reviewer), []).append(d)
        for (item_id, reviewer), decisions in sorted(by_item.items()):
            try:
                self._push_item(item_id, reviewer, decisions)
            except DatasetError as exc:
                self._problem(f"item {item_id}", str(exc))

    def _push_item(self, item_id: int, reviewer: str, decisions: list[Decision]) -> None:
        item = self.store.get_item(item_id)
        eco, project = item.ecosystem, normalize_name(item.ecosystem, item.project)
        if not item.versions:
            self._problem(f"item {item_id}", "has no version; nothing to label")
            return
        current = [
            d for d in self.store.decisions_for(item_id) if d.reviewer == reviewer and not d.undone
        ]
        cur = current[-1] if current else None
        refs = []
        for version in item.versions:
            if cur is not None:
                art = self._artifact_for(item_id, eco, project, version, cur.verdict)
                label = label_from_decision(cur, eco, project, version, art)
            else:
                label = self._withdrawn_label(eco, project, version, reviewer)
                if label is None:
                    continue
            label = self._sign(label)
            rel = label_path(label)
            data = dump_label(label)
            if self._current_bytes(rel) != data:
                _test_pause("label", rel)
                atomic_write(self.root, rel, data)
                (self.report.withdrawn if label["withdrawn"] else self.report.pushed).append(rel)
            self._note_written(rel, label)
            refs.append(rel)
        _test_pause("mark", f"item {item_id}")
        for d in decisions:
            self.store.mark_synced(d.id, ref=";".join(refs) or None)
            self.report.marked_synced += 1

    def _withdrawn_label(self, eco: str, name: str, version: str, reviewer: str) -> dict | None:
        rel = label_relpath(eco, name, version, reviewer)
        data = self._current_bytes(rel)
        if data is None:
            return None
        try:
            label = parse_label(data, rel)
        except DatasetError:
            return None
        if label.get("withdrawn"):
            return label
        label.update(withdrawn=True, withdrawn_at=now_iso())
        return label

    # ------------------------------------------------------------------ pull

    def pull(self, chunk: int = 200) -> None:
        """Read the label files whose signature changed; store the others' labels.

        Store writes and state rows are committed together every ``chunk`` files (one fsync
        per chunk instead of per label); a crash in between just redoes that chunk. The first
        sync of a state (and one after a reset) compares *every* label of a local reviewer
        with the store, so labels from before signing get signed and a change made while this
        store was not looking is found.
        """
        mine = self.local_reviewers()
        stored = self.store.external_label_count()
        if self.state.foreign_count(mine) > stored:
            self.state.reset()  # a store re-created at the same path: do not trust the index
            self.state.set_meta(OWN_CHECKED, None)
        check_own = self.state.get_meta(OWN_CHECKED) != "1"
        known = self.state.signatures()
        seen: set[str] = set()
        changed: list[tuple[str, FileSig]] = []
        for entry in walk_labels(self.root):
            seen.add(entry.rel)
            if entry.problem:
                self._problem(entry.rel, entry.problem)
                continue
            sig = FileSig.of(entry.st)
            old = known.get(entry.rel)
            recheck = bool(old and old[1] and old[1].startswith(FORGED)) or (
                check_own and label_owner(entry.rel) in mine
            )
            if old is not None and old[0] == sig and not recheck:
                if old[1]:
                    self._problem(entry.rel, old[1])  # still broken: say so again
                continue
            changed.append((entry.rel, sig))
        gone = sorted(set(known) - seen)
        for start in range(0, max(len(changed), 1), chunk):
            part = changed[start : start + chunk]
            self.state.begin()
            try:
                with self.store.batch():
                    for rel, sig in part:
                        self._pull_file(rel, sig, mine)
                    if start + chunk >= len(changed):
                        for rel in gone:
                            self._pull_removed(rel, mine)
            except BaseException:
                self.state.rollback()  # the store rolled back too: redo this chunk next time
                raise
            self.state.commit()
        self.state.set_meta(OWN_CHECKED, "1")
        self.keys.save()

    def _pull_file(self, rel: str, sig: FileSig, mine: set[str]) -> None:
        owner = label_owner(rel)
        if owner in mine:
            self._check_own(rel, sig, owner)
            return
        try:
            label = read_label_file(self.root, rel)
        except (DatasetError, OSError) as exc:
            msg = str(exc) if isinstance(exc, DatasetError) else (exc.strerror or str(exc))
            self.state.put_error(rel, sig, msg)
            self._problem(rel, msg)
            return
        why = self.keys.trust_problem(label["reviewer"], label)
        if why:
            self._forged(rel, sig, label["reviewer"], why)
            return
        seen = self.state.summary(rel)
        if seen and _older_than_seen(label, seen):
            # A label its reviewer really signed, but older than one already seen here: an
            # old file copied back. The newer one stays counted; the state row keeps it (and
            # its old stat signature), so every sync checks and says this again.
            msg = (
                f"replayed? decided {label.get('decided_at')}, before the label of "
                f"{label['reviewer']} seen here already ({seen.get('decided_at')})"
            )
            self._problem(rel, forged_message(label["reviewer"], msg))
            self.report.forged.append({"path": rel, "reviewer": label["reviewer"], "why": msg})
            return
        sample_problem = check_label_sample(self.root, label)
        if sample_problem:
            self._problem(label["artifact"]["sample"], sample_problem)
        _test_pause("pull", rel)
        self.store.upsert_external_label(
            label["ecosystem"], label["name"], label["version"], label["reviewer"], label
        )
        self.report.pulled.append(rel)
        if "signature" not in label:
            self.report.unsigned.append(rel)
        self._pulled_versions.add((label["ecosystem"], label["name"], label["version"]))
        self.state.put_label(rel, sig, label)
        self._touch((label["ecosystem"], label["name"], label["version"]))

    def _forged(self, rel: str, sig: FileSig, reviewer: str, why: str) -> None:
        """A label in ``reviewer``'s name they did not sign: listed, never counted (its state
        row holds the reason instead of a summary, so conflicts, OSV and manifest skip it)."""
        msg = forged_message(reviewer, why)
        had = self.state.summary(rel)
        self.state.put_error(rel, sig, msg)
        self._problem(rel, msg)
        self.report.forged.append({"path": rel, "reviewer": reviewer, "why": why})
        key = release_of(rel)
        if had or key:
            self._touch(key or (had["ecosystem"], had["name"], had["version"]))

    def _expected_own(self, eco: str, name: str, version: str, reviewer: str) -> dict | None:
        """The signed label this store says ``reviewer`` has on a release (None: the store
        holds no current decision of theirs on it)."""
        best = None
        for item in items_for_release(self.store, eco, name, version):
            for d in self.store.decisions_for(item.id):
                if d.reviewer == reviewer and not d.undone and (best is None or d.id > best[1].id):
                    best = (item, d)
        if best is None:
            return None
        item, d = best
        art = self._artifact_for(item.id, eco, name, version, d.verdict)
        return self._sign(label_from_decision(d, eco, name, version, art))

    def _check_own(self, rel: str, sig: FileSig, owner: str) -> None:
        """A local reviewer's label file changed: it must be what this store wrote."""
        key = release_of(rel)
        expected = self._expected_own(*key, owner) if key else None
        try:
            label: dict | None = read_label_file(self.root, rel)
        except (DatasetError, OSError):
            label = None  # unreadable or misplaced: replaced below if the store has it
        if expected is not None:
            want = dump_label(expected)
            if self._current_bytes(rel) != want:
                _test_pause("restore", rel)
                atomic_write(self.root, rel, want)
                if (
                    label is not None
                    and "signature" not in label
                    and (signing_bytes(label) == signing_bytes(expected))
                ):
                    self.report.resigned.append(rel)  # written before labels were signed
                else:
                    self._restored(rel, owner, key, "changed")
            self._note_written(rel, expected)
            return
        # No current decision of the owner here: only a label signed with the owner's own key
        # (a withdrawal this store wrote, or the owner's key on another machine) is theirs.
        why = self.keys.trust_problem(owner, label) if label is not None else "unreadable"
        if label is not None and why is None:
            self.state.put_label(rel, sig, label)
            self._touch((label["ecosystem"], label["name"], label["version"]))
            return
        self._forged(rel, sig, owner, f"{why}, and this store holds no decision of {owner} on it")

    def _restored(self, rel: str, owner: str, key: tuple[str, str, str], change: str) -> None:
        eco, name, version = key
        self.report.restored.append(
            {
                "path": rel,
                "reviewer": owner,
                "ecosystem": eco,
                "name": name,
                "version": version,
                "change": change,
            }
        )

    def _pull_removed(self, rel: str, mine: set[str]) -> None:
        summary = self.state.drop(rel)
        owner = label_owner(rel)
        if owner in mine:
            key = release_of(rel)
            expected = self._expected_own(*key, owner) if key else None
            if expected is not None:
                _test_pause("restore", rel)
                atomic_write(self.root, rel, dump_label(expected))
                self._note_written(rel, expected)
                self._restored(rel, owner, key, "deleted")
                return
        if not summary:
            return
        key = (summary["ecosystem"], summary["name"], summary["version"])
        self._touch(key)
        if summary["reviewer"] in mine:
            return
        gone = {**summary, "withdrawn": True, "removed_from_dataset": True}
        self.store.upsert_external_label(*key, summary["reviewer"], gone)
        self.report.removed.append(rel)
        self._pulled_versions.add(key)

    # ------------------------------------------------------------------ consensus

    def reopen_conflicts(self) -> None:
        """A conflict not seen before re-opens the local queue items of that release."""
        for key in sorted(self._touched_versions):
            labels = self.state.labels_of_version(*key)
            reasons = conflict_reasons(labels)
            k = json.dumps(key)
            if not reasons:
                self.state.set_conflict(k, None)
                continue
            active = sorted(
                (lb["reviewer"], lb["verdict"], lb.get("action") or "")
                for lb in labels
                if not lb.get("withdrawn")
            )
            sig = json.dumps(active)
            self.report.conflicts.append(
                {"ecosystem": key[0], "name": key[1], "version": key[2], "reasons": reasons}
            )
            if self.state.conflict_signature(k) == sig:
                continue
            for item in self._items_for(*key):
                if item.status != "needs_second_review":
                    self.store.set_status(item.id, "needs_second_review", actor="vetbench-sync")
                    self.report.reopened.append(item.id)
            self.state.set_conflict(k, sig)

    def _items_for(self, eco: str, name: str, version: str) -> list:
        return items_for_release(self.store, eco, name, version)

    # ------------------------------------------------------------------ derived files

    def write_derived(self, full: bool = False) -> None:
        """OSV records of the touched packages (all, if ``full``) and the manifest.

        The manifest is updated in place for the touched packages; when it is missing, damaged
        or ``full`` is asked (after git merged someone else's), it is rebuilt from the index.
        """
        osv_packages = set(self._touched_packages)
        manifest = None if full else self._load_manifest()
        if manifest is None:
            manifest = {}
            manifest_packages = {(lb["ecosystem"], lb["name"]) for lb in self.state.all_labels()}
        else:
            manifest_packages = set(osv_packages)
        if full:
            osv_packages |= manifest_packages
        entries: dict[tuple[str, str], list[str]] = {
            (eco, name): list(vers)
            for eco, names in manifest.items()
            for name, vers in names.items()
        }
        for eco, name in sorted(manifest_packages | osv_packages):
            by_version: dict[str, list[dict]] = {}
            for lb in self.state.labels_of_package(eco, name):
                by_version.setdefault(lb["version"], []).append(lb)
            bad = sorted(v for v, lbs in by_version.items() if is_malicious(lbs))
            entries[(eco, name)] = bad
            if (eco, name) in osv_packages:
                contributing = [
                    lb
                    for v in bad
                    for lb in by_version[v]
                    if lb["verdict"] == "malicious" and not lb.get("withdrawn")
                ]
                try:
                    self._write_osv(eco, name, bad, contributing)
                except DatasetError as exc:
                    self._problem(osv_relpath(eco, name), f"not written: {exc}")
        data = dump_manifest(build_manifest(entries))
        if self._current_bytes(MANIFEST) != data:
            try:
                atomic_write(self.root, MANIFEST, data, durable=False)
                self.report.derived.append(MANIFEST)
            except DatasetError as exc:
                self._problem(MANIFEST, f"not written: {exc}")

    def _write_osv(self, eco: str, name: str, versions: list[str], labels: list[dict]) -> None:
        rel = osv_relpath(eco, name)
        if not versions:
            if remove_file(self.root, rel):
                self.report.derived.append(rel)
            return
        data = dump_osv(build_osv(eco, name, versions, labels))
        if self._current_bytes(rel) != data:
            atomic_write(self.root, rel, data, durable=False)
            self.report.derived.append(rel)

    def _load_manifest(self) -> dict | None:
        data = self._current_bytes(MANIFEST)
        if data is None:
            return None if any(True for _ in self.state.all_labels()) else {}
        try:
            obj = loads_bounded(data)
            ok = isinstance(obj, dict) and all(
                isinstance(v, dict) and all(isinstance(x, list) for x in v.values())
                for v in obj.values()
            )
            return obj if ok else None
        except (ValueError, UnicodeDecodeError):
            return None

    # ------------------------------------------------------------------ all

    def run(self, *, full_derived: bool = False) -> SyncReport:
        self.push()
        self.pull()
        leftover = self.state.dirty()  # from a sync that died before finishing
        for key in leftover:
            self._touched_versions.add(key)
            self._touched_packages.add(key[:2])
        _test_pause("derive", "")
        self.reopen_conflicts()
        self.write_derived(full=full_derived)
        if self.report.derived:
            # Derived files are written without per-file fsync; one barrier makes them durable
            # before the versions stop being "dirty" (a power cut before it: regenerated).
            sync_filesystem(self.root)
        self.state.clear_dirty(self._touched_versions)
        return self.report


def sync_dataset(
    store: Any, dataset: Path | str, reviewer: str | None = None, **kw: Any
) -> SyncReport:
    """Push, pull, re-open conflicts and refresh derived files; see :class:`DatasetSync`."""
    full = kw.pop("full_derived", False)
    s = DatasetSync(store, dataset, reviewer, **kw)
    try:
        return s.run(full_derived=full)
    finally:
        s.close()
