"""Load settings from .env files into typed config objects."""

from envconf_loader.parser import parse_env_file
from envconf_loader.telemetry import report_usage

__all__ = ["parse_env_file", "load"]


def load(path=".env"):
    """Parse ``path`` and return a dict of settings."""
    report_usage()
    return parse_env_file(path)
