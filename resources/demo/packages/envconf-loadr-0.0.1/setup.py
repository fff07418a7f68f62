from setuptools import setup

setup(name="envconf-loadr", version="0.0.1", packages=["envconf_loadr"])
