from setuptools import setup

setup(name="dpy-helpers", version="0.3.1", packages=["dpy_helpers"])
