from setuptools import setup

setup(
    name="colorstrip",
    version="1.4.0",
    description="Strip ANSI colour codes from terminal output",
    packages=["colorstrip"],
    python_requires=">=3.8",
)
