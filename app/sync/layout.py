"""The dataset folder: where each file lives, and how to write and read there safely.

A dataset is a plain folder, usually a git working copy, shared by many reviewers::

    labels/<ecosystem>/<name>/<version>/<reviewer>.json      one reviewer's label (vetbench.label/1)
    samples/<ecosystem>/<name>/<version>/<artifact>.zip      the artifact, zip password "infected"
    osv/malicious/<ecosystem>/<name>/MAL-0000-vetbench-<name>.json   OSV record (ossf shape)
    manifest.json                                            {ecosystem: {name: [versions]}}

``<ecosystem>`` is ``pypi`` or ``npm``; ``<name>`` is the normalised project name (PEP 503 for
PyPI, lowercase for npm; a scoped npm name ``@scope/pkg`` is two folders, as ossf lays it out).
The reviewer's file name is the reviewer id percent-encoded, so ``import:datadog`` is a
portable ``import%3Adatadog.json``.

Dataset content is written by other people and is treated as hostile: every write goes through
directory file descriptors opened with ``O_NOFOLLOW`` from the dataset root down, so a symlinked
folder or file planted in the dataset can never redirect a write outside it; every write is
atomic (temp file in the same folder, fsync, rename, fsync of the folder), so a crash leaves
either the old or the new file, never a torn one.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from pathlib import Path
from urllib.parse import quote, unquote

from packaging.utils import canonicalize_name

from app import config
from app.errors import VetbenchError

ECOSYSTEMS = ("pypi", "npm")
LABELS_DIR = "labels"
SAMPLES_DIR = "samples"
OSV_DIR = "osv/malicious"
MANIFEST = "manifest.json"
TMP_SUFFIX = ".vbtmp"
GITIGNORE_LINES = (f"*{TMP_SUFFIX}",)

_SEGMENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+!~-]*$")
_PYPI_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_NPM_PART_RE = re.compile(r"^[a-z0-9][a-z0-9._~-]*$")
_REVIEWER_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+@"
_O_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class DatasetError(VetbenchError):
    """A dataset file or path cannot be used (the message names the file and the reason)."""


class UnsafePath(DatasetError):
    """A path that would leave the dataset, or passes through a symlink."""


# --------------------------------------------------------------------------- names


def normalize_ecosystem(ecosystem: str) -> str:
    eco = (ecosystem or "").strip().lower()
    if eco not in ECOSYSTEMS:
        raise DatasetError(f"unknown ecosystem {ecosystem!r} (expected pypi or npm)")
    return eco


def normalize_name(ecosystem: str, name: str) -> str:
    """The project name as the dataset spells it: PEP 503 for PyPI, lowercase for npm."""
    eco = normalize_ecosystem(ecosystem)
    raw = (name or "").strip()
    if eco == "pypi":
        if len(raw) > 200 or not _PYPI_NAME_RE.match(raw):
            raise DatasetError(f"not a valid PyPI project name: {name!r}")
        return canonicalize_name(raw)
    low = raw.lower()
    parts = low[1:].split("/") if low.startswith("@") else [low]
    if low.startswith("@") and len(parts) != 2 or len(parts) > 2:
        raise DatasetError(f"not a valid npm package name: {name!r}")
    for part in parts:
        if not _NPM_PART_RE.match(part) or len(low) > 214:
            raise DatasetError(f"not a valid npm package name: {name!r}")
    return low


def name_parts(ecosystem: str, name: str) -> list[str]:
    """Path segments of a normalised name (two for a scoped npm package)."""
    norm = normalize_name(ecosystem, name)
    return norm.split("/")


def check_version(version: str) -> str:
    """A version usable as one path segment (no separators, no dot-dot, no hidden names)."""
    v = (version or "").strip()
    if not v or len(v) > 128 or not _SEGMENT_RE.match(v) or ".." in v:
        raise DatasetError(f"not a usable version string: {version!r}")
    return v


def reviewer_filename(reviewer: str) -> str:
    """``<reviewer>.json`` with the id percent-encoded (``import:osv`` -> ``import%3Aosv``)."""
    if not reviewer or len(reviewer) > 100 or reviewer.strip() != reviewer:
        raise DatasetError(f"not a usable reviewer id: {reviewer!r}")
    encoded = quote(reviewer, safe=_REVIEWER_SAFE)
    if encoded.startswith(".") or "/" in encoded:
        raise DatasetError(f"not a usable reviewer id: {reviewer!r}")
    return encoded + ".json"


def reviewer_from_filename(filename: str) -> str:
    return unquote(filename[: -len(".json")]) if filename.endswith(".json") else unquote(filename)


def check_filename(filename: str) -> str:
    """An artifact file name usable as one path segment."""
    base = filename or ""
    if not base or len(base) > 200 or not _SEGMENT_RE.match(base) or ".." in base:
        raise DatasetError(f"not a usable artifact file name: {filename!r}")
    return base


# --------------------------------------------------------------------------- paths (relative)


def label_relpath(ecosystem: str, name: str, version: str, reviewer: str) -> str:
    eco = normalize_ecosystem(ecosystem)
    return "/".join(
        [
            LABELS_DIR,
            eco,
            *name_parts(eco, name),
            check_version(version),
            reviewer_filename(reviewer),
        ]
    )


def label_owner(rel: str) -> str:
    """The reviewer a label file's place names (``…/alice.json`` -> ``alice``)."""
    return reviewer_from_filename(rel.rsplit("/", 1)[-1])


def release_of(rel: str) -> tuple[str, str, str] | None:
    """(ecosystem, name, version) a label file's place names; None if it is not a label path."""
    parts = rel.split("/")
    if len(parts) < 5 or parts[0] != LABELS_DIR:
        return None
    eco, name, version = parts[1], "/".join(parts[2:-2]), parts[-2]
    try:
        ok = label_relpath(eco, name, version, label_owner(rel)) == rel
    except DatasetError:
        return None
    return (eco, name, version) if ok else None


def version_dir_relpath(ecosystem: str, name: str, version: str) -> str:
    eco = normalize_ecosystem(ecosystem)
    return "/".join([LABELS_DIR, eco, *name_parts(eco, name), check_version(version)])


def sample_relpath(ecosystem: str, name: str, version: str, artifact_filename: str) -> str:
    eco = normalize_ecosystem(ecosystem)
    return "/".join(
        [
            SAMPLES_DIR,
            eco,
            *name_parts(eco, name),
            check_version(version),
            check_filename(artifact_filename) + ".zip",
        ]
    )


def osv_relpath(ecosystem: str, name: str) -> str:
    eco = normalize_ecosystem(ecosystem)
    parts = name_parts(eco, name)
    ident = "-".join(p.lstrip("@") for p in parts)
    return "/".join([OSV_DIR, eco, *parts, f"MAL-0000-vetbench-{ident}.json"])


def split_relpath(rel: str) -> list[str]:
    """Segments of a dataset-relative path, refusing anything that could leave the dataset."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel:
        raise UnsafePath(f"{rel!r}: not a dataset-relative path")
    if rel.startswith("/") or re.match(r"^[A-Za-z]:", rel):
        raise UnsafePath(f"{rel}: absolute path escapes the dataset")
    parts = rel.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise UnsafePath(f"{rel}: path escapes the dataset")
    return parts


# --------------------------------------------------------------------------- safe I/O


def _open_dir_chain(root: Path, parts: list[str], create: bool) -> int:
    """fd of ``root/parts...`` opened component by component without following symlinks."""
    fd = os.open(str(root), os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))  # the root may be a link
    try:
        for i, part in enumerate(parts):
            try:
                nfd = os.open(part, _O_DIR, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=fd)
                nfd = os.open(part, _O_DIR, dir_fd=fd)
            except OSError as exc:
                where = "/".join(parts[: i + 1])
                if _is_link_at(fd, part):
                    raise UnsafePath(f"{where}: is a symlink; refusing to follow it") from exc
                raise UnsafePath(f"{where}: not a folder ({exc.strerror})") from exc
            os.close(fd)
            fd = nfd
        return fd
    except BaseException:
        os.close(fd)
        raise


def _is_link_at(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def atomic_write(root: Path, rel: str, data: bytes, *, durable: bool = True) -> None:
    """Write ``root/rel`` atomically: temp file in the same folder, fsync, rename, fsync folder.

    Never follows a symlink on the way (raises :class:`UnsafePath`); an existing symlink at the
    final name is replaced by the file itself, its target is never touched. ``durable=False``
    skips both fsyncs (still atomic against a killed process): for files that can be
    regenerated, made durable in one go by :func:`sync_filesystem` afterwards.
    """
    parts = split_relpath(rel)
    dfd = _open_dir_chain(Path(root), parts[:-1], create=True)
    final = parts[-1]
    tmp = f".{final}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}"
    try:
        try:
            st = os.stat(final, dir_fd=dfd, follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                raise UnsafePath(f"{rel}: a folder is in the way")
        except FileNotFoundError:
            pass
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW, 0o644, dir_fd=dfd)
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        _test_pause("write", rel)
        os.replace(tmp, final, src_dir_fd=dfd, dst_dir_fd=dfd)
        if durable:
            os.fsync(dfd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dfd)
        raise
    finally:
        os.close(dfd)


def sync_filesystem(root: Path) -> None:
    """Flush everything written to the dataset's file system (one barrier for many
    ``durable=False`` writes): ``syncfs`` on Linux, ``sync`` elsewhere."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = os.open(str(root), os.O_RDONLY)
        try:
            if libc.syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()


def remove_file(root: Path, rel: str) -> bool:
    """Delete ``root/rel`` if it is there (a symlink is removed itself, never followed)."""
    parts = split_relpath(rel)
    try:
        dfd = _open_dir_chain(Path(root), parts[:-1], create=False)
    except FileNotFoundError:
        return False
    try:
        os.unlink(parts[-1], dir_fd=dfd)
        os.fsync(dfd)
        return True
    except FileNotFoundError:
        return False
    finally:
        os.close(dfd)


def open_regular(root: Path, rel: str, max_bytes: int | None = None):
    """Open a regular file inside the dataset for reading; symlinks and escapes raise."""
    parts = split_relpath(rel)
    dfd = _open_dir_chain(Path(root), parts[:-1], create=False)
    try:
        try:
            fd = os.open(parts[-1], os.O_RDONLY | _O_NOFOLLOW, dir_fd=dfd)
        except OSError as exc:
            if _is_link_at(dfd, parts[-1]):
                raise UnsafePath(f"{rel}: is a symlink; refusing to follow it") from exc
            raise
    finally:
        os.close(dfd)
    fh = os.fdopen(fd, "rb")
    st = os.fstat(fh.fileno())
    if not stat.S_ISREG(st.st_mode):
        fh.close()
        raise DatasetError(f"{rel}: not a regular file")
    if max_bytes is not None and st.st_size > max_bytes:
        fh.close()
        raise DatasetError(f"{rel}: too large ({st.st_size} bytes)")
    return fh


def read_file(root: Path, rel: str, max_bytes: int = 16 * 1024**2) -> bytes:
    """Bytes of a regular file inside the dataset; symlinks and escapes raise UnsafePath."""
    with open_regular(root, rel, max_bytes) as fh:
        return fh.read(max_bytes + 1)


def file_exists(root: Path, rel: str) -> bool:
    try:
        parts = split_relpath(rel)
        dfd = _open_dir_chain(Path(root), parts[:-1], create=False)
    except (OSError, DatasetError):
        return False
    try:
        st = os.stat(parts[-1], dir_fd=dfd, follow_symlinks=False)
        return stat.S_ISREG(st.st_mode)
    except OSError:
        return False
    finally:
        os.close(dfd)


def ensure_dataset(root: Path) -> Path:
    """Check (or create) the dataset folder and its ``.gitignore`` for our temp files."""
    root = Path(root)
    if root.is_symlink():
        root = root.resolve()
    if root.exists() and not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    root.mkdir(parents=True, exist_ok=True)
    gi = root / ".gitignore"
    try:
        current = read_file(root, ".gitignore").decode("utf-8", "replace") if gi.exists() else ""
    except DatasetError:
        current = ""
    missing = [line for line in GITIGNORE_LINES if line not in current.splitlines()]
    if missing and not gi.is_symlink():
        text = current + ("" if not current or current.endswith("\n") else "\n")
        atomic_write(root, ".gitignore", (text + "\n".join(missing) + "\n").encode())
    return root


def sweep_stale_temp(dirpath: str, names: list[str], older_than: float = 300.0) -> None:
    """Remove temp files a crashed sync left behind (only ours, only old ones)."""
    now = time.time()
    for name in names:
        if name.startswith(".") and name.endswith(TMP_SUFFIX):
            full = os.path.join(dirpath, name)
            try:
                st = os.lstat(full)
                if stat.S_ISREG(st.st_mode) and now - st.st_mtime > older_than:
                    os.unlink(full)
            except OSError:
                pass


# --------------------------------------------------------------------------- test hook


def _test_pause(stage: str, rel: str) -> None:
    """Crash tests: ``VETBENCH_SYNC_PAUSE=<stage>:<n>`` stops before the n-th such step.

    The process prints ``PAUSED <stage> <rel>`` to stderr and sleeps, so a test can SIGKILL it
    at a known point in the middle of a sync. Unset (always, outside tests) it costs nothing.
    """
    spec = config.sync_pause()
    if not spec:
        return
    want, _, count = spec.partition(":")
    if want != stage:
        return
    seen = _PAUSE_COUNTS.get(stage, 0) + 1
    _PAUSE_COUNTS[stage] = seen
    if seen >= int(count or 1):
        import sys

        sys.stderr.write(f"PAUSED {stage} {rel}\n")
        sys.stderr.flush()
        time.sleep(3600)


_PAUSE_COUNTS: dict[str, int] = {}
