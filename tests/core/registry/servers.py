"""A standard-library HTTP server replaying recorded PyPI / npm documents on 127.0.0.1.

The recorded documents (``tests/fixtures/pypi``, ``tests/fixtures/npm``) keep their real
releases, file names, upload times and structure; only what must point at this server changes:
each file URL is rewritten to ``/files/<filename>`` here and its published hashes and size to
those of a small archive built by :mod:`tests.core.registry.archives`. ``modes`` make a path
misbehave the ways real indexes do (hash mismatch, truncation, 404, 500 once, too slow).
Every request is counted in ``hits``.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from tests.core.registry.archives import make_for_filename, make_npm_tarball

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def normalize(name: str) -> str:
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


class ReplayRegistry:
    """Start with :meth:`start` (port 0 = a free one), always :meth:`stop`."""

    def __init__(self) -> None:
        self.json_docs: dict[str, dict] = {}  # normalized name -> Warehouse JSON API doc
        self.simple_docs: dict[str, dict] = {}  # normalized name -> PEP 691 doc
        self.npm_docs: dict[str, dict] = {}
        self.files: dict[str, bytes] = {}  # URL path -> bytes
        self.rss: dict[str, bytes] = {}
        self.modes: dict[
            str, str
        ] = {}  # URL path -> mismatch|truncate|404|500|500-once|429-once|slow|trickle|redirect-away
        self.hits: Counter[str] = Counter()
        self.user_agents: set[str] = set()
        self.slow_seconds = 1.5
        self.trickled = 0  # bytes sent one a second by "trickle" paths
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base = ""

    # ------------------------------------------------------------------ set-up

    def start(self) -> ReplayRegistry:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                registry._handle(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # clients that time out or cancel hang up mid-answer: expected here

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _add_file(self, filename: str, data: bytes) -> tuple[str, dict]:
        path = f"/files/{filename}"
        self.files[path] = data
        digests = {
            "sha256": hashlib.sha256(data).hexdigest(),
            "md5": hashlib.md5(data).hexdigest(),
            "blake2b_256": hashlib.blake2b(data, digest_size=32).hexdigest(),
        }
        return path, digests

    def load_pypi(self, name: str, *, yank: dict[str, str] | None = None) -> dict:
        """Serve ``tests/fixtures/pypi/<name>.json`` with local files; ``yank`` version->reason."""
        doc = json.loads((FIXTURES / "pypi" / f"{name}.json").read_text())
        doc = copy.deepcopy(doc)
        project = doc["info"]["name"]
        for version, files in doc["releases"].items():
            for f in files:
                data = make_for_filename(f["filename"], project, version)
                path, digests = self._add_file(f["filename"], data)
                f["url"] = self.base + path
                f["digests"] = digests
                f["md5_digest"] = digests["md5"]
                f["size"] = len(data)
                if yank and version in yank:
                    f["yanked"], f["yanked_reason"] = True, yank[version]
        for f in doc.get("urls", []):
            f["url"] = self.base + f"/files/{f['filename']}"
        self.json_docs[normalize(project)] = doc
        return doc

    def add_project(
        self,
        name: str,
        releases: dict[str, dict[str, bytes]],
        uploaded: dict[str, str] | None = None,
    ) -> dict:
        """A hand-made Warehouse JSON document: ``releases`` version -> {filename: bytes};
        ``uploaded`` version -> ISO time (default: in version order, one day apart)."""
        out: dict[str, list] = {}
        for i, (version, files) in enumerate(releases.items()):
            stamp = (uploaded or {}).get(version) or f"2025-01-{i + 1:02d}T00:00:00.000000Z"
            out[version] = []
            for filename, data in files.items():
                path, digests = self._add_file(filename, data)
                out[version].append(
                    {
                        "filename": filename,
                        "url": self.base + path,
                        "digests": digests,
                        "md5_digest": digests["md5"],
                        "size": len(data),
                        "packagetype": "bdist_wheel" if filename.endswith(".whl") else "sdist",
                        "upload_time_iso_8601": stamp,
                        "yanked": False,
                        "yanked_reason": None,
                    }
                )
        latest = list(releases)[-1]
        doc = {"info": {"name": name, "version": latest}, "releases": out, "urls": out[latest]}
        self.json_docs[normalize(name)] = doc
        return doc

    def load_simple(self, name: str) -> dict:
        """Serve the recorded PEP 691 page ``<name>.simple.json`` with relative file URLs."""
        doc = json.loads((FIXTURES / "pypi" / f"{name}.simple.json").read_text())
        for f in doc["files"]:
            from app.core.registry.pypi import version_from_filename

            version = version_from_filename(f["filename"], doc["name"]) or "0"
            data = make_for_filename(f["filename"], doc["name"], version)
            path, digests = self._add_file(f["filename"], data)
            f["url"] = f"../..{path}"  # relative, as real indexes do
            f["hashes"] = {"sha256": digests["sha256"]}
            f["size"] = len(data)
        self.simple_docs[normalize(doc["name"])] = doc
        return doc

    def load_npm(self, name: str) -> dict:
        doc = json.loads((FIXTURES / "npm" / f"{name}.json").read_text())
        for version, meta in doc["versions"].items():
            filename = f"{name}-{version}.tgz"
            data = make_npm_tarball(name, version)
            path = f"/npm/{name}/-/{filename}"
            self.files[path] = data
            meta["dist"]["tarball"] = self.base + path
            meta["dist"]["integrity"] = (
                "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
            )
            meta["dist"]["shasum"] = hashlib.sha1(data).hexdigest()
        self.npm_docs[name] = doc
        return doc

    def load_rss(self, filename: str) -> str:
        self.rss[f"/rss/{filename}"] = (FIXTURES / "pypi" / filename).read_bytes()
        return f"{self.base}/rss/{filename}"

    # ------------------------------------------------------------------ serving

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        ctype: str,
        headers: dict | None = None,
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        path = unquote(h.path.split("?", 1)[0])
        self.hits[path] += 1
        self.user_agents.add(h.headers.get("User-Agent", ""))
        mode = self.modes.get(path)
        if mode == "404":
            return self._send(h, 404, b"not found", "text/plain")
        if mode == "429-once" and self.hits[path] == 1:
            return self._send(h, 429, b"slow down", "text/plain", {"Retry-After": "3"})
        if mode == "500" or (mode == "500-once" and self.hits[path] == 1):
            return self._send(h, 500, b"internal error", "text/plain")
        if mode == "slow":
            time.sleep(self.slow_seconds)
        if mode == "redirect-away" and "away=1" not in h.path:
            # The same server under another host name: followed, the download would succeed.
            port = self.base.rsplit(":", 1)[1]
            away = f"http://localhost:{port}{h.path}?away=1"
            return self._send(h, 302, b"", "text/plain", {"Location": away})
        parts = [p for p in path.split("/") if p]
        if len(parts) == 3 and parts[0] == "pypi" and parts[2] == "json":
            doc = self.json_docs.get(normalize(parts[1]))
            if doc is None:
                return self._send(h, 404, b'{"message": "Not Found"}', "application/json")
            canonical = doc["info"]["name"]
            if parts[1] != canonical:  # Warehouse redirects to the canonical spelling
                return self._send(
                    h, 301, b"", "text/plain", {"Location": f"/pypi/{canonical}/json"}
                )
            return self._send(h, 200, json.dumps(doc).encode(), "application/json")
        if len(parts) == 2 and parts[0] == "simple":
            doc = self.simple_docs.get(normalize(parts[1]))
            if doc is None:
                return self._send(h, 404, b"not found", "text/plain")
            if parts[1] != normalize(parts[1]):  # PyPI redirects to the normalized name
                return self._send(
                    h, 301, b"", "text/plain", {"Location": f"/simple/{normalize(parts[1])}/"}
                )
            return self._send(
                h, 200, json.dumps(doc).encode(), "application/vnd.pypi.simple.v1+json"
            )
        if len(parts) == 2 and parts[0] == "npm":
            doc = self.npm_docs.get(parts[1])
            if doc is None:
                return self._send(h, 404, b'{"error": "Not found"}', "application/json")
            return self._send(h, 200, json.dumps(doc).encode(), "application/json")
        if path in self.rss:
            return self._send(h, 200, self.rss[path], "application/rss+xml")
        data = self.files.get(path)
        if data is None:
            return self._send(h, 404, b"not found", "text/plain")
        if mode == "mismatch":  # same length, one byte different
            data = data[:-1] + bytes([data[-1] ^ 0xFF])
        if mode == "trickle":  # one byte a second: every read arrives inside the read timeout
            h.send_response(200)
            h.send_header("Content-Type", "application/octet-stream")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.flush()
            with contextlib.suppress(OSError):
                for byte in data:
                    h.wfile.write(bytes([byte]))
                    h.wfile.flush()
                    self.trickled += 1
                    time.sleep(1.0)
            h.close_connection = True
            return None
        if mode == "truncate":
            h.send_response(200)
            h.send_header("Content-Type", "application/octet-stream")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
            with contextlib.suppress(OSError):
                h.connection.shutdown(socket.SHUT_RDWR)
            return None
        return self._send(h, 200, data, "application/octet-stream")
