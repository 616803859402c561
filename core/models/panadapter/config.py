"""PanAdapter configuration: every size of the network in one explicit dataclass (no global state)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..config_keys import known_keys


@dataclass
class PanAdapterConfig:
    bands: int = 4                 # MS bands C (the PAN is one band; Q = [MS up, PAN] has C + 1)
    # Stage 1: the two EDSR-style CNN bodies (pre-trained, frozen) and their Local Prior Extraction.
    feats: int = 24                # channels of the CNN bodies
    resblocks: int = 4             # residual blocks per body; one LPE per block
    lpe_dim: int = 8               # LPE channel reduction d'
    prior_dim: int = 16            # channels m of the priors A (spectral, LR) and B (spatial, HR)
    spatial_unshuffle: int = 2     # the spatial body runs on Q pixel-unshuffled by this factor (speed)
    siren_hidden: int = 32         # SIREN decoders (Tail1, Tail2): hidden width and layers
    siren_layers: int = 2
    siren_w0: float = 1.0
    tail_local_kernel: int = 0     # > 0: the decoders' first layer also reads a k x k neighbourhood of Q
    tail_local_width: int = 0      # > 0: ... through a small CNN (k x k to this width, ReLU, 3 x 3)
    # Stage 2: the frozen transformer (timm Blocks) and the adapters.
    vit_dim: int = 96
    vit_depth: int = 4
    vit_heads: int = 4
    vit_mlp_ratio: float = 2.0
    patch: int = 8                 # HR pixels per token side
    adapter_every: int = 2         # t: one adapter after every t transformer blocks
    adapter_dim: int = 32          # k: width of the adapter branches
    adapter_heads: int = 2
    tail2_feats: int = 8           # channels per HR pixel decoded from the final branch tokens
    # What the transformer's tokens are made of: "raw" values, or "detail" = vit.detail(x) (each pixel minus
    # its 9 x 9 mean, x 10), the input the transformer body is pre-trained on when this is "detail".
    vit_input: str = "raw"
    # Residual base of the output: "ms_up" (the paper: O = ... + M↑) or "mtf_glp_hpm" (a classical fusion
    # computed outside the network, core.methods.classical_pan; the network learns corrections to it).
    base: str = "ms_up"

    def crop_unit(self, ratio: int) -> int:
        """Training and adaptation crops are multiples of this (tokens, the spatial unshuffle, the ratio)."""
        return math.lcm(self.patch, self.spatial_unshuffle, int(ratio))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> PanAdapterConfig:
        cfg = cls(**known_keys(cls, d, "PanAdapter config"))
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if not 1 <= self.bands <= 64:
            raise ValueError(f"bands must be in 1..64, got {self.bands}")
        if self.vit_depth % self.adapter_every:
            raise ValueError("vit_depth must be a multiple of adapter_every")
        if self.vit_dim % self.vit_heads or self.adapter_dim % self.adapter_heads:
            raise ValueError("widths must be multiples of the head counts")
        if self.base not in ("ms_up", "mtf_glp_hpm"):
            raise ValueError(f"unknown residual base {self.base!r}")
        if self.tail_local_kernel < 0 or (self.tail_local_kernel and self.tail_local_kernel % 2 == 0):
            raise ValueError("tail_local_kernel must be 0 or an odd size")
        if self.tail_local_width < 0 or (self.tail_local_width and not self.tail_local_kernel):
            raise ValueError("tail_local_width needs a tail_local_kernel")
        if self.vit_input not in ("raw", "detail"):
            raise ValueError(f"unknown vit_input {self.vit_input!r}")
        if self.patch % self.spatial_unshuffle:
            raise ValueError("patch must be a multiple of spatial_unshuffle")

    @property
    def n_adapters(self) -> int:
        return self.vit_depth // self.adapter_every
