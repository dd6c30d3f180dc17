"""The data memory's read bus as the timing of a read sees it: after a bank has put a word on
its column's bit lines, the column's interface drives it (one tri-state cell per bit,
pdk_configs `regfile.bus_cell`) onto the read bus.

With read repeaters (regfile/drivers.py) that is two stages:

- the stripe's own bus (`l_G_<p>_<bit>_`, local_loads): one line along the stripe's channel
  from the interface farthest from the repeaters to them at its left end, with the other
  interfaces' wiring spread along it; the Elmore delay of a line driven from one end into
  loads spread evenly along it is regfile/drivers.DriverLoad's by symmetry (the repeater's
  input, at the line's end, is spread with the rest: a few fF short);
- the global bus G_<p> (bus_loads): the repeater (`regfile.read_repeater_cell`) drives it up
  the folded memory's bus to the read registers in the global logic (stripe 0's left end).

Without them (a memory built without drivers) the interfaces drive G_<p> directly, along
every stripe's channel, and bus_loads is the only stage.

The global bus bit as an RC tree, from the stripe farthest from the logic: its stripe's wiring
into all the rest of the net, then the bus line into what hangs off it (the other stripes'
wiring, spread along it, count half; the logic's inputs at its end, whole). Every stripe's
wiring is taken whole, which overstates the resistance to any one driver. Not in it: the
logic's gate between the bus and the read register, and the register's setup, and the
repeaters' enable, decoded by the logic from the read address while the bank reads (all
three from OpenSTA on the whole logic, regfile/logic_timing.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from taalas_flow.pdk import PdkConfig
from taalas_flow.pnr.block import BlockLayout
from taalas_flow.regfile.drivers import (
    LOCAL,
    READ_BUS,
    DriverLoad,
    stage_delay,
    stripe_loads,
)

STRIPE_BUS = re.compile(LOCAL + READ_BUS.pattern)


@dataclass(frozen=True)
class BusLoad:
    pins_pf: float           # cell inputs on the bit (the logic's)
    wire_pf: float           # all of its wire: every stripe's track, the bus, the logic's own
    far_ohm: float           # the longest stripe track
    far_pf: float
    bus_ohm: float           # the folded memory's bus line and stubs
    bus_pf: float

    @property
    def load_pf(self) -> float:
        return self.pins_pf + self.wire_pf

    def elmore_ns(self) -> float:
        """Farthest interface to the logic (ohm x pF = ps), as the module says."""
        rest = self.load_pf - self.far_pf
        others = max(0.0, rest - self.bus_pf - self.pins_pf)
        return (self.far_ohm * (self.far_pf / 2 + rest)
                + self.bus_ohm * (self.bus_pf / 2 + others / 2 + self.pins_pf)) * 1e-3


def bus_loads(pdk: PdkConfig, memory: BlockLayout, stripes: list[BlockLayout], walk, lib
              ) -> dict[str, BusLoad]:
    """Per read-bus bit of a folded memory (build_folded): `walk` and `lib` as for
    regfile.drivers.driver_loads."""
    from taalas_flow.pnr.parasitics import net_rc

    out = {}
    for n in sorted(n for n in memory.wires if READ_BUS.fullmatch(n)):
        pins, wire = 0.0, 0.0
        for s in stripes:
            # each stripe's wire of the bit once (its net_pf), every cell input below it
            p, w = walk.meets(s.name, n, lib)
            pins, wire = pins + p, wire + w
        # the logic block sits in stripe 0: its inputs are counted there
        bus_r, bus_c = net_rc(pdk, memory, n)
        far_r, far_c = max(net_rc(pdk, s, n) for s in stripes if n in s.wires)
        out[n] = BusLoad(pins, wire + bus_c, far_r, far_c, bus_r, bus_c)
    return out


def local_loads(pdk: PdkConfig, walk, lib, stripes: list[BlockLayout]
                ) -> dict[str, dict[str, DriverLoad]]:
    """{stripe: {its read-bus net: load}} of a memory with read repeaters
    (regfile.drivers.stripe_loads; `taps`: the interfaces on the net)."""
    return stripe_loads(pdk, walk, lib, stripes, STRIPE_BUS.fullmatch)


def bus_delay(sta: str, pdk: PdkConfig, loads: dict[str, BusLoad], corner: str,
              workdir: Path, cell: str | None = None) -> dict[str, float]:
    """`cell` (default the interfaces' bus cell; the repeater's with repeaters), worst input
    to Z, into the largest load of any bit, plus the largest Elmore delay of any bit
    (regfile/drivers.stage_delay)."""
    return stage_delay(sta, pdk, cell or str(pdk.data["regfile"]["bus_cell"]), "Z",
                       list(loads.values()), corner, workdir)


def local_delay(sta: str, pdk: PdkConfig, loads: dict[str, dict[str, DriverLoad]],
                corner: str, workdir: Path) -> dict[str, float]:
    """The interfaces' bus cell into the largest stripe read-bus load, plus the largest
    Elmore delay, over every stripe and bit."""
    return stage_delay(sta, pdk, str(pdk.data["regfile"]["bus_cell"]), "Z",
                       [ld for by in loads.values() for ld in by.values()], corner, workdir)
