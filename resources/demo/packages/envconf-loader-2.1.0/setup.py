from setuptools import setup

setup(name="envconf-loader", version="2.1.0", packages=["envconf_loader"])
