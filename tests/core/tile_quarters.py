"""Cutting a whole-image tile into four overlapping engine-like tiles, for the tiled-equals-whole tests of the
classical pansharpening and HS-MS methods."""
from core.methods import Tile


def sub_tile(tile: Tile, y0, y1, x0, x1, core) -> Tile:
    r = tile.ratio
    return Tile(hr=tile.hr[:, y0:y1, x0:x1], lr_up=tile.lr_up[:, y0:y1, x0:x1], lr=tile.lr,
                valid=tile.valid[y0:y1, x0:x1], ratio=r,
                phase=((tile.phase[0] - y0) % r, (tile.phase[1] - x0) % r),
                lr_origin=(tile.lr_origin[0] - y0, tile.lr_origin[1] - x0),
                core=(slice(core[0] - y0, core[1] - y0), slice(core[2] - x0, core[3] - x0)))


def quarters(tile: Tile, halo: int):
    """Four overlapping tiles: the image quarters (cores, cut off-centre) plus ``halo`` clamped to the image."""
    h, w = tile.valid.shape
    ys, xs = [0, h // 2 - 3, h], [0, w // 2 + 5, w]
    for i in range(2):
        for j in range(2):
            core = (ys[i], ys[i + 1], xs[j], xs[j + 1])
            y0, y1 = max(0, core[0] - halo), min(h, core[1] + halo)
            x0, x1 = max(0, core[2] - halo), min(w, core[3] + halo)
            yield core, sub_tile(tile, y0, y1, x0, x1, core)
