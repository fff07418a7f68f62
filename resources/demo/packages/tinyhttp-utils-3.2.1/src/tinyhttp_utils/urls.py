"""URL joining that does not drop path segments the way urljoin surprises people."""

from urllib.parse import urljoin


def join_url(base, *parts):
    url = base if base.endswith("/") else base + "/"
    for part in parts:
        url = urljoin(url, str(part).lstrip("/"))
        if not url.endswith("/"):
            url += "/"
    return url.rstrip("/")
