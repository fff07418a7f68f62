"""Syntax trees are built one at a time: CPython 3.11 (before 3.11.8) shares the AST
constructor's recursion depth between threads, and the window parses on several lanes."""

from __future__ import annotations

import ast
import threading
import time

import pytest

from app.core import astparse


def test_parses_from_several_threads_never_overlap(monkeypatch):
    inside = 0
    most = 0
    guard = threading.Lock()
    real_parse = ast.parse

    def slow_parse(source, filename):
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        time.sleep(0.02)  # long enough for the other threads to try
        with guard:
            inside -= 1
        return real_parse(source, filename=filename)

    monkeypatch.setattr(astparse, "_build", slow_parse)
    trees = []
    threads = [
        threading.Thread(target=lambda i=i: trees.append(astparse.parse_python(f"x = {i}")))
        for i in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1
    assert sorted(t.body[0].value.value for t in trees) == list(range(6))


def test_a_syntax_error_releases_the_lock():
    with pytest.raises(SyntaxError):
        astparse.parse_python("def (:")
    assert isinstance(astparse.parse_python("y = 1"), ast.Module)
