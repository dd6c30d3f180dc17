"""ROM Steps: the model's mask-ROM array as GDS, proven by readback, DRC and the
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
from taalas_flow.steps.model_steps import QUANT_VARS, ROM_IMAGE

ROM_VARS = [
    Variable("TAALAS_ROM_COLUMNS", int, "Columns (bit lines) of the ROM array.", default=512),
    Variable("TAALAS_XOR_MODEL_DIR", str | None,
             "Second checkpoint of the same architecture for the personalisation XOR proof; "
             "when unset, the bitwise complement of the model's image is used.", default=None),
    Variable("TAALAS_DRC_TILE", int, "Rows/columns of the tile checked with FEOL DRC.",
             default=16),
]


@Step.factory.register()
class RomArray(Step):
    """Generate the ROM array GDS (and its behavioural Verilog) for the model, read the weights
    back from the GDS, run DRC
    (FEOL+BEOL on a tile of the bitcell, BEOL+OFFGRID on the whole array) and the XOR proof."""

    id = "Taalas.RomArray"
    name = "Mask-ROM array"
    inputs = [ROM_IMAGE]
    outputs = [DesignFormat.GDS]
    config_vars = PDK_CONFIG_VARS + QUANT_VARS + ROM_VARS

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        from taalas_flow.model.golden import quantise_model
        from taalas_flow.model.loader import load_checkpoint
        from taalas_flow.model.rom_image import load_rom_image
        from taalas_flow.rom.image import model_bit_image, unpack_model_bits
        from taalas_flow.rom.layout import gds_area_mm2, write_rom_array_gds
        from taalas_flow.rom.readback import readback_bits
        from taalas_flow.rom.verilog import write_rom_verilog
        from taalas_flow.signoff.drc import run_drc
        from taalas_flow.signoff.xor import xor_gds

        pdk = step_pdk(self.config)
        d = Path(self.step_dir)
        qm = load_rom_image(Path(str(state_in[ROM_IMAGE])))
        cols = self.config["TAALAS_ROM_COLUMNS"]
        img = model_bit_image(qm, cols)
        gds = write_rom_array_gds(pdk, img, d / "rom_array.gds", name="rom_array")
        write_rom_verilog(img, 1, "rom_array", d / "rom_array.v")

        back = readback_bits(pdk, gds, *img.shape)
        weights_ok = bool(np.array_equal(back, img)) and \
            unpack_model_bits(qm, back).same_integers(qm)

        tile = self.config["TAALAS_DRC_TILE"]
        tile_gds = write_rom_array_gds(pdk, img[:tile, :tile], d / "drc_tile.gds",
                                       name="rom_tile")
        feol = run_drc(pdk, tile_gds, d / "drc_tile_feol.lyrdb", feol=True)
        beol = run_drc(pdk, gds, d / "drc_array_beol.lyrdb", feol=False)

        other = self.config["TAALAS_XOR_MODEL_DIR"]
        if other:
            other_qm = quantise_model(load_checkpoint(str(other)), qm.bits, qm.block)
            img2 = model_bit_image(other_qm, cols)
            if img2.shape != img.shape:
                raise ValueError(f"XOR model {other} has a different ROM shape {img2.shape}")
        else:
            img2 = 1 - img
        gds2 = write_rom_array_gds(pdk, img2, d / "rom_array_xor_ref.gds", name="rom_array")
        xor = xor_gds(gds, gds2, pdk.personalisation_gds_layers)

        (d / "rom_array.json").write_text(json.dumps({
            "rows": img.shape[0], "cols": img.shape[1], "bits": int(img.size),
            "ones": int(img.sum()), "readback_weights_ok": weights_ok,
            "drc_tile_feol_beol": feol.by_rule, "drc_array_beol": beol.by_rule,
            "xor_reference": other or "bitwise complement", "xor_differing": xor.differing,
        }, indent=2) + "\n")
        area = gds_area_mm2(gds)
        return {DesignFormat.GDS: LLPath(str(gds))}, {
            "taalas__rom__array_rows": img.shape[0],
            "taalas__rom__array_cols": img.shape[1],
            "taalas__rom__array_area_mm2": area,
            "taalas__rom__array_density_kbit_per_mm2": img.size / 1000 / area,
            "taalas__rom__readback_ok": int(weights_ok),
            "taalas__drc__rom_tile_feol__count": feol.violations,
            "taalas__drc__rom_array_beol__count": beol.violations,
            "taalas__xor__non_personalisation_layers": len(xor.foreign_layers),
            "taalas__xor__personalisation_diff_count": xor.allowed_diff_count,
        }
