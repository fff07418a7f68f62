"""Member-name normalisation: properties over any string, plus the cases that matter."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.archive import decode_name, normalise_member_path
from app.core.archive.paths import has_control_chars, link_escapes

# Names built from the characters that make paths dangerous, mixed with ordinary text.
_PIECES = st.sampled_from(
    [
        "..",
        ".",
        "/",
        "\\",
        "C:",
        "c:",
        "\x00",
        "a",
        "b.py",
        "é",
        " ",
        "//",
        "\\\\",
        "...",
        "%00",
        ":",
    ]
)
hostile_names = st.one_of(
    st.text(max_size=60),
    st.lists(_PIECES, max_size=20).map("".join),
    st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=12).map("".join),
)


@settings(max_examples=200, deadline=None)
@given(hostile_names)
def test_normalised_path_is_safe(raw):
    path, flags = normalise_member_path(raw)
    assert isinstance(flags, tuple)
    if path is None:
        return
    assert path != ""
    assert not path.startswith("/")
    assert "\\" not in path and "\x00" not in path
    segments = path.split("/")
    assert ".." not in segments and "." not in segments and "" not in segments
    assert not (len(path) >= 2 and path[1] == ":" and path[0].isascii() and path[0].isalpha())


@settings(max_examples=200, deadline=None)
@given(hostile_names)
def test_normalisation_is_idempotent(raw):
    path, _ = normalise_member_path(raw)
    if path is None:
        return
    assert normalise_member_path(path) == (path, ())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_any_name_bytes_decode_to_json_safe_text(raw):
    name, flags = decode_name(raw)
    name.encode("utf-8")  # no lone surrogates: printable, storable, JSON-encodable
    if flags:
        assert flags == ("non-utf8-name",)
    else:
        assert name == raw.decode("utf-8")


@pytest.mark.parametrize(
    "raw, path, flag",
    [
        ("../../etc/passwd", "etc/passwd", "path-traversal"),
        ("/etc/passwd", "etc/passwd", "absolute-path"),
        ("C:\\Windows\\system32\\x.dll", "Windows/system32/x.dll", "drive-letter-path"),
        ("\\\\server\\share\\x", "server/share/x", "absolute-path"),
        ("pkg\\mod.py", "pkg/mod.py", "backslash-path"),
        ("a/../../b", "b", "path-traversal"),
        ("../C:x", "x", "drive-letter-path"),  # the drive letter only shows after one repair
        ("evil\x00.py", "evil%00.py", "nul-in-name"),
    ],
)
def test_repairs_are_flagged(raw, path, flag):
    got, flags = normalise_member_path(raw)
    assert got == path and flag in flags


@pytest.mark.parametrize("raw", ["", "/", "..", "../..", "./", "C:", "\\"])
def test_nothing_safe_left_gives_none(raw):
    assert normalise_member_path(raw)[0] is None


def test_clean_names_are_untouched():
    for raw in ["setup.py", "pkg/__init__.py", "a b/c-d_e.txt", "ünï/cödé.py", "x..y/z"]:
        assert normalise_member_path(raw) == (raw, ())
    assert normalise_member_path("./.github/workflows/ci.yml") == (".github/workflows/ci.yml", ())


def test_control_characters_and_bidi_overrides_are_detected():
    assert has_control_chars("\x1b[31mred")
    assert has_control_chars("name\nsecond line")
    assert has_control_chars("invoice\u202etxt.exe")
    assert not has_control_chars("ordinary name é.py")


@pytest.mark.parametrize(
    "member, target, hard, escapes",
    [
        ("a/link", "../b", False, False),
        ("a/link", "../../b", False, True),
        ("link", "/etc/passwd", False, True),
        ("link", "C:\\x", False, True),
        ("a/b/link", "../../c/./d", False, False),
        ("x", "pkg-1.0/a", True, False),  # tar hard links are relative to the root
        ("x", "../a", True, True),
    ],
)
def test_link_escapes(member, target, hard, escapes):
    assert link_escapes(member, target, hardlink=hard) is escapes
