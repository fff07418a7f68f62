"""Non-Python text (and Python that does not parse): pattern rules plus string signals.

Lines are never split for matching; very long lines and code pushed right by whitespace are
signals of their own. Minified and ``dist/`` files are scanned like any other.
"""

from __future__ import annotations

import re

from app.core.capabilities import context as ctx
from app.core.capabilities import strings as sig
from app.core.capabilities.agenttext import INVISIBLE, agent_instructions, may_instruct
from app.core.capabilities.atoms import ascii_lower
from app.core.capabilities.blobkinds import inert_blob
from app.core.capabilities.hits import make_hit
from app.core.capabilities.model import Hit
from app.core.capabilities.patterns import LineIndex, engine, language_of
from app.core.capabilities.pybarestrings import bare_strings

_PUSHED_RE = re.compile(
    r"[ \t]{150,}(?=[^\s#])(?=.{0,40}(?:\bimport\b|\bexec\b|\beval\b|__import__|;|\w+\s*\())", re.M
)
_LONG_LINE = 3000
# Six or more escapes in a row inside a string that spell printable text: names and code
# written as "\145\166\141\x6c" (eval) so that no one reading the file sees them. Spelled
# as one escape then five or more, not ``(?:...){6,}``: a pattern that starts with a literal
# backslash is searched for that character at C speed, where a leading group is tried at
# every position (28x slower over the popular releases' Python files, same matches).
_ESCAPE_RUN_RE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|[0-7]{3})(?:\\(?:x[0-9a-fA-F]{2}|[0-7]{3})){5,}")
# Structured files MCP servers and agent plugins describe their tools in.
_MANIFEST_EXT = (".json", ".yaml", ".yml", ".toml")
_DATA_EXT = (
    ".json",
    ".map",
    ".svg",
    ".csv",
    ".txt",
    ".md",
    ".rst",
    ".html",
    ".htm",
    ".xml",
    ".lock",
    ".css",
    ".ipynb",
    ".tsv",
    ".dat",
    ".pem",
    ".crt",
    ".po",
    ".yml",
    ".yaml",
    ".toml",
    ".cfg",
    ".ini",
)
_CODE_EXT = (
    ".py",
    ".pyw",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".sh",
    ".ps1",
    ".bat",
    ".cmd",
    ".pth",
    ".vbs",
)


def _mentioned(
    tool_manifest: bool, role: str, is_data: bool, comment: bool, cap: str, severity: str
) -> bool:
    """Whether a text hit is read rather than run, and so shown one step lower: in tests, docs
    and examples; in a data file (unless it names an exfiltration endpoint, or instructs an AI
    agent from a JSON/YAML/TOML tool manifest, which the agent reads as readily as code); in a
    shell comment
    ("# Installation: tool completion >> ~/.bashrc" is read by people, never run)."""
    if role == ctx.TEST or comment:
        return True
    if cap == "agent.prompt_injection" and tool_manifest:
        return False  # a tool manifest is exactly what an agent reads: not lowered
    return is_data and severity in ("high", "critical") and cap != "net.exfil_endpoint"


# What marks a JSON/YAML/TOML file as a tool manifest an AI agent reads (an MCP server's tool
# list, an agent plugin's manifest), not an SDK's data (a cloud API model, a docs index).
_MANIFEST_MARKS = (
    "inputschema",
    "input_schema",
    "mcpservers",
    "description_for_model",
    '"tools"',
    "\ntools:",
)


def _tool_manifest(lower_path: str, text: str) -> bool:
    if not lower_path.endswith(_MANIFEST_EXT):
        return False
    low = text[:2_000_000].lower()
    return any(m in low for m in _MANIFEST_MARKS)


def _description_start(lower_path: str, text: str) -> int:
    """Where the long description starts in a package's core metadata (a wheel's
    ``METADATA``, an sdist's ``PKG-INFO``): after the blank line that ends the headers. The
    description is the project's README, read by people on the index page: a tunnel host in
    its sample output or a placeholder webhook in its examples is an address nothing posts
    to. The headers (``Download-URL``, ``Project-URL``) stay addresses. -1 for other files."""
    name = lower_path.rsplit("/", 1)[-1]
    if name not in ("metadata", "pkg-info"):
        return -1
    end = text.find("\n\n")
    return end if end >= 0 else len(text)


def scan_text_file(
    path: str,
    text: str,
    role: str,
    *,
    python_fallback: bool = False,
    layout_only: bool = False,
    lines: list[str] | None = None,
    lowered: str | None = None,
) -> list[Hit]:
    """Hits for one text file. ``layout_only`` (for parsed Python, whose strings the AST
    analyser already read): only whitespace-pushed code, long lines and unicode tricks.
    ``lines`` is ``text.split("\n")`` and ``lowered`` is ``text.lower()`` when the caller
    already has them."""
    lang = "py" if python_fallback else language_of(path, text)
    lower = path.lower()
    # a file install runs (a binding.gyp node-gyp reads) is no data, whatever its name
    is_data = role != ctx.SETUP and (
        lower.endswith(_DATA_EXT) or (lang == "any" and not lower.endswith(_CODE_EXT))
    )
    index: LineIndex | None = None
    out: list[Hit] = []
    seen: set[tuple] = set()
    manifest = _tool_manifest(lower, text)
    description_from = _description_start(lower, text)

    def add(cap: str, severity: str, offset: int, match: str, rule: str, explanation: str) -> None:
        nonlocal lines, index
        if lines is None:
            lines = text.split("\n")
        if index is None:
            index = LineIndex(text)
        line, col = index.locate(offset)
        key = (cap, line, rule)
        if key in seen:
            return
        seen.add(key)
        comment_line = lines[line - 1].lstrip().startswith("#")
        comment = lang == "shell" and comment_line
        if cap == "agent.prompt_injection" and layout_only and comment_line:
            # A comment of a parsed module reaches no agent through the package: a tool's
            # description, a prompt or metadata is a string, which the AST reads (clawmetry's
            # repo scanner explains the "do not tell the user" shape it detects in comments)
            severity = "medium"
        elif cap == "net.exfil_endpoint" and 0 <= description_from < offset:
            severity = ctx.step(severity, -1)  # the long description documents, no one posts
        elif _mentioned(manifest, role, is_data, comment, cap, severity):
            severity = ctx.step(severity, -1)
        out.append(make_hit(cap, severity, path, lines, line, None, col, match, rule, explanation))

    low = "" if layout_only else ascii_lower(text)
    for m in () if layout_only else engine().scan(text, lang, low):
        r = m.rule
        sev = r.severity
        if role in (ctx.SETUP, ctx.PTH) and r.capability in ctx.ACTIVE:
            sev = ctx.at_least(sev, "high")
        add(r.capability, sev, m.start, m.text, r.id, r.explanation)
    for s in () if layout_only else sig.endpoint_signals(text, low):
        if is_data and s.rule == "str.ip_url":
            continue
        add(s.capability, s.severity, s.start, s.match, s.rule, s.explanation)
    _agent_text(text, low, add, lowered)
    if not layout_only and (not is_data or lower.endswith((".yml", ".yaml"))):
        for s in sig.content_signals(text, low):
            sev = s.severity
            if s.capability == "persist.autostart" and lang == "any":
                sev = "medium"
            add(s.capability, sev, s.start, s.match, s.rule, s.explanation)
    if lower.endswith(_CODE_EXT) or lang != "any":
        for s in sig.unicode_signals(text):
            sev = s.severity if lang in ("py", "shell") else ctx.step(s.severity, -1)
            add(s.capability, sev, s.start, s.match, s.rule, s.explanation)
        _pushed_right(text, add, layout_only)
        if "\\" in text and (lang == "py" or lower.endswith(_CODE_EXT)):
            _escaped_text(text, add)
        if lines is None or max(map(len, lines)) > _LONG_LINE:  # max over split lines: C speed
            _long_lines(text, add, lower)
        for s in () if layout_only else sig.token_blobs(text):
            add(s.capability, s.severity, s.start, s.match, s.rule, s.explanation)
    return out


def _pushed_right(text: str, add, layout_only: bool) -> None:
    """One hit for the first code pushed far right by whitespace. In parsed Python
    (``layout_only``), text pushed right inside a docstring is prose (a table's column,
    SWIG's C++ documentation): never run, so skipped (see :mod:`pybarestrings`)."""
    if " " * 150 not in text and "\t" * 150 not in text:
        return
    inert = bare_strings(text) if layout_only else None
    for pushed in _PUSHED_RE.finditer(text):
        if inert is not None and inert.holds(pushed.end()):
            continue
        add(
            "obf.packer",
            "high",
            pushed.end(),
            text[pushed.end() : pushed.end() + 120].split("\n")[0],
            "txt.pushed_right",
            "Code pushed far right by whitespace so it is off-screen in an editor.",
        )
        return


# A line that binds one name to one base64 literal: ``ICON = b'iVBORw0KGgo...'``.
_BASE64_CONSTANT_RE = re.compile(
    r"[ \t]*[A-Za-z_]\w*[ \t]*=[ \t]*[bB]?(['\"])([A-Za-z0-9+/]+={0,2})\1[ \t,;]*"
)


def _named_image(text: str, start: int, end: int) -> bool:
    """A long line that only names a base64 image (PySimpleGUI's ``DEFAULT_BASE64_ICON = b'...'``,
    a PNG): the line is the literal, and the string rules judge the literal by what it decodes
    to (a payload decodes to code, not to an image's header). Anything else on the line (a call,
    a second statement, an escape) leaves it a long line."""
    m = _BASE64_CONSTANT_RE.fullmatch(text, start, end)
    return m is not None and inert_blob(m.group(2)[:200], "str.base64_blob", javascript=False)


def _long_lines(text: str, add, lower: str) -> None:
    if len(text) < _LONG_LINE:
        return
    if ".min." in lower or "/dist/" in f"/{lower}" and not lower.endswith((".py", ".pyw")):
        return
    start = 0
    n = len(text)
    while start < n:
        end = text.find("\n", start)
        if end < 0:
            end = n
        if end - start > _LONG_LINE and not _named_image(text, start, end):
            add(
                "obf.encoded_blob",
                "low",
                start,
                text[start : start + 120],
                "txt.long_line",
                f"A line of {end - start} characters: code or data kept out of sight.",
            )
            return
        start = end + 1


def _escaped_text(text: str, add) -> None:
    """One hit for the first run of escapes that spells words (see ``_ESCAPE_RUN_RE``)."""
    for m in _ESCAPE_RUN_RE.finditer(text):
        raw = m.group()
        chars = [
            chr(int(e[1:], 16)) if e[0] == "x" else chr(int(e, 8)) for e in raw.split("\\")[1:]
        ]
        decoded = "".join(chars)
        letters = sum(c.isalpha() for c in decoded)
        if (
            decoded.isascii()
            and decoded.isprintable()
            and letters >= 4
            and letters * 2 >= len(decoded)
            and not _binary_magic(text, m.start(), decoded)
        ):
            add(
                "obf.packer",
                "high",
                m.start(),
                raw[:120],
                "txt.escaped_text",
                f"Text written as escape codes so that it cannot be read: {decoded[:60]!r}.",
            )
            return


# Capitals, digits, spaces and the marks an identifier or an eye-catcher uses (IBM MQ's
# correlation id b"AMQ!NEW_SESSION_CORRELID"): no lower case, which code and URLs need, and
# none of the characters a command, path, address or case-blind script is built from (/ \ : .
# - ; & | % $ quotes, brackets, =, <, >, @, ^, ~, comma).
_CAPITALS_ONLY_RE = re.compile(r"[A-Z0-9 _!#*+?]+")
_BYTES_PREFIX_RE = re.compile(r"(?<![\w])[rR]?[bB][rR]?$")


def _binary_magic(text: str, at: int, decoded: str) -> bool:
    """Escapes in a Python bytes literal that spell capitals only: a file format's magic
    (``b'\x45\x46\x49\x20\x50\x41\x52\x54'``, 'EFI PART'), a protocol's fixed identifier
    (``b"\x41\x4d\x51\x21\x4e\x45\x57\x5f"``, 'AMQ!NEW_') or machine code whose opcodes
    happen to be printable (``rb"[\x50\x51\x52\x53]"``, push instructions). Binary data
    written as the bytes it is, not text hidden from reading: code, commands, module names
    and addresses need lower case or the punctuation :data:`_CAPITALS_ONLY_RE` leaves out,
    and stay a disguise in bytes as in str."""
    if _CAPITALS_ONLY_RE.fullmatch(decoded) is None:
        return False
    line_start = text.rfind("\n", 0, at) + 1
    before = text[line_start:at]
    quote = max(before.rfind('"'), before.rfind("'"))
    return quote >= 0 and _BYTES_PREFIX_RE.search(before[:quote]) is not None


def _agent_text(text: str, low: str, add, lowered: str | None = None) -> None:
    """Instructions aimed at AI agents next to a secret or a target (see :mod:`.agenttext`).
    ``lowered`` is ``text.lower()`` when the caller has it (``low`` is the ASCII lowering)."""
    if not text.isascii() and INVISIBLE.search(text):
        _agent_text_invisible(text, add)
        return
    lowered = low or lowered or text.lower()
    if not may_instruct(lowered):  # most files: no lead word, no regex run
        return
    if not low:  # ascii_lower is text.lower() whenever lowering kept the length: lower once
        low = lowered if len(lowered) == len(text) else ascii_lower(text)
    for offset, phrase in agent_instructions(low):
        quoted = quoted_as_example(low, offset)
        add(
            "agent.prompt_injection",
            "medium" if quoted else "high",
            offset,
            text[offset : offset + 160],
            "txt.agent_instructions_quoted" if quoted else "txt.agent_instructions",
            f"Quotes {phrase!r} as an example of what to detect (a scanner's rule or a"
            " guardrail's description), near a secret or a place to send it."
            if quoted
            else f"Text that tells an AI agent to {phrase!r} next to a secret or a place to"
            " send it.",
        )


# A phrase in quotation marks after words that introduce examples: a detection rule or a
# guardrail describing the instruction it looks for ('Patterns include "do not mention this to
# the user"'). An instruction meant for the agent addresses it, unquoted.
_EXAMPLE_INTRO_RE = re.compile(
    r"(?:detect|pattern|signature|example|e\.g\.|such as|include|phrases? like|rule)[^.\n]{0,60}$"
)


def quoted_as_example(low: str, offset: int) -> bool:
    """Whether the phrase at ``offset`` of ``low`` opens right after a quotation mark that
    follows words introducing an example (:data:`_EXAMPLE_INTRO_RE`)."""
    quote = low[offset - 1 : offset]
    if quote not in ('"', "'", "`", "\u201c"):
        return False
    return _EXAMPLE_INTRO_RE.search(low[max(0, offset - 100) : offset - 1]) is not None


def _agent_text_invisible(text: str, add) -> None:
    """:func:`_agent_text` on the text with its invisible characters dropped, each hit placed
    at its offset in the real text (rare: only files holding such characters come here)."""
    removed = [m.start() for m in INVISIBLE.finditer(text)]
    visible = INVISIBLE.sub("", text)
    low = ascii_lower(visible)
    if not may_instruct(low):
        return
    for offset, phrase in agent_instructions(low):
        # the real offset: the visible one plus the invisible characters before it
        real = offset
        for r in removed:
            if r <= real:
                real += 1
            else:
                break
        add(
            "agent.prompt_injection",
            "high",
            real,
            visible[offset : offset + 160],
            "txt.agent_instructions",
            f"Text that tells an AI agent to {phrase!r} next to a secret or a place to send it "
            "(written with invisible characters inside).",
        )
