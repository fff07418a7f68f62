"""The call index of pyimports finds what the per-import searches it replaced found.

``_Calls`` reads a module's calls once (backwards, from each "("); the searches of an
alternation of the imported names (``_called_names``) and of ``module.`` (``_called_attributes``)
are the reference it must agree with, names with a character ``\\w`` does not match included.
"""

from __future__ import annotations

from app.core.capabilities import pyimports

TEXT = """
from .core import run, helper as h, a\u203fb
from . import core
run ()
x = h(1) if y else run_later(2)
obj.run(3)
def f():
    helper(4)
    core.stop()
core.start (5)
a\u203fb(6)
b(7)
\"\"\"
core.doc()
\"\"\"
try:
    core.go()
except Exception:
    pass
"""


def test_names_match_the_alternation_search():
    calls = pyimports._Calls(TEXT)
    for names in (["run", "h"], ["helper", "run_later", "b"], ["a\u203fb", "b"], ["x", "f"]):
        assert calls.names(names) == pyimports._called_names(TEXT, names, calls.quotes)


def test_attributes_match_the_module_search():
    calls = pyimports._Calls(TEXT)
    for module in ("core", "obj", "nothing"):
        expected = pyimports._called_attributes(TEXT, module, calls.quotes)
        assert calls.attributes(module) == expected
        assert calls.attributes(module) == expected  # answered again from what was kept
    assert calls.attributes("core") == {"start", "go"}
