"""The data memory's read bus as the timing of a read sees it: after a bank has put a word on
its column's bit lines, it reaches the read registers through two chains of gates, each gate
driving one short net, so none is loaded past its cell's liberty max_capacitance (the
tri-state bus this replaced was 0.98 pF along a stripe, past every tri-state cell of
sky130_fd_sc_hd):

- the stripe's chain (chain_loads): each column's interface puts its selected bits on the
  chain coming from its right (`regfile.chain_cell`, and-or); a link is one interface's
  output into the next interface's input, the first column's into the stripe's repeaters
  (`l_G_<p>_<bit>_`). The farthest column's bits pass every link of the stripe;
- the stripes' chain (link_loads): the repeaters (`regfile.read_repeater_cell`, or) of
  stripe s merge its chain with stripe s + 1's repeaters' output (`U<s+1>_G_<p>_<bit>_`, up
  the folded memory's bus between the two stripes), the first stripe's into the global
  logic's read bus G_<p>. The last stripe's bits pass every stripe's repeaters.

Each chain is timed as its first link, from the cell's worst input, then every other link
from the chain's input (CHAIN_IN, LINK_IN: the and-or's B1, the or's B), each link as the
worst (regfile/drivers.stage_delay: the cell into the largest link load, plus the largest
link's Elmore delay), a bound from above. Not in it: the logic's gate between the bus and
the read register, and the register's setup (OpenSTA on the whole logic,
regfile/logic_timing.py's capture)."""

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

# A link of a stripe's chain: an interface's output (c<k>_G_..., regfile/array.chain_net) or the
# first one's into the repeaters (l_G_...).
CHAIN_NET = re.compile(rf"(c\d+_|{LOCAL})" + READ_BUS.pattern)
# A link between stripes: the repeaters' output (G_... in the first stripe, U<s>_G_... above).
LINK_NET = re.compile(r"(U\d+_)?" + READ_BUS.pattern)
# The cells' chain inputs (rtl_templates/dmem_interface.v.j2's C_<p>, dmem_repeaters.v.j2's U_<p>).
CHAIN_IN, LINK_IN = "B1", "B"


@dataclass(frozen=True)
class BusLoad:
    pins_pf: float           # cell inputs on the net
    wire_pf: float           # all of its wire: each stripe's track, the bus line between them
    far_ohm: float           # the most resistive stripe track of the net
    far_pf: float
    bus_ohm: float           # the folded memory's bus line and stubs (0 within one stripe)
    bus_pf: float

    @property
    def load_pf(self) -> float:
        return self.pins_pf + self.wire_pf

    def elmore_ns(self) -> float:
        """Through the most resistive stripe track into all the rest of the net, then the bus
        line into what hangs off it (the other stripes' wiring counts half, the pins whole):
        from above, whichever end the driver is at (ohm x pF = ps)."""
        rest = self.load_pf - self.far_pf
        others = max(0.0, rest - self.bus_pf - self.pins_pf)
        return (self.far_ohm * (self.far_pf / 2 + rest)
                + self.bus_ohm * (self.bus_pf / 2 + others / 2 + self.pins_pf)) * 1e-3


def chain_loads(pdk: PdkConfig, walk, lib, stripes: list[BlockLayout]
                ) -> dict[str, dict[str, DriverLoad]]:
    """{stripe: {its chain link net: load}} (regfile.drivers.stripe_loads), `walk` and `lib`
    as there."""
    return stripe_loads(pdk, walk, lib, stripes, CHAIN_NET.fullmatch)


def link_loads(pdk: PdkConfig, memory: BlockLayout, stripes: list[BlockLayout], walk, lib
               ) -> dict[str, BusLoad]:
    """Per link between stripes of a folded memory (build_folded): the stripes' wiring of
    the net and the memory's bus line between them, if any."""
    from taalas_flow.pnr.parasitics import net_rc

    nets = sorted({n for s in stripes for n in s.wires if LINK_NET.fullmatch(n)})
    out = {}
    for n in nets:
        pins, wire = 0.0, 0.0
        for s in stripes:
            if n in s.wires:
                p, w = walk.meets(s.name, n, lib)
                pins, wire = pins + p, wire + w
        bus_r, bus_c = net_rc(pdk, memory, n)
        far_r, far_c = max(net_rc(pdk, s, n) for s in stripes if n in s.wires)
        out[n] = BusLoad(pins, wire + bus_c, far_r, far_c, bus_r, bus_c)
    return out


def chain_delay(sta: str, pdk: PdkConfig, loads: list, cell: str, chain_in: str, links: int,
                corner: str, workdir: Path) -> dict[str, float]:
    """A chain of `links` links of `cell` (output X) over these link loads: stage_delay's
    keys for its first link (from any input), `link_ns` any other's (from `chain_in`), `ns`
    the whole chain's, `links`."""
    from taalas_flow.steps.sta import cell_delay

    first = stage_delay(sta, pdk, cell, "X", loads, corner, workdir)
    link = cell_delay(sta, pdk, cell, "X", corner, workdir, first["load_pf"],
                      from_pin=chain_in) + first["wire_ns"]
    return {**first, "first_ns": first["ns"], "link_ns": link,
            "ns": first["ns"] + (links - 1) * link, "links": links}


def stripe_chain_delay(sta: str, pdk: PdkConfig, loads: dict[str, dict[str, DriverLoad]],
                       links: int, corner: str, workdir: Path) -> dict[str, float]:
    """The stripes' chains: `links` is the most columns any stripe has."""
    return chain_delay(sta, pdk, [ld for by in loads.values() for ld in by.values()],
                       str(pdk.data["regfile"]["chain_cell"]), CHAIN_IN, links, corner, workdir)


def link_delay(sta: str, pdk: PdkConfig, loads: dict[str, BusLoad], stripes: int,
               corner: str, workdir: Path) -> dict[str, float]:
    """The chain between stripes: one repeater per stripe."""
    return chain_delay(sta, pdk, list(loads.values()),
                       str(pdk.data["regfile"]["read_repeater_cell"]), LINK_IN, stripes, corner,
                       workdir)
