"""Live dataset: labels another reviewer writes (or a ``git pull`` brings) reach the app fast.

:func:`watch_dataset` watches ``DIR/labels`` with the store's Qt-free
:class:`app.core.intake.watch.FolderWatcher` and calls ``callback(change)`` with the labels that
appeared, changed or vanished, already parsed and checked like a sync would (hostile files come
back as problems). With a ``store`` it also records the other reviewers' labels there, so a
running app only has to refresh its view. The callback runs on the watcher's thread; the UI hops
to the Qt thread itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.intake.watch import FolderWatcher
from app.sync.consensus import conflict_reasons
from app.sync.dataset import FileProblem, read_label_file
from app.sync.labels import label_path
from app.sync.layout import LABELS_DIR, DatasetError, UnsafePath
from app.sync.signing import Keyring, forged_message


@dataclass
class DatasetChange:
    """One debounced batch of label changes."""

    labels: list[dict[str, Any]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # dataset-relative paths now gone
    problems: list[FileProblem] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)  # queue items sent to a second review


def reopen_on_conflict(store: Any, labels: list[dict[str, Any]]) -> list[int]:
    """Re-open local items whose release now has conflicting labels (the local reviewers'
    current decisions against the other reviewers' labels in the store)."""
    from app.sync.engine import items_for_release

    reopened = []
    for key in sorted({(lb["ecosystem"], lb["name"], lb["version"]) for lb in labels}):
        items = items_for_release(store, *key)
        if not items:
            continue
        others = [
            e.label
            for e in store.external_labels_for(key)
            if isinstance(e.label, dict) and "verdict" in e.label
        ]
        for item in items:
            d = store.current_decision(item.id)
            if d is None or item.status == "needs_second_review":
                continue
            mine = {"reviewer": d.reviewer, "verdict": d.verdict, "action": d.action}
            if conflict_reasons([mine, *others]):
                store.set_status(item.id, "needs_second_review", actor="vetbench-sync")
                reopened.append(item.id)
    return reopened


def read_changes(root: Path, paths: list[Path]) -> DatasetChange:
    """Parse the label files a watcher reported (relative to ``root``)."""
    root = Path(root)
    bases = [os.path.abspath(root), os.path.realpath(root)]
    change = DatasetChange()
    for p in paths:
        full = os.path.abspath(p)
        base = next((b for b in bases if full.startswith(b + os.sep)), None)
        if base is None:
            continue
        rel = os.path.relpath(full, base).replace(os.sep, "/")
        if not os.path.lexists(os.path.join(root, rel)):
            change.removed.append(rel)
            continue
        try:
            change.labels.append(read_label_file(root, rel))
        except (DatasetError, OSError) as exc:
            msg = str(exc) if isinstance(exc, DatasetError) else (exc.strerror or str(exc))
            change.problems.append(FileProblem(rel, msg))
    return change


def watch_dataset(
    root: Path | str,
    callback: Callable[[DatasetChange], None],
    *,
    store: Any = None,
    local_reviewers: set[str] | frozenset[str] = frozenset(),
    debounce: float = 0.2,
) -> FolderWatcher:
    """Start watching ``root/labels``; returns the running watcher (call ``.stop()``).

    With ``store``, labels of reviewers not in ``local_reviewers`` are upserted as external
    labels before ``callback`` runs, and a local item whose current decision they contradict is
    re-opened as ``needs_second_review`` (``change.reopened``). Raises :class:`UnsafePath` if
    ``labels`` is a symlink.
    """
    root = Path(root)
    labels = root / LABELS_DIR
    if labels.is_symlink():
        raise UnsafePath(f"{labels}: is a symlink; refusing to watch it")

    keys = Keyring.for_store(store.path) if store is not None else None

    def on_batch(paths: list[Path]) -> None:
        change = read_changes(root, paths)
        if store is not None and keys is not None:
            foreign = []
            for lb in [lb for lb in change.labels if lb["reviewer"] not in local_reviewers]:
                why = keys.trust_problem(lb["reviewer"], lb)
                if why:  # not the reviewer's signature: listed, never stored or shown as theirs
                    change.labels.remove(lb)
                    msg = forged_message(lb["reviewer"], why)
                    change.problems.append(FileProblem(label_path(lb), msg))
                    continue
                store.upsert_external_label(
                    lb["ecosystem"], lb["name"], lb["version"], lb["reviewer"], lb
                )
                foreign.append(lb)
            keys.save()
            change.reopened = reopen_on_conflict(store, foreign)
        callback(change)

    watcher = FolderWatcher(
        labels, on_batch, debounce=debounce, patterns=("*.json",), recursive=True
    )
    return watcher.start()
