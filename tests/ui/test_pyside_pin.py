"""Regression guard for the PySide6 pin.

PySide6-Essentials 6.12.0 on Python 3.11 aborts the interpreter ("Fatal Python error:
bool_dealloc") after a few hundred Signal.emit() calls made from Python. The emits run in a
child interpreter so that such an abort fails this test instead of killing the test run.
"""

import subprocess
import sys
from importlib import metadata

from packaging.version import Version

EMITS = 10_000

CHILD = f"""
from PySide6.QtCore import QObject, Signal, QCoreApplication
app = QCoreApplication([])
class Source(QObject):
    fired = Signal(bool, int, str)
received = []
src = Source()
src.fired.connect(lambda flag, n, text: received.append(n))
for i in range({EMITS}):
    src.fired.emit(i % 2 == 0, i, "x")
print(len(received))
"""


def test_installed_pyside6_is_the_pinned_series():
    version = Version(metadata.version("PySide6-Essentials"))
    assert (version.major, version.minor) == (6, 11), version


def test_ten_thousand_python_signal_emits_do_not_abort():
    result = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"interpreter died: {result.returncode}\n{result.stderr[-2000:]}"
    assert result.stdout.strip() == str(EMITS)
