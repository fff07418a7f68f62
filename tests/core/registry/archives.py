"""Build small, harmless package archives as bytes (no setup.py is ever run).

The tests seed their local indexes with these: a wheel is a zip with a module and a
``.dist-info``, an sdist a gzip'd tar with a ``PKG-INFO``, an npm tarball a gzip'd tar under
``package/``. Content is deterministic (fixed timestamps) so hashes are stable within a run.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import zipfile

_EPOCH = (2024, 1, 1, 0, 0, 0)


def _module(name: str, version: str, extra: str = "") -> str:
    return f'"""{name} {version}: a test package."""\n\n__version__ = "{version}"\n{extra}'


def make_wheel(name: str, version: str, *, extra_code: str = "") -> bytes:
    dist = re.sub(r"[-_.]+", "_", name).lower()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, text in (
            (f"{dist}/__init__.py", _module(name, version, extra_code)),
            (
                f"{dist}-{version}.dist-info/METADATA",
                f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            ),
            (f"{dist}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"),
        ):
            zf.writestr(zipfile.ZipInfo(path, _EPOCH), text)
    return buf.getvalue()


def _tar_gz(entries: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tf:
        for path, text in entries.items():
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 1704067200
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_sdist(name: str, version: str, *, extra_code: str = "") -> bytes:
    top = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}"
    return _tar_gz(
        {
            f"{top}/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            f"{top}/src/{top.split('-')[0]}/__init__.py": _module(name, version, extra_code),
        }
    )


def make_npm_tarball(name: str, version: str) -> bytes:
    return _tar_gz(
        {
            "package/package.json": json.dumps(
                {"name": name, "version": version, "main": "index.js"}
            ),
            "package/index.js": f"module.exports = {json.dumps(version)};\n",
        }
    )


def make_for_filename(filename: str, name: str, version: str) -> bytes:
    """Archive bytes that fit a real file name from a recorded index document."""
    lower = filename.lower()
    if lower.endswith((".whl", ".egg", ".zip")):
        return make_wheel(name, version)
    if lower.endswith((".tar.gz", ".tgz")):
        return make_sdist(name, version)
    return f"{filename}: placeholder bytes for a format the tests do not read\n".encode()
