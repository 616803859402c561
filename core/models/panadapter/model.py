"""PanAdapter: two-stage pansharpening with spatial-spectral priors injected into a frozen transformer.

Inputs (normalised reflectance, see core.methods.panadapter_method): ``ms_up`` (B, C, H, W) the MS
interpolated onto the PAN grid and ``pan`` (B, 1, H, W); the LR-MS itself is ``ms_up`` decimated at the
decimation ``phase`` (the HR pixel of the first LR centre), which the interpolator keeps exactly.

Stage 1 (Local Prior Extraction):
    A = spectral prior, LR scale, from the body fed with the LR-MS
    B = spatial prior, HR scale, from the body fed with Q = [ms_up, pan]
    O1 = Tail1([A↑, B, Q, R]) + R                 Tail1 = SIREN decoder, R = residual base (below)
Stage 2 (Multiscale Feature Interaction):
    tokens of Q (of its detail, vit.detail, with cfg.vit_input "detail": the bundled weights) -> frozen
    transformer blocks; A↑ and B tokenised (p x p patches) into two adapter branches;
    an AdapterLayer (CTF + CTI) after every t blocks;
    O2 = O1 + Tail2([D(Â, B̂), A↑, B, Q, R])      D = linear token decoder to p x p pixels, Tail2 = SIREN
Deviation from the paper's released code, on purpose: Tail2 is a zero-initialised residual on O1 rather
than on ms_up, and it also sees A↑ and B, so stage 2 starts exactly at the stage-1 result and decodes the
tokens with pixel-shuffled (not bilinearly interpolated) detail; both decoders also see Q itself (in place
of the paper's pixel coordinates, which would tie the output to the tile position), a direct path for
the PAN detail while the priors are still weak.  The residual base R is ms_up as in the paper, or, with
``cfg.base = "mtf_glp_hpm"`` (the bundled weights), the MTF-GLP-HPM fusion of the same inputs: with the
small frozen bodies and minutes of CPU training we can afford, learning the whole detail injection from
M↑ fell far short of the classical methods, so the network learns corrections to a classical result
(docs/models/panadapter.md; the residual-base ablations are in bench/results/panadapter_quality.md).
With ``cfg.tail_local_kernel`` > 0 the first layer of both decoders also reads a neighbourhood of Q, as
local implicit decoders read neighbouring latent codes: a decoder that only sees Q at its own pixel cannot
see the PAN's spatial detail.  The bundled weights read it through a small CNN (``tail_local_width`` 32:
5 x 5 to 32 channels, ReLU, 3 x 3), which validated better than one convolution or none
(docs/models/panadapter.md).

Trainable parts: stage 1 = input heads, LPE, fusion, Tail1; stage 2 = Q embedding, A/B tokenisers,
adapters, token decoder, Tail2.  The CNN bodies and the transformer body are pre-trained and always
frozen (``core.training.pretrain_panadapter``).
"""
from __future__ import annotations

from collections.abc import Iterable

import torch
import torch.nn as nn
import torch.nn.functional as F

from .adapter import AdapterLayer
from .cnn import PriorBranch
from .config import PanAdapterConfig
from .siren import SirenDecoder
from .vit import PatchEmbed, TransformerBody, token_input, tokens_to_map

STAGE1_PARTS = ("spe.head", "spe.lpe", "spe.fuse", "spa.head", "spa.lpe", "spa.fuse", "tail1")
STAGE2_PARTS = ("q_embed", "tok_a", "tok_b", "adapters", "decode", "tail2")
FROZEN_PARTS = ("spe.body", "spa.body", "vit")


def in_parts(name: str, parts: Iterable[str]) -> bool:
    """Whether the parameter or buffer ``name`` belongs to one of the submodules ``parts``."""
    return any(name == n or name.startswith(n + ".") for n in parts)


def lr_to_hr(a: torch.Tensor, size: tuple[int, int], ratio: int, phase: tuple[int, int]) -> torch.Tensor:
    """Bilinear resampling of an LR map onto the HR grid: HR pixel y samples LR coordinate (y - phase) / r."""
    b, _c, h, w = a.shape
    H, W = size
    ys = (torch.arange(H, device=a.device, dtype=a.dtype) - phase[0]) / ratio
    xs = (torch.arange(W, device=a.device, dtype=a.dtype) - phase[1]) / ratio
    gy = 2.0 * ys / max(h - 1, 1) - 1.0
    gx = 2.0 * xs / max(w - 1, 1) - 1.0
    grid = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], dim=-1)   # (H, W, 2) as (x, y)
    return F.grid_sample(a, grid.unsqueeze(0).expand(b, -1, -1, -1), mode="bilinear",
                         padding_mode="border", align_corners=True)


class PanAdapter(nn.Module):
    def __init__(self, cfg: PanAdapterConfig) -> None:
        super().__init__()
        cfg.validate()
        self.cfg = cfg
        c, m = cfg.bands, cfg.prior_dim
        # Stage 1
        self.spe = PriorBranch(c, cfg.feats, cfg.resblocks, cfg.lpe_dim, m, unshuffle=1)
        self.spa = PriorBranch(c + 1, cfg.feats, cfg.resblocks, cfg.lpe_dim, m, unshuffle=cfg.spatial_unshuffle)
        lk = cfg.tail_local_kernel
        self.tail1 = SirenDecoder(2 * m + 2 * c + 1, cfg.siren_hidden, c, cfg.siren_layers, cfg.siren_w0,
                                  local_in=c + 1, local_kernel=lk, local_width=cfg.tail_local_width)
        # Stage 2
        k, p = cfg.adapter_dim, cfg.patch
        self.q_embed = PatchEmbed(c + 1, cfg.vit_dim, p)
        self.vit = TransformerBody(cfg.vit_dim, cfg.vit_depth, cfg.vit_heads, cfg.vit_mlp_ratio)
        self.tok_a = nn.Conv2d(m, k, p, stride=p)
        self.tok_b = nn.Conv2d(m, k, p, stride=p)
        self.adapters = nn.ModuleList(AdapterLayer(cfg.vit_dim, k, cfg.adapter_heads) for _ in range(cfg.n_adapters))
        self.decode = nn.Linear(2 * k, p * p * cfg.tail2_feats)
        self.tail2 = SirenDecoder(cfg.tail2_feats + 2 * m + 2 * c + 1, cfg.siren_hidden, c, cfg.siren_layers,
                                  cfg.siren_w0, zero_out=True, local_in=c + 1, local_kernel=lk,
                                  local_width=cfg.tail_local_width)
        self.set_stage(2)

    # --- which parameters train -----------------------------------------------------------------
    def _parts(self, names: Iterable[str]) -> list[nn.Parameter]:
        return [p for name, p in self.named_parameters() if in_parts(name, names)]

    def trainable_names(self, stage) -> tuple[str, ...]:
        """stage 1, 2, or "adapt" (both stages' trainable parts: scene adaptation)."""
        return {1: STAGE1_PARTS, 2: STAGE2_PARTS, "adapt": STAGE1_PARTS + STAGE2_PARTS}[stage]

    def set_stage(self, stage) -> list[nn.Parameter]:
        """Freeze everything but the trainable parts of ``stage``; returns those parameters."""
        self.stage = stage
        for p in self.parameters():
            p.requires_grad_(False)
        params = self._parts(self.trainable_names(stage))
        for p in params:
            p.requires_grad_(True)
        return params

    def parameter_counts(self) -> dict:
        total = sum(p.numel() for p in self.parameters())
        s1 = sum(p.numel() for p in self._parts(STAGE1_PARTS))
        s2 = sum(p.numel() for p in self._parts(STAGE2_PARTS))
        fr = sum(p.numel() for p in self._parts(FROZEN_PARTS))
        return {"total": total, "stage1_trainable": s1, "stage2_trainable": s2, "frozen_pretrained": fr,
                "stage2_trainable_pct": round(100.0 * s2 / total, 2)}

    # --- forward ----------------------------------------------------------------------------------
    def priors(self, ms_up: torch.Tensor, pan: torch.Tensor, ratio: int, phase: tuple[int, int], base: torch.Tensor):
        ms = ms_up[..., phase[0]::ratio, phase[1]::ratio]
        q = torch.cat([ms_up, pan], dim=1)
        a = self.spe(ms)
        b = self.spa(q)
        a_hr = lr_to_hr(a, q.shape[-2:], ratio, phase)
        o1 = self.tail1([a_hr, b, q, base], local=q) + base
        return q, a_hr, b, o1

    def forward(self, ms_up: torch.Tensor, pan: torch.Tensor, ratio: int, phase: tuple[int, int] | None = None,
                stage: int | None = None, return_both: bool = False, base: torch.Tensor | None = None):
        """The stage-``stage`` output (default: 2, or 1 while stage 1 trains), shape of ``ms_up``.

        H and W must be multiples of ``patch`` (and of ``spatial_unshuffle``); callers pad.  ``base``: the
        residual base (shape of ``ms_up``) when ``cfg.base`` is a classical fusion; ignored when it is
        "ms_up" (the default).
        """
        base = self.residual_base(ms_up, base)
        phase = (ratio // 2, ratio // 2) if phase is None else (int(phase[0]), int(phase[1]))
        stage = self.output_stage(stage)
        need_grad_1 = torch.is_grad_enabled() and any(p.requires_grad for p in self._parts(STAGE1_PARTS))
        with torch.set_grad_enabled(need_grad_1):
            q, a_hr, b, o1 = self.priors(ms_up, pan, ratio, phase, base)
        if stage == 1:
            return (o1, o1) if return_both else o1
        o2 = self.stage2_output(o1, self.stage2_features(self.vit_input_map(q), a_hr, b), q, a_hr, b, base)
        return (o1, o2) if return_both else o2

    def residual_base(self, ms_up: torch.Tensor, base: torch.Tensor | None) -> torch.Tensor:
        """R: ``base`` when ``cfg.base`` is a classical fusion, else ``ms_up`` (a base given to an "ms_up"
        network is ignored: callers may pass the classical base to any network)."""
        return ms_up if base is None or self.cfg.base == "ms_up" else base

    def output_stage(self, stage: int | None = None) -> int:
        """The stage whose output ``forward`` returns: ``stage``, else 1 while stage 1 trains, else 2."""
        return stage or (1 if self.stage == 1 else 2)

    def vit_input_map(self, q: torch.Tensor) -> torch.Tensor:
        """What the Q embedding reads (``cfg.vit_input``): Q, or its detail (vit.detail).  Computed over the
        whole image before inference cuts it into pieces, so that pieces see the same values."""
        return token_input(q, self.cfg.vit_input)

    def stage2_features(self, vq: torch.Tensor, a_hr: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """The decoded adapter-branch tokens (B, tail2_feats, H, W) from ``vq`` = vit_input_map(Q) and the
        priors: the only part of the network whose output at a pixel depends on the whole input
        (attention), so the only part inference runs by pieces."""
        t_vit, grid = self.q_embed(vq)
        t_a = self.tok_a(a_hr).flatten(2).transpose(1, 2)
        t_b = self.tok_b(b).flatten(2).transpose(1, 2)
        every = self.cfg.adapter_every
        for i, blk in enumerate(self.vit.blocks):
            t_vit = blk(t_vit)
            if (i + 1) % every == 0:
                t_vit, t_b, t_a = self.adapters[i // every](t_vit, t_b, t_a)
        return F.pixel_shuffle(tokens_to_map(self.decode(torch.cat([t_b, t_a], dim=-1)), grid), self.cfg.patch)

    def stage2_output(self, o1: torch.Tensor, dec: torch.Tensor, q: torch.Tensor, a_hr: torch.Tensor, b: torch.Tensor,
                      base: torch.Tensor) -> torch.Tensor:
        return o1 + self.tail2([dec, a_hr, b, q, base], local=q)

    # --- pre-trained bodies -----------------------------------------------------------------------
    def load_pretrained_bodies(self, cnn_body: dict, vit_body: dict) -> None:
        """Copy a pre-trained CNN body (into both branches) and transformer body (state dicts)."""
        self.spe.body.load_state_dict(cnn_body)
        self.spa.body.load_state_dict(cnn_body)
        self.vit.load_state_dict(vit_body)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
