"""INFN, the implicit neural feature fusion network for HS-MS fusion: one module per part (see model.py)."""
from ..blocks import ResBlock  # noqa: F401  (the block INFN's encoders use, as before the split)
from .config import InfnConfig, receptive_radius
from .coords import grid_lr_coords, points_lr_coords
from .encoders import EdsrBody, HighPass, InfnBandLayers
from .fusion import CosineNeighbourWeights, DualHighFrequencyFusion
from .model import INFN, count_parameters

__all__ = ["InfnConfig", "INFN", "InfnBandLayers", "EdsrBody", "HighPass", "CosineNeighbourWeights",
           "DualHighFrequencyFusion", "grid_lr_coords", "points_lr_coords", "receptive_radius",
           "count_parameters"]
