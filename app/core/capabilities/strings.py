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

from app.core.capabilities.atoms import AtomRule, fast_matcher


@dataclass(frozen=True)
class Signal:
    capability: str
    severity: str
    rule: str
    explanation: str
    start: int
    end: int
    match: str


_FILE_DROP = "a file-drop service"
_TUNNEL = "a tunnel service"
_ENDPOINTS = [
    (
        ("discord",),
        r"\b(?:discord(?:app)?\.com|discord\.gg)/api/(?:v\d+/)?webhooks/\d+",
        "a Discord webhook",
    ),
    # A Slack webhook's path starts with the workspace id (T + capitals and digits); a path
    # that does not (``services/YOUR/WEBHOOK/URL``, ``services/XXX``) is a document's
    # placeholder and posts nowhere.
    (("hooks.slack",), r"\bhooks\.slack\.com/services/(?-i:T[A-Z0-9]+)", "a Slack webhook"),
    (
        ("api.telegram",),
        r"\bapi\.telegram\.org/bot\d{6,12}:[\w-]{20,60}",
        "the Telegram bot API with a bot token",
    ),
    (
        # A bot token on its own (what telebot or aiogram is handed): bot id, then "AA" and
        # 33 more characters. A bot whose token ships in a package is someone's channel out.
        (":aa",),
        r"\b\d{8,10}:AA[\w-]{33}\b",
        "a Telegram bot (its token)",
    ),
    (("webhook.site",), r"\bwebhook\.site\b", "webhook.site (a request catcher)"),
    (
        (
            "pipedream",
            "requestbin",
            "beeceptor",
            "mockapi",
            "requestcatcher",
            "hookbin",
            "postb.in",
            "webhook.cool",
        ),
        r"\b(?:pipedream\.net|requestbin\.(?:net|com)|beeceptor\.com|mockapi\.io|"
        r"requestcatcher\.com|hookbin\.com|postb\.in|webhook\.cool)\b",
        "a request catcher",
    ),
    (
        (
            "oast.",
            "oastify",
            "interact.sh",
            "interactsh",
            "burpcollab",
            "ceye.io",
            "dnslog",
            "canarytokens",
            "bxss.me",
        ),
        r"\b(?:oast\.(?:fun|me|pro|live|site|online)|interact\.sh|interactsh\.com|"
        r"burpcollaborator\.net|oastify\.com|ceye\.io|dnslog\.(?:cn|link|pw)|canarytokens\.com|"
        r"bxss\.me)\b",
        "an out-of-band interaction catcher",
    ),
    (
        (
            "ngrok",
            "trycloudflare",
            "serveo",
            "loca.lt",
            "localtunnel",
            "localhost.run",
            "pagekite",
            "portmap",
            "bore.pub",
            "playit.gg",
        ),
        r"\b(?:ngrok\.io|ngrok-free\.app|ngrok\.app|ngrok\.dev|trycloudflare\.com|"
        r"serveo\.net|loca\.lt|localtunnel\.me|localhost\.run|pagekite\.me|portmap\.io|"
        r"bore\.pub|playit\.gg)\b",
        _TUNNEL,
    ),
    (
        (
            "pastebin",
            "paste.ee",
            "hastebin",
            "rentry",
            "ghostbin",
            "dpaste",
            "paste.c-net",
            "pastie",
            "termbin",
        ),
        r"(?:pastebin\.com/raw|paste\.ee/r|hastebin\.com/raw|rentry\.co/[\w-]{1,40}/raw|"
        r"ghostbin\.\w{2,6}|dpaste\.(?:com|org)/\w{1,40}/raw|paste\.c-net\.org|pastie\.io/raw|"
        r"termbin\.com)",
        "a paste site",
    ),
    (
        (
            "transfer.sh",
            "file.io",
            "anonfiles",
            "gofile",
            "catbox",
            "filebin",
            "bashupload",
            "0x0.st",
            "tmpfiles",
            "temp.sh",
            "uguu",
        ),
        r"(?:transfer\.sh|\bfile\.io|anonfiles\.com|gofile\.io|catbox\.moe|"
        r"filebin\.net|bashupload\.com|0x0\.st|tmpfiles\.org|\btemp\.sh|uguu\.se)\b",
        _FILE_DROP,
    ),
]
_IP_URL = (
    ("://",),
    r"\b(?:https?|ftp|wss?|tcp)://(?P<ip>(?:\d{1,3}\.){3}\d{1,3})(?::\d{1,5})?(?:/[^\s'\"<>]{0,300})?",
)
_IP_URL_RE = re.compile(_IP_URL[1], re.I)
_PUBLIC_IP = (
    (
        "ipify",
        "ifconfig.me",
        "ipinfo.io",
        "icanhazip",
        "checkip",
        "ip-api",
        "ipecho",
        "myexternalip",
        "wtfismyip",
        "ident.me",
        "myip.com",
        "ipapi.co",
        "httpbin.org/ip",
    ),
    r"\b(?:api\d?\.ipify\.org|ifconfig\.me|ipinfo\.io|icanhazip\.com|checkip\.amazonaws\.com|"
    r"ip-api\.com|ipecho\.net|myexternalip\.com|wtfismyip\.com|ident\.me|api\.myip\.com|"
    r"ipapi\.co|httpbin\.org/ip)\b",
)
_SECRET = (
    (
        ".ssh",
        ".aws",
        ".pypirc",
        ".npmrc",
        ".git-credentials",
        ".docker",
        ".kube",
        "/etc/shadow",
        "/etc/passwd",
        "wallet.dat",
        "exodus",
        "electrum",
        "nkbihfbeogaeaoehlefnkodbefgpgknn",
        "local storage",
        "tdata",
        ".gnupg",
        "keychain",
        "gcloud",
        "accesstokens",
    ),
    r"(?:\.ssh[/\\](?:id_\w{1,20}|authorized_keys|known_hosts)|\.aws[/\\](?:credentials|config)|"
    r"\.pypirc\b|\.npmrc\b|\.git-credentials\b|\.docker[/\\]config\.json|\.kube[/\\]config|"
    r"/etc/shadow\b|/etc/passwd\b|wallet\.dat\b|\bExodus[/\\]exodus\.wallet|\bElectrum[/\\]wallets|"
    r"nkbihfbeogaeaoehlefnkodbefgpgknn|\bdiscord(?:canary|ptb)?[/\\]Local Storage|"
    r"Local Storage[/\\]leveldb|Telegram Desktop[/\\]tdata|\btdata[/\\]|\.gnupg\b|"
    r"login\.keychain|Keychains[/\\]|\.config[/\\]gcloud[/\\]|\.azure[/\\]accessTokens)",
)
_SECRET_RE = re.compile(_SECRET[1], re.I)
_BROWSER = (
    (
        "login data",
        "local state",
        "web data",
        "user data",
        "cookies.sqlite",
        "logins.json",
        "key4.db",
        "firefox",
        "chrome",
        "brave",
        "\\edge",
        "/edge",
        "opera software",
    ),
    r"(?:(?-i:Login Data|Local State|Web Data)|User Data[/\\]Default|cookies\.sqlite|logins\.json|"
    r"key4\.db|Mozilla[/\\]Firefox[/\\]Profiles|Google[/\\]Chrome[/\\]User Data|"
    r"BraveSoftware[/\\]Brave-Browser|Microsoft[/\\]Edge[/\\]User Data|Opera Software)",
)
_BROWSER_RE = re.compile(_BROWSER[1], re.I)
# The stores a stealer reads and nothing else has reason to open: a browser's saved logins,
# cookies and keys, a chat client's token store, a desktop wallet, the registry key where
# Roblox Studio keeps the player's session cookie. (Not ~/.aws, ~/.kube or
# ~/.docker: every cloud SDK and cluster client reads its own credentials there.)
# STORE_WORDS: words every text that STEALER_STORE_RE matches in holds one of (a cheap test
# of a whole module before its names are looked at; "metadata" and "Cookies" are too common).
STORE_WORDS = (
    "Local Storage",
    "Login Data",
    "Local State",
    "Web Data",
    "Network/Cookies",
    "Network\\\\Cookies",
    "cookies.sqlite",
    "logins.json",
    "key4.db",
    "wallet.dat",
    "Exodus",
    "Electrum",
    "nkbihfbeogaeaoehlefnkodbefgpgknn",
    "Telegram Desktop",
    "ROBLOSECURITY",
    "RobloxStudioBrowser",
)
STEALER_STORE_RE = re.compile(
    r"(?-i:Login Data|Local State|Web Data)|Local Storage[/\\]leveldb|\bdiscord(?:canary|ptb)?"
    r"[/\\]Local Storage|Network[/\\]Cookies|cookies\.sqlite|logins\.json|key4\.db|"
    r"wallet\.dat\b|\bExodus[/\\]exodus\.wallet|\bElectrum[/\\]wallets|"
    r"nkbihfbeogaeaoehlefnkodbefgpgknn|Telegram Desktop[/\\]tdata|"
    r"\.ROBLOSECURITY\b|RobloxStudioBrowser",
    re.I,
)
_PERSIST = (
    (
        "currentversion",
        "start menu",
        "launchagents",
        "launchdaemons",
        "schtasks",
        "crontab",
        "/etc/cron",
        "/var/spool/cron",
        "/etc/systemd",
        "systemd/user",
        "systemctl",
        "autostart",
        "rc.local",
        "/etc/init.d",
    ),
    r"(?:CurrentVersion[\\/]{1,2}Run(?:Once)?\b|Start Menu[\\/]{1,2}Programs[\\/]{1,2}Startup|"
    r"/Library/LaunchAgents|Library/LaunchDaemons|schtasks(?:\.exe)?\s{1,5}/create|crontab\s{1,5}-|"
    r"/etc/cron\.|/var/spool/cron|/etc/systemd/system/|\.config/systemd/user/|"
    r"systemctl\s{1,5}(?:--user\s{1,5})?enable|\.config/autostart|"
    r"/etc/rc\.local|/etc/init\.d/)",
)
_PERSIST_RE = re.compile(_PERSIST[1], re.I)
_RCFILE_RE = re.compile(
    r"(?:^|[/\\~])\.(?:bashrc|bash_profile|zshrc|profile|zprofile|bash_login)\b"
)
_MINER = (
    (
        "stratum",
        "xmrig",
        "minexmr",
        "nicehash",
        "cryptonight",
        "supportxmr",
        "nanopool",
        "moneroocean",
        "ethminer",
        "nbminer",
    ),
    r"(?:stratum\+(?:tcp|ssl)://|\bxmrig\b|\bminexmr\b|\bnicehash\b|\bcryptonight\b|"
    r"supportxmr\.com|nanopool\.org|moneroocean\.stream|\bethminer\b|\bnbminer\b)",
)
_B64_FULL = re.compile(r"[A-Za-z0-9+/=_-]{1,}")
_HEX_FULL = re.compile(r"[0-9a-fA-F]{1,}")
_BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
# A bidi control followed on its line only by a closing quote and punctuation (a character
# table's entry such as "\u202e",): a control reorders the text after it up to the end of the
# line, and there is no code there to make read differently.
_BIDI_ENDS_LITERAL_RE = re.compile(r"""["'][ \t]*[,:)\]}]*[ \t]*(?:\r?\n|$)""")
_ZW_RE = re.compile("[\u200b-\u200d\u2060\u180e]")
# Inside an ASCII word only: ZWNJ/ZWJ are ordinary letters' companions in Persian, Indic
# scripts and emoji.
_ZW_IN_WORD_RE = re.compile("[A-Za-z0-9_][\u200b-\u200d\u2060\u180e]{1,10}[A-Za-z0-9_]")

_ENDPOINT_META = {}
_endpoint_rules = []
_TUNNEL_KEYS = set()
for _i, (_atoms, _pat, _what) in enumerate(_ENDPOINTS):
    _endpoint_rules.append(AtomRule(f"e{_i}", _atoms, _pat))
    if _what == _TUNNEL:
        _TUNNEL_KEYS.add(f"e{_i}")
    _ENDPOINT_META[f"e{_i}"] = (
        "net.exfil_endpoint",
        # A file host is where tools share what a user asked them to share (an image's link):
        # a stealer's upload there is a chain from what it collected. A webhook or bot token is
        # the attacker's own channel, a request or interaction catcher a probe's: high alone.
        "medium" if _what == _FILE_DROP else "high",
        "str.exfil_endpoint",
        f"Hard-coded address of {_what}, a common place to send stolen data.",
    )
_endpoint_rules.append(AtomRule("ip", *_IP_URL))
_endpoint_rules.append(AtomRule("pubip", *_PUBLIC_IP))
_ENDPOINT_META["pubip"] = (
    "collect.sysinfo",
    "low",
    "str.public_ip_lookup",
    "Looks up the machine's public IP address.",
)
ENDPOINTS = fast_matcher(_endpoint_rules)
_CONTENT_META = {
    "secret": (
        "cred.secret_files",
        "medium",
        "str.secret_path",
        "Names a secret file (keys, tokens, credentials or a wallet).",
    ),
    "browser": (
        "cred.browser_data",
        "high",
        "str.browser_store",
        "Names a browser store of saved passwords or cookies.",
    ),
    "persist": (
        "persist.autostart",
        "high",
        "str.autostart_location",
        "Names an autostart location (Run key, Startup folder, launchd, cron, systemd).",
    ),
    "miner": (
        "impact.destructive",
        "critical",
        "str.crypto_miner",
        "Refers to a cryptocurrency miner or mining pool.",
    ),
}
CONTENT = fast_matcher(
    [
        AtomRule("secret", *_SECRET),
        AtomRule("browser", *_BROWSER),
        AtomRule("persist", *_PERSIST),
        AtomRule("miner", *_MINER),
    ]
)

# Reserved and local addresses are still addresses: tests point at documentation ranges and
# those must keep firing there (they are only lowered as test paths).
_LOCAL_IPS = ("127.", "0.0.0.0", "255.255.255.255")
# Private (RFC 1918) and link-local networks: an address there is a router, a LAN service or a
# cloud metadata endpoint (169.254.169.254) on the machine's own network, which no one outside
# receives data at; so a URL to one is not an exfiltration endpoint.
_INSIDE_IPS = ("10.", "192.168.", "169.254.") + tuple(f"172.{n}." for n in range(16, 32))


def entropy(text: str) -> float:
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def endpoint_signals(text: str, low: str | None = None) -> list[Signal]:
    """Exfiltration endpoints, bare-IP URLs and public-IP lookups in ``text``."""
    out: list[Signal] = []
    for rule, m in ENDPOINTS.finditer(text, low):
        if rule.key == "ip":
            ip = m.group("ip")
            if (
                ip is None
                or ip.startswith(_LOCAL_IPS + _INSIDE_IPS)
                or any(int(p) > 255 for p in ip.split("."))
            ):
                continue
            out.append(
                Signal(
                    "net.exfil_endpoint",
                    "high",
                    "str.ip_url",
                    "A URL to a bare IP address: no domain, typical of command-and-control servers.",
                    m.start(),
                    m.end(),
                    m.group(0),
                )
            )
            continue
        if _longer_dotted_name(text, m) or _in_a_pattern(text, m.start()):
            continue
        cap, sev, rid, expl = _ENDPOINT_META[rule.key]
        if rule.key in _TUNNEL_KEYS and not _TUNNEL_LABEL_RE.search(
            text, max(0, m.start() - 64), m.start()
        ):
            sev, rid = "medium", TUNNEL_SERVICE_RULE
            expl = "Names a tunnel service, but no tunnel of its own (no address of one)."
        out.append(Signal(cap, sev, rid, expl, m.start(), m.end(), m.group(0)))
    return out


_DOTTED_NEXT_RE = re.compile(r"\.[A-Za-z0-9_]")


# A tunnel's own address carries its name before the service's (a1b2-c3.ngrok-free.app,
# x.trycloudflare.com): what an attacker posts to. The service's name alone (``serveo.net``
# as an ssh -R target, ``f"https://{subdomain}.ngrok.io"`` built for a user's tunnel, a
# ``.ngrok.io`` suffix to recognise one) is how tunnel clients name the service: medium.
TUNNEL_SERVICE_RULE = "str.tunnel_service"
_TUNNEL_LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,62}\.$")


def _longer_dotted_name(text: str, m: re.Match) -> bool:
    """A service's host name that goes on with ``.name`` is part of a longer name, not that
    host: ``pkg.c.file.IO.__init__`` (a qualified class name in generated C) or
    ``file.io.example.com`` are not file.io. Matches that end in a path (``…/raw``) count."""
    return "/" not in m.group(0) and _DOTTED_NEXT_RE.match(text, m.end()) is not None


# Regular-expression syntax right before a host name (``[^\s]+.trycloudflare.com``,
# ``\w*\.ngrok\.io`` once the escapes are gone): a quantifier or a class's end, then a dot.
_PATTERN_BEFORE_RE = re.compile(r"[+*?\]](?:\\?\.)?$")


def _in_a_pattern(text: str, start: int) -> bool:
    """A service's host name written as the tail of a regular expression, which recognises
    that service's addresses (a tunnel client finding the URL it was given in the tool's
    output) rather than naming one to send to: no host name holds ``+``, ``*``, ``?`` or
    ``]``, so an address code posts to never reads so."""
    return _PATTERN_BEFORE_RE.search(text, max(0, start - 3), start) is not None


# Brave keeps its profile right under BraveSoftware/Brave-Browser on macOS and Linux, so the
# folder alone names the store; its program folder (Application\brave.exe) and its version key
# (BLBeacon), which browser-driver managers read to learn the version, do not. Nor does a path
# that goes on to a program file: Opera keeps its launcher beside its profile (Opera
# Software\Opera Stable\launcher.exe, which a browser driver starts); a stealer names the folder
# or the store in it (Login Data, Cookies), never an .exe, which holds no saved password.
_BROWSER_PROGRAM = re.compile(
    r"[/\\]+(?:Application|BLBeacon)\b|(?:[/\\]+[\w .()-]{1,80}?){0,2}[/\\]+[\w .()-]{1,80}?\.exe(?![\w.])",
    re.I,
)


def content_signals(text: str, low: str | None = None) -> list[Signal]:
    """Secret paths, browser stores, persistence locations, miners (any text)."""
    out: list[Signal] = []
    for rule, m in CONTENT.finditer(text, low):
        if rule.key == "browser" and _BROWSER_PROGRAM.match(text, m.end()):
            continue
        cap, sev, rid, expl = _CONTENT_META[rule.key]
        out.append(Signal(cap, sev, rid, expl, m.start(), m.end(), m.group(0)))
    return out


def is_blob(text: str) -> bool:
    """True for a literal that is one base64/hex blob (nothing else can be read in it)."""
    compact = "".join(text.split()) if len(text) < 8_000_000 else text
    return bool(_B64_FULL.fullmatch(compact))


def blob_signals(text: str) -> list[Signal]:
    """A long base64/hex blob or a high-entropy string, for one literal (or one long token)."""
    if len(text) < 200:
        return []
    compact = "".join(text.split()) if len(text) < 8_000_000 else text
    size = len(compact)
    if size >= 1000 and _HEX_FULL.fullmatch(compact):
        return [
            Signal(
                "obf.encoded_blob",
                "low",
                "str.hex_blob",
                f"A hex blob of {size} characters.",
                0,
                min(len(text), 200),
                text,  # whole: the hit keeps 200 characters and a digest of all
            )
        ]
    if size >= 1000 and _B64_FULL.fullmatch(compact):
        sev = "medium" if size >= 5000 else "low"
        return [
            Signal(
                "obf.encoded_blob",
                sev,
                "str.base64_blob",
                f"A base64-like blob of {size} characters: data or code hidden from reading.",
                0,
                min(len(text), 200),
                text,
            )
        ]
    if " " not in text[:200] and entropy(text[:4096]) > 5.2 and not character_table(text[:4096]):
        return [
            Signal(
                "obf.encoded_blob",
                "low",
                "str.high_entropy",
                "A long high-entropy string (encrypted or compressed data).",
                0,
                min(len(text), 200),
                text,
            )
        ]
    return []


# How many characters beyond ASCII, and what share of them in rising order, make a table.
_TABLE_CHARS = 32
_TABLE_RISING = 0.9


def character_table(text: str) -> bool:
    """Whether the characters beyond ASCII in ``text`` run in rising code-point order: a
    table of characters (a regular expression's class of every script's letters, ``ˁˆ-ˑͰ-ʹ``,
    an alphabet), whose entropy is that of many distinct letters. Encrypted or compressed
    data written as characters has no order: about half its neighbours rise."""
    if text.isascii():
        return False
    wide = [c for c in text if c > "\x7f"]
    if len(wide) < _TABLE_CHARS:
        return False
    rising = sum(1 for a, b in zip(wide, wide[1:], strict=False) if b > a)
    return rising >= _TABLE_RISING * (len(wide) - 1)


# A token of a long line: a run of 1000+ characters between separators. Only such runs are
# made strings -- splitting a 16 MB line of ``.f()`` into all its tokens took 600 MB.
_LONG_TOKEN_RE = re.compile(r"[^\s'\"`,;()\[\]{}]{1000,}")


def token_blobs(text: str) -> list[Signal]:
    """Long base64/hex tokens inside a text file (only lines over 1000 characters are looked at)."""
    start = 0
    n = len(text)
    while start < n:
        end = text.find("\n", start)
        if end < 0:
            end = n
        if end - start >= 1000:
            for m in _LONG_TOKEN_RE.finditer(text, start, end):
                tok = m.group()
                if tok.startswith(("http", "data:image")):
                    continue
                for s in blob_signals(tok):
                    # the whole token: the hit keeps 200 characters and a digest of all
                    rule, why = s.rule, s.explanation
                    return [
                        Signal(s.capability, s.severity, rule, why, m.start(), m.start() + 200, tok)
                    ]
        start = end + 1
    return []


def unicode_signals(text: str) -> list[Signal]:
    out: list[Signal] = []
    if text.isascii():  # O(1) on a str; every character these rules look for is non-ASCII
        return out
    for m in _BIDI_RE.finditer(text):
        if _BIDI_ENDS_LITERAL_RE.match(text, m.end()):
            continue  # a table entry holding the character: nothing after it to reorder
        out.append(
            Signal(
                "obf.unicode_trick",
                "high",
                "str.bidi_control",
                "A bidirectional control character: the code reads differently than it runs.",
                m.start(),
                m.end(),
                repr(m.group(0)),
            )
        )
        break
    if not _ZW_RE.search(text):
        return out
    for m in _ZW_IN_WORD_RE.finditer(text):
        out.append(
            Signal(
                "obf.unicode_trick",
                "medium",
                "str.zero_width",
                "A zero-width character inside a word: two names that look the same differ.",
                m.start(),
                m.end(),
                ascii(m.group(0)),
            )
        )
        break
    return out


def rcfile_in(text: str) -> bool:
    return bool(_RCFILE_RE.search(text))


def persist_in(text: str) -> bool:
    return bool(_PERSIST_RE.search(text)) or rcfile_in(text)
