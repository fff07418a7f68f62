"""Shared fixtures for the dataset sync tests: stores with decisions, artifacts on disk."""

import hashlib

import pytest

from app.core.decisions import Decision
from app.core.store.db import Store


class Desk:
    """One reviewer's store, with helpers to queue and decide."""

    def __init__(self, path, reviewer):
        self.path = path
        self.reviewer = reviewer
        self.store = Store.open(path)

    def decide(
        self, name, version, verdict, action=None, reason="", artifact=None, eco="pypi", **kw
    ):
        args = {}
        if artifact is not None:
            args = {
                "artifact_path": str(artifact),
                "artifact_sha256": hashlib.sha256(artifact.read_bytes()).hexdigest(),
            }
        item, _ = self.store.add_item(eco, name, [version], **args)
        self.store.record_decision(
            item.id,
            Decision(verdict=verdict, action=action, reason=reason, reviewer=self.reviewer, **kw),
        )
        return self.store.get_item(item.id)

    def external(self, item_or_key):
        return self.store.external_labels_for(item_or_key)


@pytest.fixture
def desks(tmp_path):
    made = []

    def make(reviewer):
        d = Desk(tmp_path / f"{reviewer}.db", reviewer)
        made.append(d)
        return d

    yield make
    for d in made:
        d.store.close()


@pytest.fixture
def artifact(tmp_path):
    def make(name="evil_pkg-1.0.tar.gz", content=b"not a real sdist: payload to 192.0.2.1"):
        p = tmp_path / "artifacts" / name
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(content)
        return p

    return make
