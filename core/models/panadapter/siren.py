"""SIREN implicit decoder (sine activations, Sitzmann et al. 2020) as per-pixel 1x1 convolutions."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class SineConv(nn.Module):
    def __init__(self, cin: int, cout: int, w0: float, first: bool) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1)
        self.w0 = w0
        bound = (1.0 / cin) if first else math.sqrt(6.0 / cin) / w0
        nn.init.uniform_(self.conv.weight, -bound, bound)
        nn.init.uniform_(self.conv.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, cin, H, W) -> (B, cout, H, W)."""
        return self.pixelwise(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

    def pixelwise(self, y: torch.Tensor, add: torch.Tensor | None = None) -> torch.Tensor:
        """The same layer on (..., cin) pixels-last values; ``add`` (..., cout) joins the pre-activation."""
        z = F.linear(y, self.conv.weight.flatten(1), self.conv.bias)
        if add is not None:
            z = z + add
        return torch.sin(z if self.w0 == 1.0 else self.w0 * z)


BAND_PIXELS = 1 << 17     # pixels per band of the chunked neighbourhood term (a few MB of it at a time)


def local_features(cin: int, cout: int, kernel: int, width: int = 0) -> nn.Module:
    """The neighbourhood term of a decoder's first layer: one ``kernel`` x ``kernel`` convolution, or with
    ``width`` > 0 a small CNN (``kernel`` x ``kernel`` to ``width`` channels, ReLU, 3 x 3), whose last layer
    starts within SIREN's first-layer bound 1 / fan-in."""
    if width:
        last = nn.Conv2d(width, cout, 3, padding=1, bias=False)
        net = nn.Sequential(nn.Conv2d(cin, width, kernel, padding=kernel // 2), nn.ReLU(inplace=True), last)
    else:
        last = net = nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=False)
    bound = 1.0 / (last.in_channels * last.kernel_size[0] ** 2)
    nn.init.uniform_(last.weight, -bound, bound)
    return net


class SirenDecoder(nn.Module):
    """in -> (hidden, sin) x layers -> out (linear).  ``zero_out``: the output layer starts at zero, so
    the decoder starts as "no change" to whatever residual it is added to.

    ``local_kernel`` > 0: the first layer also reads a ``local_kernel`` x ``local_kernel`` neighbourhood of a
    ``local_in``-channel map (the ``local`` argument of forward), as local implicit decoders unfold the
    neighbouring latent codes (LIIF; INFN's neighbour weighting): a per-pixel decoder cannot see the PAN's
    spatial detail otherwise."""

    def __init__(self, cin: int, hidden: int, cout: int, layers: int = 2, w0: float = 1.0,
                 zero_out: bool = False, local_in: int = 0, local_kernel: int = 0, local_width: int = 0) -> None:
        super().__init__()
        self.local, self.local_reach = None, 0
        if local_kernel:
            self.local = local_features(local_in, hidden, local_kernel, local_width)
            self.local_reach = local_kernel // 2 + (1 if local_width else 0)     # rows a band reads around it
        mods = []
        c = cin
        for i in range(layers):
            mods.append(SineConv(c, hidden, w0, first=(i == 0)))
            c = hidden
        self.hidden = nn.Sequential(*mods)
        self.out = nn.Conv2d(c, cout, 1)
        if zero_out:
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)
        else:
            nn.init.uniform_(self.out.weight, -1e-3, 1e-3)
            nn.init.zeros_(self.out.bias)

    def forward(self, x, chunk: int = 8192, local: torch.Tensor | None = None) -> torch.Tensor:
        """x: (B, cin, H, W), or a sequence of (B, c_i, H, W) maps that make up the cin channels.

        Runs as matrix products over pixels in a channels-last layout: on the CPU that is several times
        faster than 1x1 convolutions on NCHW maps.  Without autograd the pixels go through in chunks of
        ``chunk`` (the hidden activations of a chunk stay in the CPU cache instead of whole-image buffers), and
        the neighbourhood term by bands of BAND_PIXELS pixels (with its reach of rows around them), so no
        whole-image hidden-width map is made.
        ``local``: the (B, local_in, H, W) map the first layer reads by neighbourhoods (needed when
        ``local_kernel`` > 0).  Returns (B, cout, H, W) (channels-last memory)."""
        parts = [p.permute(0, 2, 3, 1) for p in ([x] if isinstance(x, torch.Tensor) else list(x))]
        if self.local is not None and local is None:
            raise ValueError("this decoder reads a neighbourhood map: pass local=")
        b, h, w = parts[0].shape[:3]
        if torch.is_grad_enabled() or b * h * w <= chunk:
            add = None if self.local is None else self.local(local).permute(0, 2, 3, 1)
            return self._pixels(torch.cat(parts, dim=-1), add).permute(0, 3, 1, 2)
        out = torch.empty((b, h, w, self.out.out_channels), dtype=parts[0].dtype, device=parts[0].device)
        rows = max(1, -(-BAND_PIXELS // w))
        for k in range(b):
            for r0 in range(0, h, rows):
                r1 = min(h, r0 + rows)
                band = [p[k, r0:r1].reshape(-1, p.shape[-1]) for p in parts]
                add = None
                if self.local is not None:
                    a0, a1 = max(0, r0 - self.local_reach), min(h, r1 + self.local_reach)
                    add = self.local(local[k:k + 1, :, a0:a1]).permute(0, 2, 3, 1)[0, r0 - a0:r1 - a0]
                    add = add.reshape(-1, add.shape[-1])
                dest = out[k, r0:r1].view(-1, out.shape[-1])
                for i in range(0, dest.shape[0], chunk):
                    dest[i:i + chunk] = self._pixels(torch.cat([p[i:i + chunk] for p in band], dim=-1),
                                                     None if add is None else add[i:i + chunk])
        return out.permute(0, 3, 1, 2)

    def _pixels(self, y: torch.Tensor, add: torch.Tensor | None = None) -> torch.Tensor:
        """y: (..., cin) pixels-last inputs; ``add`` (..., hidden) joins the first layer's pre-activation."""
        for i, layer in enumerate(self.hidden):
            y = layer.pixelwise(y, add if i == 0 else None)
        return torch.nn.functional.linear(y, self.out.weight.flatten(1), self.out.bias)
