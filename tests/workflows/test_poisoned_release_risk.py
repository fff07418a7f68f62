"""A poisoned release of a big project is sorted by what it adds, not diluted by its size.

The whole release's risk shows a lone chain in a package of many modules at medium
(``corroboration.corroborate``); when the queue fetches the release with its baseline, the item's
risk is also what the release adds, scored on its own. The registry is replaced by local
wheels (no network): the fetch returns them as the release and its baseline.
"""

from __future__ import annotations

import hashlib

from app.core.registry.fetcher import FetchResult
from app.core.registry.model import FetchedFile
from app.core.store.db import Store
from app.workflows import fetching
from tests.core.archive.fixtures import make_wheel
from tests.core.capabilities.test_corroboration import DOWNLOADER, FILLER

MODULES = {f"kit/part{i}.py": FILLER for i in range(60)}


def _fetched(path, version, role):
    data = path.read_bytes()
    return FetchedFile(
        path=path,
        ecosystem="pypi",
        name="kit",
        version=version,
        filename=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        url=f"https://files.example.invalid/{path.name}",
        size=len(data),
        packagetype="wheel",
        role=role,
    )


def _fetch_into_queue(tmp_path, monkeypatch, new_files):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old = make_wheel(tmp_path / "old", name="kit", version="1.0", files=MODULES)
    new = make_wheel(tmp_path / "new", name="kit", version="1.1", files=new_files)
    result = FetchResult(
        "pypi",
        "kit",
        "1.1",
        [_fetched(new, "1.1", "release")],
        baseline_version="1.0",
        baseline_files=[_fetched(old, "1.0", "baseline")],
    )
    monkeypatch.setattr(fetching, "fetch_with_baseline", lambda *a, **k: result)
    store = Store.open(tmp_path / "store.sqlite3")
    item, _ = store.add_item("pypi", "kit", ["1.1"])
    fetching.fetch_for_item(store, item)
    return store.get_item(item.id)


def test_a_chain_added_to_a_big_project_puts_the_item_at_high(tmp_path, monkeypatch):
    item = _fetch_into_queue(tmp_path, monkeypatch, {**MODULES, "kit/browser.py": DOWNLOADER})
    assert item.risk_level in ("high", "critical")


def test_a_release_adding_nothing_risky_stays_low(tmp_path, monkeypatch):
    item = _fetch_into_queue(tmp_path, monkeypatch, {**MODULES, "kit/extra.py": FILLER})
    assert item.risk_level in (None, "none", "low")
