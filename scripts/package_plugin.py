#!/usr/bin/env python3
"""Build the plugin zip for "Install from ZIP" and plugins.qgis.org (used by `make package`).

The zip holds one top-level folder named after the plugin (lowercase), with LICENSE and metadata.txt, and
only what users need: no tests, benchmarks, build/dev tooling, caches, VCS or local environments.  With git
available the file list is the tracked plus untracked-but-not-ignored files, so anything git ignores
(outputs, .aux.xml, local data) never ships.  The build fails when a rule of the plugin repository is broken.
"""
from __future__ import annotations

import argparse
import fnmatch
import os
import re
import subprocess
import sys
import zipfile

NAME_RULE = re.compile(r"^[a-z_][a-z0-9_]*$")
MAX_MB_DEFAULT = 25.0
REQUIRED = ("__init__.py", "metadata.txt", "LICENSE")
# Top-level folders and files that are for developers only.
EXCLUDED_TOP = {"tests", "bench", "scripts", "dist", "build", "demo_output", "Makefile", "requirements-dev.txt",
                "pyproject.toml"}
EXCLUDED_PARTS = {"__pycache__", "__MACOSX", ".git", ".venv", ".pytest_cache"}
EXCLUDED_PATTERNS = ("*.pyc", "*.pyo", "*.aux.xml", "*.part.tif", "*~", "*.orig", "*.rej", ".*")


def source_files(root: str) -> list[str]:
    """Relative paths (with /) of the files to consider: git's view when available, else a walk."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True)
        files = [f for f in out.stdout.decode("utf-8").split("\0") if f]
        return sorted(f for f in files if os.path.isfile(os.path.join(root, f)))
    except (OSError, subprocess.CalledProcessError):
        pass
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in EXCLUDED_PARTS and not d.startswith(".")]
        for n in names:
            files.append(os.path.relpath(os.path.join(folder, n), root).replace(os.sep, "/"))
    return sorted(files)


def keep(rel: str) -> bool:
    parts = rel.split("/")
    if parts[0] in EXCLUDED_TOP or any(p in EXCLUDED_PARTS for p in parts):
        return False
    if any(p.startswith(".") for p in parts):
        return False
    return not any(fnmatch.fnmatch(parts[-1], pat) for pat in EXCLUDED_PATTERNS)


def build(root: str, name: str, output: str, max_mb: float) -> list[str]:
    if not NAME_RULE.match(name):
        raise SystemExit(f"package: the plugin folder name '{name}' must match {NAME_RULE.pattern} (lowercase).")
    files = [f for f in source_files(root) if keep(f)]
    missing = [r for r in REQUIRED if r not in files]
    if missing:
        raise SystemExit(f"package: required file(s) missing from the plugin: {', '.join(missing)}")
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    tmp = output + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for rel in files:
            zf.write(os.path.join(root, rel), f"{name}/{rel}")
    size_mb = os.path.getsize(tmp) / (1024 * 1024)
    if size_mb > max_mb:
        os.remove(tmp)
        raise SystemExit(f"package: the zip is {size_mb:.1f} MB, over the {max_mb:g} MB limit of plugins.qgis.org.")
    os.replace(tmp, output)
    print(f"package: {output} ({size_mb:.2f} MB, {len(files)} files in {name}/)")
    return files


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    p.add_argument("--name", default="deep_pansharpen")
    p.add_argument("--output", required=True)
    p.add_argument("--max-mb", type=float, default=MAX_MB_DEFAULT)
    args = p.parse_args(argv)
    build(os.path.abspath(args.root), args.name, args.output, args.max_mb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
