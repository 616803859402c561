"""Configuration of PanScet, PanAdapter v2: every hyper-parameter in one dataclass (nothing global)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ..config_keys import known_keys


@dataclass
class PanScetConfig:
    bands: int = 4
    ratios: tuple = (2, 4)             # one set of input heads per ratio (space-to-depth widths differ)
    grid: int = 4                      # the body works on the HR grid divided by this (SCET is an x4 model)
    # The frozen body: SCET's SCPA stack and transposed-attention block (dimensions fixed by its weights).
    dim: int = 64
    scpa_blocks: int = 16
    scpa_reduction: int = 2
    attn_blocks: int = 1
    heads: int = 8
    ffn_expansion: float = 2.66
    inject_every: int = 4              # an adapter after every 4 SCPA blocks and after the attention block
    branch_dim: int = 32               # width of the two adapter branches
    # The two priors (Local Prior Extraction): a frozen pre-trained RFDN body behind a new input head, "rfdn",
    # or two small trainable convolutions of the same output width, "cnn" (cheaper).
    spe_prior: str = "rfdn"
    spa_prior: str = "rfdn"
    rfdn_feats: int = 50
    rfdn_blocks: int = 4
    tail_width: int = 64
    ctf_zero_init: bool = False        # the branches' updates (CTF) start at zero, as the injections do
    extra: dict = field(default_factory=dict)   # free-form notes kept with the weights

    def validate(self) -> None:
        if self.bands < 1:
            raise ValueError("bands must be >= 1")
        if not self.ratios or any(int(r) < 2 for r in self.ratios):
            raise ValueError("ratios must be integers >= 2")
        for p in (self.spe_prior, self.spa_prior):
            if p not in ("rfdn", "cnn"):
                raise ValueError(f"unknown prior {p!r}")
        if any(self.grid % int(r) for r in self.ratios if int(r) <= self.grid) or \
                any(int(r) % self.grid for r in self.ratios if int(r) > self.grid):
            raise ValueError("every ratio must divide the work grid, or be a multiple of it")
        if self.inject_every < 1 or self.scpa_blocks % self.inject_every:
            raise ValueError("scpa_blocks must be a multiple of inject_every")

    @property
    def injections(self) -> int:
        return self.scpa_blocks // self.inject_every + (1 if self.attn_blocks else 0)

    def crop_unit(self, ratio: int) -> int:
        """Training and adaptation crops are multiples of this: the work grid's blocks and the ratio."""
        r = int(ratio)
        return math.lcm(max(self.grid, r), r)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ratios"] = [int(r) for r in self.ratios]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> PanScetConfig:
        d = dict(known_keys(cls, d, "PanScetConfig"))
        if "ratios" in d:
            d["ratios"] = tuple(int(r) for r in d["ratios"])
        return cls(**d)
