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


def test_load_time_calls_name_the_imported_modules_functions_only():
    """A class or constant imported and called at load is none of the target's functions
    (the analyser follows top-level functions only); a function defined with a blank before
    its parenthesis or as ``async def`` still is."""
    files = {
        "pkg/__init__.py": "from .core import run, go, Client, LIMIT\nrun()\ngo()\nClient(LIMIT)\n",
        "pkg/core.py": (
            "LIMIT = 3\n\ndef run ():\n    pass\n\nasync def go():\n    pass\n\n"
            "class Client:\n    def run(self):\n        pass\n"
        ),
    }
    assert pyimports.import_time_calls(files) == {"pkg/core.py": frozenset({"run", "go"})}


def test_a_submodules_function_called_through_its_module_runs_on_load():
    init = "from . import core, models\ncore.start()\nmodels.Model()\n"
    files = {
        "pkg/__init__.py": init,
        "pkg/core.py": "def start():\n    pass\n",
        "pkg/models.py": "class Model:\n    pass\n",
    }
    assert pyimports.import_time_calls(files) == {"pkg/core.py": frozenset({"start"})}
