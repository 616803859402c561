"""metadata.txt: what QGIS needs to load the plugin, no placeholder addresses, and a changelog entry for
every version the file has ever carried."""
import configparser
import pathlib
import re
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
METADATA = REPO / "metadata.txt"


@pytest.fixture(scope="module")
def meta():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(METADATA, encoding="utf-8")
    return parser["general"]


def test_fields_qgis_needs_and_no_placeholders(meta):
    # QGIS refuses to load a plugin without these (QgsPluginRegistry::checkPythonPlugin, the installer)
    for field in ("name", "description", "version", "qgisMinimumVersion"):
        assert meta.get(field, "").strip(), field
    # static-string choice parameters need QGIS 3.18
    assert tuple(map(int, meta["qgisMinimumVersion"].split("."))) >= (3, 18)
    text = METADATA.read_text(encoding="utf-8")
    assert not re.search(r"example\.(org|com|net)", text, re.I)
    for field in ("homepage", "tracker", "repository"):         # only once the project has a public home
        if field in meta:
            assert re.match(r"https://", meta[field]) and "example" not in meta[field], field


def test_about_describes_what_the_plugin_does_now(meta):
    about = meta["about"]
    assert "HS-MS fusion" in about and "later" not in about.lower()
    for word in ("PanAdapter", "INFN", "qgis_process", "torch"):
        assert word in about, word


def test_changelog_has_every_version(meta):
    from core.version import plugin_version

    entries = re.findall(r"^(\d+\.\d+\.\d+)$", meta["changelog"], re.M)
    assert entries and entries[0] == plugin_version() == meta["version"]
    assert entries == sorted(entries, key=lambda v: tuple(map(int, v.split("."))), reverse=True)
    assert "0.1.0" in entries
    try:
        log = subprocess.run(["git", "-C", str(REPO), "log", "-p", "--format=", "--", "metadata.txt"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the version history is not available")
    released = set(re.findall(r"^[+-]version=(\S+)$", log, re.M))
    assert released and released <= set(entries), released - set(entries)
