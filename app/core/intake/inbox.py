"""The inbox: a folder where scanners and report feeds drop JSON reports for the queue.

Format (``vetbench.report/1``): one JSON object, or a JSON list of them::

    {"ecosystem": "pypi", "name": "requests2", "version": "1.0.1",
     "reason": "typosquat of requests, posts env to 203.0.113.7", "reporter": "scanner-a",
     "source": "scanner", "baseline": "1.0.0",
     "artifact": {"url": "https://files.example.invalid/requests2-1.0.1.tar.gz",
                  "sha256": "<64 hex>"}}

``versions`` (a list) may replace or accompany ``version``; ``artifact`` holds a ``path``
(absolute, or relative to the inbox folder) and/or a ``url`` (then ``sha256`` is required).

Guarantees, because reports arrive from other programs and must never be lost:

* a file that does not validate moves to ``rejected/`` with ``<file>.error.txt`` beside it
  saying why; nothing raises out of :func:`import_inbox` for bad input;
* a valid file's items and the file's sha256 are committed in ONE transaction, then the file
  moves to ``imported/``. If the process dies between the two, the next run sees the sha256
  and only finishes the move: each file is imported exactly once (an identical file dropped
  again later is recognised the same way and not counted twice);
* hidden, ``*.tmp`` and ``*.part`` files are ignored and a file that does not parse but was
  modified in the last few seconds is left for the next pass (a writer may still be busy):
  writers should write to a temporary name and rename.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from app.config import default_inbox_dir
from app.core.intake.watch import FolderWatcher
from app.core.jsondata import JSONInputError, loads_bounded
from app.core.store.records import ECOSYSTEMS, Change

REPORT_SOURCES = ("report", "scanner", "feed", "inbox")
MAX_FILE_BYTES = 10 * 1024 * 1024
SETTLE_SECONDS = 3.0
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_NAME = re.compile(r"^[^\s\x00-\x1f]{1,214}$")
_VERSION = re.compile(r"^[^\s\x00-\x1f\x7f-\x9f]{1,200}$")


class InboxFormatError(ValueError):
    """The file is not a valid report file; ``problems`` lists every issue found."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class InboxReport:
    ecosystem: str
    name: str
    versions: tuple[str, ...]
    reason: str | None = None
    reporter: str | None = None
    source: str = "inbox"
    baseline: str | None = None
    artifact_path: str | None = None
    artifact_url: str | None = None
    artifact_sha256: str | None = None


def _validate_one(obj: object, where: str, base: Path | None) -> tuple[InboxReport | None, list]:  # noqa: C901 - one field check after another, kept in the order of the format
    problems: list[str] = []
    if not isinstance(obj, dict):
        return None, [f"{where}: a report is a JSON object, got {type(obj).__name__}"]

    def opt_str(key: str, limit: int = 20000) -> str | None:
        v = obj.get(key)
        if v is None:
            return None
        if not isinstance(v, str) or len(v) > limit:
            problems.append(f"{where}: {key} must be a string (at most {limit} characters)")
            return None
        return v

    eco = obj.get("ecosystem")
    if not isinstance(eco, str) or eco.lower() not in ECOSYSTEMS:
        problems.append(f"{where}: ecosystem must be one of {', '.join(ECOSYSTEMS)}")
    name = obj.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(f"{where}: name must be a package name (1-214 characters, no spaces)")
    versions: list[str] = []
    if "version" in obj:
        v = obj["version"]
        if isinstance(v, str) and _VERSION.match(v.strip()):
            versions.append(v.strip())
        else:
            problems.append(f"{where}: version must be a version string (no spaces or controls)")
    if "versions" in obj:
        vs = obj["versions"]
        if (
            isinstance(vs, list)
            and vs
            and all(isinstance(x, str) and _VERSION.match(x.strip()) for x in vs)
        ):
            versions += [x.strip() for x in vs if x.strip() not in versions]
        else:
            problems.append(f"{where}: versions must be a non-empty list of version strings")
    if "version" not in obj and "versions" not in obj:
        problems.append(f"{where}: version or versions is required")
    reason, reporter = opt_str("reason"), opt_str("reporter", 200)
    baseline = opt_str("baseline", 200)
    source = obj.get("source", "inbox")
    if source not in REPORT_SOURCES:
        problems.append(f"{where}: source must be one of {', '.join(REPORT_SOURCES)}")
    path = url = sha = None
    art = obj.get("artifact")
    if art is not None:
        if not isinstance(art, dict):
            problems.append(f"{where}: artifact must be an object with path and/or url")
        else:
            path, url, sha = art.get("path"), art.get("url"), art.get("sha256")
            if path is None and url is None:
                problems.append(f"{where}: artifact needs a path or a url")
            if path is not None and (not isinstance(path, str) or not path or "\x00" in path):
                problems.append(f"{where}: artifact.path must be a string (no NUL)")
                path = None
            if url is not None and (
                not isinstance(url, str) or not url.startswith(("https://", "http://"))
            ):
                problems.append(f"{where}: artifact.url must be an http(s) URL")
            if sha is not None and (not isinstance(sha, str) or not _SHA256.match(sha)):
                problems.append(f"{where}: artifact.sha256 must be 64 hex digits")
            elif url is not None and sha is None:
                problems.append(f"{where}: artifact.sha256 is required with artifact.url")
            if isinstance(path, str) and base is not None and not os.path.isabs(path):
                path = str((base / path).resolve())
    if problems:
        return None, problems
    return (
        InboxReport(
            ecosystem=cast(str, eco).lower(),  # eco and name were checked: no problems
            name=cast(str, name),
            versions=tuple(versions),
            reason=reason,
            reporter=reporter,
            source=source,
            baseline=baseline,
            artifact_path=path,
            artifact_url=url,
            artifact_sha256=sha.lower() if sha else None,
        ),
        [],
    )


def parse_reports(data: bytes, base: Path | None = None) -> list[InboxReport]:
    """Validate a report file's bytes; raise :class:`InboxFormatError` listing all problems."""
    if len(data) > MAX_FILE_BYTES:
        raise InboxFormatError([f"file larger than {MAX_FILE_BYTES} bytes"])
    try:
        doc = loads_bounded(data, encoding="utf-8-sig")
    except JSONInputError as exc:
        raise InboxFormatError([str(exc)]) from None
    items = doc if isinstance(doc, list) else [doc]
    if not items:
        raise InboxFormatError(["an empty list holds no report"])
    reports, problems = [], []
    for i, obj in enumerate(items):
        where = f"report {i + 1}" if isinstance(doc, list) else "report"
        rep, probs = _validate_one(obj, where, base)
        problems += probs
        if rep is not None:
            reports.append(rep)
    if problems:
        raise InboxFormatError(problems)
    return reports


@dataclass
class ImportResult:
    """What one pass over the inbox did (file names relative to the inbox)."""

    imported: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file, error)
    already_imported: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, OS error): left in place
    item_ids: set[int] = field(default_factory=set)
    change: Change = field(default_factory=Change)

    def to_json(self) -> dict:
        return {
            "imported": self.imported,
            "rejected": [{"file": f, "error": e} for f, e in self.rejected],
            "already_imported": self.already_imported,
            "deferred": self.deferred,
            "failed": [{"file": f, "error": e} for f, e in self.failed],
            "item_ids": sorted(self.item_ids),
        }


def _move_aside(src: Path, folder: Path) -> Path:
    """Move ``src`` into ``folder`` without overwriting an earlier file of the same name."""
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / src.name
    n = 1
    while dest.exists():
        dest = folder / f"{src.stem}.{n}{src.suffix}"
        n += 1
    os.replace(src, dest)
    return dest


def _read_at_most(path: Path, limit: int) -> bytes:
    """The file's bytes, but never more than ``limit`` + 1 of them (it may grow after the
    size check): the caller sees a too-long result and refuses it."""
    with open(path, "rb") as fh:
        return fh.read(limit + 1)


def _matching(inbox: Path) -> list[Path]:
    probe = FolderWatcher(inbox, lambda _paths: None)
    return [p for p in sorted(inbox.glob("*")) if p.is_file() and probe.matches(p)]


def _quarantine(path: Path, inbox: Path, problems: list[str], result: ImportResult) -> None:
    """Move a refused file into ``rejected/`` with ``<file>.error.txt`` saying why."""
    rejected = inbox / "rejected"
    rejected.mkdir(parents=True, exist_ok=True)
    try:
        dest = _move_aside(path, rejected)
    except FileNotFoundError:
        return
    (rejected / (dest.name + ".error.txt")).write_text("\n".join(problems) + "\n", "utf-8")
    result.rejected.append((path.name, "; ".join(problems)))


def import_file(store, path: Path, inbox: Path, result: ImportResult) -> None:
    """Import one inbox file into ``store`` (see the module doc for the guarantees).

    The size is checked before the file is read: a 3 GB file dropped into the inbox is
    rejected unread instead of filling memory."""
    try:
        stat = path.stat()
        too_large = stat.st_size > MAX_FILE_BYTES
        data = b"" if too_large else _read_at_most(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        return  # another importer took it
    sha = hashlib.sha256(data).hexdigest()
    try:
        if too_large or len(data) > MAX_FILE_BYTES:
            raise InboxFormatError(
                [f"file larger than {MAX_FILE_BYTES} bytes ({stat.st_size} bytes); not read"]
            )
        reports = parse_reports(data, base=inbox)
    except InboxFormatError as exc:
        if not too_large and time.time() - stat.st_mtime < SETTLE_SECONDS:
            result.deferred.append(path.name)
            return
        _quarantine(path, inbox, exc.problems, result)
        return
    ids: list[int] = []
    change = Change()
    with store.batch():
        if store.inbox_file_imported(sha):
            fresh = False
        else:
            fresh = True
            for rep in reports:
                item, ch = store.add_item(
                    rep.ecosystem,
                    rep.name,
                    rep.versions,
                    baseline=rep.baseline,
                    source=rep.source,
                    reporter=rep.reporter,
                    report_text=rep.reason,
                    artifact_path=rep.artifact_path,
                    artifact_url=rep.artifact_url,
                    artifact_sha256=rep.artifact_sha256,
                )
                ids.append(item.id)
                change = change | ch
            store.record_inbox_file(sha, path.name, ids)
    if fresh:
        result.imported.append(path.name)
        result.item_ids.update(ids)
        result.change = result.change | change | Change(frozenset({"inbox"}))
    else:
        result.already_imported.append(path.name)
    try:
        _move_aside(path, inbox / "imported")
    except FileNotFoundError:
        pass  # another importer moved it
    except OSError as exc:  # the items are in; the next pass only retries the move
        result.failed.append((path.name, f"imported, but not moved to imported/: {exc}"))


def import_inbox(
    store, inbox_dir: str | os.PathLike[str] | None = None, files: list[Path] | None = None
) -> ImportResult:
    """Import every report file waiting in the inbox (or just ``files``); never raises for
    bad input. Returns what happened, including a :class:`Change` for the views."""
    inbox = Path(inbox_dir) if inbox_dir is not None else default_inbox_dir()
    inbox.mkdir(parents=True, exist_ok=True)
    result = ImportResult()
    candidates = _matching(inbox) if files is None else [Path(f) for f in files]
    for path in candidates:
        if path.parent.resolve() != inbox.resolve() or not path.is_file():
            continue  # imported/ and rejected/ are not the inbox; deleted files are gone
        try:
            import_file(store, path, inbox, result)
        except OSError as exc:  # unreadable file, read-only inbox…: leave it, say why
            result.failed.append((path.name, exc.strerror or str(exc)))
        except (ValueError, TypeError) as exc:  # a report the store refuses: quarantined
            _quarantine(path, inbox, [f"refused by the store: {exc}"], result)
    return result


def watch_inbox(store_factory, inbox_dir=None, on_import=None, debounce: float = 0.5):
    """A started :class:`FolderWatcher` that imports files as they arrive.

    ``store_factory()`` returns the Store to write to (called on the watcher thread; pass
    e.g. ``lambda: store`` when a shared Store is fine). ``on_import(result)`` is called after
    each batch (the UI refreshes from ``result.change``). Existing files are imported first.
    """
    inbox = Path(inbox_dir) if inbox_dir is not None else default_inbox_dir()

    def handle(paths: list[Path]) -> None:
        result = import_inbox(store_factory(), inbox, files=paths)
        if result.deferred:
            # Try again once the writer is done.
            for name in result.deferred:
                watcher._note(str(inbox / name))
        if on_import is not None:
            on_import(result)

    watcher = FolderWatcher(inbox, handle, debounce=debounce, emit_existing=True)
    return watcher.start()
