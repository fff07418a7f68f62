"""Layered YAML configuration with environment overrides."""

import os

import yaml


def load(*paths, prefix="APP_"):
    config = {}
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            config.update(yaml.safe_load(fh) or {})
    for key, value in os.environ.items():
        if key.startswith(prefix):
            config[key[len(prefix):].lower()] = value
    return config
