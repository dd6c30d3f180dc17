"""Config variables shared by taalas-flow Steps and helpers to reach our PDK config from a Step."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from librelane.config import Variable

from taalas_flow.pdk import PdkConfig, load_pdk

PDK_CONFIG_VARS = [
    Variable(
        "TAALAS_PDK_CONFIG",
        str,
        "Name of the taalas-flow PDK description in pdk_configs/ (e.g. sky130).",
        default="sky130",
    ),
]

MODEL_VARS = [
    Variable("TAALAS_MODEL_DIR", Optional[str],
             "Directory of the model checkpoint (config.json + model.safetensors).", default=None),
]

CLOCK_VARS = [
    Variable(
        "TAALAS_CLOCK_PORT",
        Optional[str],
        "Clock port of the design; when absent or not a port, timing uses a virtual clock.",
        default="clk",
    ),
    Variable(
        "TAALAS_CLOCK_PERIOD",
        float,
        "Target clock period in ns.",
        default=10.0,
        units="ns",
    ),
]


def step_pdk(config: dict) -> PdkConfig:
    """Our PDK description, rooted where LibreLane was told the PDK lives."""
    return load_pdk(config["TAALAS_PDK_CONFIG"], config["PDK_ROOT"], stages=[])


def write_block(block, directory: Path) -> tuple[Path, Path]:
    """A laid-out block's GDS (fixed timestamp, so reruns are byte-identical) and CDL, named
    after the block, in `directory`."""
    from taalas_flow.rom.layout import GDS_TIMESTAMP

    gds, cdl = directory / f"{block.name}.gds", directory / f"{block.name}.cdl"
    block.lib.write_gds(str(gds), timestamp=GDS_TIMESTAMP)
    cdl.write_text(block.cdl)
    return gds, cdl
