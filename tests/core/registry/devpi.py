"""A real package index for the tests: devpi-server on 127.0.0.1, offline, seeded by upload.

Started once per test session (about 5 s) by the ``devpi_index`` fixture in this folder's
conftest. Archives are built in memory (:mod:`tests.core.registry.archives`) and uploaded
through devpi's HTTP API exactly as ``devpi upload`` does: log in, create a volatile stage
index, then a ``file_upload`` multipart POST per file. Nothing is built with setup.py.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_devpi() -> tuple[str, str] | None:
    """``(devpi-init, devpi-server)`` next to this interpreter, or on PATH."""
    here = Path(sys.executable).parent
    found = []
    for name in ("devpi-init", "devpi-server"):
        candidate = here / name
        found.append(str(candidate) if candidate.exists() else shutil.which(name))
    return (found[0], found[1]) if all(found) else None


@dataclass
class DevpiIndex:
    root_url: str
    index: str = "root/dev"
    process: subprocess.Popen | None = None
    uploaded: dict[str, bytes] = field(default_factory=dict)  # filename -> bytes
    _auth: dict[str, str] = field(default_factory=dict)

    @property
    def simple_url(self) -> str:
        return f"{self.root_url}/{self.index}/+simple/"

    def login_and_create_index(self) -> None:
        r = httpx.post(
            f"{self.root_url}/+login",
            json={"user": "root", "password": ""},
            headers={"Accept": "application/json"},
            timeout=30,
        )
        r.raise_for_status()
        token = r.json()["result"]["password"]
        self._auth = {
            "X-Devpi-Auth": base64.b64encode(f"root:{token}".encode()).decode(),
            "Accept": "application/json",
        }
        r = httpx.put(
            f"{self.root_url}/{self.index}",
            headers=self._auth,
            timeout=30,
            json={"type": "stage", "bases": [], "volatile": True},
        )
        r.raise_for_status()

    def upload(self, name: str, version: str, filename: str, data: bytes) -> None:
        r = httpx.post(
            f"{self.root_url}/{self.index}/",
            headers=self._auth,
            timeout=30,
            data={":action": "file_upload", "name": name, "version": version},
            files={"content": (filename, data, "application/octet-stream")},
        )
        if r.status_code != 200:
            raise RuntimeError(
                f"devpi upload of {filename} failed: HTTP {r.status_code} {r.text[:200]}"
            )
        self.uploaded[filename] = data

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_devpi(workdir: Path) -> DevpiIndex:
    tools = find_devpi()
    if tools is None:
        raise FileNotFoundError("devpi-server is not installed (pip install devpi-server)")
    init, server = tools
    serverdir = workdir / "devpi-server"
    env = {**os.environ, "DEVPI_SERVERDIR": str(serverdir)}
    subprocess.run(
        [init, "--serverdir", str(serverdir), "--no-root-pypi"],
        check=True,
        capture_output=True,
        env=env,
        timeout=120,
    )
    port = _free_port()
    log = (workdir / "devpi.log").open("wb")
    proc = subprocess.Popen(
        [
            server,
            "--serverdir",
            str(serverdir),
            "--offline-mode",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    index = DevpiIndex(f"http://127.0.0.1:{port}", process=proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"devpi-server exited: {(workdir / 'devpi.log').read_text()[-500:]}")
        try:
            if httpx.get(index.root_url + "/+api", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        index.stop()
        raise RuntimeError("devpi-server did not answer within 60 s")
    index.login_and_create_index()
    return index
