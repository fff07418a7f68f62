"""The one HTTP client every registry call goes through.

Package indexes and their CDNs fail in ordinary ways: a 503 during a deploy, a connection
reset half-way through a wheel, a mirror that stalls. This client makes those boring: bounded
timeouts, a few retries with exponential backoff (honouring a short ``Retry-After``), an honest
User-Agent, and streaming downloads that hash while they write, report progress, stop at a size
cap and can be cancelled. It never retries a 404 (the answer will not change) and turns every
failure into a typed :mod:`app.core.registry.errors` error with the URL in the message.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

from app import __version__, config
from app.core.jsondata import loads_bounded
from app.core.registry.errors import (
    DownloadError,
    NotFound,
    RegistryError,
    ServerError,
    TooLarge,
)
from app.errors import Cancelled

USER_AGENT = f"vetbench/{__version__} (package review tool; +https://github.com/vetbench)"
DEFAULT_MAX_BYTES = config.DEFAULT_MAX_DOWNLOAD
MAX_DOCUMENT_BYTES = 64 * 1024**2  # a project document (npm's can be tens of MB)

#: progress(label, bytes_done, bytes_total_or_None)
Progress = Callable[[str, int, int | None], None]


@dataclass
class HttpConfig:
    """Network policy. Environment variables let tests and slow links tune it without code."""

    connect_timeout: float = field(default_factory=config.http_connect_timeout)
    read_timeout: float = field(default_factory=config.http_read_timeout)
    deadline: float = field(default_factory=config.http_deadline)
    retries: int = field(default_factory=config.http_retries)
    backoff: float = field(default_factory=config.http_backoff)
    max_backoff: float = 8.0
    max_bytes: int = field(default_factory=config.max_download)
    user_agent: str = USER_AGENT


def is_cancelled(cancel: Any) -> bool:
    """``cancel`` may be None, a ``threading.Event`` (anything with ``is_set``) or a callable."""
    if cancel is None:
        return False
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(cancel())


class _Retryable(Exception):
    """Internal: this attempt failed in a way another attempt may fix."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return float(value)
    except ValueError:
        return None


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({exc})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"connection broken ({exc})"
    return str(exc) or type(exc).__name__


def _refuse_cross_host_redirect(response: httpx.Response) -> None:
    """Follow a redirect only on the same host and never from https down to http: an index
    (or a file host) that sends Vetbench elsewhere could substitute the metadata, and with it
    the hashes the download is checked against. Refused with both hosts named."""
    if not response.has_redirect_location:
        return
    origin = response.request.url
    target = origin.join(response.headers["location"])
    if target.host != origin.host or (origin.scheme == "https" and target.scheme != "https"):
        raise RegistryError(
            f"refused a redirect from {origin.scheme}://{origin.host} to "
            f"{target.scheme}://{target.host} (another host): {origin}"
        )


class RegistryHttp:
    """A shared ``httpx.Client`` with the retry policy. Use as a context manager or ``close()``."""

    def __init__(
        self, config: HttpConfig | None = None, *, sleep: Callable[[float], None] = time.sleep
    ):
        # httpx (with its CLI's rich/click) is imported on first use, not when the `vetbench`
        # command or the app starts: most runs never touch the network.
        global httpx
        import httpx

        self.config = config or HttpConfig()
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=httpx.Timeout(
                self.config.read_timeout,
                connect=self.config.connect_timeout,
            ),
            headers={"User-Agent": self.config.user_agent},
            follow_redirects=True,
            event_hooks={"response": [_refuse_cross_host_redirect]},
            trust_env=True,
        )

    def __enter__(self) -> RegistryHttp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ retry loop

    def _with_retries(
        self, url: str, attempt: Callable[[], Any], what: str, deadline: float | None = None
    ) -> Any:
        last = ""
        tries = 0
        for i in range(self.config.retries + 1):
            tries += 1
            try:
                return attempt()
            except _Retryable as exc:
                last = str(exc)
                if i == self.config.retries:
                    break
                delay = min(self.config.max_backoff, self.config.backoff * (2**i))
                if exc.retry_after is not None:
                    delay = min(self.config.max_backoff, max(delay, exc.retry_after))
                if deadline is not None and time.monotonic() + delay > deadline:
                    last += f"; no time left for a retry within the {self._deadline_words()}"
                    break
                self._sleep(delay)
        raise self._final_error(what, url, last, tries)

    def _deadline(self) -> float:
        return time.monotonic() + self.config.deadline

    def _deadline_words(self) -> str:
        return f"{self.config.deadline:g}-second deadline (VETBENCH_HTTP_DEADLINE)"

    def _check_deadline(self, deadline: float, what: str, url: str, done: int) -> None:
        """A server may send a byte just before each read timeout for ever: the overall
        deadline, not the read timeout, is what ends such a request (never retried)."""
        if time.monotonic() > deadline:
            message = (
                f"{what} {url} took longer than the {self._deadline_words()}; "
                f"stopped after {done} bytes"
            )
            raise DownloadError(message) if what == "download of" else ServerError(message)

    @staticmethod
    def _final_error(what: str, url: str, reason: str, tries: int) -> RegistryError:
        noun = "attempt" if tries == 1 else "attempts"
        message = f"{what} {url} failed after {tries} {noun}: {reason}"
        if what == "download of":
            return DownloadError(message)
        return ServerError(message)

    @staticmethod
    def _check_status(response: httpx.Response, url: str) -> None:
        status = response.status_code
        if status == 404 or status == 410:
            raise NotFound(f"not found (HTTP {status}): {url}")
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}", _retry_after(response))
        if status >= 400:
            raise RegistryError(f"HTTP {status} from {url}")

    # ------------------------------------------------------------------ documents

    def get_bytes(self, url: str, *, accept: str = "*/*") -> tuple[bytes, str, str]:
        """GET a small document: ``(body, final_url, content_type)`` (retries, size-capped,
        within the overall deadline)."""
        deadline = self._deadline()

        def attempt() -> tuple[bytes, str, str]:
            try:
                with self._client.stream("GET", url, headers={"Accept": accept}) as response:
                    self._check_status(response, url)
                    body = bytearray()
                    for chunk in response.iter_bytes():  # each read, so the deadline is seen
                        self._check_deadline(deadline, "request to", url, len(body))
                        body += chunk
                        if len(body) > MAX_DOCUMENT_BYTES:
                            raise RegistryError(
                                f"document larger than {MAX_DOCUMENT_BYTES} bytes: {url}"
                            )
                    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    return bytes(body), str(response.url), ctype
            except httpx.TransportError as exc:
                raise _Retryable(_describe(exc)) from exc

        return self._with_retries(url, attempt, "request to", deadline)

    def get_json(self, url: str, *, accept: str = "application/json") -> tuple[Any, str, str]:
        """GET a JSON (or HTML, for PEP 503 fallbacks) document.

        Returns ``(parsed, final_url, content_type)``; ``parsed`` is the decoded JSON, or the
        text when the server answered with something other than JSON.
        """
        body, final, ctype = self.get_bytes(url, accept=accept)
        if "json" in ctype or body[:1] in (b"{", b"["):
            try:
                return loads_bounded(body), final, ctype
            except ValueError as exc:
                raise RegistryError(f"invalid JSON from {url}: {exc}") from exc
        return body.decode("utf-8", "replace"), final, ctype

    # ------------------------------------------------------------------ downloads

    def download_to(
        self,
        url: str,
        out: IO[bytes],
        *,
        algorithms: tuple[str, ...] = ("sha256",),
        expected_size: int | None = None,
        label: str | None = None,
        progress: Progress | None = None,
        cancel: Any = None,
        max_bytes: int | None = None,
    ) -> tuple[int, dict[str, str]]:
        """Stream ``url`` into ``out`` (rewound and truncated on each retry).

        Returns ``(size, {algorithm: hexdigest})``. A short body (less than Content-Length or
        the index's ``expected_size``) is a truncation; it is retried, then reported.
        """
        cap = self.config.max_bytes if max_bytes is None else max_bytes
        label = label or url.rsplit("/", 1)[-1]
        if expected_size is not None and expected_size > cap:
            raise TooLarge(f"{label} is {expected_size} bytes, above the {cap}-byte download cap")
        deadline = self._deadline()

        def attempt() -> tuple[int, dict[str, str]]:
            out.seek(0)
            out.truncate()
            hashers = {a: hashlib.new(a) for a in algorithms}
            done = 0
            total: int | None = expected_size
            try:
                # identity: the hash is of the file as stored, never of a re-encoded stream
                headers = {"Accept-Encoding": "identity"}
                with self._client.stream("GET", url, headers=headers) as response:
                    self._check_status(response, url)
                    length = response.headers.get("content-length")
                    if length and length.isdigit():
                        total = int(length)
                        if total > cap:
                            raise TooLarge(
                                f"{label} is {total} bytes, above the {cap}-byte download cap"
                            )
                    if progress:
                        progress(label, 0, total)
                    for chunk in response.iter_raw():  # each read, so the deadline is seen
                        if is_cancelled(cancel):
                            raise Cancelled(f"download of {label} cancelled")
                        self._check_deadline(deadline, "download of", url, done)
                        done += len(chunk)
                        if done > cap:
                            raise TooLarge(f"{label} exceeds the {cap}-byte download cap")
                        out.write(chunk)
                        for h in hashers.values():
                            h.update(chunk)
                        if progress:
                            progress(label, done, total)
            except httpx.TransportError as exc:
                raise _Retryable(f"{_describe(exc)} after {done} bytes") from exc
            want = total if total is not None else expected_size
            if want is not None and done < want:
                raise _Retryable(f"truncated: received {done} of {want} bytes")
            out.flush()
            return done, {a: h.hexdigest() for a, h in hashers.items()}

        return self._with_retries(url, attempt, "download of", deadline)
