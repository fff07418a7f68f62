"""Recall on fresh infrastructure: the labelled samples with their addresses swapped.

Not part of the test suite. Run from the repo root::

    .venv/bin/python tests/bench/bench_variants.py [--jobs N]

A campaign changes its servers more often than its code. A verdict that rests on a bare IP or
a known drop service (a Discord webhook, pipedream, oast) is lost the day the next wave uses a
fresh domain. This benchmark rewrites every sample of ``../shared/corpus/malicious/`` and
``malicious-2/`` (unwrapped as ``bench_detection.py`` does; samples with ``label_doubt`` left
out) three ways, in the text of every member and in the archive format it came in:

- ``ip``: every bare IPv4 address becomes ``sync-cdn.example.invalid``;
- ``host``: every URL's host becomes that domain, except the known drop and code services
  (Discord, Telegram, webhooks, ngrok, pastebin, GitHub, PyPI);
- ``all``: every URL's host becomes that domain, drop services included (GitHub and PyPI kept).

It scans the originals and each variant with ``vetbench scan --json`` and prints, per way,
how many samples the original caught at high or above and how many of those the variant
still catches, listing each that dropped with what it dropped to. The rewritten files are
data written to a temporary folder; nothing from a sample is executed.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import detection_corpus as corpora  # noqa: E402
from bench_detection import HIGH, scan_with  # noqa: E402

FRESH = "sync-cdn.example.invalid"
_IP = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])")
_URL_HOST = re.compile(r"(https?://)([A-Za-z0-9.-]+)")
_CODE_SERVICES = ("github", "pythonhosted", "pypi")
_DROP_SERVICES = ("discord", "telegram", "webhook", "ngrok", "pastebin")
WAYS = ("ip", "host", "all")


def rewrite(text: str, way: str) -> str:
    """``text`` with its addresses swapped the given way."""
    if way == "ip":

        def ip(m: re.Match) -> str:
            parts = [int(p) for p in m.group(1).split(".")]
            real = all(p <= 255 for p in parts) and parts[0] not in (0, 127)
            return FRESH if real else m.group(0)

        return _IP.sub(ip, text)
    kept = _CODE_SERVICES + (_DROP_SERVICES if way == "host" else ())

    def host(m: re.Match) -> str:
        name = m.group(2).lower()
        if name == "localhost" or any(k in name for k in kept):
            return m.group(0)
        return m.group(1) + FRESH

    return _URL_HOST.sub(host, text)


def _swap(data: bytes, way: str) -> bytes:
    if b"\x00" in data[:4096]:
        return data  # binary: left as it is
    try:
        return rewrite(data.decode("utf-8"), way).encode("utf-8")
    except UnicodeDecodeError:
        return data


def make_variant(src: Path, dest_dir: Path, way: str) -> Path | None:
    """``src`` (a folder, zip or tarball) rewritten into ``dest_dir``, in the same format."""
    dest = dest_dir / src.name
    if src.is_dir():
        shutil.copytree(src, dest, symlinks=True)
        for f in dest.rglob("*"):
            if f.is_file() and not f.is_symlink():
                f.write_bytes(_swap(f.read_bytes(), way))
        return dest
    if zipfile.is_zipfile(src):
        buf = io.BytesIO()
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                zout.writestr(info, _swap(zin.read(info), way))
        dest.write_bytes(buf.getvalue())
        return dest
    if tarfile.is_tarfile(src):
        buf = io.BytesIO()
        with tarfile.open(src) as tin, tarfile.open(fileobj=buf, mode="w:gz") as tout:
            for m in tin.getmembers():
                if m.isfile():
                    fh = tin.extractfile(m)
                    data = _swap(fh.read() if fh else b"", way)
                    info = tarfile.TarInfo(m.name)
                    info.size, info.mode, info.mtime = len(data), m.mode, m.mtime
                    tout.addfile(info, io.BytesIO(data))
                elif m.isdir():
                    tout.addfile(m)
        if not dest.name.endswith((".tar.gz", ".tgz")):
            dest = dest.with_name(dest.name + ".tar.gz")
        dest.write_bytes(buf.getvalue())
        return dest
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vetbench-variants-") as tmp:
        work = Path(tmp)
        samples = [r for r in corpora.malicious(Path(args.corpus), work / "orig") if not r["doubt"]]
        originals, _ = scan_with(ROOT, [r["path"] for r in samples], args.jobs)
        caught = [r for r in samples if originals[r["path"]].get("risk", {}).get("level") in HIGH]
        print(f"{len(samples)} samples with code; the originals caught at high+: {len(caught)}")
        print("\n| addresses swapped | variants still at high+ |\n|---|---|")
        drops: dict[str, list[str]] = {}
        for way in WAYS:
            folder = work / way
            folder.mkdir()
            made = {}
            unread = 0
            for r in caught:
                try:
                    out = make_variant(Path(r["path"]), folder, way)
                except (EOFError, OSError, tarfile.TarError, zipfile.BadZipFile):
                    out = None  # a truncated sample: the scanner reads what is there, we do not
                if out is None:
                    unread += 1
                else:
                    made[str(out)] = r
            results, _ = scan_with(ROOT, list(made), args.jobs)
            kept = 0
            for path, r in made.items():
                level = results[path].get("risk", {}).get("level", "error")
                if level in HIGH:
                    kept += 1
                else:
                    drops.setdefault(way, []).append(f"{r['corpus']}/{r['id']} -> {level}")
            rate = 100 * kept / max(1, len(made))
            note = f" ({unread} could not be rewritten)" if unread else ""
            print(f"| {way} | {kept}/{len(made)} ({rate:.1f} %){note} |")
        for way in WAYS:
            for line in drops.get(way, []):
                print(f"  {way}: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
