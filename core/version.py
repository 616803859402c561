"""The plugin version, read from metadata.txt so that there is one place to bump it."""
from __future__ import annotations

import configparser
import os


def plugin_version() -> str:
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "metadata.txt")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
        return parser.get("general", "version")
    except (configparser.Error, OSError):
        return "unknown"
