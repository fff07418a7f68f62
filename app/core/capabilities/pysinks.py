"""Code sinks of the Python analyser: where code built or decoded at run time gets run.

A mixin of :class:`~app.core.capabilities.pyanalysis.PythonAnalyzer`, under
:class:`~app.core.capabilities.pycalls.CallRules`, whose call dispatch hands it the calls it
has already resolved: ``exec``/``eval``/``compile``/``__import__`` of a string, deserialisers
(``pickle``, ``marshal``, ``yaml.load``), an executable decoded from the code's text and
written to a file, and the re-analysis of decoded source as Python. These rules are the ones
that decide how severe a decoded or downloaded payload is (decode-then-exec is critical);
they are kept apart from the call dispatch so that they can be read, and changed, as one
policy, without the several hundred lines of per-call rules around them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import TYPE_CHECKING

from app.core.astparse import parse_python
from app.core.capabilities import context as ctx
from app.core.capabilities.folding import Folded, int_sequence, looks_like_text, to_text
from app.core.capabilities.parsebounds import ast_refusal
from app.core.capabilities.pyeffects import _last_name
from app.core.capabilities.pynames import EXEC_SINKS, IMPORT_SINKS
from app.core.capabilities.pytree import walk

if TYPE_CHECKING:
    from app.core.capabilities.pystate import AnalyzerState
else:
    AnalyzerState = object  # PythonAnalyzer has the members (see pystate)

# How many layers of decoded source are analysed in turn (code decoded from decoded code...).
MAX_DECODED_DEPTH = 2

_KEYWORDS_RE = re.compile(r"\b(?:def|return|self|import|class|for|lambda|yield|pass|raise)\b")


# PE, ELF, Mach-O (both byte orders, fat) and a script's shebang.
_EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xcf\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)


_FILE_RUNNERS = frozenset({"runpy.run_path", "builtins.execfile"})
# What only an environment variable of the running process holds (see _exec_sink).
_FROM_ENVIRONMENT = frozenset({"env_ref"})
_NAME_TEXT = 64  # longer text beside an environment variable's name may be code


def _holds_code_text(node: ast.AST) -> bool:
    """Whether ``node`` holds a string longer than a variable's name or a short template."""
    return any(
        type(n) is ast.Constant and isinstance(n.value, str) and len(n.value) > _NAME_TEXT
        for n in walk(node)  # the project's walk: no context or operator leaves
    )


def _source_template(v: str | bytes) -> bool:
    """Readable Python source (a code-generation template, placeholders and all), not a
    ciphertext or an encoded blob: several distinct keywords read as words."""
    return isinstance(v, str) and len(set(_KEYWORDS_RE.findall(v[:20_000]))) >= 3


class CodeSinkRules(AnalyzerState):
    """What running built code, deserialising data or writing a decoded executable means,
    given where the code or data came from (folded from the code, decoded, downloaded)."""

    def _own_decoder_call(self, node: ast.AST) -> bool:
        """``unmask(BLOB, KEY)``: a function defined in this module applied to embedded data
        (a string, bytes or integer list of 64 items or more, inline or by name)."""
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in self.own_functions
            and self._lookup_name(node.func.id) is None
        ):
            return False
        for a in node.args:
            v = self.folder.fold_value(a)
            if v is None:
                seq = int_sequence(a)
                v = seq.value if seq is not None else None
            if v is not None and len(v) >= 64 and not _source_template(v):
                return True
        return False

    def _imported_decoder_call(self, node: ast.AST) -> bool:
        """``exec(unpack(blob))`` run on import or install where both ``unpack`` and ``blob``
        come from modules of this package (``from .codec import unpack``): the payload, its
        decoder and the exec split over three files so that none of them reads as a threat.
        Code generators build their source from a template in the same module."""
        if not (
            isinstance(node, ast.Call)
            and self._from_own_module(node.func)
            and (self.scope.executed or self.in_install())
        ):
            return False
        return any(self._from_own_module(a) for a in node.args)

    def _from_own_module(self, node: ast.AST) -> bool:
        """``unpack`` or ``codec.unpack`` where the name was imported from this package."""
        while type(node) is ast.Attribute:
            node = node.value
        return type(node) is ast.Name and node.id in self.own_imports

    def _embedded_binary(self, node: ast.Call, data: ast.AST) -> None:
        """An executable decoded from the code's own text written to a file: a dropper."""
        if not isinstance(data, ast.Call | ast.Name):
            return
        f = self.folder.fold(data)
        if f is None or not f.decoded or not isinstance(f.value, bytes):
            return
        if f.value.startswith(_EXECUTABLE_MAGIC):
            self.emit(
                "artifact.binary",
                "high",
                node,
                "py.write_embedded_binary",
                "Writes an executable decoded from text in the code to a file.",
                raise_in_context=False,
            )

    def _mapped_sink(self, node: ast.Call, args: list[ast.expr], star: bool = False) -> None:
        """``map(exec, [code])``, ``itertools.starmap(exec, [(code,)])``: each item written in
        place (or the whole iterable) goes to the sink as if it were called on it."""
        sink = self._canon(self.qualname(args[0]))
        if sink not in EXEC_SINKS:
            return
        seq = args[1]
        items = seq.elts if type(seq) is ast.List or type(seq) is ast.Tuple else [seq]
        for item in items[:8]:
            if star and (type(item) is ast.Tuple or type(item) is ast.List) and item.elts:
                item = item.elts[0]  # starmap calls the sink with the tuple's items
            self._exec_sink(node, sink, item)

    def _exec_sink(self, node: ast.Call, q: str, arg0: ast.AST | None) -> None:
        if arg0 is None:
            return
        name = q.rsplit(".", 1)[-1]
        if q in _FILE_RUNNERS:  # the argument is a path, not code: what the file holds runs
            self.emit(
                "exec.dynamic",
                "low",
                node,
                "py.exec_local_file",
                f"Runs a local file as Python with {name}().",
                raise_in_context=False,
            )
            return
        folded = self.folder.fold(arg0)
        t = self.taint_of(arg0)
        if folded is not None and (folded.decoded or "decoded" in t):
            self.emit(
                "exec.decode_then_exec",
                "critical",
                node,
                "py.exec_decoded",
                f"Decodes hidden data and runs it with {name}().",
                raise_in_context=False,
            )
            last = self.hits[-1] if self.hits else None
            if last is not None and last.rule == "py.exec_decoded" and not last.decoded:
                value = folded.value
                text = to_text(value) if isinstance(value, bytes) else str(value)
                self.hits[-1] = replace(last, decoded=text[:400], layers=" → ".join(folded.layers))
            self._analyse_decoded(folded, node)
            return
        if "network" in t and q in IMPORT_SINKS:
            # import_module(name read from a request) loads a module already installed: the
            # request picks which one, it brings no code (a worker serving RPC by module name)
            self.emit(
                "exec.dynamic",
                "medium",
                node,
                "py.import_by_remote_name",
                f"Imports a module whose name comes from the network ({name}).",
                raise_in_context=False,
            )
            return
        if "network" in t:
            self.emit(
                "exec.remote_code",
                "critical",
                node,
                "py.exec_remote",
                f"Runs code downloaded from the network with {name}().",
                raise_in_context=False,
            )
            return
        if "decoded" in t:
            # Decoding data that is not in the code (a parameter, a pipe, a file) and running it
            # is how some tools ship work to a subprocess; on import or install it is a payload,
            # unless it is read from standard input, which nobody feeds an import or install.
            hot = (
                self.scope.executed or self.in_install() or self.at_line is not None
            ) and "stdin" not in t
            self.emit(
                "exec.decode_then_exec",
                "critical" if hot else "medium",
                node,
                "py.exec_decoded" if hot else "py.exec_decoded_runtime",
                f"Decodes data and runs it with {name}()"
                + ("." if hot else " (the data comes in at run time, not from the code)."),
                raise_in_context=False,
            )
            return
        if folded is not None:
            if q in IMPORT_SINKS:
                return
            self._analyse_decoded(folded, node, plain=True)
            return
        if t == frozenset({"localfile"}) or (
            isinstance(arg0, ast.Call) and "localfile" in t and "network" not in t
        ):
            self.emit(
                "exec.dynamic",
                "low",
                node,
                "py.exec_local_file",
                f"Runs a local file's text with {name}() (often a version file).",
                raise_in_context=False,
            )
            return
        if self._imported_decoder_call(arg0):
            self.emit(
                "exec.decode_then_exec",
                "critical",
                node,
                "py.exec_imported_decoder",
                f"Runs with {name}() what a function from another module of this package makes "
                "of data from another of its modules: payload, decoder and exec split over files.",
                raise_in_context=False,
            )
            return
        if self._own_decoder_call(arg0):
            self.emit(
                "exec.decode_then_exec",
                "critical",
                node,
                "py.exec_own_decoder",
                f"Runs with {name}() what a function of this module makes of an embedded blob: "
                "a home-made decoder or cipher.",
                raise_in_context=False,
            )
            return
        if t == _FROM_ENVIRONMENT and q not in IMPORT_SINKS and not _holds_code_text(arg0):
            # Code the machine's owner put in an environment variable (manhole's .pth runs
            # install(**PYTHONMANHOLE) when that is set): it runs what the user configured, so
            # no place raises it. A payload has to travel in the package, and then it is a
            # constant, decoded or fetched value, judged above, or a default beside the
            # variable's name (``os.environ.get("X", "<code>")``), which keeps the raise.
            self.emit(
                "exec.dynamic",
                "medium",
                node,
                "py.exec_from_environment",
                f"Runs code taken from an environment variable with {name}() (a hook its "
                "user sets).",
                raise_in_context=False,
            )
            return
        sev = "medium"
        if q in IMPORT_SINKS:
            sev = "low"
        self.emit(
            "exec.dynamic",
            sev,
            node,
            "py.exec_dynamic",
            f"Runs code built at run time with {name}().",
            # Importing a module by a computed name (a lazy loader's "." + name, the test
            # modules a loader lists) runs a module the scan reads, or an installed one: in
            # setup.py it is no install-time act. A name decoded or fetched is judged above.
            raise_in_context=not (q in IMPORT_SINKS and self.role == ctx.SETUP),
        )

    def _deserialize(self, node: ast.Call, q: str, arg0: ast.AST | None) -> None:
        folded = self.folder.fold(arg0) if arg0 is not None else None
        t = self.taint_of(arg0)
        roundtrip = isinstance(arg0, ast.Call) and (_last_name(arg0.func) or "").startswith("dump")
        if "network" in t and not roundtrip:
            # Unpickling what a socket delivers is how RPC frameworks and worker pools talk
            # (sglang, ddtrace): risky, not malicious. Malware fetches code and execs it.
            self.emit(
                "exec.deserialize",
                "high",
                node,
                "py.deserialize_remote",
                f"Deserialises data downloaded from the network ({q}), which can run code.",
                raise_in_context=False,
            )
        elif folded is not None and (folded.decoded or q.startswith("marshal")):
            self.emit(
                "exec.decode_then_exec",
                "critical",
                node,
                "py.deserialize_decoded",
                f"Deserialises an embedded encoded blob with {q}: hidden code.",
                raise_in_context=False,
            )
        else:
            self.emit(
                "exec.deserialize",
                "medium",
                node,
                "py.deserialize",
                f"{q} can run code while loading untrusted data.",
            )

    def _analyse_decoded(self, folded: Folded, node: ast.AST, plain: bool = False) -> None:
        """Scan what decoding produced, as data: strings and, when it parses, Python."""
        if self.decoded_depth >= MAX_DECODED_DEPTH:
            return
        value = folded.value
        if isinstance(value, bytes):
            if not looks_like_text(value):
                return
            value = to_text(value)
        if len(value) > 2_000_000 or ast_refusal(value):
            return
        try:
            tree = parse_python(value)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        sub = type(self)(
            self.path,
            self.lines,
            self.role,
            decoded_depth=self.decoded_depth + 1,
            at_line=self.at_line or getattr(node, "lineno", 1),
        )
        sub.inherited_names = {k: v for s in self.scopes for k, v in s.names.items()}
        try:
            sub.run(tree)
        except RecursionError:
            return
        layers = " → ".join(folded.layers)
        for h in sub.hits:
            if not h.decoded:
                h = replace(h, decoded=value[:400], layers=layers)
            if plain and self.at_line is None:
                h = h.__class__(
                    **{
                        **h.__dict__,
                        "explanation": h.explanation.replace(
                            "In decoded data: ", "In a code string: "
                        ),
                    }
                )
            self.hits.append(h)
