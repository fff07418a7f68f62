from setuptools import setup

setup(name="pyconfig-yaml", version="1.2.0", packages=["pyconfig_yaml"], install_requires=["PyYAML>=6"])
