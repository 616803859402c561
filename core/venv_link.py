"""Let a QGIS profile use the deep-learning packages that ``make setup`` installed into ``.venv``.

QGIS Desktop runs the system Python and never sees ``.venv``.  The plugin already puts its dependency folder
(``<profile>/python/deep_pansharpen_deps/pyX.Y``, see core.dependencies) first on sys.path, so setup fills
that folder with links to the venv's packages, leaving out QGIS's own (protected) distributions exactly as
the in-QGIS installer prunes them.  A folder the installer made (no marker file) is never touched.

    python -m core.venv_link --profile ~/.local/share/QGIS/QGIS3/profiles/default
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import sysconfig
from collections.abc import Iterable, Sequence

from .dependencies import PROTECTED_DISTRIBUTIONS, deps_dir, protected_entries

MARKER = "LINKED_BY_MAKE_SETUP"
# Entries of site-packages that mean nothing on another sys.path entry, or belong to pip itself.
SKIPPED = ("__pycache__", "bin")
SKIPPED_SUFFIXES = (".pth",)


class LinkRefused(RuntimeError):
    """The target folder exists and was not made by this module."""


def linkable_entries(site_packages: str, protected: Iterable[str] = PROTECTED_DISTRIBUTIONS) -> list[str]:
    """Top-level entries of ``site_packages`` to link: everything but QGIS's own distributions."""
    owned = set().union(*protected_entries(site_packages, protected).values()) \
        if os.path.isdir(site_packages) else set()
    return [e for e in sorted(os.listdir(site_packages))
            if e not in owned and e not in SKIPPED and not e.endswith(SKIPPED_SUFFIXES)]


def is_linked_folder(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, MARKER))


def link_site_packages(site_packages: str, target: str,
                       protected: Iterable[str] = PROTECTED_DISTRIBUTIONS) -> list[str]:
    """Make ``target`` a folder of symbolic links to ``site_packages``' entries (protected ones left out);
    returns the linked names.  Raises LinkRefused when ``target`` holds something else (an installation by
    the plugin's installer)."""
    site_packages = os.path.abspath(site_packages)
    if os.path.lexists(target):
        if not os.path.isdir(target) or os.path.islink(target) or not is_linked_folder(target):
            raise LinkRefused(f"{target} exists and was not made by make setup (the plugin's installer?): "
                              "left alone")
        _clear_linked_folder(target)
    names = linkable_entries(site_packages, protected)
    staging = target + ".linking"
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    for name in names:
        os.symlink(os.path.join(site_packages, name), os.path.join(staging, name))
    with open(os.path.join(staging, MARKER), "w", encoding="utf-8") as fh:
        fh.write(site_packages + "\n")
    os.replace(staging, target)
    return names


def _clear_linked_folder(folder: str) -> None:
    """Remove a folder made by :func:`link_site_packages`: its links and marker only, never link targets."""
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.islink(path) or name == MARKER:
            os.remove(path)
    os.rmdir(folder)        # fails (and so keeps them) if anything else was put there


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", required=True, action="append",
                        help="a QGIS profile folder (…/QGIS3/profiles/default); may be repeated")
    parser.add_argument("--site-packages", default=sysconfig.get_paths()["purelib"],
                        help="the folder to link (default: this interpreter's site-packages)")
    args = parser.parse_args(argv)
    status = 0
    for profile in args.profile:
        target = deps_dir(profile)
        try:
            names = link_site_packages(args.site_packages, target)
        except LinkRefused as exc:
            print(f"!! {exc}", file=sys.stderr)
            continue
        except OSError as exc:
            print(f"!! could not link the packages into {target}: {exc}", file=sys.stderr)
            status = 1
            continue
        print(f">> {len(names)} packages of {args.site_packages} linked into {target}")
    return status


if __name__ == "__main__":
    sys.exit(main())
