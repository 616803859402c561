"""Translation of the dock's, menus' and dialogs' texts (one context, shared with the Processing algorithms)
and of the input check's messages, which core/ marks with ``core.i18n.N_`` but cannot translate itself."""
from __future__ import annotations

import os

from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "DeepPansharpen"


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def tr_marked(text) -> str:
    """A message from core/: its template translated, then filled with its values; plain strings as is
    (translated when the catalogue has them)."""
    template = getattr(text, "template", None)
    if template is None:
        return tr(str(text)) if text else ""
    try:
        return tr(template).format(**{k: tr_marked(v) if hasattr(v, "template") else v
                                      for k, v in text.args.items()})
    except (KeyError, IndexError, ValueError):    # a translation that lost a placeholder
        return str(text)


def tr_noop(text: str) -> str:
    """Marks a constant for the .ts catalogue; it is translated with tr() where it is shown."""
    return text


def translation_file(plugin_dir: str, locale: str) -> str:
    """i18n/deep_pansharpen_<lang>.qm for a locale such as "de_DE" or "pt_BR" ("" when none is shipped):
    the full name is tried first, then the language alone."""
    for name in (locale, locale.split("_")[0]):
        path = os.path.join(plugin_dir, "i18n", f"deep_pansharpen_{name}.qm")
        if name and os.path.isfile(path):
            return path
    return ""


def install_translator(plugin_dir: str) -> QTranslator | None:
    """Load the catalogue for the user's QGIS locale (Settings > Options > General), as QGIS plugins do;
    the caller keeps the translator and removes it on unload."""
    from qgis.core import QgsApplication, QgsSettings

    locale = QgsSettings().value("locale/userLocale", "") or QgsApplication.locale() or QLocale.system().name()
    path = translation_file(plugin_dir, str(locale))
    if not path:
        return None
    translator = QTranslator()
    if not translator.load(path):
        return None
    QCoreApplication.installTranslator(translator)
    return translator
