from setuptools import setup

setup(name="pyconfig-yaml", version="1.1.5", packages=["pyconfig_yaml"], install_requires=["PyYAML>=6"])
