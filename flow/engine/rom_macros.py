"""The engine's ROM macros as physical arrays: word view (rom_map) -> bit-interleaved image
(column mux) -> GDS, and back. The array shapes and their placement depend only on the
architecture, so two models of one architecture differ only in via3.

Every macro of the engine lives in one GDS under the top cell `taalas_roms`, placed left to
right in a fixed order; `readback_model` recovers the quantised model from that GDS alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import gdstk
import numpy as np

from taalas_flow.engine.arch import EngineArch
from taalas_flow.engine.rom_map import quant_model_from_words, rom_map, rom_words
from taalas_flow.model.golden import QuantModel
from taalas_flow.pdk import PdkConfig
from taalas_flow.rom.geometry import bitcell_geometry
from taalas_flow.rom.layout import (
    GDS_TIMESTAMP,
    add_pin_labels,
    base_array_cell,
    bitpair_cell,
    check_bits,
    personality_cell,
)
from taalas_flow.rom.readback import readback_bits
from taalas_flow.rom.verilog import image_from_words, words_from_image

TOP = "taalas_roms"
MACROS = ("wrom", "prom")          # placement order, left to right
MAX_COLS = 1024


@dataclass(frozen=True)
class MacroShape:
    name: str
    depth: int          # words the engine addresses
    width: int          # bits per word
    mux: int            # words per physical row

    @property
    def rows(self) -> int:
        per = 2 * self.mux                     # bit cells come in row pairs
        return -(-self.depth // per) * per // self.mux

    @property
    def cols(self) -> int:
        return self.width * self.mux


def _best_mux(depth: int, width: int) -> int:
    """The power-of-two column mux that makes the array closest to square."""
    best, best_score = 1, math.inf
    mux = 1
    while width * mux <= MAX_COLS:
        rows = max(2, -(-depth // mux))
        score = abs(math.log(width * mux / rows))
        if score < best_score:
            best, best_score = mux, score
        mux *= 2
    return best


def macro_shapes(arch: EngineArch) -> dict[str, MacroShape]:
    m = rom_map(arch)
    dims = {"wrom": (m.weight_depth, arch.weight_word_bits),
            "prom": (m.param_depth, arch.param_word_bits)}
    return {n: MacroShape(n, d, w, _best_mux(d, w)) for n, (d, w) in dims.items()}


def macro_images(arch: EngineArch, qm: QuantModel) -> dict[str, np.ndarray]:
    """Physical bit image of each macro (words padded with zeros to whole row pairs)."""
    words = dict(zip(MACROS, rom_words(arch, qm), strict=True))
    out = {}
    for name, shape in macro_shapes(arch).items():
        w = np.zeros((shape.rows * shape.mux, shape.width), np.uint8)
        w[: shape.depth] = words[name]
        out[name] = image_from_words(w, shape.mux)
    return out


def _origins(pdk: PdkConfig, shapes: dict[str, MacroShape]) -> dict[str, tuple[float, float]]:
    geo = bitcell_geometry(pdk)
    gap = float(pdk.data["rom"]["macro_spacing"])
    x, out = 0.0, {}
    for name in MACROS:
        out[name] = (x, 0.0)
        x += shapes[name].cols * geo.pitch_x + gap
    return out


def write_macros_gds(pdk: PdkConfig, arch: EngineArch, images: dict[str, np.ndarray],
                     path: Path) -> Path:
    shapes = macro_shapes(arch)
    geo = bitcell_geometry(pdk)
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    pair = bitpair_cell(pdk, geo)
    lib.add(pair)
    top = gdstk.Cell(TOP)
    bases: dict[tuple[int, int], gdstk.Cell] = {}
    for name, origin in _origins(pdk, shapes).items():
        bits = check_bits(images[name])
        rows, cols = bits.shape
        if (rows, cols) not in bases:
            bases[(rows, cols)] = base_array_cell(pdk, geo, rows, cols, pair)
            lib.add(bases[(rows, cols)])
        pers = personality_cell(pdk, geo, bits, f"{name}_personality")
        macro = gdstk.Cell(name)
        macro.add(gdstk.Reference(bases[(rows, cols)]), gdstk.Reference(pers))
        add_pin_labels(pdk, geo, macro, rows, cols)
        lib.add(pers, macro)
        top.add(gdstk.Reference(macro, origin))
    lib.add(top)
    lib.write_gds(str(path), timestamp=GDS_TIMESTAMP)
    return path


def readback_images(pdk: PdkConfig, arch: EngineArch, gds: Path) -> dict[str, np.ndarray]:
    return {name: readback_bits(pdk, gds, s.rows, s.cols, top=name)
            for name, s in macro_shapes(arch).items()}


def model_from_images(arch: EngineArch, images: dict[str, np.ndarray]) -> QuantModel:
    shapes = macro_shapes(arch)
    words = {n: words_from_image(images[n], s.mux)[: s.depth] for n, s in shapes.items()}
    return quant_model_from_words(arch, words["wrom"], words["prom"])


def readback_model(pdk: PdkConfig, arch: EngineArch, gds: Path) -> QuantModel:
    """Every integer of the model, from the GDS's via3 shapes alone."""
    return model_from_images(arch, readback_images(pdk, arch, gds))
