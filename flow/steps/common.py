"""Config variables shared by taalas-flow Steps and helpers to reach our PDK config from a Step."""

from __future__ import annotations

import json
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
    """A laid-out block's GDS (fixed timestamp, so reruns are byte-identical), CDL and
    abstract (size, edge pins, power straps: what a parent places it by), named after the
    block, in `directory`."""
    from taalas_flow.layout.gds import GDS_TIMESTAMP

    gds, cdl = directory / f"{block.name}.gds", directory / f"{block.name}.cdl"
    block.lib.write_gds(str(gds), timestamp=GDS_TIMESTAMP)
    cdl.write_text(block.cdl)
    (directory / f"{block.name}.block.json").write_text(json.dumps({
        "name": block.name, "width": block.width, "height": block.height,
        "ports": block.ports, "straps": block.straps,
        **({"net_pf": block.net_pf} if block.net_pf else {})}, indent=1) + "\n")
    return gds, cdl


def read_block(directory: Path, name: str):
    """A block written by write_block, to be placed by a later step: its GDS library, CDL and
    abstract (no wiring detail beyond its port nets' wire capacitance, net_pf)."""
    import gdstk

    from taalas_flow.pnr.block import BlockLayout

    a = json.loads((directory / f"{name}.block.json").read_text())
    lib = gdstk.read_gds(str(directory / f"{name}.gds"))
    return BlockLayout(name, lib, (directory / f"{name}.cdl").read_text(), a["width"],
                       a["height"], ports={k: tuple(v) for k, v in a["ports"].items()},
                       straps=[tuple(s) for s in a["straps"]], net_pf=a.get("net_pf", {}))
