"""Whether each net between the engine core and the rest of the chip is within its driver's
liberty max_capacitance. Past it the cell's delay tables end and OpenSTA extrapolates (the
check OpenSTA's own check_capacitance would make; the Debian OpenSTA 2.0.17 here has no
max_capacitance report). A net between blocks is loaded by three parts: the core's wiring
of it and the core cells' inputs on it, the chip wire, and what it meets in the other block
(its cells' inputs and its own wiring of the net, chip/wires.CdlDrivers.beyond). Its driver
is the core's cell for an output port (the port buffer, pnr/buffering) and the other
block's cell for an input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from taalas_flow.layout.stdcells import StdCellLibrary
from taalas_flow.pnr.buffering import PinLoads
from taalas_flow.pnr.netlist import GateNetlist


@dataclass(frozen=True)
class PortDrive:
    cell: str            # the driving cell's short name
    pin: str
    load_pf: float       # everything its output charges (tt pin capacitances)
    max_cap_pf: float    # the pin's liberty max_capacitance (tt)

    @property
    def over(self) -> bool:
        return self.load_pf > self.max_cap_pf


def port_drives(cells: StdCellLibrary, loads: PinLoads, net: GateNetlist,
                core_wire_pf: Callable[[str], float], outside_pf: dict[str, float],
                outside_drivers: dict[str, tuple[str, str]]) -> dict[str, PortDrive]:
    """Per port bit of the core named in `outside_pf` (its chip wire plus what it meets in
    the other blocks): the driver of the whole net and its load. `core_wire_pf`: the core's
    wiring of a net as laid out; `outside_drivers`: (cell, pin) of the other block's driver
    of each input. An input no other block drives (a die pin) is left out, and so is an
    output no core cell drives."""
    out: dict[str, PortDrive] = {}
    for port, beyond in sorted(outside_pf.items()):
        inside = core_wire_pf(port)
        driver = None
        for i, pin in net.nets.get(port, []):
            cell = net.instances[i].cell
            if cells.cell(cell).directions.get(pin) == "OUTPUT":
                driver = (loads.short(cell), pin)
            else:
                inside += loads.cap(cell, pin)
        if net.ports.get(port) == "input":
            driver = outside_drivers.get(port)
        if driver is None:
            continue
        out[port] = PortDrive(driver[0], driver[1], inside + beyond,
                              loads.max_cap(*driver))
    return out
