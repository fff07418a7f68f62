"""Parse common HTTP headers without a full HTTP library."""


def parse_content_type(value):
    """``text/html; charset=utf-8`` -> ("text/html", {"charset": "utf-8"})."""
    parts = [p.strip() for p in value.split(";")]
    params = {}
    for part in parts[1:]:
        if "=" in part:
            key, _, val = part.partition("=")
            params[key.strip().lower()] = val.strip().strip('"')
    return parts[0].strip().lower(), params


def parse_link_header(value):
    """RFC 8288 Link header -> {rel: url}."""
    links = {}
    for chunk in value.split(","):
        if ";" not in chunk:
            continue
        url, _, rest = chunk.partition(";")
        url = url.strip().lstrip("<").rstrip(">")
        for param in rest.split(";"):
            key, _, val = param.strip().partition("=")
            if key == "rel":
                links[val.strip('"')] = url
    return links
