"""Readback: recover the bit image from nothing but a GDS file, by locating via3 cuts on the
bitcell grid. Any via3 off the grid is an error, not a silently dropped bit."""

from __future__ import annotations

from pathlib import Path

import gdstk
import numpy as np

from taalas_flow.errors import InputError
from taalas_flow.pdk import PdkConfig
from taalas_flow.rom.geometry import bitcell_geometry


def readback_bits(pdk: PdkConfig, gds: Path | gdstk.Library, rows: int, cols: int,
                  top: str | None = None, origin: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """`gds`: a file, or a library already read (a chip GDS holds many banks)."""
    lib = gds if isinstance(gds, gdstk.Library) else gdstk.read_gds(str(gds))
    tops = lib.top_level()
    cell = next((c for c in lib.cells if c.name == top), None) if top else tops[0]
    if cell is None:
        raise InputError(f"{gds}: no cell named {top}")
    geo = bitcell_geometry(pdk)
    layer, datatype = pdk.layer("via3")
    polys = cell.get_polygons(layer=layer, datatype=datatype)
    bits = np.zeros((rows, cols), np.uint8)
    if not polys:
        return bits
    centres = np.array([p.points.mean(axis=0) for p in polys]) - np.asarray(origin)
    col = np.floor(centres[:, 0] / geo.pitch_x).astype(int)
    pair = np.floor(centres[:, 1] / geo.pitch_y).astype(int)
    local_y = centres[:, 1] - pair * geo.pitch_y
    pad = np.asarray(geo.pad_cy)
    half = np.argmin(np.abs(local_y[:, None] - pad[None, :]), axis=1)
    on_grid = (np.abs(centres[:, 0] - (col + 0.5) * geo.pitch_x) < 1e-3) & \
              (np.abs(local_y - pad[half]) < 1e-3)
    row = pair * 2 + half
    inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
    bad = ~(on_grid & inside)
    if bad.any():
        x, y = centres[np.argmax(bad)]
        raise InputError(f"{gds}: via3 at ({x:.3f}, {y:.3f}) um is not on a bitcell site")
    bits[row, col] = 1
    return bits
