"""Which files name a module whose file name is no Python name: one search per file.

``reach._written_by`` looks for every such name (PyInstaller ships 400 ``hook-*.py``) in every
code file at once. The pattern is a tree of the names' shared beginnings; it must find what an
alternation of the names sorted longest first finds, the longer name where two start alike.
"""

from __future__ import annotations

import random
import re

from app.core.capabilities import reach


def _flat(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def test_the_tree_pattern_finds_what_the_longest_first_alternation_finds():
    rng = random.Random(7)
    for _ in range(200):
        words = list(
            {"".join(rng.choice("ab-.") for _ in range(rng.randint(1, 6))) for _ in range(8)}
        )
        text = "".join(rng.choice("ab-. x") for _ in range(300))
        tree = re.compile(reach._trie_alternation(words))
        assert tree.findall(text) == _flat(words).findall(text), words


def test_a_hook_named_in_another_file_is_found_and_the_longer_name_wins():
    stems = ["hook-django", "hook-django.core", "generate-bcp47"]
    code = {
        "pkg/loader.py": "load('hook-django.core.py')\n",
        "pkg/build.py": "run('generate-bcp47.py'); run('hook-django.py')\n",
        "pkg/other.py": "print('hook-flask')\n",
    }
    assert reach._written_by(code, stems) == {
        "hook-django": {"pkg/build.py"},
        "hook-django.core": {"pkg/loader.py"},
        "generate-bcp47": {"pkg/build.py"},
    }


def test_a_name_longer_than_any_file_system_allows_is_still_found(tmp_path):
    """An archive member may have a 2,000-character name: the search must not recurse on it."""
    long = "x-" * 1000
    code = {"pkg/a.py": f"run('{long}.py')\n", "pkg/b.py": "print('hook-x')\n"}
    assert reach._written_by(code, [long, "hook-x"]) == {long: {"pkg/a.py"}, "hook-x": {"pkg/b.py"}}
