"""Two releases of ``thrt`` built in the tests, for the threat views (never from ../shared).

1.0 already runs a decoded string at import time (a threat the baseline had: the moderator
judged it before). 1.1 moves that line down by one and adds ``thrt/stage.py``, which runs a
zlib + base64 stage whose decoded text carries markup, a bidi override and a documentation
address: a new threat, on decoded data, whose payload must show escaped and never as markup.
Inert text: nothing here is ever installed, imported or run.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import zlib
from pathlib import Path

NAME = "thrt"
PAYLOAD = 'print("<b>owned</b> \u202e 192.0.2.7")'
BLOB = base64.b64encode(zlib.compress(PAYLOAD.encode())).decode()
OLD_INIT = 'import base64\nexec(base64.b64decode("cHJpbnQoJ29sZCcp"))\n'
STAGE = (
    f'import base64\nimport zlib\n\n_S = "{BLOB}"\nexec(zlib.decompress(base64.b64decode(_S)))\n'
)
STAGE_PATH = f"{NAME}/stage.py"
STAGE_LINE = 5


def _pkg_info(version: str) -> str:
    return f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {version}\nSummary: helpers\n"


def files_of(version: str) -> dict[str, str]:
    if version == "1.0":
        return {"PKG-INFO": _pkg_info("1.0"), f"{NAME}/__init__.py": OLD_INIT}
    return {
        "PKG-INFO": _pkg_info(version),
        f"{NAME}/__init__.py": "\n" + OLD_INIT,
        STAGE_PATH: STAGE,
    }


def write_sdist(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{NAME}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in files_of(version).items():
            data = text.encode()
            info = tarfile.TarInfo(f"{NAME}-{version}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def queue_threat_release(store, folder: Path) -> int:
    """Queue thrt 1.1 with 1.0 as its baseline; returns the item id."""
    new, old = write_sdist(folder, "1.1"), write_sdist(folder, "1.0")
    item, _ = store.add_item("pypi", NAME, ["1.1"], baseline="1.0", report_text="stage")
    for role, path, version in (("new", new, "1.1"), ("baseline", old, "1.0")):
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        store.attach_artifact(item.id, role, str(path), sha, version=version)
    return item.id
