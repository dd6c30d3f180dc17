"""What the data memory's global logic drives inside the memory: its outputs (each bank's
read enable into the stripe drivers, the predecoded column lines and write enables into
every interface) leave stripe 0's left end and run up the folded memory's bus into the
stripes. The logic is synthesised to drive a load the PDK config guesses
(`regfile.logic_output_load_pf`, regfile/logic.build_logic) before any of these nets exist,
so each output's cell is checked here against its liberty max_capacitance and timed into
its load as drawn (regfile/drivers.stage_delay), as the stripe drivers are.

A net as an RC tree from the logic: the bus line, then the stripe whose own wiring has the
most resistance. Its Elmore delay takes all the load past the bus line at the bus line's
far end, and the far stripe's own load at that stripe's far end, so it bounds the delay to
any one pin from above."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout, cdl_names
from taalas_flow.regfile.memory import MemoryPlan

# A logic output's group: its net without the bit index (SH_A_3 -> SH_A, RE_B_2 -> RE_B).
GROUP = re.compile(r"_\d+_?$")


@dataclass(frozen=True)
class LogicLoad:
    cell: str                # the logic's library cell driving the net (short name)
    pin: str
    pins_pf: float           # every cell input on the net, the whole memory
    wire_pf: float           # every wire of the net: the logic's own, the bus, the stripes'
    bus_ohm: float           # the folded memory's bus line and stubs
    bus_pf: float
    far_ohm: float           # the stripe with the most resistive wiring of the net
    far_pf: float
    far_load_pf: float       # that stripe's pins and wire

    @property
    def load_pf(self) -> float:
        return self.pins_pf + self.wire_pf

    def elmore_ns(self) -> float:
        """Logic to the farthest pin, from above, as the module says (ohm x pF = ps)."""
        return (self.bus_ohm * (self.bus_pf / 2 + self.load_pf - self.bus_pf)
                + self.far_ohm * (self.far_pf / 2 + self.far_load_pf - self.far_pf)) * 1e-3


def logic_port_nets(plan: MemoryPlan, logic: BlockLayout) -> dict[str, str]:
    """{the logic's port as its gate netlist spells it (`SH_A[3]`): the memory net it is on
    (regfile/array.logic_net of its CDL spelling)}."""
    from taalas_flow.regfile.array import logic_net

    spell = cdl_names(sorted(logic.ports))
    return {p: logic_net(plan, spell[p]) for p in logic.ports}


def logic_outputs(logic: BlockLayout, port_nets: dict[str, str]) -> list[str]:
    """The memory nets the logic's outputs are on (`port_nets`: logic_port_nets). A block
    laid out by flow/pnr has its inputs on its left edge and its outputs on its right."""
    return sorted({port_nets[p] for p, (x, _y) in logic.ports.items() if x != 0.0})


def logic_loads(pdk: PdkConfig, memory: BlockLayout, stripes: list[BlockLayout],
                nets: list[str], walk, lib) -> dict[str, LogicLoad]:
    """Per net of `nets` of the folded memory `memory` (build_folded; a net only stripe 0
    uses has no bus line), with `walk` a chip.wires.CdlDrivers over its CDL and wiring
    tables and `lib` the liberty."""
    from taalas_flow.errors import SignoffError
    from taalas_flow.pnr.parasitics import net_rc

    out = {}
    for n in nets:
        drv = walk.driver(memory.name, n)
        if drv is None:
            raise SignoffError(f"{memory.name}: no cell drives the logic's output net {n}",
                               "the memory's CDL lost the logic's driver: a generator bug")
        pins, wire = walk.meets(memory.name, n, lib)
        bus_r, bus_c = net_rc(pdk, memory, n)
        # the memory's own wiring tables hold its ports only: its bus line once, either way
        wire += bus_c - walk.net_pf.get(memory.name, {}).get(n, 0.0)
        # the stripe whose own wiring of the net is the most resistive (its rc and name)
        far_r, far_c, far = max(((*net_rc(pdk, s, n), s.name) for s in stripes if n in s.wires),
                                default=(0.0, 0.0, None))
        far_load = sum(walk.meets(far, n, lib)) if far else 0.0
        out[n] = LogicLoad(drv[0], drv[1], pins, wire, bus_r, bus_c, far_r, far_c, far_load)
    return out


def logic_groups(loads: dict[str, LogicLoad]) -> dict[tuple[str, str, str], list[LogicLoad]]:
    """Loads by (group, cell, pin): the stage_delay calls the logic's outputs need."""
    out: dict[tuple[str, str, str], list[LogicLoad]] = {}
    for n, ld in sorted(loads.items()):
        out.setdefault((GROUP.sub("", n), ld.cell, ld.pin), []).append(ld)
    return out


def logic_delays(sta: str, pdk: PdkConfig, loads: dict[str, LogicLoad], corner: str,
                 workdir: Path) -> dict[str, dict]:
    """Per group of the logic's outputs, its cells into their loads (stage_delay per cell
    of the group): `ns` the slowest, `earliest_ns` the fastest, and `cell`, `pin`,
    `load_pf`, `max_cap_pf` those of the cell loaded closest to (or furthest past) its
    limit."""
    from taalas_flow.regfile.drivers import stage_delay

    out: dict[str, dict] = {}
    for (group, cell, pin), lds in logic_groups(loads).items():
        r = {**stage_delay(sta, pdk, cell, pin, lds, corner, workdir / f"{group}_{cell}"),
             "cell": cell, "pin": pin}
        if group in out:
            prev = out[group]
            worst = max((prev, r), key=lambda v: v["load_pf"] / v["max_cap_pf"])
            r = {**worst, "ns": max(prev["ns"], r["ns"]),
                 "earliest_ns": min(prev["earliest_ns"], r["earliest_ns"])}
        out[group] = r
    return out
