"""INFN: the Implicit Neural Feature Fusion network for HS-MS fusion (LR-HSI + HR-MSI -> HR-HSI).

Reconstruction of Deng et al., "INF3: Implicit Neural Feature Fusion Function for Multispectral and
Hyperspectral Image Fusion" (IEEE TCI 2024) after ../shared/docs/papers.md section 2.3 and the decisions
of section 4 (items 12-13).  The paper's code is not public; everything here is written from that
description.

Data flow for one HR query point q (continuous LR coordinate u_q, in LR pixels, LR pixel centres at
integers):

* spectral encoder E_spe (EDSR body, no upsampler) on the LR-HSI          -> Z  (feat_dim x h x w)
* spatial encoder E_spa on concat(HR-MSI, upsampled LR-HSI)               -> G  (feat_dim x H x W)
* DHFF: for each of the 4 LR cells t around q (the two rows and two columns whose centres bracket u_q)
      v_t = MLP([z_t, g_q, HP(Z)_t, delta_t, cell])
  with g_q the HR-MSI feature at q (first high-frequency source), HP a fixed zero-sum 3x3 Laplacian of
  the LR latent (second high-frequency source), delta_t = u_q - t the relative coordinate in LR pixels
  and cell = 1 / ratio (the HR pixel size in LR pixels, LIIF's "cell decoding": lets one model serve
  several ratios).  No positional encoding (INF argues against it).
* INR-CS: w_t = softmax_t(cos(g_q, z_t) / tau), parameter-free; F_q = sum_t w_t v_t
* decoder MLP on F_q, plus the upsampled LR-HSI at q (residual).

Efficiency (exact rewrites, not approximations): the first MLP layer is linear in the concatenation, so
it is split into A_z z_t + A_h HP(Z)_t (a 1x1 convolution once per LR pixel), A_g g_q + A_d frac(u_q)
(once per query) and -A_d k_t (a constant per neighbour slot, since delta_t = frac(u_q) - k_t with
k_t in {0, 1}^2); and the MLP's last layer is linear, so it is applied after the INR-CS weighting (the
weights sum to one).  Per neighbour only a gather, an add and the hidden nonlinearity remain.

Band counts live only in :class:`InfnBandLayers` (the spectral encoder's first convolution, the spatial
encoder's first convolution and the decoder's last layer), so a model can be moved to another sensor
pair by swapping that module (:meth:`INFN.replace_band_layers`); everything else is band-agnostic.

Inputs are expected in [0, 1] (the CAVE model); the calling method scales the data.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .config import InfnConfig, receptive_radius
from .coords import _grid_neighbours, _neighbour_index, grid_lr_coords, points_lr_coords
from .encoders import EdsrBody, InfnBandLayers
from .fusion import CosineNeighbourWeights, DualHighFrequencyFusion


class INFN(nn.Module):
    QUERY_CHUNK = 4096          # queries (batch x pixels) decoded at once by forward() on the CPU
    QUERY_CHUNK_GPU = 1 << 20   # the same on a GPU, where big blocks beat many kernel launches
    HR_STRIP = 64               # HR rows encoded at once by forward() on the CPU

    def __init__(self, cfg: InfnConfig | None = None, **kwargs):
        super().__init__()
        cfg = cfg or InfnConfig(**kwargs)
        self.cfg = cfg
        self.bands = InfnBandLayers(cfg.hsi_bands, cfg.msi_bands, cfg.spe_width, cfg.spa_width,
                                    cfg.dec_widths[-1] if cfg.dec_widths else cfg.mlp_out, cfg.srf_detail)
        self.spe_body = EdsrBody(cfg.spe_width, cfg.spe_blocks, cfg.res_scale)
        self.spe_proj = nn.Conv2d(cfg.spe_width, cfg.feat_dim, 1)
        self.spa_body = EdsrBody(cfg.spa_width, cfg.spa_blocks, cfg.res_scale)
        self.spa_proj = nn.Conv2d(cfg.spa_width, cfg.feat_dim, 1)
        self.dhff = DualHighFrequencyFusion(cfg.feat_dim, cfg.mlp_hidden, cfg.mlp_out, cfg.cell_decode)
        self.inr_cs = CosineNeighbourWeights(cfg.tau)
        dec: list[nn.Module] = []
        prev = cfg.mlp_out
        for w in cfg.dec_widths:
            dec += [nn.Linear(prev, w), nn.ReLU(inplace=True)]
            prev = w
        self.decoder = nn.Sequential(*dec)

    # --- scene adaptation hook ----------------------------------------------------------------
    def replace_band_layers(self, hsi_bands: int, msi_bands: int) -> InfnBandLayers:
        """Install fresh band-specific layers for another band layout (the trunk is kept)."""
        cfg = self.cfg
        dev = next(self.parameters()).device
        self.bands = InfnBandLayers(hsi_bands, msi_bands, cfg.spe_width, cfg.spa_width,
                                    cfg.dec_widths[-1] if cfg.dec_widths else cfg.mlp_out, cfg.srf_detail).to(dev)
        cfg.hsi_bands, cfg.msi_bands = hsi_bands, msi_bands
        return self.bands

    # --- encoders -----------------------------------------------------------------------------
    def encode_lr(self, lr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """LR-HSI (B, hsi, h, w) -> (DHFF table (B*h*w, 4, w0), unit latent (B*h*w, C), latent Z)."""
        z = self.spe_proj(self.spe_body(self.bands.spe_in(lr)))
        zn = self.inr_cs.unit(z, dim=1)
        return self.dhff.lr_table(z), zn.permute(0, 2, 3, 1).reshape(-1, z.shape[1]).contiguous(), z

    def encode_hr(self, hr: torch.Tensor, lr_up: torch.Tensor, with_query: bool = False):
        """HR-MSI (B, msi, H, W) and upsampled LR-HSI (B, hsi, H, W) -> G (B, C, H, W), channels-last.
        ``with_query``: return (G, A_g G (B, H, W, w0)), the second the query's term of the DHFF first layer.

        Channels-last is the same arithmetic, but oneDNN's CPU convolutions run 2-3x faster on it than on
        NCHW at these widths, and the per-query view of G (pixels x channels) then needs no copy.
        """
        b, m, h, w = hr.shape
        x = hr.new_empty((b, h, w, m + lr_up.shape[1])).permute(0, 3, 1, 2)      # channels-last (B, C, H, W)
        x[:, :m] = hr
        x[:, m:] = lr_up
        y = self.spa_body(self.bands.spa_in(x))
        # the 1x1 projection as a matrix product over pixels (a 1x1 oneDNN convolution is slower here)
        w, b = self.spa_proj.weight.flatten(1), self.spa_proj.bias
        y = y.permute(0, 2, 3, 1)
        g = F.linear(y, w, b).permute(0, 3, 1, 2)
        if not with_query:
            return g
        # The query's first-layer term A_g G straight from the encoder features: A_g (W y + b) = (A_g W) y + A_g b
        lin_g = self.dhff.lin_g.weight
        return g, F.linear(y, lin_g @ w, lin_g @ b)

    # --- the implicit function ------------------------------------------------------------------
    def _fuse(self, table: torch.Tensor, zn: torch.Tensor, g: torch.Tensor, idx: torch.Tensor,
              frac: torch.Tensor, cell: float) -> torch.Tensor:
        """The shared core: N queries with guide features g (N, C), neighbour LR indices idx (N, 4) (flat
        over B*h*w, in :attr:`DualHighFrequencyFusion.OFFSETS` order) and frac (N, 2) = u - floor(u)
        -> residual (N, hsi_bands)."""
        n = g.shape[0]
        m = zn.shape[0]
        # INR-CS weights: cosine similarity of the query's guide feature and each neighbour's latent.
        z_t = zn.index_select(0, idx.reshape(-1)).view(n, 4, -1)
        weights = self.inr_cs.weights_from_unit(self.inr_cs.unit(g), z_t)               # (N, 4), sum 1
        # DHFF: first layer = gathered LR rows (with each slot's offset term) + the query's term.
        slots = torch.arange(4, device=idx.device)
        hid = table.view(4 * m, -1).index_select(0, (idx * 4 + slots).reshape(-1)).view(n, 4, -1)
        fused = self.dhff(hid, self.dhff.query_term(g, frac, cell), weights)
        return self.bands.out(self.decoder(fused) if len(self.decoder) else fused)

    def decode_points(self, table: torch.Tensor, zn: torch.Tensor, lr_hw: tuple[int, int],
                      g: torch.Tensor, u: torch.Tensor, cell: float) -> torch.Tensor:
        """Residual HR-HSI values at N arbitrary query points.

        table (B*h*w, 4, w0), zn (B*h*w, C): from :meth:`encode_lr`; g (B, N, C): guide features at the
        points; u (B, N, 2): LR (row, col) coordinates of the points -> (B, N, hsi_bands).
        Neighbours outside the LR image are clamped to its edge (their offset keeps the true position).
        """
        b, n, _ = u.shape
        h, w = lr_hw
        iy, fy = _neighbour_index(u[..., 0])
        ix, fx = _neighbour_index(u[..., 1])
        rows = [(iy + o).clamp_(0, h - 1) * w for o in (0, 1)]
        cols = [(ix + o).clamp_(0, w - 1) for o in (0, 1)]
        base = (torch.arange(b, device=u.device) * (h * w))[:, None]
        idx = torch.stack([rows[oy] + cols[ox] + base for oy, ox in DualHighFrequencyFusion.OFFSETS], dim=-1)
        frac = torch.stack([fy, fx], dim=-1).reshape(b * n, 2).to(g.dtype)
        out = self._fuse(table, zn, g.reshape(b * n, -1).contiguous(), idx.reshape(b * n, 4), frac, cell)
        return out.view(b, n, -1)

    def decode_grid(self, table: torch.Tensor, zn: torch.Tensor, lr_hw: tuple[int, int], g_map: torch.Tensor,
                    uy: torch.Tensor, ux: torch.Tensor, cell: float) -> torch.Tensor:
        """:meth:`decode_points` for a regular grid of queries (rows at LR coordinates ``uy``, columns at
        ``ux``); the indices are built separably.  g_map (B, C, H, W) -> residual (B, hsi_bands, H, W)."""
        b, c, hh, ww = g_map.shape
        h, w = lr_hw
        iy, fy = _neighbour_index(uy)
        ix, fx = _neighbour_index(ux)
        base = torch.arange(b, device=uy.device) * (h * w)
        idx = (_grid_neighbours(iy, ix, h, w).unsqueeze(0) + base.view(b, 1, 1, 1)).reshape(-1, 4)
        frac = torch.stack(torch.broadcast_tensors(fy[:, None], fx[None, :]), dim=-1).to(g_map.dtype)
        frac = frac.unsqueeze(0).expand(b, -1, -1, -1).reshape(-1, 2)
        g = g_map.permute(0, 2, 3, 1).reshape(-1, c).contiguous()
        out = self._fuse(table, zn, g, idx, frac, cell)
        return out.view(b, hh, ww, -1).permute(0, 3, 1, 2)

    def neighbour_tables(self, table: torch.Tensor, zn: torch.Tensor, lr_hw: tuple[int, int], uy: torch.Tensor,
                         ux: torch.Tensor, run: int) -> dict:
        """For a regular query grid with an integer ratio ``run``: each LR cell's 4 neighbour rows of
        ``table`` and ``zn`` side by side, and the layout of the columns in runs of ``run``.

        Returns {"t": (B, ny, nx, 4, w0), "z": (B, ny, nx, 4, C), "iy0", "fx", "lead", "tail"} over the cells
        floor(u) in [iy0, iy0 + ny) x [ix0, ix0 + nx) that the grid ``uy`` x ``ux`` touches (neighbours
        outside the LR image clamped to its edge, as in :meth:`decode_grid`).  One gather at LR resolution
        replaces a gather per HR query in :meth:`decode_grid_runs`.  Column x sits at position
        (x + lead) % run of run (x + lead) // run; ``lead`` and ``tail`` pad a row to whole runs.
        """
        h, w = lr_hw
        m = zn.shape[0]
        b = m // (h * w)
        iy = torch.floor(uy).long()
        ix, fx = _neighbour_index(ux)
        iy0, ix0 = int(iy.min()), int(ix.min())
        cy = torch.arange(iy0, int(iy.max()) + 1, device=uy.device)
        cx = torch.arange(ix0, int(ix.max()) + 1, device=ux.device)
        nx = len(cx)
        lead = run - int((ix == ix[0]).sum())
        tail = nx * run - lead - len(ux)
        if lead < 0 or tail < 0 or not bool(
                ((ix - ix0) == (torch.arange(len(ux), device=ux.device) + lead) // run).all()):
            raise ValueError("neighbour_tables: the columns do not fall in runs of the ratio")
        base = (torch.arange(b, device=uy.device) * (h * w)).view(b, 1, 1, 1)
        idx = _grid_neighbours(cy, cx, h, w).unsqueeze(0) + base                            # (B, ny, nx, 4)
        slots = torch.arange(4, device=uy.device)
        t = table.view(4 * m, -1).index_select(0, (idx * 4 + slots).reshape(-1))
        z = zn.index_select(0, idx.reshape(-1))
        shape = tuple(idx.shape)
        return {"t": t.view(*shape, -1), "z": z.view(*shape, -1), "iy0": iy0, "fx": fx, "lead": lead,
                "tail": tail}

    def _head(self, mixed: torch.Tensor) -> torch.Tensor:
        """DHFF's last layer, the decoder and the band layer on the INR-CS-weighted activations (N, w0).
        Without gradients, DHFF's last layer and the decoder's first (linear, nothing between them) run as
        one matrix: the same function with one matrix product fewer per query."""
        if torch.is_grad_enabled() or not len(self.decoder):
            fused = self.dhff.out(mixed)
            return self.bands.out(self.decoder(fused) if len(self.decoder) else fused)
        first, last = self.decoder[0], self.dhff.out
        x = F.linear(mixed, first.weight @ last.weight, torch.addmv(first.bias, first.weight, last.bias))
        for layer in list(self.decoder)[1:]:
            x = layer(x)
        return self.bands.out(x)

    def decode_grid_runs(self, nbr: dict, g_map: torch.Tensor, uy: torch.Tensor, run: int,
                         cell: float, q_map: torch.Tensor | None = None) -> torch.Tensor:
        """:meth:`decode_grid` for an integer ratio ``run``: the columns of a row fall in runs of ``run``
        queries that share their 4 LR neighbours, so each run adds its neighbours' rows by broadcasting
        instead of gathering them per query.  Same arithmetic; ``nbr`` from :meth:`neighbour_tables` (same
        columns); g_map (B, C, R, W) rows at LR coordinates ``uy`` -> (B, hsi_bands, R, W).
        """
        b, c, rr, ww = g_map.shape
        t, z, fx, lead, tail = nbr["t"], nbr["z"], nbr["fx"], nbr["lead"], nbr["tail"]
        nx = t.shape[2]
        width = nx * run
        iy, fy = _neighbour_index(uy)
        rows = iy - nbr["iy0"]
        cells = b * rr * nx
        # Everything below is kept at <= 4 dimensions: PyTorch's broadcasting kernels are ~10x slower on
        # the equivalent 6-D shapes.
        t_rows = t.index_select(1, rows).view(cells, 4, -1)                       # (cells, 4, w0)
        z_rows = z.index_select(1, rows).view(cells, 4, -1)                       # (cells, 4, C)
        g = g_map.permute(0, 2, 3, 1)                                             # (B, R, W, C)
        if q_map is not None:                          # A_g G from encode_hr(with_query=True)
            q = q_map + self.dhff.grid_coord_term(fy, fx, cell)                   # (B, R, W, w0)
        else:
            frac = torch.stack(torch.broadcast_tensors(fy[:, None], fx[None, :]), dim=-1).to(g.dtype)
            q = self.dhff.query_term(g, frac.expand(b, -1, -1, -1), cell)
        pad = lambda a: F.pad(a, (0, 0, lead, tail)).view(cells, run, a.shape[-1])
        cos = torch.bmm(pad(self.inr_cs.unit(g)), z_rows.transpose(1, 2))        # (cells, run, 4)
        weights = torch.softmax(cos / self.inr_cs.tau, dim=-1).view(cells * run, 4)
        hid = torch.relu_(pad(q).unsqueeze(2) + t_rows.unsqueeze(1))              # (cells, run, 4, w0)
        hid = hid.view(cells * run, 4, -1)
        if len(self.dhff.hidden):
            hid = self.dhff.hidden(hid)
        out = self._head(self.dhff.weighted_sum(weights, hid))                  # (cells * run, hsi)
        out = out.view(b, rr, width, -1)[:, :, lead:lead + ww]
        return out.permute(0, 3, 1, 2)

    def forward(self, lr: torch.Tensor, hr: torch.Tensor, lr_up: torch.Tensor, ratio: float,
                origin: Sequence[float] | None = None, chunk_rows: int | None = None) -> torch.Tensor:
        """HR-HSI (B, hsi, H, W) on the HR grid of ``hr``.

        ``ratio``: HR pixels per LR pixel (any positive number); ``origin``: HR (row, col) of the centre of
        ``lr[..., 0, 0]`` (default: the CAVE / decimation phase (ratio // 2, ratio // 2)).
        ``chunk_rows``: query this many HR rows at a time (default: about QUERY_CHUNK queries).
        The result does not depend on the strip and chunk sizes.
        """
        if origin is None:
            origin = (int(ratio) // 2, int(ratio) // 2)
        b, _, hh, ww = hr.shape
        table, zn, _ = self.encode_lr(lr)
        uy, ux = grid_lr_coords(hh, ww, ratio, origin, device=hr.device)
        cpu = hr.device.type == "cpu"
        # On the CPU the HR encoder runs on strips of rows (with the encoder's receptive radius as overlap:
        # the result is identical) and the queries in blocks of rows: bounded memory, and temporaries
        # small enough for the allocator to reuse (fresh multi-megabyte allocations cost more in page
        # faults than the arithmetic done in them).  On a GPU, big blocks are cheaper.
        strip = self.HR_STRIP if cpu else hh
        halo = receptive_radius(self.cfg)[0]
        chunk = self.QUERY_CHUNK if cpu else self.QUERY_CHUNK_GPU
        rows = max(1, int(chunk_rows) if chunk_rows else chunk // max(1, b * ww))
        run = int(ratio) if float(ratio).is_integer() else 0
        fold = not torch.is_grad_enabled()             # exact inference-only folds of consecutive linear maps
        nbr = self.neighbour_tables(table, zn, lr.shape[-2:], uy, ux, run) if run else None
        out = torch.empty_like(lr_up)
        for s0 in range(0, hh, strip):
            s1 = min(hh, s0 + strip)
            a0, a1 = max(0, s0 - halo), min(hh, s1 + halo)
            if run and fold:
                g_map, q_map = self.encode_hr(hr[:, :, a0:a1], lr_up[:, :, a0:a1], with_query=True)
            else:
                g_map, q_map = self.encode_hr(hr[:, :, a0:a1], lr_up[:, :, a0:a1]), None
            for r0 in range(s0, s1, rows):
                r1 = min(s1, r0 + rows)
                g = g_map[:, :, r0 - a0:r1 - a0]
                if run:
                    res = self.decode_grid_runs(nbr, g, uy[r0:r1], run, 1.0 / float(ratio),
                                                None if q_map is None else q_map[:, r0 - a0:r1 - a0])
                else:
                    res = self.decode_grid(table, zn, lr.shape[-2:], g, uy[r0:r1], ux, 1.0 / float(ratio))
                # added per block of rows: the residual's (pixels x bands) layout is transposed in cache
                if torch.is_grad_enabled():
                    out[:, :, r0:r1] = lr_up[:, :, r0:r1] + res
                else:
                    torch.add(lr_up[:, :, r0:r1], res, out=out[:, :, r0:r1])
        d = self.bands.detail(hr, lr_up)
        return out if d is None else out + d

    def query_points(self, lr: torch.Tensor, hr: torch.Tensor, lr_up: torch.Tensor, points: torch.Tensor,
                     ratio: float, origin: Sequence[float] | None = None) -> torch.Tensor:
        """HR-HSI at arbitrary (fractional) HR coordinates ``points`` (B, N, 2) = (row, col) -> (B, N, hsi).

        The guide feature and the residual are sampled bilinearly from the HR grid; at integer points this
        equals :meth:`forward`.
        """
        if origin is None:
            origin = (int(ratio) // 2, int(ratio) // 2)
        hh, ww = hr.shape[-2:]
        table, zn, _ = self.encode_lr(lr)
        g_map = self.encode_hr(hr, lr_up)
        # grid_sample wants (x, y) in [-1, 1] with pixel centres at (2i + 1) / size - 1.
        grid = torch.stack([(2 * points[..., 1] + 1) / ww - 1, (2 * points[..., 0] + 1) / hh - 1], dim=-1)
        grid = grid.unsqueeze(1).to(hr.dtype)                                        # (B, 1, N, 2)
        sample = lambda t: F.grid_sample(t, grid, mode="bilinear", padding_mode="border",
                                         align_corners=False)[:, :, 0].transpose(1, 2)
        u = points_lr_coords(points.to(torch.float32), ratio, origin)
        res = self.decode_points(table, zn, lr.shape[-2:], sample(g_map), u, 1.0 / float(ratio))
        d = self.bands.detail(hr, lr_up)
        return sample(lr_up if d is None else lr_up + d) + res


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
