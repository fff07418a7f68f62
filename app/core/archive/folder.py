"""Reading a plain directory (an unpacked sdist, a sample of loose files) as an artifact.

Links are recorded and never followed: symlinks (to files or folders) become ``symlink``
members with their target; a second name of an inode already read becomes a ``hardlink``
member pointing at the first. Devices, FIFOs and sockets are skipped with a reason; files are
opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked again after opening, so a file swapped for
a FIFO or a link while we walk can neither hang the reader nor lead it outside the folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from app.core.archive.collect import Collector, MemberTruncated
from app.core.archive.model import HARDLINK, SYMLINK
from app.core.archive.paths import decode_name

_SPECIAL = {
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFIFO: "FIFO",
    stat.S_IFSOCK: "socket",
}
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def read_directory(root: Path, collector: Collector) -> int:
    """Walk ``root`` (iteratively, sorted); returns the bytes read."""
    seen_inodes: dict[tuple[int, int], str] = {}
    stack: list[tuple[str, str]] = [(os.fspath(root), "")]
    while stack:
        folder, rel_folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            collector.skip(rel_folder or ".", f"folder not readable: {exc.strerror or exc}")
            continue
        subfolders: list[tuple[str, str]] = []
        for entry in entries:
            name, name_flags = decode_name(os.fsencode(entry.name))
            rel = f"{rel_folder}{name}"
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                collector.count_member()
                collector.skip(rel, f"not readable: {exc.strerror or exc}")
                continue
            kind = stat.S_IFMT(st.st_mode)
            if kind == stat.S_IFDIR:
                collector.count_folder()
                subfolders.append((entry.path, rel + "/"))
                continue
            collector.count_member()
            if kind == stat.S_IFLNK:
                try:
                    target = os.readlink(entry.path)
                except OSError as exc:
                    collector.skip(rel, f"unreadable symlink: {exc.strerror or exc}")
                    continue
                collector.add_link(rel, SYMLINK, decode_name(os.fsencode(target))[0], name_flags)
                continue
            if kind != stat.S_IFREG:
                collector.skip(rel, f"{_SPECIAL.get(kind, 'special file')}: not read")
                continue
            if st.st_nlink > 1:
                key = (st.st_dev, st.st_ino)
                if key in seen_inodes:
                    collector.add_link(rel, HARDLINK, seen_inodes[key], name_flags)
                    continue
                seen_inodes[key] = rel
                name_flags += ("hardlinked",)
            _read_file(entry.path, rel, name_flags, collector)
        stack.extend(reversed(subfolders))
    return collector.total


def _read_file(path: str, rel: str, name_flags: tuple[str, ...], collector: Collector) -> None:
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        collector.skip(rel, f"not readable: {exc.strerror or exc}")
        return
    with os.fdopen(fd, "rb", buffering=0) as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped while we walked
            collector.skip(rel, "not a regular file when opened: not read")
            return
        reason = collector.check_size(rel, st.st_size)
        if reason:
            collector.skip(rel, reason)
            return
        try:
            collector.add_stream(rel, st.st_size, fh.read, name_flags)
        except (MemberTruncated, OSError) as exc:
            collector.skip(rel, f"file changed while read: {exc}")
