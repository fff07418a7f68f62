"""Benchmark of the package reader against the standard library doing the same reading.

Run: ``.venv/bin/python -m tests.bench.bench_archive [--small]``

Cases (built once under $TMPDIR/vetbench-bench, about 1.1 GB of disk for the full run):

* a ~1 GB wheel with 100k members (99,800 small Python files, 200 binaries of 4 MiB), opened
  with the default :class:`Limits` -- the issue's "largest real wheel";
* a tar.gz sdist with 100k small members.

Peers, measured in the same run, each in its own child process (time and peak RSS):

* ``zipfile``: ``ZipFile.infolist()`` then read + sha256 every member (keeps nothing);
* ``tarfile``: iterate a ``tarfile.open(mode="r:gz")`` and read + sha256 every member.

The figures printed are ratios (vetbench / peer), since absolute times depend on the machine;
on a shared machine compare the CPU ratio, wall time measures the neighbours too.
Vetbench does more than the peers: sniffing, text/binary, entropy, path repair, limits, and it
keeps text members in memory for the scanners.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from tests.core.archive import fixtures as F

_CHILD = r"""
import hashlib, json, resource, sys, time
kind, path = sys.argv[1], sys.argv[2]
t = time.perf_counter()
if kind == "vetbench":
    from app.core.archive import open_artifact
    art = open_artifact(path)
    n = len(art.members)
elif kind == "zipfile":
    import zipfile
    n = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            with zf.open(info) as fh:
                h = hashlib.sha256()
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            n += 1
elif kind == "tarfile":
    import tarfile
    n = 0
    with tarfile.open(path, "r:gz") as tar:
        for info in tar:
            if info.isfile():
                h = hashlib.sha256(tar.extractfile(info).read())
                n += 1
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"n": n, "wall": wall, "cpu": r.ru_utime + r.ru_stime, "rss_mb": r.ru_maxrss / 1024}))
"""


# Linux carries the peak RSS of a process image over exec(), so a child forked from this
# (large) process would report our peak. A small wrapper forks the measured child instead.
_WRAPPER = r"""
import json, resource, subprocess, sys
out = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=True).stdout
doc = json.loads(out)
doc["rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps(doc))
"""


def _run(kind: str, path: Path) -> dict:
    cmd = [sys.executable, "-c", _WRAPPER, sys.executable, "-c", _CHILD, kind, str(path)]
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2]
    )
    return json.loads(out.stdout)


def build_big_wheel(folder: Path, small: int, binaries: int, binary_size: int) -> Path:
    path = folder / f"big-1.0-{small}-{binaries}-py3-none-any.whl"
    if path.exists():
        return path
    tmp = path.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w") as zf:
        for i in range(small):
            text = (f"# module {i}\n" + f"def f(x):\n    return x * {i}\n" * 60).encode()
            zf.writestr(
                zipfile.ZipInfo(f"big/pkg{i // 1000}/m{i}.py"),
                text,
                compress_type=zipfile.ZIP_DEFLATED,
                compresslevel=1,
            )
        for i in range(binaries):
            zf.writestr(
                zipfile.ZipInfo(f"big/libs/lib{i}.so"),
                b"\x7fELF" + os.urandom(binary_size),
                compress_type=zipfile.ZIP_STORED,
            )
        zf.writestr("big-1.0.dist-info/METADATA", F.pkg_info("big", "1.0"))
        zf.writestr("big-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    tmp.rename(path)
    return path


def build_many_tar(folder: Path, count: int) -> Path:
    path = folder / f"many-small-{count}.tar.gz"
    if not path.exists():
        files = [(f"many-1.0/pkg/m{i}.py", f"x = {i}\n".encode()) for i in range(count)]
        path.write_bytes(F.compress(F.tar_bytes(files), "gz"))
    return path


def main() -> None:
    small_run = "--small" in sys.argv
    folder = Path(tempfile.gettempdir()) / "vetbench-bench"
    folder.mkdir(exist_ok=True)
    if small_run:
        wheel = build_big_wheel(folder, 10_000, 20, 4 * 1024**2)
        tar = build_many_tar(folder, 10_000)
    else:
        wheel = build_big_wheel(folder, 99_800, 200, 4 * 1024**2)
        tar = build_many_tar(folder, 100_000)
    print(f"wheel: {wheel.name} {wheel.stat().st_size / 1024**2:.0f} MiB")
    ours, peer = _run("vetbench", wheel), _run("zipfile", wheel)
    _report("wheel", ours, "zipfile", peer)
    print(f"tar.gz: {tar.name} {tar.stat().st_size / 1024**2:.1f} MiB")
    ours, peer = _run("vetbench", tar), _run("tarfile", tar)
    _report("tar.gz", ours, "tarfile", peer)


def _report(case: str, ours: dict, peer_name: str, peer: dict) -> None:
    print(
        f"  vetbench: {ours['n']} members, {ours['wall']:.2f} s, cpu {ours['cpu']:.2f} s, "
        f"peak {ours['rss_mb']:.0f} MB"
    )
    print(
        f"  {peer_name}: {peer['n']} members, {peer['wall']:.2f} s, cpu {peer['cpu']:.2f} s, "
        f"peak {peer['rss_mb']:.0f} MB"
    )
    print(
        f"  {case} ratio vetbench/{peer_name}: wall x{ours['wall'] / peer['wall']:.2f}, "
        f"cpu x{ours['cpu'] / peer['cpu']:.2f}, peak memory x{ours['rss_mb'] / peer['rss_mb']:.2f}"
    )


if __name__ == "__main__":
    main()
