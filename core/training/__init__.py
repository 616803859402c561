"""Training pipelines for the bundled model weights (run from the command line, never inside QGIS).

``python -m core.training.train_infn --help``: INFN on CAVE (``core.training.cave``).
"""
