"""Hostile input is normal input: each case ends in a typed error or a recorded skip.

Every archive is built here (tests/core/archive/fixtures.py). Besides the outcome, each test
checks that nothing was written outside the test's own folder: the reader never extracts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.core.archive import (
    ArchiveError,
    CorruptArchive,
    LimitExceeded,
    Limits,
    UnsupportedFormat,
    open_artifact,
    open_bytes,
)
from tests.core.archive import fixtures as F


@pytest.fixture
def untouched(tmp_path):
    """Fails the test if the reader creates any file next to the archive or in the cwd."""
    cwd_before = set(os.listdir(os.getcwd()))
    yield tmp_path
    assert set(os.listdir(os.getcwd())) == cwd_before


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _by_path(art):
    return {m.path: m for m in art.members}


@pytest.mark.parametrize("builder", [F.make_traversal_tar, F.make_traversal_zip])
def test_path_traversal_names_are_repaired_and_flagged(untouched, builder):
    path = builder(untouched)
    before = _files(untouched)
    art = open_artifact(path)
    members = _by_path(art)
    assert set(members) == {
        "evil.py",
        "etc/cron.d/evil",
        "Windows/evil.py",
        "b.py",
        "up.py",
        "fine.py",
    }
    assert "path-traversal" in members["evil.py"].flags
    assert "absolute-path" in members["etc/cron.d/evil"].flags
    assert {"backslash-path", "drive-letter-path"} <= set(members["Windows/evil.py"].flags)
    assert "path-traversal" in members["up.py"].flags
    assert members["fine.py"].flags == ()  # "ok/../fine.py" stays inside: nothing to flag
    assert members["evil.py"].raw_path.endswith("../evil.py")
    assert "unsafe-paths" in art.flags
    assert _files(untouched) == before


def test_tar_links_are_recorded_not_followed(untouched):
    art = open_artifact(F.make_links_tar(untouched))
    m = _by_path(art)
    assert m["passwd"].kind == "symlink" and m["passwd"].link_target == "/etc/passwd"
    assert m["passwd"].data is None and m["passwd"].size == 0
    assert "link-outside" in m["passwd"].flags and "link-outside" in m["up"].flags
    assert "link-outside" not in m["inside"].flags
    assert m["shadow"].kind == "hardlink" and "link-outside" in m["shadow"].flags
    assert m["again"].kind == "hardlink" and "link-outside" not in m["again"].flags
    assert "links" in art.flags


def test_zip_symlinks_recorded_devices_and_fifos_skipped(untouched):
    art = open_artifact(F.make_links_zip(untouched))
    m = _by_path(art)
    assert m["passwd"].kind == "symlink" and m["passwd"].link_target == "/etc/passwd"
    reasons = {s.path: s.reason for s in art.skips}
    assert "FIFO" in reasons["fifo"] and "character device" in reasons["tty"]


def test_tar_devices_and_fifos_are_skipped_with_a_reason(untouched):
    art = open_artifact(F.make_devices_tar(untouched))
    assert [m.path for m in art.members] == ["setup.py"]
    reasons = {s.path: s.reason for s in art.skips}
    assert "character device" in reasons["null"]
    assert "block device" in reasons["sda"]
    assert "FIFO" in reasons["pipe"]


def test_directory_links_and_fifo_are_not_followed(untouched):
    root = F.make_hostile_directory(untouched)
    art = open_artifact(root)  # a FIFO would hang a naive reader; a dir symlink loop forever
    m = _by_path(art)
    assert m["passwd"].kind == "symlink" and m["passwd"].data is None
    assert m["rootdir"].kind == "symlink" and m["rootdir"].link_target == "/"
    assert not any(p.startswith("rootdir/") for p in m)
    assert m["pkg/dangling"].kind == "symlink" and "link-outside" in m["pkg/dangling"].flags
    assert m["pkg/mod.py"].kind == "text" and "hardlinked" in m["pkg/mod.py"].flags
    assert m["pkg/mod_again.py"].kind == "hardlink"
    assert m["pkg/mod_again.py"].link_target == "pkg/mod.py"
    assert any(s.path == "pipe" and "FIFO" in s.reason for s in art.skips)


def test_a_fifo_given_as_the_artifact_is_refused(untouched):
    fifo = untouched / "pipe.tar.gz"
    os.mkfifo(fifo)
    with pytest.raises(ArchiveError, match="not a regular file"):
        open_artifact(fifo)


@pytest.mark.parametrize("builder", [F.make_duplicates_zip, F.make_duplicates_tar])
def test_duplicate_names_are_both_kept_and_flagged(untouched, builder):
    art = open_artifact(builder(untouched))
    setups = [m for m in art.members if m.path == "setup.py"]
    assert [m.text for m in setups] == ["print('first')\n", "print('second')\n"]
    assert all("duplicate" in m.flags for m in setups)
    assert "duplicate-members" in art.flags


def test_zip_ratio_bomb_member_is_skipped(untouched):
    art = open_artifact(F.make_zip_ratio_bomb(untouched, 16 * 1024**2))
    assert [m.path for m in art.members] == ["setup.py"]
    assert "ratio" in art.skips[0].reason and art.skips[0].path == "zeros.bin"


def test_overlapping_entries_bomb_is_skipped(untouched):
    art = open_artifact(F.make_zip_overlap_bomb(untouched, copies=200))
    assert [m.path for m in art.members] == ["kernel.bin"]
    assert len(art.skips) == 200
    assert all("overlaps" in s.reason for s in art.skips)


def test_zip_declaring_more_than_the_total_limit_is_refused_before_reading(untouched):
    path = F.make_zip_lying_sizes(untouched, declared=1024**3, count=4)
    with pytest.raises(LimitExceeded, match="declares"):
        open_artifact(path)


def test_zip_lying_about_a_small_size_cannot_inflate_more(untouched):
    path = untouched / "liar.zip"
    path.write_bytes(F.raw_zip([{"name": b"a.txt", "data": b"A" * 100_000, "declared": 10}]))
    art = open_artifact(path)
    assert art.members == []
    assert "unreadable" in art.skips[0].reason


def test_tar_zero_bomb_is_stopped_by_the_stream_ratio(untouched):
    path = F.make_tar_zero_bomb(untouched, 512 * 1024**2)
    limits = Limits(stream_ratio_floor_bytes=32 * 1024**2)
    with pytest.raises(LimitExceeded, match="ratio"):
        open_artifact(path, limits)


def test_gzip_of_zeros_after_a_small_member_stops_at_the_end_marker(untouched):
    art = open_artifact(F.make_gzip_zeros_small_claims(untouched, zeros=256 * 1024**2))
    assert [m.path for m in art.members] == ["a.py"]


def test_gzip_of_only_zeros_is_not_an_archive(untouched):
    path = untouched / "zeros.tar.gz"
    path.write_bytes(F.repeated_gzip(bytes(1024**2), 4))
    with pytest.raises(UnsupportedFormat, match="empty tar"):
        open_artifact(path)


def test_tar_member_count_limit(untouched):
    path = F.make_many_members_tar(untouched, count=20_000, block=5_000)
    with pytest.raises(LimitExceeded, match="more than 5000 members"):
        open_artifact(path, Limits(max_members=5_000))


def test_tar_member_over_the_size_limit_is_skipped_and_reading_goes_on(untouched):
    big = bytes(300_000)
    path = untouched / "big-1.0.tar"
    path.write_bytes(F.tar_bytes([("big-1.0/big.bin", big), ("big-1.0/after.py", b"x = 1\n")]))
    art = open_artifact(path, Limits(max_member_bytes=100_000))
    assert [m.path for m in art.members] == ["after.py"]
    assert "too large" in art.skips[0].reason


def test_total_limit_in_a_tar_is_an_error(untouched):
    path = untouched / "tot-1.0.tar.gz"
    files = [(f"tot-1.0/f{i}.bin", os.urandom(50_000)) for i in range(5)]
    path.write_bytes(F.compress(F.tar_bytes(files), "gz"))
    with pytest.raises(LimitExceeded, match="uncompressed size"):
        open_artifact(path, Limits(max_total_bytes=120_000))


def test_pax_header_bomb_is_not_read_into_memory(untouched):
    with pytest.raises(CorruptArchive, match="extended header"):
        open_artifact(F.make_pax_header_bomb(untouched, 256 * 1024**2))


def test_gnu_long_name_bomb_after_a_member_is_a_recorded_break(untouched):
    import gzip
    import tarfile

    head = F.tar_bytes([("ln-1.0/a.py", b"a = 1\n")], end=False)
    info = tarfile.TarInfo("././@LongLink")
    info.type = tarfile.GNUTYPE_LONGNAME
    info.size = 64 * 1024**2
    path = untouched / "ln-1.0.tar.gz"
    path.write_bytes(
        gzip.compress(head + info.tobuf(tarfile.GNU_FORMAT), mtime=0)
        + F.repeated_gzip(b"n" * 1024**2, 64)
    )
    art = open_artifact(path)
    assert [m.path for m in art.members] == ["a.py"]
    assert "truncated" in art.flags
    assert art.skips[0].path == "a.py"
    assert "extended header" in art.skips[0].reason and "after this member" in art.skips[0].reason


def test_truncated_tar_gz_keeps_what_came_before(untouched):
    art = open_artifact(F.make_truncated_tar_gz(untouched))
    assert [m.path for m in art.members] == ["setup.py"]
    assert "truncated" in art.flags
    assert art.skips[0].path == "blob.bin" and "inside this member" in art.skips[0].reason


def test_small_tar_gz_cut_short_keeps_the_members_inflated_before_the_cut(untouched):
    """The whole stream fits one read: what inflated before the break is still reviewed (a
    buffered read used to drop it with the error and call the upload unreadable)."""
    import random

    noise = random.Random(7).randbytes(6000).hex().encode()  # does not compress away
    files = [
        ("s-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: s\nVersion: 1.0\n"),
        ("s-1.0/setup.py", F.EVIL_PY.encode()),
        ("s-1.0/s/__init__.py", b"DATA = '" + noise + b"'\n"),
    ]
    data = F.compress(F.tar_bytes(files), "gz")
    path = untouched / "s-1.0.tar.gz"
    path.write_bytes(data[: len(data) // 2])
    art = open_artifact(path)
    assert art.member("setup.py").text == F.EVIL_PY
    assert "truncated" in art.flags
    assert art.skips[0].path == "s/__init__.py" and "inside this member" in art.skips[0].reason


def test_tar_cut_inside_the_first_header_is_an_error(untouched):
    data = F.compress(F.tar_bytes([("x-1.0/a.py", b"a\n")]), "gz")
    path = untouched / "x-1.0.tar.gz"
    path.write_bytes(data[:15])
    with pytest.raises(CorruptArchive):
        open_artifact(path)


def test_zip_without_its_central_directory_is_an_error(untouched):
    with pytest.raises(CorruptArchive, match="central directory"):
        open_artifact(F.make_corrupt_zip(untouched))


def test_zip_member_with_bad_crc_is_skipped(untouched):
    art = open_artifact(F.make_crc_damaged_zip(untouched))
    assert [m.path for m in art.members] == ["ok.py"]
    assert art.skips[0].path == "bad.py" and "CRC" in art.skips[0].reason


def test_garbage_after_a_tar_header_is_a_recorded_break(untouched):
    raw = bytearray(F.tar_bytes([("g-1.0/a.py", b"a = 1\n"), ("g-1.0/b.py", b"b = 2\n")]))
    raw[1024:1536] = b"\xff" * 512  # the second header
    path = untouched / "g-1.0.tar"
    path.write_bytes(bytes(raw))
    art = open_artifact(path)
    assert [m.path for m in art.members] == ["a.py"]
    assert "checksum" in art.skips[0].reason and "truncated" in art.flags


def test_nested_archive_is_opened_one_level_deep(untouched):
    art = open_artifact(F.make_nested(untouched))
    m = _by_path(art)
    whl = "vendor/inner-2.0-py3-none-any.whl"
    assert "archive" in m[whl].flags and m[whl].kind == "binary"
    nested = m[whl + "!/inner/mod.py"]
    assert "nested" in nested.flags and nested.text == F.EVIL_PY
    deeper = m[whl + "!/inner/deeper.zip"]
    assert {"nested", "archive"} <= set(deeper.flags)
    assert not any(p.startswith(whl + "!/inner/deeper.zip!/") for p in m)
    assert any(s.path == whl + "!/inner/deeper.zip" and "one level" in s.reason for s in art.skips)
    assert "compressed" in m["data/table.csv.gz"].flags  # gzip data, not an archive
    assert "nested-archives" in art.flags
    assert (art.name, art.version) == ("outer", "1.0")  # the nested wheel's METADATA is ignored


def test_nested_tarball_inside_an_sdist(untouched):
    inner = F.compress(F.tar_bytes([("vend-0.1/vend.py", b"v = 1\n")]), "gz")
    path = F.make_sdist(untouched, "host", "1.0", files={"vendor/vend-0.1.tar.gz": inner})
    art = open_artifact(path)
    assert art.member("vendor/vend-0.1.tar.gz!/vend-0.1/vend.py").text == "v = 1\n"


def test_corrupt_nested_archive_is_a_skip_not_an_error(untouched):
    whl = F.zip_bytes(F.wheel_entries("broken", "1.0"))[:-40]
    path = untouched / "host-1.0.zip"
    path.write_bytes(
        F.zip_bytes(
            {"host/broken.whl": whl, "host/ok.py": b"ok = 1\n", "host/setup.py": b"print(1)\n"}
        )
    )
    art = open_artifact(path)
    assert art.member("ok.py").text == "ok = 1\n"
    assert any(
        s.path == "broken.whl" and "nested archive not opened" in s.reason for s in art.skips
    )


def test_zip_names_with_nul_non_utf8_and_control_characters(untouched):
    art = open_artifact(F.make_bad_names_zip(untouched))
    m = _by_path(art)
    assert "nul-in-name" in m["nul%00.py"].flags
    assert "non-utf8-name" in m["caf%E9%FF.py"].flags
    assert m["ünïcode.py"].flags == ()
    assert "control-chars-in-name" in m["\x1b[31mred\x1b[0m.py"].flags
    assert "control-chars-in-name" in m["rtl\u202eyp.txt"].flags


def test_tar_names_with_nul_and_non_utf8_bytes(untouched):
    art = open_artifact(F.make_bad_names_tar(untouched))
    m = _by_path(art)
    assert "non-utf8-name" in m["caf%E9%FF.py"].flags
    hidden = [p for p in m if p.endswith("%00hidden.py")]
    assert hidden and "nul-in-name" in m[hidden[0]].flags


def test_member_name_that_normalises_to_nothing_is_skipped(untouched):
    path = untouched / "empty-names.zip"
    path.write_bytes(
        F.raw_zip(
            [
                {"name": b"../", "data": b"x"},
                {"name": b"./..", "data": b"y"},
                {"name": b"ok.py", "data": b"z"},
            ]
        )
    )
    art = open_artifact(path)
    assert [m.path for m in art.members] == ["ok.py"]
    assert len(art.skips) == 2 and all("unsafe member name" in s.reason for s in art.skips)


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_a_10_mb_single_line_file_is_text(untouched, kind):
    art = open_artifact(F.make_long_line(untouched, 10 * 1024**2, kind))
    member = art.member("dist/app.min.js")
    assert member.kind == "text" and member.size == 10 * 1024**2
    assert member.detect_encoding() == "utf-8"
    assert "\n" not in member.text[:1000]


def test_zip_entry_count_is_checked_even_when_the_end_record_lies(untouched):
    path = F.make_zip_many_entries(untouched, 3_000)
    with pytest.raises(LimitExceeded, match="central directory holds 3000 entries"):
        open_artifact(path, Limits(max_members=1_000))
    assert len(open_artifact(path).members) == 3_000  # the same zip is fine under the defaults


def test_gzip_header_with_a_huge_file_name_field(untouched):
    import time

    path = F.make_gzip_long_file_name(untouched, 100 * 1024**2)
    start = time.process_time()
    art = open_artifact(path)  # gzip.GzipFile reads the name one byte per call: ~6 s here
    assert [m.path for m in art.members] == ["a.py"]
    assert time.process_time() - start < 2.0


def test_zip_with_some_entries_under_an_unknown_password(untouched):
    path = untouched / "mixed-1.0.zip"
    path.write_bytes(
        F.raw_zip(
            [
                {"name": b"open.py", "data": b"a = 1\n"},
                {"name": b"locked.py", "data": b"b = 2\n", "password": b"secret"},
            ]
        )
    )
    art = open_artifact(path)
    assert [m.path for m in art.members] == ["open.py"]
    assert art.skips[0].path == "locked.py" and "password" in art.skips[0].reason
    locked_only = untouched / "locked-1.0.zip"
    locked_only.write_bytes(
        F.raw_zip(
            [
                {"name": b"a.py", "data": b"a\n", "password": b"secret"},
                {"name": b"b.py", "data": b"b\n", "password": b"secret"},
            ]
        )
    )
    from app.core.archive import PasswordRequired

    with pytest.raises(PasswordRequired, match="password"):
        open_artifact(locked_only)
    assert "sample-zip" not in art.flags and art.format == "zip"  # only some entries encrypted
    assert "encrypted" in art.flags


def test_huge_zipcrypto_entries_are_refused_not_decrypted_for_minutes(untouched):
    import os

    inner = F.make_wheel(untouched, "big", "1.0", files={"big/blob.bin": os.urandom(300_000)})
    sample = F.make_sample_zip(untouched, inner)
    with pytest.raises(LimitExceeded, match="ZipCrypto"):
        open_artifact(sample, Limits(max_zipcrypto_bytes=100_000))
    aes = F.make_sample_zip(untouched, inner, aes=True, out_name="aes.zip")
    assert open_artifact(aes, Limits(max_zipcrypto_bytes=100_000)).name == "big"  # AES is fast


def test_directory_with_undecodable_names_and_a_member_limit(untouched):
    root = untouched / "odd"
    root.mkdir()
    fd = os.open(os.fsencode(root) + b"/caf\xe9.py", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"x = 1\n")
    os.close(fd)
    art = open_artifact(root)
    assert [(m.path, m.flags) for m in art.members] == [("caf%E9.py", ("non-utf8-name",))]
    for i in range(5):
        (root / f"f{i}.py").write_text("y = 2\n")
    with pytest.raises(LimitExceeded, match="more than 3 members"):
        open_artifact(root, Limits(max_members=3))


def test_hostile_package_json_is_ignored_not_parsed(untouched):
    deep = b"[" * 200_000 + b"]" * 200_000  # json.loads would raise RecursionError
    path = untouched / "deep-9.9.9.tgz"
    path.write_bytes(
        F.compress(
            F.tar_bytes([("package/package.json", deep), ("package/index.js", b"x\n")]), "gz"
        )
    )
    art = open_artifact(path)
    assert art.ecosystem == "npm" and (art.name, art.version) == ("deep", "9.9.9")  # file name
    assert "package_json" not in art.metadata
    assert art.member("package.json").size == len(deep)


def test_data_of_a_member_with_a_refused_name_is_not_read_as_headers(untouched):
    # The member named "." is refused (no usable path); its data is a whole tar header of
    # "hidden.py". tarfile skips that data, so must the reader: no member pip never sees.
    import io
    import tarfile

    inner = F.tar_bytes([("demo-1.0/hidden.py", b"import os\n")], end=False)
    raw = F.tar_bytes([(".", inner), ("demo-1.0/PKG-INFO", F.pkg_info("demo", "1.0").encode())])
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
        assert "demo-1.0/hidden.py" not in tf.getnames()
    art = open_bytes(raw, "demo-1.0.tar")
    assert art.member("hidden.py") is None and art.member("PKG-INFO") is not None
