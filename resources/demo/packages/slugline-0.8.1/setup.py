from setuptools import setup

setup(name="slugline", version="0.8.1", packages=["slugline"])
