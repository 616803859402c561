"""Deep Pansharpen core: raster I/O, grid pairing, the tiled engine, fusion methods and metrics.

Nothing in this package imports qgis, so it runs in tests, worker processes and from the command line.
"""
