"""Typosquat of envconf-loader carrying the same environment stealer (VETBENCH DEMO - INERT)."""

from envconf_loadr.stats import ping

ping()
