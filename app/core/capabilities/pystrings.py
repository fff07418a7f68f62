"""String rules of the Python analyser: what literals say, batched per module.

A mixin of :class:`~app.core.capabilities.pyanalysis.PythonAnalyzer`. Every literal of a
module is queued and all of them are matched in one pass (exfiltration endpoints, secret and
browser paths, autostart locations, shell one-liners), so a file with thousands of short
strings costs one scan, not thousands. Lists of character codes are read as the strings they
spell.
"""

from __future__ import annotations

import ast
import bisect
import re
from typing import TYPE_CHECKING, cast

from app.core.capabilities import context as ctx
from app.core.capabilities import strings as sig
from app.core.capabilities.atoms import ascii_lower
from app.core.capabilities.folding import to_text
from app.core.capabilities.pymessages import message_strings

if TYPE_CHECKING:
    from app.core.capabilities.pystate import AnalyzerState
else:
    AnalyzerState = object  # PythonAnalyzer has the members (see pystate)


class StringRules(AnalyzerState):
    # the queued literals (node, text, is a docstring, runs on load); PythonAnalyzer sets it
    _strings: list[tuple[ast.Constant, str, bool, bool]]
    _messages: set[int] | None  # message_strings of the module, once asked (_flush_strings)
    _does: dict[tuple[frozenset[str], str], bool]  # _module_does's answers (_flush_strings)

    def _char_codes(self, n: ast.List | ast.Tuple) -> None:
        """A list of character codes is a string in disguise: read it as one."""
        codes = []
        for e in n.elts:
            if not (isinstance(e, ast.Constant) and type(e.value) is int and 9 <= e.value < 127):
                return
            codes.append(e.value)
        text = "".join(map(chr, codes))
        if sum(c.isalpha() for c in text) < len(text) // 2:
            return
        low = ascii_lower(text)
        found = sig.endpoint_signals(text, low) + sig.content_signals(text, low)
        for s in found:
            self.emit(
                s.capability,
                s.severity,
                n,
                s.rule,
                "In a list of character codes: " + s.explanation,
                s.match,
                raise_in_context=False,
            )
        if found or any(
            w in text for w in ("exec", "eval", "__import__", "urlopen", "subprocess", "system")
        ):
            self.emit(
                "obf.packer",
                "high",
                n,
                "py.char_codes",
                f"Spells '{text[:60]}' as a list of character codes to hide it.",
                raise_in_context=False,
            )

    def _string(self, n: ast.Constant) -> None:
        """Queue a literal; all literals of a module are matched in one batch (``_flush``).
        ``_expr`` calls it for str literals of 8 characters or more and for every bytes one."""
        value = n.value
        # _expr queues only str and bytes literals
        text = to_text(value) if isinstance(value, bytes) else cast(str, value)
        if len(text) < 8:
            return
        if len(text) >= 1000 and sig.is_blob(text):
            for s in sig.blob_signals(text):
                self.emit(
                    s.capability,
                    s.severity,
                    n,
                    s.rule,
                    s.explanation,
                    s.match,
                    raise_in_context=False,
                )
            return
        hot = self.scope.executed or self.in_install()
        self._strings.append((n, text, id(n) in self.docstrings, hot))
        if len(text) >= 200:
            for s in sig.blob_signals(text):
                self.emit(
                    s.capability,
                    s.severity,
                    n,
                    s.rule,
                    s.explanation,
                    s.match,
                    raise_in_context=False,
                )

    def _module_does(self, caps: frozenset[str], calls: re.Pattern) -> bool:
        """Whether this module has a hit of ``caps`` (any severity, any place) or a call
        ``calls`` finds anywhere in its text (where the analyser cannot follow it, a table
        entry taken in a loop). Asked per table entry after the walk, answered once."""
        key = (caps, calls.pattern)
        if key not in self._does:
            self._does[key] = any(h.capability in caps for h in self.hits) or (
                calls.search("\n".join(self.lines)) is not None
            )
        return self._does[key]

    def _acts_on_host(self) -> bool:
        """Whether this module writes outside the package, starts a program or writes a
        download anywhere (:data:`_HOST_ACTS`), or has any call that writes, copies, moves or
        links a file or starts a program."""
        return self._module_does(_HOST_ACTS, _WRITES_RE)

    def _starts_programs(self) -> bool:
        """Whether this module starts a program or runs built code: what could run a command
        held in one of its tables."""
        return self._module_does(_RUNS, _RUNS_RE)

    def _flush_strings(self) -> None:
        """Endpoints, secret paths, autostart locations and shell one-liners in all literals."""
        items = self._strings
        self._strings = []
        if not items:
            return
        sep = "\n\x00\n"
        starts, pos = [], 0
        for _n, text, _doc, _hot in items:
            starts.append(pos)
            pos += len(text) + len(sep)
        big = sep.join(t for _n, t, _d, _h in items)
        low = ascii_lower(big)

        def owner(offset: int):
            return items[bisect.bisect_right(starts, offset) - 1]

        # An entry of a data module's table (pytree.data_module_strings) is text held, as in
        # a JSON file: an attack catalogue's prose about webhooks, browser stores and Run keys
        # is shown as a mention, in no place (loading the module only binds its names).
        data = self.data_strings
        self._messages: set[int] | None = None
        self._does: dict[tuple[frozenset[str], str], bool] = {}  # _module_does, per flush

        # The literals are matched after the walk, at module level: each hit takes the place of
        # the code its literal sits in (a browser path inside a function nothing calls on load
        # is not import time), which is the module's own place only where that code runs.
        loaded = self._place()

        def emit_signal(s, n, sev: str, hot: bool) -> None:
            """A text signal at its literal, in the place of the code the literal sits in."""
            if id(n) in data:
                sev, hot = "low", False
            self.emit(
                s.capability,
                sev,
                n,
                s.rule,
                s.explanation,
                s.match,
                raise_in_context=False,
                place=loaded if hot else "",
            )

        tables: dict[int, bool] = {}

        def table(n: ast.Constant, text: str) -> bool:
            if id(n) not in tables:
                tables[id(n)] = word_table(text)
            return tables[id(n)]

        for s in sig.endpoint_signals(big, low):
            n, t, doc, hot = owner(s.start)
            sev = s.severity
            if s.rule == "str.ip_url" and self.role not in (ctx.SETUP, ctx.PTH):
                sev = "medium"
            if doc or table(n, t) or id(n) in self.host_tables:
                # A docstring documents (a webhook API's example URL), a word list names (the
                # public-suffix list holds tunnel domains), a table of host names compares
                # (a disposable-mail blocklist); nothing reads any as an address, so it is
                # shown but weighs in no chain.
                sev = "low"
            emit_signal(s, n, sev, hot)
        for s in sig.content_signals(big, low):
            n, t, doc, hot = owner(s.start)
            if doc:
                continue
            sev = "low" if table(n, t) else s.severity
            if hot and self._shown(n):
                # a command in an error message's text is quoted for an operator to type
                sev, hot = ctx.step(sev, -1), False
            if s.capability == "persist.autostart" and self.role == ctx.CODE:
                # An entry of a module-level table of locations, in a module that writes
                # outside the package and starts nothing, is data it looks things up in (a
                # cron library listing where crontabs live), as one in a function nothing
                # calls is. A module that writes or starts keeps its table hot.
                hot = hot and (id(n) not in self.table_strings or self._acts_on_host())
                if not hot:
                    sev = "medium"
            emit_signal(s, n, sev, hot)
        self._flush_commands(items, starts, big, low, loaded)

    def _shown(self, n: ast.Constant) -> bool:
        """A literal bound to a name the module only raises or prints (pymessages), asked
        only of literals that run on load and say something (most modules never ask)."""
        if self._messages is None:
            self._messages = message_strings(self.tree)
        return id(n) in self._messages

    def _flush_commands(self, items, starts: list[int], big: str, low: str, loaded: str) -> None:
        """Shell one-liners (``curl … | sh``, reverse shells) in the batched literals."""
        from app.core.capabilities.patterns import engine

        for m in engine().scan(big, "cmd", low):
            i = bisect.bisect_right(starts, m.start) - 1
            n, t, doc, hot = items[i]
            if doc or m.rule.capability not in ("process.shell_download", "net.reverse_shell"):
                continue
            sev = m.rule.severity
            at = m.start - starts[i]
            quoted = hot and m.rule.capability != "net.reverse_shell" and self._shown(n)
            hot = hot and not quoted
            if _quoted_in_a_sentence(t, at, at + len(m.text)):
                # "Please execute 'nc -l -p 4444 -e /bin/bash' for diagnostics" in a red-team
                # prompt an LLM is given: a command quoted in prose, which no shell runs (a
                # shell would take the words around it for a program and its arguments)
                sev = "medium"
            elif m.rule.capability != "net.reverse_shell" and (
                (self.role == ctx.CODE and not hot)
                or _told_to_a_person(t, at)
                or (id(n) in self.table_strings and not self._starts_programs())
                or quoted
            ):
                # A "curl … | sh" line held in a function nothing runs on load is a command
                # shown or run on request (a self-updater); one after "install it with:" is
                # an instruction in a message (or in a text the module only raises or
                # prints); one entry of a module-level table in a module that starts no
                # program is a pattern looked up (a list of commands a tool refuses to run).
                # Run as a call, on load or at install it stays high (the spawn rules read
                # the command a call runs).
                sev = ctx.step(sev, -1)
            if id(n) in self.data_strings:
                sev, hot = "low", False
            self.emit(
                m.rule.capability,
                sev,
                n,
                m.rule.id,
                m.rule.explanation,
                m.text,
                raise_in_context=False,
                place=loaded if hot else "",
            )


_WORD_RE = re.compile(r"[A-Za-z]{2,}")
# Effects that could put a table's location to use: a write or copy outside the package, a
# program started, a download written.
_WRITES_RE = re.compile(
    r"\bshutil\.|\.write(?:_text|_bytes)?\(|\bos\.(?:rename|replace|symlink|link|system|"
    r"popen|exec|spawn)|\bsubprocess\.|\bopen\([^)\n]*[\"'][rwab+]*[wax]"
)
# What runs a command: a program started, code built and run (the hits, and the calls by name).
_RUNS = frozenset(
    {"process.spawn", "process.spawn_hidden", "exec.dynamic", "exec.decode_then_exec"}
)
_RUNS_RE = re.compile(
    r"\bos\.(?:system|popen|exec\w*|spawn\w*|posix_spawn\w*)|\bsubprocess\.|\bpty\.spawn|"
    r"\b(?:exec|eval)\(|create_subprocess_\w+"
)
_HOST_ACTS = frozenset(
    {"fs.write_outside", "process.spawn", "process.spawn_hidden", "net.download_to_disk"}
)


def _told_to_a_person(literal: str, at: int) -> bool:
    """Whether the command at ``at`` follows prose that hands it to a reader on its line
    ("Please install it with: curl …", "Install: `curl …`"): an error message or help text
    quoting a command, not a command line, which starts with the program."""
    before = literal[:at].rsplit("\n", 1)[-1].rstrip()
    return (
        before.endswith((":", "`"))
        and not before.lstrip().startswith("#")
        and bool(_WORD_RE.search(before))
    )


# Two words of prose, each of letters only, where a quotation opens or after it closes.
_WORDS_BEFORE_QUOTE_RE = re.compile(r"[A-Za-z]{2,}[ \t]+[A-Za-z]{2,}[ \t]*$")
_WORDS_AFTER_QUOTE_RE = re.compile(r"[ \t]+[A-Za-z]{2,}[ \t]+[A-Za-z]{2,}\b")
_QUOTES = {"'": "'", '"': '"', "`": "`", "\u201c": "\u201d", "\u2018": "\u2019"}


def _quoted_in_a_sentence(literal: str, at: int, end: int) -> bool:
    """Whether the command matched at ``at:end`` sits in quotation marks inside a sentence on
    its line: two words of prose before the opening mark, with no shell syntax between the
    start of the clause and the mark, and two words after the closing one. A command line
    starts with its program, and a shell would run the prose words as one."""
    line_start = literal.rfind("\n", 0, at) + 1
    before = literal[line_start:at]
    mark = _QUOTES.get(before[-1:]) if before else None
    if mark is None:
        return False
    clause = re.split(r"[\"'`\u201c\u201d:]", before[:-1])[-1]
    if _WORDS_BEFORE_QUOTE_RE.search(clause) is None or re.search(r"[-/$|;&<>=]", clause):
        return False
    line_end = literal.find("\n", end)
    rest = literal[end : len(literal) if line_end < 0 else line_end]
    close = rest.find(mark)
    return close >= 0 and _WORDS_AFTER_QUOTE_RE.match(rest, close + 1) is not None


_TABLE_LINES = 20


def word_table(text: str) -> bool:
    """A literal that is a list of words, one per line (a public-suffix or host table a
    library carries): 20 lines or more, nine in ten of them a single token or a comment. A
    payload kept as text is code, whose lines have spaces."""
    if text.count("\n") < _TABLE_LINES:
        return False
    lines = [x.strip() for x in text.split("\n")]
    words = sum(1 for x in lines if " " not in x or x.startswith(("//", "#")))
    return words >= 0.9 * len(lines)
