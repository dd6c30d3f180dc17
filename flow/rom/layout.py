"""GDS view of a ROM array: the base-die array (bitcell pairs tiled, met4 bit lines) and, in a
separate cell, the via3 personalisation. Tiled with GDS array references, so a 1 Mbit array is a
few cells plus one rectangle per programmed bit."""

from __future__ import annotations

from pathlib import Path

import gdstk
import numpy as np

from taalas_flow.errors import InputError
from taalas_flow.layout.gds import GDS_TIMESTAMP
from taalas_flow.pdk import PdkConfig
from taalas_flow.rom.geometry import BitcellGeometry, bitcell_geometry


def _rect(cell: gdstk.Cell, r, layer: tuple[int, int]) -> None:
    cell.add(gdstk.rectangle((r[0], r[1]), (r[2], r[3]), layer=layer[0], datatype=layer[1]))


def bitpair_cell(pdk: PdkConfig, geo: BitcellGeometry) -> gdstk.Cell:
    cell = gdstk.Cell("rom_bitpair")
    for layer, rects in geo.shapes.items():
        for r in rects:
            _rect(cell, r, pdk.layer(layer))
    return cell


def array_cell_name(rows: int, cols: int) -> str:
    return f"rom_array_{rows}x{cols}"


def base_array_cell(pdk: PdkConfig, geo: BitcellGeometry, rows: int, cols: int,
                    pair: gdstk.Cell) -> gdstk.Cell:
    """Everything of the array that does not depend on the contents."""
    cell = gdstk.Cell(array_cell_name(rows, cols))
    cell.add(gdstk.Reference(pair, (0, 0), columns=cols, rows=rows // 2,
                             spacing=(geo.pitch_x, geo.pitch_y)))
    height = rows // 2 * geo.pitch_y
    m4 = pdk.layer("met4")
    for c in range(cols):
        cx = (c + 0.5) * geo.pitch_x
        _rect(cell, (cx - geo.bitline_w / 2, 0, cx + geo.bitline_w / 2, height), m4)
    return cell


def add_pin_labels(pdk: PdkConfig, geo: BitcellGeometry, cell: gdstk.Cell, rows: int,
                   cols: int) -> None:
    """Net names for LVS, in the cell that is compared: BLn on met4, WLn on poly, VGND on the
    met1 ground strap."""

    def label(text: str, layer: str, x: float, y: float) -> None:
        lay, tt = pdk.layer(layer, "label")
        cell.add(gdstk.Label(text, (x, y), layer=lay, texttype=tt))

    height = rows // 2 * geo.pitch_y
    for c in range(cols):
        label(f"BL{c}", "met4", (c + 0.5) * geo.pitch_x, height / 2)
    wl = pdk.data["rom"]["poly_wl_y"]
    for r in range(rows):
        pair, half = divmod(r, 2)
        label(f"WL{r}", "poly", 0.05, pair * geo.pitch_y + (wl[half][0] + wl[half][1]) / 2)
    label("VGND", "met1", 0.0, geo.pitch_y / 2)


def personality_cell(pdk: PdkConfig, geo: BitcellGeometry, bits: np.ndarray,
                     name: str) -> gdstk.Cell:
    cell = gdstk.Cell(name)
    layer, datatype = pdk.layer("via3")
    s = geo.via3_size / 2
    cx, cy = geo.via3_centres(*np.nonzero(bits))
    for x, y in zip(cx.tolist(), cy.tolist(), strict=True):
        cell.add(gdstk.rectangle((x - s, y - s), (x + s, y + s), layer=layer, datatype=datatype))
    return cell


def check_bits(bits: np.ndarray) -> np.ndarray:
    bits = np.asarray(bits)
    if bits.ndim != 2 or bits.shape[0] % 2 or bits.shape[0] == 0 or bits.shape[1] == 0:
        raise InputError(f"ROM bit image must be 2-D with an even, non-zero row count; got "
                         f"shape {bits.shape}")
    if not np.isin(bits, (0, 1)).all():
        raise InputError("ROM bit image must hold only 0 and 1")
    return bits.astype(np.uint8)


def rom_array_library(pdk: PdkConfig, bits: np.ndarray, name: str = "rom") -> gdstk.Library:
    bits = check_bits(bits)
    rows, cols = bits.shape
    geo = bitcell_geometry(pdk)
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    pair = bitpair_cell(pdk, geo)
    base = base_array_cell(pdk, geo, rows, cols, pair)
    pers = personality_cell(pdk, geo, bits, f"{name}_personality")
    top = gdstk.Cell(name)
    top.add(gdstk.Reference(base), gdstk.Reference(pers))
    add_pin_labels(pdk, geo, top, rows, cols)
    for c in (pair, base, pers, top):
        lib.add(c)
    return lib


def gds_area_mm2(gds: Path) -> float:
    """Bounding-box area of a GDS file's top cell."""
    (x0, y0), (x1, y1) = gdstk.read_gds(str(gds)).top_level()[0].bounding_box()
    return (x1 - x0) * (y1 - y0) / 1e6


def cell_areas_mm2(gds: Path, cells: list[str]) -> dict[str, float]:
    """Bounding-box areas of named cells of a GDS file (one read of the file)."""
    by_name = {c.name: c for c in gdstk.read_gds(str(gds)).cells}
    out = {}
    for name in cells:
        (x0, y0), (x1, y1) = by_name[name].bounding_box()
        out[name] = (x1 - x0) * (y1 - y0) / 1e6
    return out


def cell_area_mm2(gds: Path, cell: str) -> float:
    """Bounding-box area of a named cell of a GDS file."""
    return cell_areas_mm2(gds, [cell])[cell]


def write_rom_array_gds(pdk: PdkConfig, bits: np.ndarray, path: Path, name: str = "rom") -> Path:
    rom_array_library(pdk, bits, name).write_gds(str(path), timestamp=GDS_TIMESTAMP)
    return path
