"""Test-wide set-up.

Qt aborts the whole run without a display unless the offscreen platform is chosen before
PySide6 is first imported, so this happens here, at collection start.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")
# Tests never touch the user's real data dir or store.
os.environ.pop("VETBENCH_DB", None)
