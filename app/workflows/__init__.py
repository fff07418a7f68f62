"""Use cases shared by the command line and the window (no Qt).

Each module is one thing a moderator does -- queue a release, fetch its files, load it for
review, pick a baseline, poll the feeds, scan many artifacts, load the demo -- written once on
top of :mod:`app.core` and :mod:`app.sync`, so the CLI and the window cannot drift apart.
"""
