"""Turn titles into URL slugs."""

import re
import unicodedata

_SEPARATORS = re.compile(r"[^a-zA-Z0-9]+")


def slugify(title, separator="-", max_length=None):
    """Lower-case ASCII slug of ``title``; optionally cut at a word boundary."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    text = _SEPARATORS.sub(separator, text).strip(separator)
    text = text.lower()
    if max_length and len(text) > max_length:
        text = text[:max_length].rsplit(separator, 1)[0]
    return text
