"""The call rules skip resolving method calls whose name no rule looks at. That shortcut must
never hide a hit: every call the tables name gives the same hits with and without it."""

from __future__ import annotations

from app.core.capabilities import pycalls, pynames
from app.core.capabilities.scan import scan_text


class _Everything:
    def __contains__(self, item) -> bool:
        return True


def _calls_of_every_table() -> str:
    tables = [v for k, v in vars(pynames).items() if k.isupper() and isinstance(v, set | frozenset)]
    lines = ["import pynput", "from pyHook import HookManager"]
    body = []
    # no "environ" anywhere: a file that mentions it is analysed without the shortcut
    for i, q in enumerate(
        sorted({q for t in tables for q in t if "." in q and "()" not in q and "environ" not in q})
    ):
        mod, last = q.rsplit(".", 1)
        lines.append(f"import {mod} as m{i}")
        call = f"m{i}.{last}('http://192.0.2.7/x', '/tmp/x')"
        lines.append(call)
        body.append("    " + call)
    lines.append("pynput.keyboard.Controller().press('a')")
    return "\n".join(lines + ["def later():"] + body) + "\n"


def _hits(path, text):
    return sorted((h.capability, h.severity, h.line, h.rule) for h in scan_text(path, text))


def test_skipping_unwatched_method_names_changes_no_hit(monkeypatch):
    code = _calls_of_every_table()
    assert "environ" not in code
    hook_line = code.split("\n").index("pynput.keyboard.Controller().press('a')") + 1
    for path in ("pkg/mod.py", "setup.py"):
        fast = _hits(path, code)
        monkeypatch.setattr(pycalls, "CALL_RULE_LASTS", _Everything())
        slow = _hits(path, code)
        monkeypatch.undo()
        assert fast == slow
        assert len(fast) > 100  # the generated calls really hit rules
        # any call under an input-hook module counts, whatever its name
        assert any(h[0] == "collect.user_input" and h[2] == hook_line for h in fast)


def test_the_comparison_above_would_see_a_name_missing_from_the_watch_list(monkeypatch):
    code = _calls_of_every_table()
    full = _hits("pkg/mod.py", code)
    monkeypatch.setattr(pycalls, "CALL_RULE_LASTS", pycalls.CALL_RULE_LASTS - {"system", "getuser"})
    assert _hits("pkg/mod.py", code) != full
