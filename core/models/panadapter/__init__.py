"""PanAdapter (Wu et al., AAAI 2025), re-implemented small enough for a CPU plugin.

One module per component: ``config`` (sizes), ``cnn`` (EDSR-style bodies, LPE, prior branches), ``siren``
(implicit decoders), ``vit`` (timm transformer body, patch embedding, pre-training wrapper), ``adapter``
(CTF / CTI), ``model`` (the two-stage network), ``predict`` (patch-wise batched inference), ``pnn``
(ablation baseline), ``angle_blend`` (spectral-direction blending picked by scene adaptation).  Importing this
package imports torch and timm.
"""
from . import angle_blend
from .config import PanAdapterConfig
from .model import PanAdapter, count_parameters

__all__ = ["angle_blend", "PanAdapterConfig", "PanAdapter", "count_parameters"]
