from setuptools import setup

setup(name="slugline", version="0.8.0", packages=["slugline"])
