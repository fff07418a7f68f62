from setuptools import setup

setup(name="envconf-loader", version="2.0.4", packages=["envconf_loader"])
