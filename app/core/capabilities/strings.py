"""String signals: what a literal says about where data goes and whether code hides.

Applied to every string literal of a Python file (and to what folding decoded from it) and to
the lines of other text files: exfiltration endpoints, bare-IP URLs, public-IP lookups, secret
and browser-store paths, persistence locations, miners, long encoded blobs and high entropy.
A mere mention of a service (``discord.com`` in a README) is not an endpoint: the rules need
the part that makes it one (a webhook id, a bot token, a request-catcher host).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Signal:
    capability: str
    severity: str
    rule: str
    explanation: str
    start: int
    end: int
    match: str


_ENDPOINTS = [
    (r"(?:discord(?:app)?\.com|discord\.gg)/api/(?:v\d+/)?webhooks/\d+", "a Discord webhook"),
    (r"hooks\.slack\.com/services/[A-Z0-9]+", "a Slack webhook"),
    (r"api\.telegram\.org/bot\d*[:/]?", "the Telegram bot API"),
    (r"(?:[\w-]+\.)?webhook\.site\b", "webhook.site (a request catcher)"),
    (r"(?:[\w-]+\.)*(?:pipedream\.net|requestbin\.(?:net|com)|beeceptor\.com|mockapi\.io|"
     r"requestcatcher\.com|hookbin\.com|postb\.in|webhook\.cool)\b", "a request catcher"),
    (r"(?:[\w-]+\.)*(?:oast\.(?:fun|me|pro|live|site|online)|interact\.sh|interactsh\.com|"
     r"burpcollaborator\.net|oastify\.com|ceye\.io|dnslog\.(?:cn|link)|canarytokens\.com|"
     r"dnslog\.pw|bxss\.me)\b", "an out-of-band interaction catcher"),
    (r"(?:[\w-]+\.)*(?:ngrok\.io|ngrok-free\.app|ngrok\.app|ngrok\.dev|trycloudflare\.com|"
     r"serveo\.net|loca\.lt|localtunnel\.me|localhost\.run|pagekite\.me|portmap\.io|"
     r"bore\.pub|playit\.gg)\b", "a tunnel service"),
    (r"(?:pastebin\.com/raw|paste\.ee/r|hastebin\.com/raw|rentry\.co/[\w-]+/raw|"
     r"ghostbin\.\w+|dpaste\.(?:com|org)/\w+/raw|paste\.c-net\.org|pastie\.io/raw|"
     r"termbin\.com)", "a paste site"),
    (r"(?:transfer\.sh|file\.io|anonfiles\.com|gofile\.io|catbox\.moe|files\.catbox\.moe|"
     r"filebin\.net|bashupload\.com|0x0\.st|tmpfiles\.org|temp\.sh|uguu\.se)\b", "a file-drop service"),
]
_ENDPOINT_RE = re.compile("|".join(f"(?P<e{i}>{p})" for i, (p, _) in enumerate(_ENDPOINTS)), re.I)

_IP_URL_RE = re.compile(
    r"\b(?:https?|ftp|wss?|tcp)://(?P<ip>(?:\d{1,3}\.){3}\d{1,3})(?::\d{1,5})?(?:/[^\s'\"<>]*)?", re.I)
_PUBLIC_IP_RE = re.compile(
    r"\b(?:api\d*\.ipify\.org|ifconfig\.me|ipinfo\.io|icanhazip\.com|checkip\.amazonaws\.com|"
    r"ip-api\.com|ipecho\.net|myexternalip\.com|wtfismyip\.com|ident\.me|api\.myip\.com|"
    r"ipapi\.co|httpbin\.org/ip)\b", re.I)

_SECRET_RE = re.compile(
    r"(?:\.ssh[/\\](?:id_\w+|authorized_keys|known_hosts)|\.ssh[/\\]?$|\.aws[/\\](?:credentials|config)|"
    r"\.pypirc\b|\.npmrc\b|\.git-credentials\b|\.docker[/\\]config\.json|\.kube[/\\]config|"
    r"/etc/shadow\b|/etc/passwd\b|wallet\.dat\b|\bExodus[/\\]exodus\.wallet|\bElectrum[/\\]wallets|"
    r"nkbihfbeogaeaoehlefnkodbefgpgknn|\bdiscord(?:canary|ptb)?[/\\]Local Storage|"
    r"Local Storage[/\\]leveldb|Telegram Desktop[/\\]tdata|\btdata[/\\]|\.gnupg\b|"
    r"login\.keychain|Keychains[/\\]|\.config[/\\]gcloud[/\\]|\.azure[/\\]accessTokens)", re.I)
_BROWSER_RE = re.compile(
    r"(?:Login Data|Local State|Web Data|User Data[/\\]Default|cookies\.sqlite|logins\.json|"
    r"key4\.db|Mozilla[/\\]Firefox[/\\]Profiles|Google[/\\]Chrome[/\\]User Data|"
    r"BraveSoftware[/\\]Brave-Browser|Microsoft[/\\]Edge[/\\]User Data|Opera Software)", re.I)
_PERSIST_RE = re.compile(
    r"(?:CurrentVersion\\+Run(?:Once)?\b|Start Menu\\+Programs\\+Startup|"
    r"Microsoft\\+Windows\\+Start Menu\\+Programs\\+Startup|/Library/LaunchAgents|"
    r"Library/LaunchDaemons|schtasks(?:\.exe)?\s+/create|crontab\s+-|/etc/cron\.|/var/spool/cron|"
    r"/etc/systemd/system/|systemctl\s+enable|\.config/autostart|/etc/rc\.local|/etc/init\.d/)", re.I)
_RCFILE_RE = re.compile(r"(?:^|[/\\~])\.(?:bashrc|bash_profile|zshrc|profile|zprofile|bash_login)\b")
_MINER_RE = re.compile(
    r"(?:stratum\+(?:tcp|ssl)://|\bxmrig\b|\bminexmr\b|\bnicehash\b|\bcryptonight\b|"
    r"supportxmr\.com|nanopool\.org|moneroocean\.stream|\bethminer\b|\bnbminer\b)", re.I)
_BASE64_RE = re.compile(r"[A-Za-z0-9+/=_-]{1000,}")
_HEX_RE = re.compile(r"(?:[0-9a-fA-F]{2}){500,}")
_BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
_ZW_IN_WORD_RE = re.compile("\\w[\u200b-\u200d\u2060\u180e]+\\w")

# Reserved and local addresses are still addresses: tests point at documentation ranges and
# those must keep firing there (they are only lowered as test paths).
_LOCAL_IPS = ("127.", "0.0.0.0", "255.255.255.255")


def entropy(text: str) -> float:
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def endpoint_signals(text: str) -> list[Signal]:
    """Exfiltration endpoints, bare-IP URLs and public-IP lookups in ``text``."""
    out: list[Signal] = []
    for m in _ENDPOINT_RE.finditer(text):
        what = _ENDPOINTS[int(m.lastgroup[1:])][1]
        out.append(Signal("net.exfil_endpoint", "high", "str.exfil_endpoint",
                          f"Hard-coded address of {what}, a common place to send stolen data.",
                          m.start(), m.end(), m.group(0)))
    for m in _IP_URL_RE.finditer(text):
        ip = m.group("ip")
        if ip.startswith(_LOCAL_IPS) or any(int(p) > 255 for p in ip.split(".")):
            continue
        out.append(Signal("net.exfil_endpoint", "high", "str.ip_url",
                          "A URL to a bare IP address: no domain, typical of command-and-control servers.",
                          m.start(), m.end(), m.group(0)))
    for m in _PUBLIC_IP_RE.finditer(text):
        out.append(Signal("collect.sysinfo", "low", "str.public_ip_lookup",
                          "Looks up the machine's public IP address.", m.start(), m.end(), m.group(0)))
    return out


def content_signals(text: str, *, code: bool = True) -> list[Signal]:
    """Secret paths, browser stores, persistence locations, miners (any text)."""
    out: list[Signal] = []
    for m in _SECRET_RE.finditer(text):
        out.append(Signal("cred.secret_files", "medium", "str.secret_path",
                          "Names a secret file (keys, tokens, credentials or a wallet).",
                          m.start(), m.end(), m.group(0)))
    for m in _BROWSER_RE.finditer(text):
        out.append(Signal("cred.browser_data", "high", "str.browser_store",
                          "Names a browser store of saved passwords or cookies.",
                          m.start(), m.end(), m.group(0)))
    for m in _PERSIST_RE.finditer(text):
        out.append(Signal("persist.autostart", "high", "str.autostart_location",
                          "Names an autostart location (Run key, Startup folder, launchd, cron, systemd).",
                          m.start(), m.end(), m.group(0)))
    for m in _MINER_RE.finditer(text):
        out.append(Signal("impact.destructive", "critical", "str.crypto_miner",
                          "Refers to a cryptocurrency miner or mining pool.", m.start(), m.end(), m.group(0)))
    return out


def blob_signals(text: str) -> list[Signal]:
    """Long base64/hex blobs and high-entropy strings in one literal."""
    out: list[Signal] = []
    if len(text) < 200:
        return out
    m = _BASE64_RE.search(text)
    if m and not _HEX_RE.fullmatch(m.group(0)):
        size = len(m.group(0))
        sev = "medium" if size >= 5000 else "low"
        out.append(Signal("obf.encoded_blob", sev, "str.base64_blob",
                          f"A base64-like blob of {size} characters: data or code hidden from reading.",
                          m.start(), m.end(), m.group(0)))
        return out
    m = _HEX_RE.search(text)
    if m:
        out.append(Signal("obf.encoded_blob", "low", "str.hex_blob",
                          f"A hex blob of {len(m.group(0))} characters.", m.start(), m.end(), m.group(0)))
        return out
    if " " not in text[:200] and len(text) >= 200 and entropy(text[:4096]) > 5.2:
        out.append(Signal("obf.encoded_blob", "low", "str.high_entropy",
                          "A long high-entropy string (encrypted or compressed data).",
                          0, min(len(text), 200), text[:200]))
    return out


def unicode_signals(text: str) -> list[Signal]:
    out: list[Signal] = []
    for m in _BIDI_RE.finditer(text):
        out.append(Signal("obf.unicode_trick", "high", "str.bidi_control",
                          "A bidirectional control character: the code reads differently than it runs.",
                          m.start(), m.end(), repr(m.group(0))))
        break
    for m in _ZW_IN_WORD_RE.finditer(text):
        out.append(Signal("obf.unicode_trick", "medium", "str.zero_width",
                          "A zero-width character inside a word: two names that look the same differ.",
                          m.start(), m.end(), ascii(m.group(0))))
        break
    return out


def rcfile_in(text: str) -> bool:
    return bool(_RCFILE_RE.search(text))


def persist_in(text: str) -> bool:
    return bool(_PERSIST_RE.search(text)) or rcfile_in(text)
