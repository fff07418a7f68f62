"""The demo queue: inert by construction, reproducible, loaded once."""

from __future__ import annotations

import hashlib
import ipaddress
import re

from app.core.store.db import Store
from app.workflows.demo import build_archive, demo_items, demo_root, load_demo

RESERVED = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
URL_HOST = re.compile(r"[a-z]+://([^/\s\"':]+)")
IP = re.compile(r"\b(\d{1,3}(?:\.\d{1,3}){3})\b")


def test_every_address_in_the_demo_is_reserved_for_documentation():
    texts = [
        p.read_text(encoding="utf-8") for p in (demo_root() / "packages").rglob("*") if p.is_file()
    ]
    texts.append((demo_root() / "queue.json").read_text(encoding="utf-8"))
    hosts = {h for t in texts for h in URL_HOST.findall(t)}
    ips = {ip for t in texts for ip in IP.findall(t)}
    assert hosts and ips
    for host in hosts:
        if IP.fullmatch(host):
            continue
        assert host.endswith(".invalid"), host
    for ip in ips:
        assert any(ipaddress.ip_address(ip) in net for net in RESERVED), ip


def test_each_item_has_its_release_folders_and_most_have_a_baseline():
    items = demo_items()
    assert len(items) == 12
    folders = {p.name for p in (demo_root() / "packages").iterdir()}
    for item in items:
        assert item["new"] in folders
        assert item["old"] is None or item["old"] in folders
    assert sum(1 for i in items if i["old"]) >= 8


def test_archives_are_reproducible_and_loading_twice_adds_nothing(tmp_path):
    folder = demo_root() / "packages" / "colorstrip-1.4.1"
    a = build_archive(folder, tmp_path / "a")
    b = build_archive(folder, tmp_path / "b")
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    store = Store.open(tmp_path / "s.sqlite3")
    first = load_demo(store, tmp_path / "art", scan=False)
    assert len(first) == 12
    assert load_demo(store, tmp_path / "art", scan=False) == []
    assert store.count_items() == 12
    store.close()
