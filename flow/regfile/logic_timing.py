"""The data memory's global logic timed whole: OpenSTA on its gate netlist with its own
wiring's SPEF (flow/pnr/parasitics.py) and its clock propagated through that wiring, every
output loaded by the line it drives across the memory (regfile/logic_loads.py, less the
logic's own wire of it, which the SPEF holds).

Two things the chip's timing needs from it that the logic's last cell alone
(logic_loads.logic_delays) does not give:

- a line's decode: every gate from the address pins to the line, the last one into the
  line's whole load (port_timing's `out`: with the inputs launched at the clock edge, an
  output no register drives settles that long after its inputs);
- the read registers' capture: how long before the clock edge the read bus must reach the
  logic for the gate in front of each read register and that register's setup
  (port_timing's `in` for G_<p>, as a time before the edge).

The address inputs are driven as the config's driving cell drives them; the core's side of
those pins (its output into the chip wire and every pin on it) is the core's share of the
path (steps/sta.port_timing on the core)."""

from __future__ import annotations

from pathlib import Path

from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, cdl_names
from taalas_flow.pnr.netlist import GateNetlist
from taalas_flow.regfile.logic_loads import LogicLoad, logic_port_nets
from taalas_flow.regfile.memory import MemoryPlan


def port_loads(pdk: PdkConfig, plan: MemoryPlan, logic: BlockLayout,
               loads: dict[str, LogicLoad]) -> dict[str, float]:
    """pF to set on each output port of the logic: its line's whole load less the logic's own
    wire of the net (in the SPEF already, by the net's name inside the logic: the port's CDL
    spelling)."""
    from taalas_flow.pnr.parasitics import port_wire_pf

    own = port_wire_pf(pdk, logic)
    spell = cdl_names(sorted(logic.ports))
    return {p: max(0.0, loads[n].load_pf - own.get(spell[p], 0.0))
            for p, n in logic_port_nets(plan, logic).items() if n in loads}


def logic_timing(sta: str, pdk: PdkConfig, plan: MemoryPlan, logic: BlockLayout,
                 net: GateNetlist, netlist: Path, loads: dict[str, LogicLoad], period: float,
                 workdir: Path, corner: str = "tt") -> dict[str, dict[str, float]]:
    """`out_ns` {output bus: ns after the clock edge its worst bit settles; for a line (SH_A,
    WEB, RE_B, ...) with the inputs launched at the edge, its decode; for the read data,
    the register's clock to the pin} and `capture_ns` {read bus (G_A, G_B): ns before the
    edge it must arrive}, at `corner` (steps/sta.port_timing on the logic)."""
    from taalas_flow.pnr.parasitics import write_spef
    from taalas_flow.steps.sta import port_timing, strip_signed

    workdir.mkdir(parents=True, exist_ok=True)
    spef, v = workdir / f"{logic.name}.spef", workdir / f"{logic.name}.sta.v"
    write_spef(pdk, logic, net, spef)
    v.write_text(strip_signed(Path(netlist).read_text()))
    t = port_timing(sta, pdk, str(v), logic.name, str(spef), period, "clk", workdir, corner,
                    loads=port_loads(pdk, plan, logic, loads))
    return {"out_ns": dict(t["out"]),
            "capture_ns": {k: period - v for k, v in t["in"].items() if k.startswith("G_")}}
