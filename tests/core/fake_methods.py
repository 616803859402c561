"""Small methods used by the engine tests: they exercise halo, phase and blending without depending on
the classical implementations."""
import numpy as np
from scipy import ndimage

from core.filters import decimate, upsample
from core.methods.base import FusionMethod


class PhaseHPM(FusionMethod):
    """lr_up * pan / interp(decimate(smooth(pan))): sensitive to halo and decimation phase."""
    name = "phase_hpm"
    label = "test HPM"

    def halo(self, ratio):
        return 16 + 12 * ratio

    def prepare(self, samples, scene):
        super().prepare(samples, scene)
        vals = np.concatenate([t.pan[t.valid_core()] for t in samples])
        self.pan_mean = float(vals.mean())

    def apply(self, tile):
        r = tile.ratio
        smooth = ndimage.gaussian_filter(tile.pan, 1.0, mode="mirror")
        low = upsample(decimate(smooth, r, tile.phase), r, tile.pan.shape, offset=tile.phase)
        return tile.lr_up * (tile.pan + self.pan_mean) / (low + self.pan_mean)


class TileOffset(FusionMethod):
    """lr_up plus a different constant in every tile, like a deep model whose output drifts between
    tiles: blending must hide the steps."""
    name = "tile_offset"
    label = "test offset"
    calls = 0

    def halo(self, ratio):
        return 0

    def apply(self, tile):
        TileOffset.calls += 1
        return tile.lr_up + 100.0 * (TileOffset.calls % 2)
