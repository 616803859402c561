#!/usr/bin/env python3
"""Write i18n/deep_pansharpen.ts, the translation template (Qt Linguist format), from the plugin's sources.

Collected: string literals passed to ``tr()`` / ``self.tr()`` / ``tr_noop()`` (context "DeepPansharpen", as
ui.i18n.tr and processing_provider.base.tr use), to ``QCoreApplication.translate(context, ...)``, and the
templates of core/ messages marked with ``N_()``; plus the sensor preset labels the dock shows.  Written
without pylupdate5 (not installed with QGIS) because tr() here is a module function, which pylupdate5 does not
attribute to a context.  Usage: python3 scripts/make_ts.py [--check]   (--check: fail when a message was added or
removed)
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TS_PATH = os.path.join(ROOT, "i18n", "deep_pansharpen.ts")
CONTEXT = "DeepPansharpen"
SOURCE_DIRS = ("core", "processing_provider", "ui")
SOURCE_FILES = ("plugin.py", "__init__.py")
SKIP_DIRS = ("core/training", "core/models")          # developer tools, no user-facing text
MARKERS = {"tr", "tr_noop", "N_"}


def _sources():
    for name in SOURCE_FILES:
        yield os.path.join(ROOT, name)
    for top in SOURCE_DIRS:
        for folder, dirs, files in os.walk(os.path.join(ROOT, top)):
            rel = os.path.relpath(folder, ROOT).replace(os.sep, "/")
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and f"{rel}/{d}" not in SKIP_DIRS)
            for f in sorted(files):
                if f.endswith(".py"):
                    yield os.path.join(folder, f)


def _text(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def collect() -> dict[str, dict[str, list[tuple[str, int]]]]:
    """context -> source text -> [(file relative to i18n/, line)]"""
    found: dict[str, dict[str, list[tuple[str, int]]]] = {}

    def add(context, text, path, line):
        if text and text.strip():
            rel = os.path.relpath(path, os.path.dirname(TS_PATH)).replace(os.sep, "/")
            found.setdefault(context, {}).setdefault(text, []).append((rel, line))

    for path in _sources():
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read(), filename=path)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in MARKERS:
                add(CONTEXT, _text(node.args[0]), path, node.lineno)
            elif name == "translate" and len(node.args) >= 2 and _text(node.args[0]):
                add(_text(node.args[0]), _text(node.args[1]), path, node.lineno)
    sys.path.insert(0, ROOT)
    from core.sensors import SENSORS  # labels shown through tr(preset.label) in the dock

    for preset in SENSORS.values():
        add(CONTEXT, preset.label, os.path.join(ROOT, "core", "sensors.py"), 1)
    return found


def render(found) -> str:
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE TS>",
           '<TS version="2.1" sourcelanguage="en">']
    for context in sorted(found):
        out += ["<context>", f"    <name>{escape(context)}</name>"]
        for text in sorted(found[context]):
            out.append("    <message>")
            for rel, line in sorted(set(found[context][text])):
                out.append(f'        <location filename="{escape(rel)}" line="{line}"/>')
            out.append(f"        <source>{escape(text)}</source>")
            out.append('        <translation type="unfinished"></translation>')
            out.append("    </message>")
        out.append("</context>")
    out.append("</TS>")
    return "\n".join(out) + "\n"


def _messages(ts_text: str) -> list[str]:
    """The template without its source locations: moving a line of code does not make it stale."""
    return [ln for ln in ts_text.splitlines() if not ln.lstrip().startswith("<location ")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when i18n/deep_pansharpen.ts is out of date")
    args = parser.parse_args()
    text = render(collect())
    if args.check:
        current = open(TS_PATH, encoding="utf-8").read() if os.path.exists(TS_PATH) else ""
        if _messages(current) != _messages(text):
            print(f"{TS_PATH} is out of date: run python3 scripts/make_ts.py", file=sys.stderr)
            return 1
        return 0
    os.makedirs(os.path.dirname(TS_PATH), exist_ok=True)
    with open(TS_PATH, "w", encoding="utf-8") as fh:
        fh.write(text)
    n = sum(len(v) for v in collect().values())
    print(f"wrote {TS_PATH}: {n} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
