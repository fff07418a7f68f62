"""PyPI project names are normalised by one rule everywhere: packaging's ``canonicalize_name``.

Why: the registry client, the store, the dataset layout and the typosquat check each kept a
copy of the PEP 503 regex; a copy that drifted would file one project under two names (a
label that never meets its queue item, a squat check that misses). npm names are not PEP 503
names and keep their own, simpler rule (lower case, dots and underscores kept).
"""

import re
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from app.core.capabilities.metadata import popular_names, typosquat_of
from app.core.registry.pypi import normalize_name as registry_normalize
from app.core.store.records import normalise_project
from app.sync.importers import normalize_name_or_none
from app.sync.layout import DatasetError
from app.sync.layout import normalize_name as layout_normalize

ROOT = Path(__file__).resolve().parents[1]

TRICKY = [
    "Foo.Bar__baz",
    "A-_-B",
    "ÄBC",
    "x",
    "Zope..Interface",
    "typing_Extensions",
    "a-b_c.d",
    "__init__",
    "MiXeD.-_CaSe",
    "İstanbul",
    "ﬁle_ligature",
    "K.elvin",
]
# Names the dataset layout accepts (it validates before normalising).
VALID = [n for n in TRICKY if re.fullmatch(r"[A-Z0-9]([A-Z0-9._-]*[A-Z0-9])?", n, re.I)]


@pytest.mark.parametrize("name", TRICKY)
def test_registry_and_store_give_canonicalize_names_answer(name):
    assert registry_normalize(name) == canonicalize_name(name)
    assert normalise_project("pypi", name) == canonicalize_name(name)


@pytest.mark.parametrize("name", VALID)
def test_the_dataset_layout_gives_canonicalize_names_answer(name):
    assert layout_normalize("pypi", name) == canonicalize_name(name)
    assert normalize_name_or_none("pypi", name) == canonicalize_name(name)


def test_the_dataset_layout_still_refuses_names_pypi_would_refuse():
    assert VALID and len(VALID) < len(TRICKY)
    for name in set(TRICKY) - set(VALID):
        with pytest.raises(DatasetError):
            layout_normalize("pypi", name)
        assert normalize_name_or_none("pypi", name) is None


@pytest.mark.parametrize("name", TRICKY)
def test_the_typosquat_check_compares_canonical_names(name):
    assert typosquat_of(name) == typosquat_of(canonicalize_name(name))


def test_typosquat_spellings_of_a_popular_name_are_that_name():
    assert all(canonicalize_name(n) == n for n in popular_names("pypi"))
    assert typosquat_of("Python__DateUtil") is None  # python-dateutil itself
    assert typosquat_of("Typing.Extension") == "typing-extensions"


def test_npm_names_are_only_lower_cased():
    assert normalise_project("npm", "Foo.Bar_baz") == "foo.bar_baz"
    assert layout_normalize("npm", "@Scope/Foo.Bar_baz") == "@scope/foo.bar_baz"
    assert typosquat_of("Lodash_", "npm") == "lodash"


def test_no_module_keeps_its_own_copy_of_the_pep503_rule():
    copies = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "app").rglob("*.py"))
        if re.search(r"""re\.(sub|compile)\(\s*r?["']\[[-_.]{3}\]\+""", path.read_text("utf-8"))
    ]
    assert copies == []
