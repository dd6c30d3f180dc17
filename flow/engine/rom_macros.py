"""The engine's ROM macros: word view (rom_map) -> bit-interleaved image (column mux) -> whole
ROM macros (array + periphery, flow/rom/macro.py) in one GDS, and back. The macro shapes and
their placement depend only on the architecture, so two models of one architecture differ only
in via3.

A logical ROM (what the RTL addresses: `wrom`, `prom`) wider than the longest word line the PDK
config allows (`rom.max_wordline_cols`) is built as column banks: macros `<name>0`,
`<name>1`, ... side by side, each holding a slice of every word's bits and sharing the address.
The unstrapped poly word line's delay grows with the square of its length, so this is what
keeps the weight ROM's read inside the engine's clock.

Every macro of the engine lives in one GDS under the top cell `taalas_roms`, placed left to
right in a fixed order; `readback_model` recovers the quantised model from that GDS alone (from
each macro's `<macro>_personality` cell: the periphery has via3 of its own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import gdstk
import numpy as np

from taalas_flow.engine.arch import EngineArch
from taalas_flow.engine.rom_map import quant_model_from_words, rom_map, rom_words
from taalas_flow.layout.gds import GDS_TIMESTAMP
from taalas_flow.model.golden import QuantModel
from taalas_flow.pdk import PdkConfig
from taalas_flow.rom.macro import rom_macro
from taalas_flow.rom.readback import readback_bits
from taalas_flow.rom.verilog import image_from_words, words_from_image

TOP = "taalas_roms"
MACROS = ("wrom", "prom")          # placement order, left to right
MAX_COLS = 1024
MUXES = (8, 16, 32)                # what the column periphery supports
MIN_ROWS, ROW_STEP = 32, 8         # what the word-line decoder supports


@dataclass(frozen=True)
class MacroShape:
    name: str
    depth: int          # words the engine addresses
    width: int          # bits per word
    mux: int            # words per physical row

    banks: int = 1      # column banks: physical macros side by side, sharing the address

    @property
    def rows(self) -> int:
        return max(MIN_ROWS, -(-self.depth // (ROW_STEP * self.mux)) * ROW_STEP)

    @property
    def cols(self) -> int:
        """Columns of the whole logical image (all banks)."""
        return self.width * self.mux

    @property
    def bank_cols(self) -> int:
        return self.cols // self.banks

    @property
    def bank_names(self) -> list[str]:
        return [f"{self.name}{k}" for k in range(self.banks)]


def _best_mux(depth: int, width: int) -> int:
    """The supported column mux that makes the array closest to square."""
    best, best_score = MUXES[0], math.inf
    for mux in MUXES:
        if width * mux > MAX_COLS and mux != MUXES[0]:
            break
        rows = max(MIN_ROWS, -(-depth // mux))
        score = abs(math.log(width * mux / rows))
        if score < best_score:
            best, best_score = mux, score
    return best


def _banks(width: int, mux: int, max_cols: int) -> int:
    """Fewest banks that divide the word evenly and keep each bank's word line within
    max_cols columns."""
    for banks in range(1, width + 1):
        if width % banks == 0 and width // banks * mux <= max_cols:
            return banks
    return width


def macro_shapes(arch: EngineArch, max_wordline_cols: int = MAX_COLS) -> dict[str, MacroShape]:
    m = rom_map(arch)
    dims = {"wrom": (m.weight_depth, arch.weight_word_bits),
            "prom": (m.param_depth, arch.param_word_bits)}
    out = {}
    for n, (d, w) in dims.items():
        mux = _best_mux(d, w)
        out[n] = MacroShape(n, d, w, mux, _banks(w, mux, max_wordline_cols))
    return out


def pdk_macro_shapes(pdk: PdkConfig, arch: EngineArch) -> dict[str, MacroShape]:
    return macro_shapes(arch, int(pdk.data["rom"]["max_wordline_cols"]))


def bank_images(shape: MacroShape, image: np.ndarray) -> dict[str, np.ndarray]:
    """A logical image split into its banks: bit j of every word sits in columns
    j * mux .. j * mux + mux - 1, so each bank is a contiguous slice of columns."""
    c = shape.bank_cols
    return {n: image[:, k * c:(k + 1) * c] for k, n in enumerate(shape.bank_names)}


def macro_images(arch: EngineArch, qm: QuantModel) -> dict[str, np.ndarray]:
    """Physical bit image of each macro (words padded with zeros to whole row pairs)."""
    words = dict(zip(MACROS, rom_words(arch, qm), strict=True))
    out = {}
    for name, shape in macro_shapes(arch).items():
        w = np.zeros((shape.rows * shape.mux, shape.width), np.uint8)
        w[: shape.depth] = words[name]
        out[name] = image_from_words(w, shape.mux)
    return out


def physical_macros(pdk: PdkConfig, arch: EngineArch) -> list[str]:
    """Names of the macros in the GDS, in placement order."""
    shapes = pdk_macro_shapes(pdk, arch)
    return [b for name in MACROS for b in shapes[name].bank_names]


def write_macros_gds(pdk: PdkConfig, arch: EngineArch, images: dict[str, np.ndarray],
                     path: Path) -> Path:
    """Every bank of every logical ROM (`images` are the logical images) as a whole macro."""
    shapes = pdk_macro_shapes(pdk, arch)
    gap = float(pdk.data["rom"]["macro_spacing"])
    out = gdstk.Library(unit=1e-6, precision=1e-9)
    have: set[str] = set()
    top = gdstk.Cell(TOP)
    x = 0.0
    for name in MACROS:
        for bank, img in bank_images(shapes[name], images[name]).items():
            lib, _ = rom_macro(pdk, img, shapes[name].mux, bank)
            for cell in lib.cells:          # shared cells (bit pair, array, std cells) once
                if cell.name not in have:
                    have.add(cell.name)
                    out.add(cell)
            macro = next(c for c in lib.cells if c.name == bank)
            (x0, _), (x1, _) = macro.bounding_box()
            top.add(gdstk.Reference(macro, (x - x0, 0.0)))
            x += x1 - x0 + gap
    out.add(top)
    out.write_gds(str(path), timestamp=GDS_TIMESTAMP)
    return path


def readback_images(pdk: PdkConfig, arch: EngineArch, gds: Path | gdstk.Library,
                    names: tuple[str, ...] = MACROS) -> dict[str, np.ndarray]:
    """The logical image of each ROM, from its banks' personality cells (in the ROM macros'
    GDS or any GDS that embeds the banks, the chip's included)."""
    lib = gds if isinstance(gds, gdstk.Library) else gdstk.read_gds(str(gds))
    out = {}
    for name, s in pdk_macro_shapes(pdk, arch).items():
        if name not in names:
            continue
        out[name] = np.hstack([readback_bits(pdk, lib, s.rows, s.bank_cols,
                                             top=f"{b}_personality") for b in s.bank_names])
    return out


def model_from_images(arch: EngineArch, images: dict[str, np.ndarray]) -> QuantModel:
    shapes = macro_shapes(arch)
    words = {n: words_from_image(images[n], s.mux)[: s.depth] for n, s in shapes.items()}
    return quant_model_from_words(arch, words["wrom"], words["prom"])


def set_personalities(pdk: PdkConfig, arch: EngineArch, lib: gdstk.Library,
                      images: dict[str, np.ndarray], where: str = "GDS",
                      names: tuple[str, ...] = MACROS) -> int:
    """Give every bank's `<bank>_personality` cell in `lib` (of the ROMs `names`) the via3
    of `images`, in place; nothing else in the library changes. This is the whole of a
    re-spin: any GDS that embeds the banks (the ROM macros', the chip's) becomes the other
    model's. Returns the banks rewritten."""
    from taalas_flow.errors import InputError
    from taalas_flow.rom.geometry import bitcell_geometry
    from taalas_flow.rom.layout import personality_cell

    cells = {c.name: c for c in lib.cells}
    geo = bitcell_geometry(pdk)
    done = 0
    for name, shape in pdk_macro_shapes(pdk, arch).items():
        if name not in names:
            continue
        for bank, img in bank_images(shape, images[name]).items():
            target = cells.get(f"{bank}_personality")
            if target is None:
                raise InputError(f"{where} has no {bank}_personality cell",
                                 "re-spin a base run made by this version of taalas-flow")
            target.remove(*target.polygons)
            target.add(*personality_cell(pdk, geo, img, "new").polygons)
            done += 1
    return done


def readback_model(pdk: PdkConfig, arch: EngineArch, gds: Path | gdstk.Library) -> QuantModel:
    """Every integer of the model, from the GDS's via3 shapes alone."""
    return model_from_images(arch, readback_images(pdk, arch, gds))
