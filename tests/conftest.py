"""Test-wide set-up.

Qt aborts the whole run without a display unless the offscreen platform is chosen before
PySide6 is first imported, so this happens here, at collection start.
"""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")
# Tests never touch the user's real data dir, store or caches. Each test process (one per
# xdist worker) gets its own: two workers sharing one findings cache would wait on each
# other's SQLite locks, and a window test's release load waits with them.
os.environ.pop("VETBENCH_DB", None)
_HOME = tempfile.mkdtemp(prefix="vetbench-tests-")
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ["VETBENCH_CACHE_DIR"] = os.path.join(_HOME, "cache")
os.environ["VETBENCH_DATA_DIR"] = os.path.join(_HOME, "data")
