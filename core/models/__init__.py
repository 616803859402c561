"""Deep networks of the plugin (torch) and their weights files.

Importing this package does not import torch: ``core.models.weights`` reads manifests without it, and the
network modules (``core.models.infn`` ...) are imported only by the deep methods and the training code.
"""
