"""INFN's hyper-parameters (nothing else is read from anywhere) and the context one output pixel needs."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from ..config_keys import known_keys


@dataclass
class InfnConfig:
    """Every hyper-parameter of the network (nothing else is read from anywhere)."""

    hsi_bands: int = 31
    msi_bands: int = 3
    feat_dim: int = 64                 # latent size of Z and G (equal: INR-CS compares them)
    spe_width: int = 64                # spectral encoder width (runs on the LR grid: cheap)
    spe_blocks: int = 3                # EDSR residual blocks of the spectral encoder
    spa_width: int = 32                # spatial encoder width (runs on the HR grid: the main CPU cost)
    spa_blocks: int = 2                # EDSR residual blocks of the spatial encoder
    mlp_hidden: tuple = (128,)         # DHFF per-neighbour hidden layers (the first one is split by input)
    mlp_out: int = 64                  # DHFF output D (linear layer, applied after the INR-CS weighting)
    dec_widths: tuple = (64,)          # decoder hidden layers (then the band-specific output layer)
    res_scale: float = 1.0             # EDSR residual scaling
    tau: float = 1.0                   # INR-CS softmax temperature
    cell_decode: bool = True           # feed 1 / ratio to the fusion MLP
    srf_detail: bool = False           # linear detail path inject(MSI - srf(LR-HSI up)) (scene adaptation)

    def __post_init__(self) -> None:
        self.mlp_hidden = tuple(int(v) for v in self.mlp_hidden)
        self.dec_widths = tuple(int(v) for v in self.dec_widths)
        if len(self.mlp_hidden) < 1:
            raise ValueError("mlp_hidden needs at least one layer")
        if min(self.hsi_bands, self.msi_bands, self.feat_dim, self.spe_width, self.spa_width) < 1:
            raise ValueError("band counts and widths must be positive")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["mlp_hidden"] = list(self.mlp_hidden)
        d["dec_widths"] = list(self.dec_widths)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> InfnConfig:
        return cls(**known_keys(cls, d, "INFN config"))


def receptive_radius(cfg: InfnConfig) -> tuple[int, int]:
    """(HR pixels, LR pixels) of context that one output pixel depends on.

    HR: the spatial encoder (input conv, 2 convs per block, body conv; all 3x3).
    LR: the spectral encoder likewise, +1 for the high-pass, +1 for the farthest of the 4 neighbours.
    """
    hr = 1 + 2 * cfg.spa_blocks + 1
    lr = 1 + 2 * cfg.spe_blocks + 1 + 1 + 1
    return hr, lr
