from setuptools import setup

setup(name="dpy-helpers", version="0.3.0", packages=["dpy_helpers"])
