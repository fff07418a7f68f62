"""Reading a dataset folder someone else wrote: walk the labels, refuse what is hostile.

Every problem is reported for the one file it concerns (a :class:`FileProblem`) and the walk
goes on: a malformed label, a label whose content does not match where it lies (which could
make one reviewer's file pose as another's), a symlinked file or folder, a sample zip with a
zip-slip or link entry. Nothing is ever followed out of the dataset, and nothing is extracted.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.sync.labels import LabelError, label_path, parse_label
from app.sync.layout import (
    LABELS_DIR,
    TMP_SUFFIX,
    DatasetError,
    sample_relpath,
    split_relpath,
    sweep_stale_temp,
)
from app.sync.layout import read_file as safe_read
from app.sync.samples import SampleError, inspect_sample
from app.sync.signing import forged_message, signature_problem


@dataclass(frozen=True)
class FileProblem:
    """One dataset file that was refused, and why (shown to the user, never fatal)."""

    path: str
    error: str

    def __str__(self) -> str:
        return f"{self.path}: {self.error}" if not self.error.startswith(self.path) else self.error

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "error": str(self)}


@dataclass(frozen=True)
class Entry:
    """A candidate label file: its relative path and lstat result (or a problem)."""

    rel: str
    st: os.stat_result | None
    problem: str | None = None


def walk_labels(root: Path) -> Iterator[Entry]:
    """Every ``*.json`` under ``labels/``, with its lstat; symlinks come back as problems.

    One ``scandir`` per folder and one ``lstat`` per label: the floor for noticing a change
    made in place, and what a sync with nothing to do costs.
    """
    root = Path(root)
    top = root / LABELS_DIR
    try:
        top_st = os.lstat(top)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(top_st.st_mode):
        yield Entry(LABELS_DIR, None, "is a symlink; refusing to follow it")
        return
    yield from _walk_dir(str(top), LABELS_DIR)


def _walk_dir(path: str, rel_dir: str) -> Iterator[Entry]:
    try:
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield Entry(rel_dir, None, f"cannot list ({exc.strerror})")
        return
    temps = []
    for e in entries:
        name = e.name
        rel = f"{rel_dir}/{name}"
        if e.is_symlink():
            if not name.startswith("."):
                kind = "a symlink to a folder" if os.path.isdir(e.path) else "a symlink"
                yield Entry(rel, None, f"is {kind}; refusing to follow it")
        elif e.is_dir(follow_symlinks=False):
            if not name.startswith("."):
                yield from _walk_dir(e.path, rel)
        elif name.startswith("."):
            if name.endswith(TMP_SUFFIX):
                temps.append(name)
        elif name.endswith(".json"):
            try:
                st = e.stat(follow_symlinks=False)
            except OSError as exc:
                yield Entry(rel, None, f"cannot stat ({exc.strerror})")
                continue
            if stat.S_ISREG(st.st_mode):
                yield Entry(rel, st)
            else:
                yield Entry(rel, st, "not a regular file")
    if temps:
        sweep_stale_temp(path, temps)


def read_label_file(root: Path, rel: str) -> dict[str, Any]:
    """Parse and validate one label file; its content must belong at its own path."""
    split_relpath(rel)
    data = safe_read(Path(root), rel)
    label = parse_label(data, rel)
    expected = label_path(label)
    if expected != rel:
        raise LabelError(f"{rel}: content belongs at {expected}; refusing a misplaced label")
    return label


def check_label_sample(root: Path, label: dict[str, Any]) -> str | None:
    """Problem with the sample a label points at, if any (missing is fine: samples are
    optional, e.g. too large or not kept)."""
    art = label.get("artifact") or {}
    sample = art.get("sample")
    if not sample:
        return None
    try:
        expected = sample_relpath(
            label["ecosystem"], label["name"], label["version"], art.get("filename") or ""
        )
    except DatasetError as exc:
        return f"sample: {exc}"
    if sample != expected:
        return f"sample path {sample!r} is not where the layout puts it ({expected})"
    try:
        info = inspect_sample(Path(root), sample)
    except SampleError as exc:
        if str(exc).endswith(": missing"):
            return None
        return str(exc)
    except DatasetError as exc:
        return str(exc)
    if art.get("sha256") and info.recorded_sha256 and info.recorded_sha256 != art["sha256"]:
        return f"{sample}: holds sha256 {info.recorded_sha256}, the label says {art['sha256']}"
    return None


def read_all_labels(root: Path) -> tuple[list[dict[str, Any]], list[FileProblem]]:
    """Every valid label of the dataset that its reviewer may have written (full read; the
    sync itself is incremental): validly signed, or unsigned by a reviewer never seen signing. Without a store there are no pinned keys: this checks that each label's
    signature holds, not whose key made it (the sync does that)."""
    read: list[tuple[str, dict[str, Any], str | None]] = []
    problems = []
    for entry in walk_labels(root):
        if entry.problem:
            problems.append(FileProblem(entry.rel, entry.problem))
            continue
        try:
            label = read_label_file(root, entry.rel)
        except (DatasetError, OSError) as exc:
            problems.append(FileProblem(entry.rel, _msg(exc)))
            continue
        read.append((entry.rel, label, signature_problem(label)))
    # A reviewer with a valid signature anywhere here signs: an unsigned label in their name is
    # not theirs. Reviewers never seen signing (older labels, other tools) are counted.
    signers = {label["reviewer"] for _, label, why in read if why is None}
    labels = []
    for rel, label, why in read:
        if why == "unsigned" and label["reviewer"] not in signers:
            why = None
        if why:
            problems.append(FileProblem(rel, forged_message(label["reviewer"], why)))
        else:
            labels.append(label)
    return labels, problems


def _msg(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, DatasetError):
        return exc.strerror or str(exc)
    return str(exc)
