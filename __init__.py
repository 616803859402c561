"""Deep Pansharpen — QGIS plugin entry point.

QGIS imports this package by its folder name (``deep_pansharpen``) and calls :func:`classFactory`.
Keep it import-light: nothing here opens a window or touches ``iface`` (under ``qgis_process`` the
plugin is loaded without a GUI and ``iface`` is None), and torch / timm are never imported here.
"""


def classFactory(iface):  # noqa: N802 (QGIS API name)
    """Return the plugin object; QGIS then calls initGui() (desktop) or initProcessing() (qgis_process)."""
    from .core.triton_block import block_triton

    block_triton()          # before anything can import torch: triton crashes QGIS Desktop (core/triton_block.py)
    from .plugin import DeepPansharpenPlugin

    return DeepPansharpenPlugin(iface)
