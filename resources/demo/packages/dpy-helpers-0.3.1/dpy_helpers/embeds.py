"""Build Discord embeds from plain dicts."""


def embed(title, description="", color=0x5865F2, fields=()):
    return {
        "title": title,
        "description": description,
        "color": color,
        "fields": [{"name": n, "value": v, "inline": True} for n, v in fields],
    }
