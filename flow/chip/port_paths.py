"""A ROM port's own wiring on the chip's paths through it (chip/rom_port.py draws it): the
address from the port's pin along its channel track and down each bank's drop to the
macro's address pin, and a macro's DOUT from its pin down to the channel and along it to the
met4 column into the port logic. Each is the Elmore delay of the net as drawn
(chip/clock.arrivals), the address's from the pin (the chip wire before it counts the port's
wire as load; the sum of the two is the whole tree's Elmore delay), DOUT's from the bank's
drop. A macro's DOUT is its output flop's Q (rom/columns.FLOP), so what that flop drives is
the net's whole wire and the logic's pins on it: `dout_load_pf`, for OpenSTA's delay of the
flop into it (Taalas.RomPorts)."""

from __future__ import annotations

import re

from taalas_flow.chip.clock import arrivals
from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout
from taalas_flow.pnr.parasitics import net_rc

ADDRESS = re.compile(r"ADDR_\d+")
# A bank's output bit inside the port (build_rom_port's q_<j>), and the logic's pin for it.
DATA = re.compile(r"q_(\d+)")


def port_paths(pdk: PdkConfig, port: BlockLayout, logic_name: str, liberty
               ) -> dict[str, float]:
    """The worst bit's figures: addr_wire_ns (pin to the latest macro address pin),
    dout_wire_ns (a macro's DOUT to the logic's pin) and dout_load_pf (what the macro's
    output flop drives: the net's wire, the logic's pins and its own wire of them)."""
    from taalas_flow.chip.wires import CdlDrivers

    walk = CdlDrivers(pdk, port.cdl, port.net_pf)
    addr, wire, load = 0.0, 0.0, 0.0
    for n in sorted(port.branches):
        if ADDRESS.fullmatch(n):
            got = arrivals(pdk, port.tracks[n], port.branches[n],
                           walk.sinks(port.name, n, liberty, wire=False))
            addr = max(addr, max(got.values()))
        elif DATA.fullmatch(n):
            logic = walk.sinks(port.name, n, liberty).get(logic_name, 0.0)
            (bank,) = {b.to for b in port.branches[n] if b.to != logic_name}
            got = arrivals(pdk, port.tracks[n], port.branches[n], {logic_name: logic},
                           root=bank)
            wire = max(wire, got[logic_name])
            load = max(load, net_rc(pdk, port, n)[1] + logic)
    return {"addr_wire_ns": addr, "dout_wire_ns": wire, "dout_load_pf": load}
