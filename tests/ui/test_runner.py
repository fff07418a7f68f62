"""Background lanes: results come back by signal, and a superseded request is dropped."""

from __future__ import annotations

import threading

from app.ui.runner import Runner


def test_newer_request_for_the_same_key_drops_the_older_result(qtbot):
    runner = Runner()
    release = threading.Event()
    got = []

    def slow(cancel, _progress):
        release.wait(5)
        return "old"

    runner.submit("file", "k", slow, got.append)
    runner.submit("file", "k", lambda c, p: "new", got.append)
    with qtbot.waitSignal(runner.dropped, timeout=5000):
        release.set()
    assert runner.wait_idle(5000)
    assert got == ["new"]


def test_cancel_flag_is_seen_by_the_work_and_errors_reach_the_callback(qtbot):
    runner = Runner()
    started, seen = threading.Event(), []

    def work(cancel, _progress):
        started.set()
        while not cancel():
            cancel.wait(0.01)
        seen.append("cancelled")
        return "late"

    runner.submit("io", "w", work, lambda r: seen.append(r))
    assert started.wait(5)
    runner.cancel("w")
    assert runner.wait_idle(5000)
    assert seen == ["cancelled"]

    errors = []
    runner.submit("io", "e", lambda c, p: 1 / 0, None, lambda m, d: errors.append((m, d)))
    assert runner.wait_idle(5000)
    assert "ZeroDivisionError" in errors[0][0] and "Traceback" in errors[0][1]


def test_writes_with_distinct_keys_all_complete_in_order(qtbot):
    runner = Runner()
    done = []
    for n in range(20):
        runner.submit("store", f"write-{n}", lambda c, p, n=n: n, done.append)
    assert runner.wait_idle(5000)
    assert done == list(range(20))


def test_a_job_that_outlives_its_window_ends_without_a_traceback(qtbot, capfd):
    """Quitting while a long job runs (shutdown waits 3 s; grouping a 7,000-file release takes
    longer) used to print 'Signal source has been deleted' from the worker thread."""
    import shiboken6

    runner = Runner()
    started, release = threading.Event(), threading.Event()

    def slow(_cancel, _progress):
        started.set()
        release.wait(10)
        return "too late"

    runner.submit("io", "grouping", slow, lambda _r: None)
    assert started.wait(5)
    pool = runner._pools["io"]
    shiboken6.delete(runner._signals)  # the window, and what carried results to it, is gone
    release.set()
    assert pool.waitForDone(5000)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "deleted" not in err
