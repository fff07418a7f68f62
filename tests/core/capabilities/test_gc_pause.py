"""The collector pause around per-file analysis must always give the collector back."""

import gc
import threading

from app.core.capabilities.scan import gc_paused, scan_text


def test_collector_back_on_after_nested_and_failing_use():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        try:
            with gc_paused():
                raise ValueError("a file that broke the analyser")
        except ValueError:
            pass
        assert not gc.isenabled(), "the inner pause must not re-enable under the outer one"
    assert gc.isenabled()


def test_collector_left_off_when_the_caller_had_turned_it_off():
    gc.disable()
    try:
        scan_text("pkg/mod.py", "import os\nos.system('ls')\n")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_concurrent_scans_restore_the_collector():
    barrier = threading.Barrier(4)

    def work():
        barrier.wait()
        for _ in range(20):
            scan_text("pkg/mod.py", "import subprocess\nsubprocess.run(['ls'])\n" * 50)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gc.isenabled()
