"""Networks pre-trained by their authors on natural photos, re-implemented here so that their published weights
load with every parameter name matched: SCET (:mod:`.scet`) and RFDN (:mod:`.rfdn`), both x4 RGB
super-resolvers.  They serve as frozen priors (bodies) of the deep engines.

Importing this package does not import torch; :mod:`.load` builds a network from the bundled safetensors.
"""
