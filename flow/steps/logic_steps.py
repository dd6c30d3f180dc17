"""Logic layout Step: the synthesised netlist placed and wired by flow/pnr as GDS, proven with
KLayout DRC (FEOL+BEOL) and LVS against the same netlist."""

from __future__ import annotations

import json
from pathlib import Path

from librelane.common import Path as LLPath
from librelane.config import Variable
from librelane.state import DesignFormat, State
from librelane.steps import MetricsUpdate, Step, ViewsUpdate

from taalas_flow.steps.common import CLOCK_VARS, PDK_CONFIG_VARS, step_pdk, write_block

CELL_BLACKBOX = "sky130_fd_sc_hd__*"

LOGIC_VARS = [
    Variable("TAALAS_LOGIC_SIGNOFF", bool,
             "Run KLayout DRC (FEOL+BEOL) and LVS on the logic block layout.", default=True),
]


@Step.factory.register()
class LogicLayout(Step):
    """Rows of sky130_fd_sc_hd cells placed by recursive partitioning and wired on fixed
    met2/met3/met4 track patterns (flow/pnr/block.py), then DRC, LVS, and OpenSTA with the
    parasitics of the generated wiring (flow/pnr/parasitics.py)."""

    id = "Taalas.LogicLayout"
    name = "Logic layout"
    inputs = [DesignFormat.NETLIST]
    outputs = [DesignFormat.GDS]
    config_vars = PDK_CONFIG_VARS + CLOCK_VARS + LOGIC_VARS

    def run(self, state_in: State, **kwargs) -> tuple[ViewsUpdate, MetricsUpdate]:
        from librelane.logging import info

        from taalas_flow.errors import SignoffError
        from taalas_flow.pnr.block import build_block
        from taalas_flow.pnr.netlist import read_gate_netlist
        from taalas_flow.signoff.drc import run_drc
        from taalas_flow.signoff.lvs import run_lvs

        pdk = step_pdk(self.config)
        d = Path(self.step_dir)
        top = self.config["DESIGN_NAME"]
        netlist = Path(str(state_in[DesignFormat.NETLIST]))
        nl = read_gate_netlist(netlist, top, pdk.data["std_cell_library"] + "__")
        block = build_block(pdk, nl, top, progress=lambda msg: info(f"{top}: {msg}"))
        gds, cdl = write_block(block, d)
        m = {f"taalas__logic__{k}": v for k, v in block.metrics.items()}
        m.update(self._timing(pdk, nl, block, netlist, d, **kwargs))
        if self.config["TAALAS_LOGIC_SIGNOFF"]:
            drc = run_drc(pdk, gds, d / f"{top}.drc.lyrdb", feol=True, beol=True)
            lvs = run_lvs(pdk, gds, cdl, d / "lvs", blackbox=CELL_BLACKBOX)
            m["taalas__drc__logic__count"] = drc.violations
            m["taalas__lvs__logic_clean"] = int(lvs.clean)
            (d / "signoff.json").write_text(json.dumps(
                {"drc": drc.by_rule, "lvs_clean": lvs.clean, "lvs_log": str(lvs.log)},
                indent=2) + "\n")
            if drc.violations or not lvs.clean:
                raise SignoffError(
                    f"logic block {top}: DRC {drc.violations} violation(s), LVS "
                    f"{'clean' if lvs.clean else 'MISMATCH'}",
                    f"DRC report {drc.report}; LVS log {lvs.log} (open the .lvsdb in KLayout)")
        return {DesignFormat.GDS: LLPath(str(gds))}, m

    def _timing(self, pdk, nl, block, netlist: Path, d: Path, **kwargs) -> dict[str, float]:
        """OpenSTA (the Taalas.OpenSTA script) on the synthesised netlist with the block's
        SPEF."""
        from taalas_flow.pnr.parasitics import net_rc, write_spef
        from taalas_flow.steps.sta import netlist_ports, sta_script, strip_signed
        from taalas_flow.toolchain import require_tool

        sta = require_tool("sta", "timing")
        spef = d / f"{block.name}.spef"
        n_spef = write_spef(pdk, block, nl, spef)
        src = strip_signed(netlist.read_text())
        (d / "netlist.sta.v").write_text(src)
        (d / "sta_spef.tcl").write_text(sta_script(
            str(pdk.liberty("tt")), str(d / "netlist.sta.v"), nl.module,
            self.config["TAALAS_CLOCK_PERIOD"], self.config["TAALAS_CLOCK_PORT"],
            netlist_ports(src), pdk.data, spef=str(spef)))
        got = self.run_subprocess([sta, "-no_init", "-exit", str(d / "sta_spef.tcl")],
                                  **kwargs)["generated_metrics"]
        wire_c = sum(net_rc(pdk, block, n)[1] for n in block.pins)
        return {"taalas__logic__setup_ws_ns": float(got["timing__setup__ws"]),
                "taalas__logic__hold_ws_ns": float(got["timing__hold__ws"]),
                "taalas__logic__spef_nets": n_spef,
                "taalas__logic__wire_cap_pf": wire_c}
