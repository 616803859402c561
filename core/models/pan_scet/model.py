"""PanScet (PanAdapter v2): adapters injected into SCET, a frozen restoration transformer pre-trained on photos.

Everything runs on a work grid f = 4 times coarser than the PAN (the LR grid at ratio 4, where SCET, an x4
super-resolver, was trained to work; at ratio 2 the LR-MS is folded 2 x 2 into it, so every ratio costs the
same per PAN pixel; at ratios above 4, f = r): the images enter by space-to-depth (s2d: each work pixel gets
the f x f HR pixels of its block) and the tail returns f x f HR pixels per work pixel by depth-to-space.

    Q    = head_q([s2d(LR-MS), s2d(PAN), s2d(base)])                 new, starts as SCET's stem of grey(LR-MS)
    A    = spectral prior of s2d(LR-MS), B = spatial prior of [s2d(PAN), s2d(LR-MS)]   (priors.py)
    x    = Q; for each group of frozen SCET blocks: x = blocks(x); x, A, B = adapter(x, A, B)
    out  = base + d2s(tail([x, A, B]))                                zero-initialised: starts at the base

The base is a classical fusion of the same inputs chosen per scene (the method) or drawn at random among
several (training), so the network learns corrections that serve any of them.  Frozen: SCET's SCPA and
attention blocks and the two RFDN bodies; everything else trains.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..precision import autocast
from ..pretrained.scet import Scet, ScetConfig
from .adapters import AdapterPoint
from .config import PanScetConfig
from .priors import CnnPrior, RfdnPrior, rfdn_body

FROZEN_PARTS = ("scpa", "attn", "rfdn")


def in_parts(name: str, parts) -> bool:
    return any(name == p or name.startswith(p + ".") for p in parts)


def space_to_depth(x: torch.Tensor, r: int) -> torch.Tensor:
    return x if r == 1 else F.pixel_unshuffle(x, r)


def work_factor(grid: int, ratio: int) -> int:
    """HR pixels per work pixel: the configured grid, or the ratio when it is coarser."""
    return max(int(grid), int(ratio))


class PanScet(nn.Module):
    def __init__(self, cfg: PanScetConfig) -> None:
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        c, d, k = cfg.bands, cfg.dim, cfg.branch_dim
        body = Scet(ScetConfig(dim=d, scpa_blocks=cfg.scpa_blocks, scpa_reduction=cfg.scpa_reduction,
                               attn_blocks=cfg.attn_blocks, heads=cfg.heads, ffn_expansion=cfg.ffn_expansion))
        self.scpa = body.path1[0].arr
        self.attn = body.path1[1].arr
        uses_rfdn = "rfdn" in (cfg.spe_prior, cfg.spa_prior)
        self.rfdn = rfdn_body(cfg.rfdn_feats, cfg.rfdn_blocks) if uses_rfdn else None
        self.head_q, self.spe, self.spa, self.tail = nn.ModuleDict(), nn.ModuleDict(), nn.ModuleDict(), nn.ModuleDict()
        for r in cfg.ratios:
            f = work_factor(cfg.grid, r)
            ms_ch, hr_ch = c * (f // r) ** 2, f * f
            self.head_q[str(r)] = nn.Conv2d(ms_ch + hr_ch + c * hr_ch, d, 3, padding=1)
            self.spe[str(r)] = self._prior(cfg.spe_prior, ms_ch)
            self.spa[str(r)] = self._prior(cfg.spa_prior, hr_ch + ms_ch)
            last = nn.Conv2d(cfg.tail_width, c * f * f, 3, padding=1)
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)
            self.tail[str(r)] = nn.Sequential(nn.Conv2d(d + 2 * k, cfg.tail_width, 3, padding=1), nn.GELU(), last)
        self.adapters = nn.ModuleList(AdapterPoint(k, d, cfg.ctf_zero_init) for _ in range(cfg.injections))
        self._init_heads_from_stem(body.conv3)
        self.freeze()
        self.body_amp: torch.dtype | None = None     # set_body_precision

    def _prior(self, kind: str, in_ch: int) -> nn.Module:
        cfg = self.cfg
        if kind == "rfdn":
            return RfdnPrior(in_ch, cfg.branch_dim, self.rfdn)
        return CnnPrior(in_ch, cfg.branch_dim)

    # -- pre-trained parts ------------------------------------------------------------------------
    @torch.no_grad()
    def _init_heads_from_stem(self, stem: nn.Conv2d) -> None:
        """Q's head starts as SCET's stem fed with the grey image of the LR-MS (the mean of its bands; with the
        LR-MS folded into the work grid, of its first sub-pixel)."""
        c = self.cfg.bands
        for key, head in self.head_q.items():
            fold = (work_factor(self.cfg.grid, int(key)) // int(key)) ** 2
            head.weight.zero_()
            # pixel_unshuffle orders channels band-major: band b, sub-pixel s is channel b * fold + s.
            head.weight[:, 0:c * fold:fold] = stem.weight.sum(dim=1, keepdim=True) / c
            head.bias.copy_(stem.bias)

    @torch.no_grad()
    def load_body(self, scet: Scet, rfdn_state: dict | None = None) -> None:
        """Copy the pre-trained SCET blocks (and stem, into the Q heads) and the RFDN bodies into the network."""
        # a body-less network (the PNN-like ablation: scpa_blocks = attn_blocks = 0) takes only the stem
        if len(self.scpa):
            self.scpa.load_state_dict(scet.path1[0].arr.state_dict())
        if len(self.attn):
            self.attn.load_state_dict(scet.path1[1].arr.state_dict())
        self._init_heads_from_stem(scet.conv3)
        if rfdn_state is not None:
            body = {k: v for k, v in rfdn_state.items() if not k.startswith(("fea_conv.", "upsampler."))}
            if self.rfdn is not None:
                self.rfdn.load_state_dict(body, strict=True)

    @torch.no_grad()
    def randomize_frozen(self, seed: int) -> None:
        """Ablation: the same frozen parts with a fresh random initialisation (seeded)."""
        torch.manual_seed(seed)
        twin = PanScet(self.cfg)
        mine, fresh = self.state_dict(), twin.state_dict()
        self.load_state_dict({k: (fresh[k] if self.is_frozen(k) else v) for k, v in mine.items()})

    def set_body_precision(self, dtype: torch.dtype | None) -> None:
        """Run the frozen SCET blocks under autocast in ``dtype`` (inference on a CPU with native bfloat16,
        core.models.precision; their residual additions stay float32); None: float32."""
        self.body_amp = dtype

    def freeze(self) -> None:
        for name, p in self.named_parameters():
            p.requires_grad_(not self.is_frozen(name))

    def is_frozen(self, name: str) -> bool:
        return in_parts(name, FROZEN_PARTS)

    def trainable_parameters(self) -> list:
        return [p for n, p in self.named_parameters() if not self.is_frozen(n)]

    def parameter_counts(self) -> dict:
        total = sum(p.numel() for p in self.parameters())
        trainable = sum(p.numel() for p in self.trainable_parameters())
        return {"total": total, "trainable": trainable, "frozen": total - trainable}

    def train(self, mode: bool = True):
        super().train(mode)
        return self

    # -- forward ----------------------------------------------------------------------------------
    def forward(self, ms_up: torch.Tensor, pan: torch.Tensor, base: torch.Tensor, ratio: int,
                phase: tuple[int, int]) -> torch.Tensor:
        """(B, C, H, W) fused image; H and W multiples of the work factor; LR pixel i at HR pixel phase + r i."""
        r = int(ratio)
        key = str(r)
        if key not in self.head_q:
            raise ValueError(f"this network was built for ratios {list(self.cfg.ratios)}, not {r}")
        f = work_factor(self.cfg.grid, r)
        h, w = ms_up.shape[-2:]
        if h % f or w % f:
            raise ValueError(f"the input side ({h} x {w}) must be a multiple of {f}")
        ms = space_to_depth(ms_up[..., phase[0]::r, phase[1]::r], f // r)
        pan_d = space_to_depth(pan, f)
        x = self.head_q[key](torch.cat([ms, pan_d, space_to_depth(base, f)], dim=1))
        a = self.spe[key](ms)
        b = self.spa[key](torch.cat([pan_d, ms], dim=1))
        n = self.cfg.inject_every
        i = 0
        for g in range(0, len(self.scpa), n):
            with autocast(x, self.body_amp):
                for blk in self.scpa[g:g + n]:
                    x = blk(x)
            x, a, b = self.adapters[i](x.float(), a, b)
            i += 1
        if len(self.attn):
            with autocast(x, self.body_amp):
                for blk in self.attn:
                    x = blk(x)
            x, a, b = self.adapters[i](x.float(), a, b)
        return base + F.pixel_shuffle(self.tail[key](torch.cat([x, a, b], dim=1)), f)
