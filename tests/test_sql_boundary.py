"""Every SQL statement on the store's file lives in app/core/store/.

Why: the store's guarantees (one lock per connection, ``BEGIN IMMEDIATE`` with a retry, the
versioned migrations, read paths that never take the write lock) hold only if nobody reaches
past them. A module that runs its own SQL on the store's connection skips the lock, and one
that creates tables on the fly skips the migrations.

The scan reads the source (AST, nothing is imported or run). Docstrings may talk about SQL;
code may not: string constants that look like SQL statements, ``._conn`` / ``._x`` (the
store's private connection and executor), ``.execute*`` calls and ``import sqlite3`` are
allowed only in the modules below.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"

ALLOWED = {
    "app/core/store/",  # the store: every statement on its file
    "app/sync/state.py",  # the sync index: a separate SQLite file of its own
    "app/core/capabilities/cache.py",  # the findings cache: its own table and connection
    "app/core/sqlite.py",  # connection helpers for both (WAL switch, busy retry), no tables
}

SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b"
    r"|\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b"
    r"|\bREPLACE\s+INTO\b"
    r"|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b"
    r"|\b(CREATE|DROP|ALTER)\s+(TEMP\s+|VIRTUAL\s+|UNIQUE\s+)?(TABLE|INDEX|TRIGGER|VIEW)\b"
    r"|\bPRAGMA\s+\w+"
    r"|^\s*(BEGIN|COMMIT|ROLLBACK)\b"
)
PRIVATE = {"_conn", "_x"}
EXECUTE = {"execute", "executemany", "executescript"}


def _allowed(rel: str) -> bool:
    return any(rel == a or (a.endswith("/") and rel.startswith(a)) for a in ALLOWED)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def violations(source: str, rel: str) -> list[str]:
    """What in ``source`` reaches past the store: ``rel:line: what``."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docs
            and SQL.search(node.value)
        ):
            found.append(f"{rel}:{line}: SQL {node.value[:60]!r}")
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE:
            found.append(f"{rel}:{line}: .{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in EXECUTE
        ):
            found.append(f"{rel}:{line}: .{node.func.attr}()")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if "sqlite3" in names or "sqlite_utils" in names:
                found.append(f"{rel}:{line}: imports an SQLite driver")
    return found


def test_no_sql_outside_the_store():
    found = []
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if not _allowed(rel):
            found += violations(path.read_text(encoding="utf-8"), rel)
    assert found == []


def test_the_scan_catches_what_it_is_for():
    """Each kind of reach-around is caught; docstrings and ordinary prose are not."""
    bad = '''
import sqlite3
def f(store):
    """SELECT x FROM y is fine in a docstring."""
    store._x("SELECT item_id FROM campaign_members")
    store._conn.execute("CREATE TABLE IF NOT EXISTS t (a)")
    store.db.execute("DELETE FROM items WHERE id = ?", (1,))
    return "INSERT OR IGNORE INTO item_iocs (a) VALUES (?)"
'''
    kinds = [v.split(": ", 1)[1] for v in violations(bad, "x.py")]
    assert "imports an SQLite driver" in kinds
    assert "._x" in kinds and "._conn" in kinds and ".execute()" in kinds
    assert sum(k.startswith("SQL") for k in kinds) == 4
    prose = '''
def g():
    """Why."""
    return ["Select a file from the list", "Update the queue", "delete it", "begin here"]
'''
    assert violations(prose, "y.py") == []


def test_sqlite_utils_is_not_used():
    """The store drives sqlite3 itself: sqlite-utils' writes open a deferred ``BEGIN`` (not
    ``BEGIN IMMEDIATE`` with the store's retry), its ``transform`` drops the append-only
    triggers of the action log and the decisions, and its DDL is generated, not frozen text
    as the migrations must be. So it is no dependency, and nothing may import it."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = list(project["dependencies"])
    deps += [d for extra in project.get("optional-dependencies", {}).values() for d in extra]
    assert [d for d in deps if re.match(r"sqlite[-_.]utils\b", d, re.I)] == []
    found = []
    for folder in ("app", "tests", "packaging"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                if any(n.split(".")[0] == "sqlite_utils" for n in names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
