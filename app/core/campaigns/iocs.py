"""Indicators of compromise found in package text: URLs, domains, IP addresses, webhook ids.

Campaigns are recognised partly by what they talk to, and moderators search by it
(``vetbench ioc``). Extraction is plain-text and bounded: it never resolves, fetches or opens
anything it finds.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

_URL_RE = re.compile(r"""(?i)\b(?:https?|wss?|ftp)://[^\s'"<>`\\)\]}]{1,2000}""")
_IPV4_RE = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_DISCORD_RE = re.compile(r"(?i)discord(?:app)?\.com/api/webhooks/(\d{5,25})/[\w-]{10,120}")
_TELEGRAM_RE = re.compile(r"(?i)api\.telegram\.org/bot(\d{5,15}):[\w-]{20,60}")
# Hosts that are IOCs only as a whole URL (everyone links to them), never as a bare domain.
_COMMON_HOSTS = frozenset(
    {
        "github.com",
        "pypi.org",
        "files.pythonhosted.org",
        "python.org",
        "www.python.org",
        "docs.python.org",
        "readthedocs.io",
        "www.apache.org",
        "opensource.org",
        "npmjs.com",
        "www.npmjs.com",
        "registry.npmjs.org",
        "gitlab.com",
        "bitbucket.org",
    }
)
_MAX_SCAN = 4 * 1024 * 1024  # bytes of one text looked at for indicators


@dataclass
class Iocs:
    """Indicators found in one text or merged over many."""

    urls: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    ips: set[str] = field(default_factory=set)
    webhooks: set[str] = field(default_factory=set)  # "discord:<id>", "telegram:<bot id>"

    def merge(self, other: Iocs) -> Iocs:
        self.urls |= other.urls
        self.domains |= other.domains
        self.ips |= other.ips
        self.webhooks |= other.webhooks
        return self

    def values(self) -> set[str]:
        return self.urls | self.domains | self.ips | self.webhooks

    def to_json(self) -> dict[str, list[str]]:
        return {
            "urls": sorted(self.urls),
            "domains": sorted(self.domains),
            "ips": sorted(self.ips),
            "webhooks": sorted(self.webhooks),
        }

    def __bool__(self) -> bool:
        return bool(self.urls or self.domains or self.ips or self.webhooks)


def _host_of(url: str) -> str | None:
    rest = url.split("://", 1)[1]
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host.split("]")[0].lstrip("[").lower() or None
    host = host.split(":", 1)[0].strip(".").lower()
    return host or None


def _is_public_ip(text: str) -> bool:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local)


def extract_iocs(text: str) -> Iocs:
    """Indicators in ``text`` (first 4 MiB). Version-like dotted quads are not IPs."""
    found = Iocs()
    text = text[:_MAX_SCAN]
    for match in _URL_RE.finditer(text):
        url = match.group(0).rstrip(".,;:'\"")
        host = _host_of(url)
        if not host or host in ("localhost",):
            continue
        if host in _COMMON_HOSTS:
            continue
        found.urls.add(url)
        if _IPV4_RE.fullmatch(host):
            if _is_public_ip(host):
                found.ips.add(host)
        elif "." in host:
            found.domains.add(host)
    for match in _IPV4_RE.finditer(text):
        value = match.group(0)
        parts = value.split(".")
        if all(int(p) <= 255 for p in parts) and _is_public_ip(value):
            # Dotted version strings like 1.2.3.4 are common; count only quads that look like
            # addresses: a part over 9 somewhere, or used inside a URL (handled above).
            if any(int(p) > 9 for p in parts):
                found.ips.add(value)
    for match in _DISCORD_RE.finditer(text):
        found.webhooks.add(f"discord:{match.group(1)}")
    for match in _TELEGRAM_RE.finditer(text):
        found.webhooks.add(f"telegram:{match.group(1)}")
    return found


def ioc_matches(value: str, iocs: Iocs) -> bool:
    """Does a searched ``value`` (domain, URL or IP) occur among ``iocs``?

    A domain also matches its subdomains and URLs on it; a URL matches by prefix.
    """
    needle = value.strip().lower()
    if not needle:
        return False
    if "://" in needle:
        return any(u.lower().startswith(needle) for u in iocs.urls)
    if needle in iocs.ips or needle in {w.lower() for w in iocs.webhooks}:
        return True
    return any(d == needle or d.endswith("." + needle) for d in iocs.domains)
