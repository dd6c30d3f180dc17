"""Model-side Steps: load and validate the checkpoint, quantise it into ROM images, and check the
golden fixed-point model against fp32."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from librelane.common import Path as LLPath
from librelane.config import Variable
from librelane.state import DesignFormat, State
from librelane.steps import MetricsUpdate, Step, ViewsUpdate

from taalas_flow.die import check_fits
from taalas_flow.steps.common import MODEL_VARS, PDK_CONFIG_VARS, step_pdk

ROM_IMAGE = DesignFormat.factory.get("taalas_rom_image") or DesignFormat(
    "taalas_rom_image", "npz", "Quantised model ROM image")
ROM_IMAGE.register()

QUANT_VARS = [
    Variable("TAALAS_WEIGHT_BITS", int, "Bits per weight (3, 4 or 6).", default=4),
    Variable("TAALAS_BLOCK_SIZE", int, "Weights per quantisation block (one 8-bit scale each).",
             default=32),
]


def _load(config) -> object:
    from taalas_flow.model.loader import load_checkpoint

    if not config["TAALAS_MODEL_DIR"]:
        raise ValueError("TAALAS_MODEL_DIR is not set")
    return load_checkpoint(str(config["TAALAS_MODEL_DIR"]))


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")


@Step.factory.register()
class LoadModel(Step):
    """Validate the checkpoint (format, tensor names, shapes, finiteness) and summarise it."""

    id = "Taalas.LoadModel"
    name = "Load model"
    inputs = []
    outputs = []
    config_vars = MODEL_VARS

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        ck = _load(self.config)
        summary = {"name": ck.name, "config": ck.config.to_dict(),
                   "parameters": ck.config.parameter_count()}
        _write_json(Path(self.step_dir) / "model.json", summary)
        return {}, {"taalas__model__parameters": summary["parameters"]}


@Step.factory.register()
class Quantise(Step):
    """Block-quantise every weight matrix; write the ROM image; check it fits the die."""

    id = "Taalas.Quantise"
    name = "Quantise weights"
    inputs = []
    outputs = [ROM_IMAGE]
    config_vars = MODEL_VARS + QUANT_VARS + PDK_CONFIG_VARS

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        from taalas_flow.model.golden import quantise_model
        from taalas_flow.model.rom_image import save_rom_image

        ck = _load(self.config)
        qm = quantise_model(ck, self.config["TAALAS_WEIGHT_BITS"], self.config["TAALAS_BLOCK_SIZE"])
        cap = check_fits(qm.rom_bits(), step_pdk(self.config), f"model {ck.name}")
        out = Path(self.step_dir) / "rom_image.npz"
        save_rom_image(qm, out)
        _write_json(Path(self.step_dir) / "quantisation.json", {
            "bits": qm.bits, "block": qm.block, "rom_bits": qm.rom_bits(),
            "die_rom_capacity_bits": cap,
            "matrices": {k: {"shape": list(m.shape), "rom_bits": m.rom_bits()}
                         for k, m in qm.matrices().items()},
        })
        return {ROM_IMAGE: LLPath(str(out))}, {"taalas__rom__bits": qm.rom_bits(),
                                  "taalas__rom__capacity_bits": cap}


@Step.factory.register()
class GoldenCheck(Step):
    """Golden integer model vs fp32 math on the same weights, and the quantisation quality table
    on held-out text."""

    id = "Taalas.GoldenCheck"
    name = "Golden model check"
    inputs = [ROM_IMAGE]
    outputs = []
    config_vars = MODEL_VARS + QUANT_VARS

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        from taalas_flow.model.quality import golden_vs_fp32, quality_table
        from taalas_flow.model.rom_image import load_rom_image

        qm = load_rom_image(Path(str(state_in[ROM_IMAGE])))
        ag = golden_vs_fp32(qm)
        ck = _load(self.config)
        rows = quality_table(ck, (3, 4, 6), qm.block, qm.bits, n_sentences=200,
                             golden_tokens=1024)
        _write_json(Path(self.step_dir) / "golden.json", {
            "agreement": asdict(ag), "quality": [asdict(r) for r in rows]})
        golden_row = rows[-1]
        return {}, {
            "taalas__golden__max_abs_logit_error": ag.max_abs_logit_error,
            "taalas__golden__greedy_match_rate": ag.greedy_match / ag.prompts,
            "taalas__quality__fp32_loss": rows[0].loss,
            "taalas__quality__golden_loss": golden_row.loss,
            "taalas__quality__golden_ppl": golden_row.ppl if math.isfinite(golden_row.ppl)
            else -1.0,
        }
