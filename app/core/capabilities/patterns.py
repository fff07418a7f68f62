"""Pattern rules for text the AST does not cover, compiled into ONE engine per language.

All rules that apply to a language are joined into a single alternation (named groups tell
which rule matched), so a file is read once whatever the number of rules. Every pattern uses
bounded repetitions only (checked at load time), so no input can make matching backtrack
catastrophically, and the text is matched as a whole (never split into lines), so a
single line of a megabyte is no special case. Two engines run the same rules: yara-x (the
default: it is what PyPI scans uploads with, and on 88 MB of real package text it measured
~545 MB/s against ~19 MB/s, see ``tests/bench/bench_scan.py --engines``) and ``re`` behind
literal-atom prefiltering (:mod:`.atoms`), kept as the fallback and as the reference.
"""

from __future__ import annotations

import bisect
import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from app import config
from app.core.capabilities.atoms import AtomMatcher, AtomRule
from app.core.capabilities.fallback import yara_unavailable
from app.core.capabilities.model import severity_rank
from app.resources import resource_path

LANGS = ("js", "shell", "ps", "bat", "py", "cmd", "any")
_EXT_LANG = {
    ".js": "js",
    ".mjs": "js",
    ".cjs": "js",
    ".ts": "js",
    ".tsx": "js",
    ".jsx": "js",
    ".mts": "js",
    ".cts": "js",
    ".vue": "js",
    ".sh": "shell",
    ".bash": "shell",
    ".zsh": "shell",
    ".ksh": "shell",
    ".command": "shell",
    ".ps1": "ps",
    ".psm1": "ps",
    ".psd1": "ps",
    ".bat": "bat",
    ".cmd": "bat",
    ".vbs": "bat",
    ".vbe": "bat",
    ".hta": "bat",
    ".wsf": "bat",
    ".py": "py",
    ".pyw": "py",
}
_UNBOUNDED = re.compile(r"(?<!\\)[*+](?!\?)|\{\d+,\}")
MAX_SCAN = 64 * 1024 * 1024


@dataclass(frozen=True)
class PatternRule:
    id: str
    capability: str
    severity: str
    langs: tuple[str, ...]
    pattern: str
    explanation: str
    atoms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    rule: PatternRule
    start: int
    end: int
    text: str


def language_of(path: str, text: str | None = None) -> str:
    """The pattern language of a file: by extension, else by a shebang line, else ``any``."""
    name = path.rsplit("/", 1)[-1].lower()
    dot = name.rfind(".")
    if dot >= 0 and name[dot:] in _EXT_LANG:
        return _EXT_LANG[name[dot:]]
    if text and text.startswith("#!"):
        first = text[:120].split("\n", 1)[0]
        if "python" in first:
            return "py"
        if "node" in first:
            return "js"
        if "sh" in first:
            return "shell"
    return "any"


def check_linear(pattern: str) -> None:
    """Reject unbounded repetition (``*``, ``+``, ``{n,}``): every rule must stay linear-time."""
    stripped = re.sub(
        r"\[(?:\\.|[^\]])*\]", "[]", pattern
    )  # quantifier chars inside classes are literal
    if _UNBOUNDED.search(stripped.replace("\\\\", "")):
        raise ValueError(f"pattern uses unbounded repetition: {pattern[:80]}")


@lru_cache(maxsize=1)
def load_rules() -> tuple[PatternRule, ...]:
    doc = json.loads(resource_path("rules", "patterns.json").read_text(encoding="utf-8"))
    rules = []
    for r in doc["rules"]:
        check_linear(r["pattern"])
        atoms = tuple(a.lower() for a in r.get("atoms", ()))
        if not atoms:
            raise ValueError(f"pattern rule {r['id']} has no atoms")
        rules.append(
            PatternRule(
                r["id"],
                r["capability"],
                r["severity"],
                tuple(r["langs"]),
                r["pattern"],
                r["explanation"],
                atoms,
            )
        )
    return tuple(rules)


def _select(rules, lang: str) -> list[PatternRule]:
    """The rules for ``lang``, strongest first: at one position the alternation takes the first
    rule that matches, so ``eval(atob(...))`` is decode-then-exec, not plain eval."""
    if lang == "any":
        chosen = [r for r in rules if "any" in r.langs]
    else:
        chosen = [r for r in rules if lang in r.langs or ("any" in r.langs and lang != "py")]
    return sorted(chosen, key=lambda r: -severity_rank(r.severity))


class RegexEngine:
    """``re`` behind literal-atom prefiltering (:mod:`.atoms`): one combined alternation of the
    rules whose atoms occur, run only in windows around those atoms."""

    name = "re"

    def __init__(self, rules: tuple[PatternRule, ...] | None = None):
        self.rules = rules or load_rules()
        self._matchers: dict[str, tuple[AtomMatcher, dict[str, PatternRule]]] = {}

    def _for(self, lang: str):
        if lang not in self._matchers:
            selected = _select(self.rules, lang)
            matcher = AtomMatcher(
                [AtomRule(r.id, r.atoms, r.pattern) for r in selected], re.I | re.M
            )
            self._matchers[lang] = (matcher, {r.id: r for r in selected})
        return self._matchers[lang]

    def scan(self, text: str, lang: str, low: str | None = None) -> list[Match]:
        matcher, by_id = self._for(lang)
        if len(text) > MAX_SCAN:
            text = text[:MAX_SCAN]
            low = None
        return [
            Match(by_id[rule.key], m.start(), m.end(), m.group(0))
            for rule, m in matcher.finditer(text, low)
        ]


class YaraEngine:
    """The same rules through yara-x (the default engine). A language whose rules yara-x
    refuses to compile runs through :class:`RegexEngine` instead, with a fallback note."""

    name = "yara-x"

    def __init__(self, rules: tuple[PatternRule, ...] | None = None):
        import yara_x

        self.rules = rules or load_rules()
        # yara-x scanners are "unsendable": one made in a thread may only be used there, and
        # scans run on worker threads (app, --jobs). Each thread keeps its own scanners.
        self._local = threading.local()
        self._yara_x = yara_x
        self._regex: RegexEngine | None = None

    @property
    def _scanners(self) -> dict[str, tuple[object, list[PatternRule]]]:
        scanners = getattr(self._local, "scanners", None)
        if scanners is None:
            scanners = self._local.scanners = {}
        return scanners

    def _for(self, lang: str):
        if lang not in self._scanners:
            selected = _select(self.rules, lang)
            src = []
            for i, r in enumerate(selected):
                pat = r.pattern.replace("/", "\\/")
                src.append(f"rule r{i} {{ strings: $a = /{pat}/ nocase condition: $a }}")
            try:
                compiler = self._yara_x.Compiler()
                compiler.add_source("\n".join(src))
                scanner = self._yara_x.Scanner(compiler.build())
            except Exception as exc:  # noqa: BLE001 - yara-x refused a rule: same rules via re
                yara_unavailable(exc)
                scanner = None
            self._scanners[lang] = (scanner, selected)
        return self._scanners[lang]

    def scan(self, text: str, lang: str, low: str | None = None) -> list[Match]:
        scanner, selected = self._for(lang)
        if scanner is None:
            if self._regex is None:
                self._regex = RegexEngine(self.rules)
            return self._regex.scan(text, lang, low)
        if len(text) > MAX_SCAN:
            text = text[:MAX_SCAN]
        data = text.encode("utf-8", "surrogatepass")
        ascii_only = len(data) == len(text)
        results = scanner.scan(data)
        out = []
        for rule in results.matching_rules:
            pr = selected[int(rule.identifier[1:])]
            for pattern in rule.patterns:
                for m in pattern.matches[:50]:
                    chunk = data[m.offset : m.offset + m.length].decode("utf-8", "replace")
                    start = (
                        m.offset if ascii_only else len(data[: m.offset].decode("utf-8", "replace"))
                    )
                    out.append(Match(pr, start, start + len(chunk), chunk))
        out.sort(key=lambda m: m.start)
        return out[:200]


_ENGINE: RegexEngine | YaraEngine | None = None


def engine() -> RegexEngine | YaraEngine:
    """yara-x (measured ~25x faster than ``re`` on the same rules); ``re`` when
    ``VETBENCH_PATTERN_ENGINE=re`` chose it, or, with a fallback note, when yara-x does not
    import."""
    global _ENGINE
    if _ENGINE is None:
        if config.pattern_engine() == "yara-x":
            try:
                _ENGINE = YaraEngine()
            except ImportError as exc:
                yara_unavailable(exc)
        if _ENGINE is None:
            _ENGINE = RegexEngine()
    return _ENGINE


class LineIndex:
    """Offset → (line, column) for a text, built once and only when something matched."""

    def __init__(self, text: str):
        self.starts = [0]
        find = text.find
        pos = find("\n")
        while pos >= 0:
            self.starts.append(pos + 1)
            pos = find("\n", pos + 1)

    def locate(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i]
