"""ROM Steps: the engine's mask-ROM macros as GDS, proven by readback, DRC and the
personalisation XOR against a second weight set of the same architecture."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from librelane.common import Path as LLPath
from librelane.config import Variable
from librelane.state import DesignFormat, State
from librelane.steps import MetricsUpdate, Step, ViewsUpdate

from taalas_flow.steps.common import PDK_CONFIG_VARS, step_pdk
from taalas_flow.steps.engine_steps import LANES_VAR
from taalas_flow.steps.model_steps import QUANT_VARS, ROM_IMAGE

ROM_VARS = [
    Variable("TAALAS_XOR_MODEL_DIR", str | None,
             "Second checkpoint of the same architecture for the personalisation XOR proof; "
             "when unset, the bitwise complement of the model's images is used.", default=None),
    Variable("TAALAS_DRC_TILE", int | None,
             "Rows of the macro tile (a whole ROM macro holding the corner of the weight "
             "image, 16 columns, mux 8) checked with FEOL+BEOL DRC; a multiple of 8, "
             "at least 32. Unset: the rows of the engine's shortest ROM, so the tile's "
             "predecoder, row decoder and field-line drops are those of a real macro.",
             default=None),
]


# Columns of the slice of each ROM that LVS checks in every run (its bank's full height).
SLICE_COLS = 16


def xor_reference_images(other: str | None, qm, arch) -> dict[str, np.ndarray]:
    """The second personalisation the XOR proof compares against: the ROM images of
    TAALAS_XOR_MODEL_DIR's weights, or the bitwise complement of this model's (every via3
    site differs)."""
    from taalas_flow.engine.rom_macros import macro_images
    from taalas_flow.model.golden import quantise_model
    from taalas_flow.model.loader import load_checkpoint

    imgs = macro_images(arch, qm)
    if not other:
        return {n: 1 - im for n, im in imgs.items()}
    other_qm = quantise_model(load_checkpoint(str(other)), qm.bits, qm.block)
    if other_qm.config != qm.config:
        raise ValueError(f"XOR model {other} has a different architecture")
    return macro_images(arch, other_qm)


@Step.factory.register()
class RomArray(Step):
    """The engine's ROM macros (weight ROM, parameter ROM: array, word-line decoder/drivers,
    precharge, column select, output flops) as GDS with their Verilog views; the weights read
    back from the GDS alone; DRC (FEOL+BEOL on a whole macro tile holding the model's bits,
    BEOL+OFFGRID on every macro); LVS of a full-height slice of each ROM (a whole macro of
    its bank's rows and mux, 16 columns of its bits); the XOR proof against a second weight
    set."""

    id = "Taalas.RomArray"
    name = "Mask-ROM macros"
    inputs = [ROM_IMAGE]
    outputs = [DesignFormat.GDS]
    config_vars = PDK_CONFIG_VARS + QUANT_VARS + ROM_VARS + [LANES_VAR]

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        from taalas_flow.engine.arch import EngineArch
        from taalas_flow.engine.rom_macros import (
            macro_images,
            model_from_images,
            pdk_macro_shapes,
            physical_macros,
            readback_images,
            write_macros_gds,
        )
        from taalas_flow.model.rom_image import load_rom_image
        from taalas_flow.rom.layout import array_cell_name, cell_areas_mm2
        from taalas_flow.rom.macro import write_rom_macro
        from taalas_flow.rom.verilog import write_rom_verilog
        from taalas_flow.signoff.drc import run_drc
        from taalas_flow.signoff.lvs import run_lvs
        from taalas_flow.signoff.xor import xor_gds

        pdk = step_pdk(self.config)
        d = Path(self.step_dir)
        qm = load_rom_image(Path(str(state_in[ROM_IMAGE])))
        arch = EngineArch(qm.config, qm.bits, qm.block, self.config["TAALAS_ENGINE_LANES"])
        shapes = pdk_macro_shapes(pdk, arch)
        imgs = macro_images(arch, qm)
        gds = write_macros_gds(pdk, arch, imgs, d / "taalas_roms.gds")
        for name, shape in shapes.items():
            write_rom_verilog(imgs[name], shape.mux, f"taalas_engine_{name}", d / f"{name}.v")

        back = readback_images(pdk, arch, gds)
        weights_ok = all(np.array_equal(back[n], imgs[n]) for n in imgs) and \
            model_from_images(arch, back).same_integers(qm)

        tile = self.config["TAALAS_DRC_TILE"] or min(s.rows for s in shapes.values())
        tile_bits = np.zeros((tile, 16), np.uint8)
        corner = imgs["wrom"][:tile, :16]
        tile_bits[: corner.shape[0], : corner.shape[1]] = corner
        tile_gds, tile_cdl = d / "drc_tile.gds", d / "drc_tile.cdl"
        write_rom_macro(pdk, tile_bits, 8, tile_gds, tile_cdl, name="rom_tile")
        feol = run_drc(pdk, tile_gds, d / "drc_tile_feol.lyrdb", feol=True)
        # LVS of a slice of each ROM: its bank's full height (predecoder, row decoder and
        # drivers, bit lines as long as the bank's) and mux, 16 columns of the model's bits.
        # A whole bank's LVS grows faster than its devices (bench/rom_lvs.py: the 80 x 256
        # parameter bank 440 s); the columns beyond the slice repeat its column periphery,
        # and the readback checks every bit of them.
        slices = {}
        for kind, shape in shapes.items():
            cols = min(SLICE_COLS, shape.bank_cols)
            sl_gds, sl_cdl = d / f"lvs_slice_{kind}.gds", d / f"lvs_slice_{kind}.cdl"
            write_rom_macro(pdk, imgs[kind][:, :cols], shape.mux, sl_gds, sl_cdl,
                            name=f"rom_slice_{kind}")
            slices[kind] = (shape.rows, cols, shape.mux,
                            run_lvs(pdk, sl_gds, sl_cdl, d / f"lvs_slice_{kind}"))
        beol = run_drc(pdk, gds, d / "drc_array_beol.lyrdb", feol=False)

        other = self.config["TAALAS_XOR_MODEL_DIR"]
        imgs2 = xor_reference_images(other, qm, arch)
        gds2 = write_macros_gds(pdk, arch, imgs2, d / "taalas_roms_xor_ref.gds")
        xor = xor_gds(gds, gds2, pdk.personalisation_gds_layers)

        bits = sum(int(im.size) for im in imgs.values())
        array_cells = {n: array_cell_name(s.rows, s.bank_cols) for n, s in shapes.items()}
        banks = physical_macros(pdk, arch)
        areas = cell_areas_mm2(gds, [*banks, *array_cells.values()])
        area = sum(areas[b] for b in banks)
        array_area = sum(areas[array_cells[n]] * s.banks for n, s in shapes.items())
        (d / "rom_macros.json").write_text(json.dumps({
            "macros": {n: {"depth": s.depth, "width": s.width, "mux": s.mux, "rows": s.rows,
                           "cols": s.cols, "banks": s.banks, "bank_cols": s.bank_cols,
                           "ones": int(imgs[n].sum()),
                           "area_mm2": sum(areas[b] for b in s.bank_names)}
                       for n, s in shapes.items()},
            "bits": bits, "readback_weights_ok": weights_ok,
            "drc_tile_feol_beol": feol.by_rule, "drc_array_beol": beol.by_rule,
            "lvs_slices": {k: {"rows": r, "cols": c, "mux": m, "clean": v.clean,
                               "devices": v.devices_extracted, "log": str(v.log)}
                           for k, (r, c, m, v) in slices.items()},
            "xor_reference": other or "bitwise complement", "xor_differing": xor.differing,
        }, indent=2) + "\n")
        return {DesignFormat.GDS: LLPath(str(gds))}, {
            "taalas__rom__macro_count": len(banks),
            "taalas__rom__array_bits": bits,
            "taalas__rom__array_area_mm2": array_area,
            "taalas__rom__array_density_kbit_per_mm2": bits / 1000 / array_area,
            "taalas__rom__macro_area_mm2": area,
            "taalas__rom__macro_density_kbit_per_mm2": bits / 1000 / area,
            "taalas__rom__readback_ok": int(weights_ok),
            "taalas__drc__rom_tile_feol__count": feol.violations,
            "taalas__drc__rom_array_beol__count": beol.violations,
            "taalas__lvs__rom_tile_clean": int(all(v.clean for *_x, v in slices.values())),
            "taalas__lvs__rom_tile_devices": sum(v.devices_extracted
                                                 for *_x, v in slices.values()),
            **{f"taalas__lvs__rom_slice_{k}_{what}": val for k, (r, _c, _m, v) in
               slices.items() for what, val in (("clean", int(v.clean)), ("rows", r),
                                                ("devices", v.devices_extracted))},
            "taalas__xor__non_personalisation_layers": len(xor.foreign_layers),
            "taalas__xor__personalisation_diff_count": xor.allowed_diff_count,
        }
