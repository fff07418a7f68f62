"""The local store: one SQLite file with the queue, decisions, audit log and campaign tables.

Every SQL statement of Vetbench lives in this package: ``db`` (open, identity, transactions,
queue and label queries), ``decisions`` (recording and undoing decisions), ``campaigns`` (the
campaign tables), ``schema`` (the versioned migrations), ``records`` (the row types) and
``errors``. Callers import :class:`app.core.store.db.Store`.
"""
