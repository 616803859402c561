"""Marking core/ messages for translation without Qt: ``N_(template, **values)`` is the English sentence
(a str, so nothing else changes) that remembers its template and values; the dock translates the template
(ui.i18n.tr_marked) and scripts/make_ts.py collects the templates into i18n/deep_pansharpen.ts."""
from __future__ import annotations


class Marked(str):
    template: str
    args: dict

    def __new__(cls, template: str, **args):
        obj = super().__new__(cls, template.format(**args) if args else template)
        obj.template = template
        obj.args = args
        return obj

    def __add__(self, other):             # joining keeps a plain str (the parts are translated apart)
        return str.__add__(str(self), other)


def N_(template: str, **args) -> Marked:  # noqa: N802 (the usual gettext marker name)
    return Marked(template, **args)
