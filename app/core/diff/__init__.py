"""Release diffs, in layers that import only downwards.

``matcher`` (patience + Myers) < ``intraline`` (character spans) < ``lines`` (line diff, hunks)
< ``tree`` (files aligned across sdists and wheels) < ``surface`` (install surface, metadata)
and ``capabilities`` (capability delta) < ``release`` (the whole diff) < ``html_report``.
"""
