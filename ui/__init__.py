"""The Deep Pansharpen dock widget, its background run, input doctor panel and dependency installer (QGIS Desktop
only)."""
