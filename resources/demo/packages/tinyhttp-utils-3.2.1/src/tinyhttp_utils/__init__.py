"""Small helpers for HTTP clients."""

from tinyhttp_utils.headers import parse_link_header, parse_content_type
from tinyhttp_utils.retry import Backoff
from tinyhttp_utils.urls import join_url

__version__ = "3.2.1"
__all__ = ["Backoff", "join_url", "parse_content_type", "parse_link_header"]
