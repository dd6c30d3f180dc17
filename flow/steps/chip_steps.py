"""Chip assembly Steps: the pieces of the chip top laid out, wired and signed off one by one
(flow/chip). Today: the engine's two ROM ports."""

from __future__ import annotations

import json
from pathlib import Path

from librelane.state import State
from librelane.steps import MetricsUpdate, Step, ViewsUpdate

from taalas_flow.steps.common import CLOCK_VARS, PDK_CONFIG_VARS, step_pdk
from taalas_flow.steps.engine_steps import LANES_VAR
from taalas_flow.steps.model_steps import QUANT_VARS, ROM_IMAGE

# Cells compared as black boxes in a port's LVS: the logic block's cell copies (see
# chip.rom_port) and the bank macros, whose own LVS is the ROM step's tile check.
PORT_BLACKBOX = ["B_sky130_fd_sc_hd__*", "wrom[0-9]*", "prom[0-9]*"]


@Step.factory.register()
class RomPorts(Step):
    """Each ROM port (the engine's `<name>_wrom` / `<name>_prom`: bank macros, the port
    logic synthesised and laid out as a block, channel wiring, power rails and ring, pins)
    as one GDS; DRC of the wiring layers on the whole port and FEOL+BEOL on its logic block;
    LVS of the port against the netlist from the same description."""

    id = "Taalas.RomPorts"
    name = "ROM ports"
    inputs = [ROM_IMAGE]
    outputs = []
    config_vars = PDK_CONFIG_VARS + QUANT_VARS + CLOCK_VARS + [LANES_VAR]

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        from librelane.logging import info

        from taalas_flow.chip.rom_port import lay_out_rom_port
        from taalas_flow.engine.arch import EngineArch
        from taalas_flow.engine.rom_macros import MACROS
        from taalas_flow.model.rom_image import load_rom_image
        from taalas_flow.rom.layout import GDS_TIMESTAMP
        from taalas_flow.signoff.drc import run_drc
        from taalas_flow.signoff.lvs import run_lvs

        pdk = step_pdk(self.config)
        d = Path(self.step_dir)
        qm = load_rom_image(Path(str(state_in[ROM_IMAGE])))
        arch = EngineArch(qm.config, qm.bits, qm.block, self.config["TAALAS_ENGINE_LANES"])
        metrics: dict[str, float] = {}
        summary = {}
        for kind in MACROS:
            info(f"ROM port {kind}: synthesis and layout")
            port, logic = lay_out_rom_port(pdk, arch, qm, kind, d / kind,
                                           self.config["TAALAS_CLOCK_PERIOD"])
            gds, cdl = d / f"{port.name}.gds", d / f"{port.name}.cdl"
            port.lib.write_gds(str(gds), timestamp=GDS_TIMESTAMP)
            cdl.write_text(port.cdl)
            logic_gds = d / f"{logic.name}.gds"
            logic.lib.write_gds(str(logic_gds), timestamp=GDS_TIMESTAMP)
            info(f"ROM port {kind}: DRC, LVS")
            beol = run_drc(pdk, gds, d / f"{port.name}_beol.lyrdb", feol=False)
            block = run_drc(pdk, logic_gds, d / f"{logic.name}.lyrdb", feol=True)
            lvs = run_lvs(pdk, gds, cdl, d / f"lvs_{kind}", blackbox=PORT_BLACKBOX)
            metrics.update({
                f"taalas__rom_port__{kind}__width_um": port.width,
                f"taalas__rom_port__{kind}__height_um": port.height,
                f"taalas__rom_port__{kind}__logic_cells": logic.metrics["cells"],
                f"taalas__rom_port__{kind}__channel_tracks": port.metrics["channel_tracks"],
                f"taalas__drc__rom_port_{kind}_beol__count": beol.violations,
                f"taalas__drc__rom_port_{kind}_logic__count": block.violations,
                f"taalas__lvs__rom_port_{kind}_clean": int(lvs.clean),
            })
            summary[kind] = {"gds": gds.name, **port.metrics,
                             "logic": {k: logic.metrics[k] for k in
                                       ("cells", "width_um", "height_um", "utilisation")},
                             "drc_beol": beol.by_rule, "drc_logic": block.by_rule,
                             "lvs_clean": lvs.clean, "lvs_log": str(lvs.log)}
        (d / "rom_ports.json").write_text(json.dumps(summary, indent=2) + "\n")
        return {}, metrics
